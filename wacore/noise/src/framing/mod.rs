//! The frame codec under the Noise layer: every message travels as a 3-byte big-endian length
//! followed by that many bytes. The client's first write is preceded by the connection intro:
//! an optional edge-routing pre-intro (`"ED"`, 0, 1, a 3-byte length, the routing info the server
//! handed out on an earlier connection), then the `WA` connection header.
//!
//! Encoding is in [`encode_frame`] / [`encode_frame_into`] / [`build_intro`]; decoding from
//! arbitrary chunk boundaries is [`FrameDecoder`].

mod decoder;

pub use decoder::{ConnectionIntro, FrameDecoder};

use crate::consts::{
    EDGE_ROUTING_MAGIC, FRAME_LENGTH_SIZE, MAX_FRAME_LEN, MAX_ROUTING_INFO_LEN, WA_CONN_HEADER,
};
use crate::error::{NoiseError, Result};

/// The bytes a client sends before its first frame: the edge-routing pre-intro when
/// `routing_info` is given (non-empty and at most [`MAX_ROUTING_INFO_LEN`] bytes), then the
/// `WA 06 03` header. Returns the intro and whether the routing info was used.
pub fn build_intro(routing_info: Option<&[u8]>) -> (Vec<u8>, bool) {
    match routing_info {
        Some(info) if !info.is_empty() && info.len() <= MAX_ROUTING_INFO_LEN => {
            let mut out = Vec::with_capacity(EDGE_ROUTING_MAGIC.len() + 3 + info.len() + 4);
            out.extend_from_slice(&EDGE_ROUTING_MAGIC);
            push_len(&mut out, info.len());
            out.extend_from_slice(info);
            out.extend_from_slice(&WA_CONN_HEADER);
            (out, true)
        }
        _ => (WA_CONN_HEADER.to_vec(), false),
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
        assert_eq!(build_intro(None), (WA_CONN_HEADER.to_vec(), false));
        assert_eq!(build_intro(Some(&[])), (WA_CONN_HEADER.to_vec(), false));
        let (intro, used) = build_intro(Some(&[0x08, 0xaa, 0xbb, 0xcc]));
        assert!(used);
        assert_eq!(
            intro,
            vec![
                b'E', b'D', 0, 1, 0, 0, 4, 0x08, 0xaa, 0xbb, 0xcc, b'W', b'A', 6, 3
            ]
        );
    }
}
