//! Incremental frame decoding from arbitrary chunk boundaries.

use crate::consts::{EDGE_ROUTING_MAGIC, FRAME_LENGTH_SIZE, MAX_FRAME_LEN};
use crate::error::{NoiseError, Result};

/// What a client sent ahead of its first frame (seen by a server-side decoder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionIntro {
    /// Routing info from the edge-routing pre-intro, if the client sent one.
    pub routing_info: Option<Vec<u8>>,
    /// The 4-byte connection header (`"WA"`, magic, dictionary version); it is the Noise prologue.
    pub header: [u8; 4],
}

#[derive(Debug)]
enum IntroState {
    /// Client-side decoder: the stream is frames only.
    None,
    /// Server-side decoder still waiting for the intro.
    Pending,
    /// Server-side decoder that has parsed the intro.
    Done(ConnectionIntro),
}

/// Splits a byte stream into frames. Feed it whatever the transport delivers; it buffers partial
/// frames and hands out complete ones as slices of its own buffer (decrypt them in place).
///
/// ```
/// use wacore_noise::framing::{encode_frame, FrameDecoder};
///
/// let stream = [encode_frame(b"one", None).unwrap(), encode_frame(b"two", None).unwrap()].concat();
/// let mut decoder = FrameDecoder::new();
/// let mut frames = Vec::new();
/// for chunk in stream.chunks(2) {
///     decoder.feed(chunk);
///     while let Some(frame) = decoder.decode_frame().unwrap() {
///         frames.push(frame.to_vec());
///     }
/// }
/// assert_eq!(frames, vec![b"one".to_vec(), b"two".to_vec()]);
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    pos: usize,
    max_frame_len: usize,
    intro: IntroState,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder for a stream of frames only (what a client receives), with the default limit of
    /// [`MAX_FRAME_LEN`].
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            max_frame_len: MAX_FRAME_LEN,
            intro: IntroState::None,
        }
    }

    /// A decoder for what a server receives: the connection intro (optional edge-routing
    /// pre-intro, then the `WA` header), then frames.
    pub fn new_server() -> Self {
        Self {
            intro: IntroState::Pending,
            ..Self::new()
        }
    }

    /// Lowers the largest accepted frame; a longer announced length is a
    /// [`NoiseError::FrameTooLarge`] as soon as its 3 length bytes arrive.
    pub fn with_max_frame_len(mut self, max: usize) -> Self {
        self.max_frame_len = max.min(MAX_FRAME_LEN);
        self
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        if self.pos > 0 {
            // Drop what earlier frames consumed; only the partial tail moves.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet handed out.
    pub fn buffered_len(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The connection intro, once a server-side decoder has parsed it.
    pub fn intro(&self) -> Option<&ConnectionIntro> {
        match &self.intro {
            IntroState::Done(intro) => Some(intro),
            _ => None,
        }
    }

    /// The next complete frame's payload, or `None` until more bytes arrive. The slice borrows
    /// the decoder's buffer and is valid until the next call.
    pub fn decode_frame(&mut self) -> Result<Option<&mut [u8]>> {
        if matches!(self.intro, IntroState::Pending) && !self.parse_intro()? {
            return Ok(None);
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(len) = read_len(rest) else {
            return Ok(None);
        };
        if len > self.max_frame_len {
            log::warn!(target: "Noise", "peer announced a frame of {len} bytes (max {})", self.max_frame_len);
            return Err(NoiseError::FrameTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        let start = self.pos + FRAME_LENGTH_SIZE;
        let end = start + len;
        if self.buf.len() < end {
            return Ok(None);
        }
        self.pos = end;
        Ok(self.buf.get_mut(start..end))
    }

    /// Like [`decode_frame`](Self::decode_frame) but returns an owned copy.
    pub fn decode_frame_owned(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(self.decode_frame()?.map(|frame| frame.to_vec()))
    }

    /// Parses the intro if all of it has arrived; returns whether it is done.
    fn parse_intro(&mut self) -> Result<bool> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let mut consumed = 0;
        let mut routing_info = None;
        if rest.len() < 2 {
            return Ok(false);
        }
        if rest.starts_with(b"ED") {
            let Some(magic) = rest.get(..EDGE_ROUTING_MAGIC.len()) else {
                return Ok(false);
            };
            if magic != EDGE_ROUTING_MAGIC {
                return Err(NoiseError::BadFrame(format!(
                    "bad edge-routing pre-intro {magic:02x?}"
                )));
            }
            let Some(len) = rest.get(EDGE_ROUTING_MAGIC.len()..).and_then(read_len) else {
                return Ok(false);
            };
            if len > self.max_frame_len {
                return Err(NoiseError::FrameTooLarge {
                    len,
                    max: self.max_frame_len,
                });
            }
            let info_start = EDGE_ROUTING_MAGIC.len() + FRAME_LENGTH_SIZE;
            let Some(info) = rest.get(info_start..info_start + len) else {
                return Ok(false);
            };
            routing_info = Some(info.to_vec());
            consumed = info_start + len;
        }
        let Some(header) = rest.get(consumed..consumed + 4) else {
            return Ok(false);
        };
        if !header.starts_with(b"WA") {
            return Err(NoiseError::BadFrame(format!(
                "bad connection header {header:02x?}"
            )));
        }
        let mut header_bytes = [0u8; 4];
        header_bytes.copy_from_slice(header);
        self.pos += consumed + 4;
        self.intro = IntroState::Done(ConnectionIntro {
            routing_info,
            header: header_bytes,
        });
        Ok(true)
    }
}

/// Reads a 3-byte big-endian length from the start of `bytes`.
fn read_len(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [a, b, c, ..] => Some(((*a as usize) << 16) | ((*b as usize) << 8) | (*c as usize)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::WA_CONN_HEADER;
    use crate::framing::{build_handshake_header, encode_frame};

    fn drain(decoder: &mut FrameDecoder) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(f) = decoder.decode_frame_owned().unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn byte_at_a_time_and_empty_frames() {
        let mut stream = encode_frame(b"", None).unwrap();
        stream.extend(encode_frame(b"hello", None).unwrap());
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        for b in &stream {
            d.feed(std::slice::from_ref(b));
            got.extend(drain(&mut d));
        }
        assert_eq!(got, vec![b"".to_vec(), b"hello".to_vec()]);
        assert_eq!(d.buffered_len(), 0);
    }

    #[test]
    fn oversized_length_is_an_error_before_the_body_arrives() {
        let mut d = FrameDecoder::new().with_max_frame_len(1024);
        d.feed(&[0, 4, 1]);
        assert_eq!(
            d.decode_frame(),
            Err(NoiseError::FrameTooLarge {
                len: 1025,
                max: 1024
            })
        );
    }

    #[test]
    fn server_decoder_parses_intro_with_routing_info() {
        let (intro, _) = build_handshake_header(Some(b"\x08\x01\x02"));
        let mut stream = intro;
        stream.extend(encode_frame(b"hello", None).unwrap());
        for split in 0..stream.len() {
            let mut d = FrameDecoder::new_server();
            d.feed(&stream[..split]);
            let mut got = drain(&mut d);
            d.feed(&stream[split..]);
            got.extend(drain(&mut d));
            assert_eq!(got, vec![b"hello".to_vec()], "split at {split}");
            let parsed = d.intro().unwrap();
            assert_eq!(parsed.routing_info.as_deref(), Some(&b"\x08\x01\x02"[..]));
            assert_eq!(parsed.header, WA_CONN_HEADER);
        }
    }

    #[test]
    fn bad_intros_are_errors() {
        let mut d = FrameDecoder::new_server();
        d.feed(b"XX\x06\x03\0\0\0");
        assert!(matches!(d.decode_frame(), Err(NoiseError::BadFrame(_))));
        let mut d = FrameDecoder::new_server();
        d.feed(b"ED\x07\x07\0\0\0");
        assert!(matches!(d.decode_frame(), Err(NoiseError::BadFrame(_))));
        let mut d = FrameDecoder::new_server();
        d.feed(b"WA\x06\x03");
        assert_eq!(d.decode_frame(), Ok(None));
        assert_eq!(d.intro().unwrap().routing_info, None);
    }
}
