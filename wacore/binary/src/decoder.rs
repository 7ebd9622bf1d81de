//! Bytes -> [`NodeRef`], borrowing from the input.
//!
//! Hostile input is expected: every read is bounds-checked, every length and list size is
//! checked against the bytes left *before* anything is allocated for it, and node nesting is
//! capped at [`MAX_DEPTH`]. Allocation is therefore bounded by a constant times the input length.

use std::borrow::Cow;

use crate::error::BinaryError;
use crate::jid::{
    DEFAULT_USER_SERVER, HIDDEN_USER_SERVER, HOSTED_LID_SERVER, HOSTED_SERVER, INTEROP_SERVER,
    JidRef, MESSENGER_SERVER,
};
use crate::marshal::MAX_DEPTH;
use crate::node::{AttrsRef, NodeContentRef, NodeRef, ValueRef};
use crate::token;

/// Decoding errors as the hot path carries them: small and `Copy` (the public
/// [`BinaryError`] holds strings for other variants), converted once at the API boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Eof {
        offset: u32,
        needed: u32,
    },
    PastEnd {
        offset: u32,
        len: u32,
        remaining: u32,
    },
    InvalidToken {
        tag: u8,
        offset: u32,
    },
    TokenOutOfRange {
        dict: Option<u8>,
        index: u8,
    },
    InvalidListTag {
        tag: u8,
        offset: u32,
    },
    InvalidNode {
        offset: u32,
        reason: &'static str,
    },
    InvalidUtf8 {
        offset: u32,
    },
    InvalidPacked {
        digit: u8,
        offset: u32,
    },
    InvalidWireJid {
        offset: u32,
        reason: &'static str,
    },
    MaxDepth,
}

impl From<DecodeError> for BinaryError {
    fn from(e: DecodeError) -> Self {
        let u = |n: u32| n as usize;
        match e {
            DecodeError::Eof { offset, needed } => BinaryError::UnexpectedEof {
                offset: u(offset),
                needed: u(needed),
            },
            DecodeError::PastEnd {
                offset,
                len,
                remaining,
            } => BinaryError::LengthPastEnd {
                offset: u(offset),
                len: u(len),
                remaining: u(remaining),
            },
            DecodeError::InvalidToken { tag, offset } => BinaryError::InvalidToken {
                tag,
                offset: u(offset),
            },
            DecodeError::TokenOutOfRange { dict, index } => {
                BinaryError::TokenOutOfRange { dict, index }
            }
            DecodeError::InvalidListTag { tag, offset } => BinaryError::InvalidListTag {
                tag,
                offset: u(offset),
            },
            DecodeError::InvalidNode { offset, reason } => BinaryError::InvalidNode {
                offset: u(offset),
                reason,
            },
            DecodeError::InvalidUtf8 { offset } => BinaryError::InvalidUtf8 { offset: u(offset) },
            DecodeError::InvalidPacked { digit, offset } => BinaryError::InvalidPacked {
                digit,
                offset: u(offset),
            },
            DecodeError::InvalidWireJid { offset, reason } => BinaryError::InvalidWireJid {
                offset: u(offset),
                reason,
            },
            DecodeError::MaxDepth => BinaryError::MaxDepthExceeded { limit: MAX_DEPTH },
        }
    }
}

type Result<T> = std::result::Result<T, DecodeError>;

/// An offset or length as the compact error stores it (saturating; frames are far smaller).
#[inline]
fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Packed byte -> its two characters (0 = not in the alphabet; a low-nibble 0 is also the
/// padding digit 15 of nibble packing). Built at compile time.
// Evaluated at compile time: an out-of-range index would fail the build, not panic at run time.
#[allow(clippy::indexing_slicing)]
static NIBBLE_PAIRS: [[u8; 2]; 256] = pair_table(b"0123456789-.\0\0\0\0");
#[allow(clippy::indexing_slicing)]
static HEX_PAIRS: [[u8; 2]; 256] = pair_table(b"0123456789ABCDEF");

#[allow(clippy::indexing_slicing)]
const fn pair_table(alphabet: &[u8; 16]) -> [[u8; 2]; 256] {
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [alphabet[i >> 4], alphabet[i & 0x0F]];
        i += 1;
    }
    t
}

/// Smallest encoding of a node (`LIST_8 1 <token>`): bounds list capacities.
const MIN_NODE_LEN: usize = 3;

