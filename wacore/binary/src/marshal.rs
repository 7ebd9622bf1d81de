//! Entry points: node <-> bytes, and the frame flag byte.
//!
//! A decrypted frame is one flag byte followed by the node bytes. Bit `0x02` of the flag says the
//! node bytes are zlib-compressed; encoders always write flag `0x00`. So:
//! - [`marshal`] / [`marshal_to_vec`] produce `0x00` + node bytes, ready to encrypt;
//! - [`unpack`] turns a received frame into node bytes (stripping the flag, inflating if needed);
//! - [`unmarshal_ref`] decodes node bytes (no flag) into a [`NodeRef`] borrowing from them.

use std::borrow::Cow;
use std::io::Read;

use crate::decoder::Decoder;
use crate::encoder::{Counter, Encoder};
use crate::error::{BinaryError, Result};
use crate::node::{Node, NodeRef};

/// Deepest node nesting accepted (the top node is depth 0), by both encoder and decoder.
pub const MAX_DEPTH: usize = 64;
/// Flag byte of an uncompressed frame.
pub const FLAG_PLAIN: u8 = 0x00;
/// Flag bit of a zlib-compressed frame.
pub const FLAG_COMPRESSED: u8 = 0x02;
/// Default cap on the size of a decompressed frame (16 MiB, the largest frame).
pub const MAX_DECOMPRESSED_SIZE: usize = 16 << 20;

/// Initial capacity of the buffer [`marshal`] allocates.
const INITIAL_CAPACITY: usize = 512;

/// Encodes `node` into a new buffer: flag byte `0x00` + node bytes.
pub fn marshal(node: &Node) -> Result<Vec<u8>> {
    // Most stanzas fit; bigger ones grow by doubling (cheaper than sizing every node first).
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    marshal_to_vec(node, &mut out)?;
    Ok(out)
}

/// Appends flag byte `0x00` + the node bytes of `node` to `out`, reusing its allocation. On
/// error `out` is left as it was.
pub fn marshal_to_vec(node: &Node, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    out.reserve(INITIAL_CAPACITY / 2);
    out.push(FLAG_PLAIN);
    let r = Encoder::new(out).node(node, 0);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Like [`marshal`], with the buffer sized exactly by a first counting pass.
pub fn marshal_exact(node: &Node) -> Result<Vec<u8>> {
    let mut counter = Counter(1);
    Encoder::new(&mut counter).node(node, 0)?;
    let mut out = Vec::with_capacity(counter.0);
    out.push(FLAG_PLAIN);
    Encoder::new(&mut out).node(node, 0)?;
    Ok(out)
}

/// Same as [`marshal`] (kept for API compatibility).
pub fn marshal_auto(node: &Node) -> Result<Vec<u8>> {
    marshal(node)
}

/// Encodes a borrowed node (e.g. a decoded one, re-sent): flag byte + node bytes.
pub fn marshal_ref(node: &NodeRef<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    marshal_ref_to_vec(node, &mut out)?;
    Ok(out)
}

/// Appends flag byte + node bytes of a borrowed node to `out`. On error `out` is left as it was.
pub fn marshal_ref_to_vec(node: &NodeRef<'_>, out: &mut Vec<u8>) -> Result<()> {
    let start = out.len();
    out.push(FLAG_PLAIN);
    let r = Encoder::new(out).node_ref(node, 0);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Decodes node bytes (after [`unpack`]: no flag byte) into a node borrowing from `data`.
/// Bytes left after the node are an error.
pub fn unmarshal_ref(data: &[u8]) -> Result<NodeRef<'_>> {
    let mut decoder = Decoder::new(data);
    let result = match decoder.node(0) {
        Ok(node) => match decoder.remaining() {
            0 => Ok(node),
            n => Err(BinaryError::LeftoverData(n)),
        },
        Err(e) => Err(BinaryError::from(e)),
    };
    if let Err(e) = &result {
        log::debug!(target: "Binary", "rejected a {}-byte node: {e}", data.len());
    }
    result
}

/// Decodes node bytes into an owned node.
pub fn unmarshal(data: &[u8]) -> Result<Node> {
    unmarshal_ref(data).map(|n| n.to_owned())
}

/// Turns a frame (flag byte + node bytes) into node bytes: borrowed when uncompressed, inflated
/// (at most [`MAX_DECOMPRESSED_SIZE`] bytes) when the flag says zlib.
pub fn unpack(frame: &[u8]) -> Result<Cow<'_, [u8]>> {
    unpack_with_limit(frame, MAX_DECOMPRESSED_SIZE)
}

/// [`unpack`] with a chosen cap on the decompressed size.
pub fn unpack_with_limit(frame: &[u8], limit: usize) -> Result<Cow<'_, [u8]>> {
    let Some((&flag, body)) = frame.split_first() else {
        return Err(BinaryError::EmptyData);
    };
    if flag & FLAG_COMPRESSED == 0 {
        return Ok(Cow::Borrowed(body));
    }
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if let Err(e) = flate2::read::ZlibDecoder::new(body)
        .take(cap)
        .read_to_end(&mut out)
    {
        log::debug!(target: "Binary", "rejected a {}-byte compressed frame: {e}", frame.len());
        return Err(BinaryError::Decompress(e.to_string()));
    }
    if out.len() > limit {
        log::debug!(target: "Binary", "compressed frame inflates past {limit} bytes");
        return Err(BinaryError::DecompressedTooLarge { limit });
    }
    Ok(Cow::Owned(out))
}

/// Prefixes node bytes with the uncompressed flag byte (the inverse of [`unpack`]).
pub fn pack(node_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(node_bytes.len() + 1);
    out.push(FLAG_PLAIN);
    out.extend_from_slice(node_bytes);
    out
}
