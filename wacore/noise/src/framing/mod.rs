//! The frame codec under the Noise layer: every message travels as a 3-byte big-endian length
//! followed by that many bytes. The client's first write is preceded by the connection intro:
//! an optional edge-routing pre-intro (`"ED"`, 0, 1, a 3-byte length, the routing info the server
//! handed out on an earlier connection), then the `WA` connection header.
//!
//! Encoding is in [`encode_frame`] / [`encode_frame_into`] / [`build_handshake_header`]; decoding from
//! arbitrary chunk boundaries is [`FrameDecoder`].

mod decoder;

pub use decoder::{ConnectionIntro, FrameDecoder};

use crate::consts::{
    EDGE_ROUTING_MAGIC, FRAME_LENGTH_SIZE, MAX_FRAME_LEN, MAX_ROUTING_INFO_LEN, WA_CONN_HEADER,
};
use crate::error::{NoiseError, Result};

/// The edge-routing pre-intro for `routing_info` (`"ED"`, 0, 1, 3-byte length, the info), or
/// `None` when the info is empty or longer than [`MAX_ROUTING_INFO_LEN`] (then none is sent).
pub fn build_edge_routing_preintro(routing_info: &[u8]) -> Option<Vec<u8>> {
    if routing_info.is_empty() || routing_info.len() > MAX_ROUTING_INFO_LEN {
        return None;
    }
    let mut out =
        Vec::with_capacity(EDGE_ROUTING_MAGIC.len() + FRAME_LENGTH_SIZE + routing_info.len());
    out.extend_from_slice(&EDGE_ROUTING_MAGIC);
    push_len(&mut out, routing_info.len());
    out.extend_from_slice(routing_info);
    Some(out)
}

/// The bytes a client sends before its first frame: the edge-routing pre-intro when
/// `routing_info` is usable (see [`build_edge_routing_preintro`]), then the `WA 06 03` header.
/// Returns the header and whether the routing info was used. Pass it as the `header` of the
/// first [`encode_frame`].
pub fn build_handshake_header(routing_info: Option<&[u8]>) -> (Vec<u8>, bool) {
    match routing_info.and_then(build_edge_routing_preintro) {
        Some(mut out) => {
            out.extend_from_slice(&WA_CONN_HEADER);
            (out, true)
        }
        None => (WA_CONN_HEADER.to_vec(), false),
    }
}

/// Encodes one frame, optionally preceded by `header` (the connection intro, for the first frame).
pub fn encode_frame(payload: &[u8], header: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut out =
        Vec::with_capacity(header.map_or(0, <[u8]>::len) + FRAME_LENGTH_SIZE + payload.len());
    encode_frame_into(payload, header, &mut out)?;
    Ok(out)
}

/// Appends one frame (optionally preceded by `header`) to `out`.
pub fn encode_frame_into(payload: &[u8], header: Option<&[u8]>, out: &mut Vec<u8>) -> Result<()> {
    if payload.len() > MAX_FRAME_LEN {
        return Err(NoiseError::FrameTooLarge {
            len: payload.len(),
            max: MAX_FRAME_LEN,
        });
    }
    if let Some(header) = header {
        out.extend_from_slice(header);
    }
    push_len(out, payload.len());
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends a 3-byte big-endian length; callers have checked `len <= 0xFF_FFFF`.
fn push_len(out: &mut Vec<u8>, len: usize) {
    let bytes = (len as u32).to_be_bytes();
    out.extend_from_slice(&bytes[1..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_layout() {
        assert_eq!(
            encode_frame(b"abc", None).unwrap(),
            vec![0, 0, 3, b'a', b'b', b'c']
        );
        let with_header = encode_frame(&[9; 0x1_0203], Some(&WA_CONN_HEADER)).unwrap();
        assert_eq!(&with_header[..7], &[b'W', b'A', 6, 3, 1, 2, 3]);
        assert_eq!(with_header.len(), 7 + 0x1_0203);
    }

    #[test]
    fn oversized_payload_is_refused() {
        let big = vec![0u8; MAX_FRAME_LEN + 1];
        assert_eq!(
            encode_frame(&big, None),
            Err(NoiseError::FrameTooLarge {
                len: MAX_FRAME_LEN + 1,
                max: MAX_FRAME_LEN
            })
        );
    }

    #[test]
    fn intro_with_and_without_routing_info() {
        assert_eq!(
            build_handshake_header(None),
            (WA_CONN_HEADER.to_vec(), false)
        );
        assert_eq!(
            build_handshake_header(Some(&[])),
            (WA_CONN_HEADER.to_vec(), false)
        );
        let (intro, used) = build_handshake_header(Some(&[0x08, 0xaa, 0xbb, 0xcc]));
        assert!(used);
        assert_eq!(
            intro,
            vec![
                b'E', b'D', 0, 1, 0, 0, 4, 0x08, 0xaa, 0xbb, 0xcc, b'W', b'A', 6, 3
            ]
        );
    }
}