pub(crate) struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    #[inline]
    fn read_u8(&mut self) -> Result<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(DecodeError::Eof {
                offset: n32(self.pos),
                needed: n32(1),
            }),
        }
    }

    #[inline]
    fn read_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.data.get(self.pos..self.pos + N) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                self.pos += N;
                Ok(a)
            }
            None => Err(DecodeError::Eof {
                offset: n32(self.pos),
                needed: n32(N - self.remaining()),
            }),
        }
    }

    #[inline]
    fn read_u16(&mut self) -> Result<u16> {
        self.read_array::<2>().map(u16::from_be_bytes)
    }

    /// `len` bytes; `prefix_offset` is where the length was read (for the error).
    #[inline]
    fn take(&mut self, len: usize, prefix_offset: usize) -> Result<&'a [u8]> {
        let remaining = self.remaining();
        match self.data.get(self.pos..).and_then(|rest| rest.get(..len)) {
            Some(s) => {
                self.pos += len;
                Ok(s)
            }
            None => Err(DecodeError::PastEnd {
                offset: n32(prefix_offset),
                len: n32(len),
                remaining: n32(remaining),
            }),
        }
    }

    /// The length after a `BINARY_*` tag.
    #[inline]
    fn binary_len(&mut self, tag: u8) -> Result<usize> {
        Ok(match tag {
            token::BINARY_8 => usize::from(self.read_u8()?),
            token::BINARY_20 => {
                let [a, b, c] = self.read_array::<3>()?;
                (usize::from(a & 0x0F) << 16) | (usize::from(b) << 8) | usize::from(c)
            }
            _ => u32::from_be_bytes(self.read_array::<4>()?) as usize,
        })
    }

    /// The size after a list tag, checked against the bytes left (`min_item` bytes per item).
    #[inline]
    fn list_size(&mut self, tag: u8, offset: usize, min_item: usize) -> Result<usize> {
        let size = match tag {
            token::LIST_EMPTY => 0,
            token::LIST_8 => usize::from(self.read_u8()?),
            token::LIST_16 => usize::from(self.read_u16()?),
            _ => {
                return Err(DecodeError::InvalidListTag {
                    tag,
                    offset: n32(offset),
                });
            }
        };
        let remaining = self.remaining();
        if size.saturating_mul(min_item) > remaining {
            return Err(DecodeError::PastEnd {
                offset: n32(offset),
                len: n32(size),
                remaining: n32(remaining),
            });
        }
        Ok(size)
    }

    /// A node and its subtree; `depth` is its nesting level (0 = top).
    pub(crate) fn node(&mut self, depth: usize) -> Result<NodeRef<'a>> {
        let offset = self.pos;
        let tag = self.read_u8()?;
        let size = self.list_size(tag, offset, 1)?;
        if size == 0 {
            return Err(DecodeError::InvalidNode {
                offset: n32(offset),
                reason: "empty list",
            });
        }
        let tag_str = self.string()?;
        if tag_str.is_empty() {
            return Err(DecodeError::InvalidNode {
                offset: n32(offset),
                reason: "empty tag",
            });
        }
        let n_attrs = (size - 1) / 2;
        let mut attrs = Vec::with_capacity(n_attrs);
        for _ in 0..n_attrs {
            let key = self.string()?;
            let value = self.value()?;
            attrs.push((key, value));
        }
        let content = if size % 2 == 0 {
            Some(self.content(depth)?)
        } else {
            None
        };
        Ok(NodeRef {
            tag: tag_str,
            attrs: AttrsRef::from_vec(attrs),
            content,
        })
    }

    fn content(&mut self, depth: usize) -> Result<NodeContentRef<'a>> {
        let offset = self.pos;
        let tag = self.read_u8()?;
        match tag {
            token::LIST_EMPTY | token::LIST_8 | token::LIST_16 => {
                let size = self.list_size(tag, offset, MIN_NODE_LEN)?;
                if size > 0 && depth >= MAX_DEPTH {
                    return Err(DecodeError::MaxDepth);
                }
                let mut children = Vec::with_capacity(size);
                for _ in 0..size {
                    children.push(self.node(depth + 1)?);
                }
                Ok(NodeContentRef::Nodes(children))
            }
            token::BINARY_8 | token::BINARY_20 | token::BINARY_32 => {
                let len = self.binary_len(tag)?;
                Ok(NodeContentRef::Bytes(Cow::Borrowed(
                    self.take(len, offset)?,
                )))
            }
            _ => Ok(NodeContentRef::String(
                self.string_from_tag(tag, offset, true)?,
            )),
        }
    }

    /// An attribute value: a JID stays structured.
    fn value(&mut self) -> Result<ValueRef<'a>> {
        let offset = self.pos;
        let tag = self.read_u8()?;
        match tag {
            token::JID_PAIR | token::AD_JID | token::FB_JID | token::INTEROP_JID => {
                Ok(ValueRef::Jid(self.jid(tag, offset)?))
            }
            _ => Ok(ValueRef::String(self.string_from_tag(tag, offset, true)?)),
        }
    }

    /// A string where a JID may stand (formatted to text if it is one).
    fn string(&mut self) -> Result<Cow<'a, str>> {
        let offset = self.pos;
        let tag = self.read_u8()?;
        self.string_from_tag(tag, offset, true)
    }

    /// A part of a JID: never itself a JID.
    fn plain(&mut self) -> Result<Cow<'a, str>> {
        let offset = self.pos;
        let tag = self.read_u8()?;
        self.string_from_tag(tag, offset, false)
    }

    fn string_from_tag(
        &mut self,
        tag: u8,
        offset: usize,
        jid_allowed: bool,
    ) -> Result<Cow<'a, str>> {
        match tag {
            token::LIST_EMPTY => Ok(Cow::Borrowed("")),
            token::SINGLE_BYTE_MIN..=token::SINGLE_BYTE_MAX => token::get_single_token(tag)
                .map(Cow::Borrowed)
                .ok_or(DecodeError::TokenOutOfRange {
                    dict: None,
                    index: tag,
                }),
            token::DICTIONARY_0..=token::DICTIONARY_3 => {
                let dict = tag - token::DICTIONARY_0;
                let index = self.read_u8()?;
                token::get_double_token(dict, index)
                    .map(Cow::Borrowed)
                    .ok_or(DecodeError::TokenOutOfRange {
                        dict: Some(dict),
                        index,
                    })
            }
            token::BINARY_8 | token::BINARY_20 | token::BINARY_32 => {
                let len = self.binary_len(tag)?;
                let start = self.pos;
                let bytes = self.take(len, offset)?;
                std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
                    DecodeError::InvalidUtf8 {
                        offset: n32(start + e.valid_up_to()),
                    }
                })
            }
            token::NIBBLE_8 | token::HEX_8 => self.packed(tag).map(Cow::Owned),
            token::JID_PAIR | token::AD_JID | token::FB_JID | token::INTEROP_JID if jid_allowed => {
                Ok(Cow::Owned(self.jid(tag, offset)?.to_jid_string()))
            }
            token::JID_PAIR | token::AD_JID | token::FB_JID | token::INTEROP_JID => {
                Err(DecodeError::InvalidWireJid {
                    offset: n32(offset),
                    reason: "a JID inside a JID",
                })
            }
            _ => Err(DecodeError::InvalidToken {
                tag,
                offset: n32(offset),
            }),
        }
    }

    fn packed(&mut self, tag: u8) -> Result<String> {
        let header = self.read_u8()?;
        let n = usize::from(header & 0x7F);
        let odd = header & 0x80 != 0;
        let start = self.pos;
        let bytes = self.take(n, start.saturating_sub(1))?;
        let table = if tag == token::NIBBLE_8 {
            &NIBBLE_PAIRS
        } else {
            &HEX_PAIRS
        };
        let mut out = Vec::with_capacity(2 * n);
        for (i, &byte) in bytes.iter().enumerate() {
            let [hi, lo] = table.get(usize::from(byte)).copied().unwrap_or([0, 0]);
            if hi == 0 || (lo == 0 && !(odd && i + 1 == n)) {
                // A digit outside the alphabet (padding is allowed only in the last place).
                let digit = if hi == 0 { byte >> 4 } else { byte & 0x0F };
                return Err(DecodeError::InvalidPacked {
                    digit,
                    offset: n32(start + i),
                });
            }
            out.extend_from_slice(&[hi, lo]);
        }
        if odd {
            out.pop();
        }
        // Only ASCII was written, so this never falls back.
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    /// A JID after its tag byte (read at `offset`).
    fn jid(&mut self, tag: u8, offset: usize) -> Result<JidRef<'a>> {
        match tag {
            token::JID_PAIR => {
                let user = self.plain()?;
                let server = self.plain()?;
                if server.is_empty() {
                    return Err(DecodeError::InvalidWireJid {
                        offset: n32(offset),
                        reason: "empty server",
                    });
                }
                Ok(JidRef {
                    user,
                    server,
                    agent: 0,
                    device: 0,
                    integrator: 0,
                })
            }
            token::AD_JID => {
                let [domain, device] = self.read_array::<2>()?;
                let server = match domain {
                    0 => DEFAULT_USER_SERVER,
                    1 => HIDDEN_USER_SERVER,
                    129 => HOSTED_LID_SERVER,
                    // WhatsApp Web reads every even domain with the high bit set as hosted.
                    d if d & 0x80 != 0 && d & 1 == 0 => HOSTED_SERVER,
                    _ => {
                        return Err(DecodeError::InvalidWireJid {
                            offset: n32(offset),
                            reason: "unknown AD_JID domain type",
                        });
                    }
                };
                let user = self.plain()?;
                Ok(JidRef {
                    user,
                    server: Cow::Borrowed(server),
                    agent: 0,
                    device: u16::from(device),
                    integrator: 0,
                })
            }
            token::FB_JID => {
                let user = self.plain()?;
                let device = self.read_u16()?;
                let server = self.plain()?;
                if server != MESSENGER_SERVER {
                    return Err(DecodeError::InvalidWireJid {
                        offset: n32(offset),
                        reason: "FB_JID server is not msgr",
                    });
                }
                Ok(JidRef {
                    user,
                    server,
                    agent: 0,
                    device,
                    integrator: 0,
                })
            }
            _ => {
                let user = self.plain()?;
                let device = self.read_u16()?;
                let integrator = self.read_u16()?;
                let server = self.plain()?;
                if server != INTEROP_SERVER {
                    return Err(DecodeError::InvalidWireJid {
                        offset: n32(offset),
                        reason: "INTEROP_JID server is not interop",
                    });
                }
                Ok(JidRef {
                    user,
                    server,
                    agent: 0,
                    device,
                    integrator,
                })
            }
        }
    }
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
