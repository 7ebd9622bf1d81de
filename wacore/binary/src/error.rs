//! Errors of the binary codec, the JID parser and the attribute parser.

use thiserror::Error;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, BinaryError>;

/// Why a string is not a JID.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JidError {
    /// The string was empty.
    #[error("empty JID")]
    Empty,
    /// No `@` and the string is not a known server name.
    #[error("not a JID (no '@' and not a known server): {0:?}")]
    NoServer(String),
    /// The part after `@` is empty or holds another `@`.
    #[error("invalid JID server in {0:?}")]
    InvalidServer(String),
    /// The device after `:` is not a decimal number in 0..=65535.
    #[error("invalid JID device in {0:?}")]
    InvalidDevice(String),
    /// The integrator before `-` of an interop JID is not a decimal number in 0..=65535.
    #[error("invalid JID integrator in {0:?}")]
    InvalidIntegrator(String),
    /// A non-canonical form whose printed form would read as another JID (e.g. `a.5.0@bot`).
    #[error("ambiguous JID {0:?}")]
    Ambiguous(String),
    /// A server-only JID (`@server`) carries a device or agent.
    #[error("server JID with a device or agent: {0:?}")]
    DeviceOnServerJid(String),
}

/// Everything that can go wrong encoding, decoding or reading attributes of nodes.
///
/// Decoding errors carry the byte offset (into the node bytes, after the flag byte) where the
/// problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BinaryError {
    /// The input ended before a value was complete.
    #[error("unexpected end of data at offset {offset}: needed {needed} more byte(s)")]
    UnexpectedEof {
        /// Offset of the value being read.
        offset: usize,
        /// Bytes it needed beyond the end.
        needed: usize,
    },
    /// A length prefix (string, bytes or list) points past the end of the input.
    #[error("length {len} at offset {offset} runs past the end ({remaining} byte(s) left)")]
    LengthPastEnd {
        /// Offset of the length prefix.
        offset: usize,
        /// The length read.
        len: usize,
        /// Bytes left after the prefix.
        remaining: usize,
    },
    /// A tag byte that has no meaning where it was found (unassigned 240..=244, or e.g. a list
    /// where a string must be).
    #[error("invalid tag byte {tag} at offset {offset}")]
    InvalidToken {
        /// The byte.
        tag: u8,
        /// Its offset.
        offset: usize,
    },
    /// A token index outside the dictionary.
    #[error("token index out of range: dictionary {dict:?}, index {index}")]
    TokenOutOfRange {
        /// Double-byte dictionary, or None for the single-byte table.
        dict: Option<u8>,
        /// The index.
        index: u8,
    },
    /// A node did not start with a list tag.
    #[error("expected a list tag at offset {offset}, found {tag}")]
    InvalidListTag {
        /// The byte found.
        tag: u8,
        /// Its offset.
        offset: usize,
    },
    /// A node with an empty list or an empty tag.
    #[error("invalid node at offset {offset}: {reason}")]
    InvalidNode {
        /// Offset of the node.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A string on the wire is not valid UTF-8.
    #[error("invalid UTF-8 in the string at offset {offset}")]
    InvalidUtf8 {
        /// Offset of the string's bytes.
        offset: usize,
    },
    /// A packed (nibble or hex) string holds a digit outside its alphabet.
    #[error("invalid packed digit {digit} at offset {offset}")]
    InvalidPacked {
        /// The 4-bit value.
        digit: u8,
        /// Offset of the byte that holds it.
        offset: usize,
    },
    /// A JID on the wire is malformed (unknown domain type, wrong server, nested JID...).
    #[error("invalid JID on the wire at offset {offset}: {reason}")]
    InvalidWireJid {
        /// Offset of the JID tag.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// Nodes nested deeper than [`MAX_DEPTH`](crate::marshal::MAX_DEPTH).
    #[error("nodes nested deeper than {limit}")]
    MaxDepthExceeded {
        /// The limit.
        limit: usize,
    },
    /// Bytes were left after the top-level node.
    #[error("{0} byte(s) left over after the node")]
    LeftoverData(usize),
    /// A frame with no bytes at all (not even the flag byte).
    #[error("empty frame")]
    EmptyData,
    /// The zlib stream of a compressed frame is corrupt.
    #[error("zlib decompression failed: {0}")]
    Decompress(String),
    /// A compressed frame inflates past the size limit.
    #[error("decompressed frame exceeds {limit} bytes")]
    DecompressedTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Encoding: a node with an empty tag.
    #[error("cannot encode a node with an empty tag")]
    EmptyTag,
    /// Encoding: a list (attributes + children) longer than the wire allows (65535).
    #[error("cannot encode a list of {0} items (max 65535)")]
    ListTooLong(usize),
    /// Encoding: bytes or a string longer than the wire allows (u32).
    #[error("cannot encode {0} bytes (max 4294967295)")]
    DataTooLong(usize),
    /// Encoding: a JID the wire cannot carry exactly (an agent, a device > 255 on an AD server,
    /// a device on a server without device JIDs).
    #[error("JID {jid:?} cannot be encoded: {reason}")]
    JidNotEncodable {
        /// The JID.
        jid: String,
        /// Why.
        reason: &'static str,
    },
    /// A string is not a valid JID.
    #[error(transparent)]
    Jid(#[from] JidError),
    /// Attribute parser: a required attribute is absent.
    #[error("missing attribute {0:?}")]
    MissingAttr(String),
    /// Attribute parser: an attribute has the wrong form.
    #[error("attribute {key:?}: {reason}")]
    AttrParse {
        /// Attribute name.
        key: String,
        /// What was wrong (includes the value).
        reason: String,
    },
    /// Attribute parser: several errors, in the order they were found.
    #[error("{} attribute errors: {}", .0.len(), join_errors(.0))]
    AttrList(Vec<BinaryError>),
}

fn join_errors(errors: &[BinaryError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
