//! The post-handshake transport cipher: AES-256-GCM with a per-direction counter, empty
//! associated data, and frame helpers that work in the caller's buffers.
//!
//! [`NoiseCipher`] is the stateless key (counter passed in); [`NoiseWriter`] and [`NoiseReader`]
//! own one direction's counter each, so a client can encrypt on a sender task and decrypt on the
//! receive path without sharing state. [`NoiseTransport`] bundles the two.

use std::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};

use crate::consts::{FRAME_LENGTH_SIZE, MAX_FRAME_LEN, TAG_LEN};
use crate::error::{NoiseError, Result};
use crate::symmetric::nonce;

/// One direction's AES-256-GCM key. The counter is supplied per call. `Debug` hides the key.
#[derive(Clone)]
pub struct NoiseCipher {
    aead: Aes256Gcm,
}

impl NoiseCipher {
    /// A cipher for a 32-byte transport key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            aead: Aes256Gcm::new(&(*key).into()),
        }
    }

    /// Encrypts `buf` in place and appends the 16-byte tag.
    pub fn encrypt_in_place_with_counter(&self, counter: u32, buf: &mut Vec<u8>) -> Result<()> {
        let len = buf.len();
        let tag = self
            .aead
            .encrypt_inout_detached(&nonce(counter), &[], buf.as_mut_slice().into())
            .map_err(|_| NoiseError::FrameTooLarge {
                len,
                max: MAX_FRAME_LEN,
            })?;
        buf.extend_from_slice(&tag);
        Ok(())
    }

    /// Encrypts `plaintext` into a new buffer (ciphertext || tag).
    pub fn encrypt_with_counter(&self, counter: u32, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buf.extend_from_slice(plaintext);
        self.encrypt_in_place_with_counter(counter, &mut buf)?;
        Ok(buf)
    }

    /// Decrypts `buf` (ciphertext || tag) in place and returns the plaintext length; the plaintext
    /// is `buf[..len]`.
    pub fn decrypt_slice_in_place_with_counter(
        &self,
        counter: u32,
        buf: &mut [u8],
    ) -> Result<usize> {
        const STAGE: &str = "transport frame";
        let body_len = buf
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(NoiseError::Decrypt { stage: STAGE })?;
        let (body, tag) = buf.split_at_mut(body_len);
        let tag = Tag::try_from(&*tag).map_err(|_| NoiseError::Decrypt { stage: STAGE })?;
        self.aead
            .decrypt_inout_detached(&nonce(counter), &[], body.into(), &tag)
            .map_err(|_| NoiseError::Decrypt { stage: STAGE })?;
        Ok(body_len)
    }

    /// Decrypts `buf` (ciphertext || tag) in place and truncates it to the plaintext.
    pub fn decrypt_in_place_with_counter(&self, counter: u32, buf: &mut Vec<u8>) -> Result<()> {
        let len = self.decrypt_slice_in_place_with_counter(counter, buf.as_mut_slice())?;
        buf.truncate(len);
        Ok(())
    }

    /// Decrypts `ciphertext` (ciphertext || tag) into a new buffer.
    pub fn decrypt_with_counter(&self, counter: u32, ciphertext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = ciphertext.to_vec();
        self.decrypt_in_place_with_counter(counter, &mut buf)?;
        Ok(buf)
    }
}

impl fmt::Debug for NoiseCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoiseCipher(<redacted>)")
    }
}

/// Next counter value for a direction; `None` once all 2^32 nonces are used.
#[derive(Debug, Clone, Copy)]
struct Counter(Option<u32>);

impl Counter {
    fn take(&mut self) -> Result<u32> {
        let current = self.0.ok_or(NoiseError::NonceExhausted)?;
        self.0 = current.checked_add(1);
        Ok(current)
    }
}

/// The sending direction: encrypts with its own counter and frames the result.
#[derive(Debug, Clone)]
pub struct NoiseWriter {
    cipher: NoiseCipher,
    counter: Counter,
}

impl NoiseWriter {
    /// A writer starting at counter 0.
    pub fn new(cipher: NoiseCipher) -> Self {
        Self {
            cipher,
            counter: Counter(Some(0)),
        }
    }

    /// Encrypts `plaintext` and appends one frame (3-byte length, ciphertext, tag) to `out`.
    /// `out` keeps its capacity across calls, so a reused buffer means no allocation.
    pub fn encrypt_frame(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.reserve(FRAME_LENGTH_SIZE + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&[0; FRAME_LENGTH_SIZE]);
        out.extend_from_slice(plaintext);
        self.seal_tail(out, start)
    }

    /// Frames and encrypts a buffer the caller filled as `[0, 0, 0] ++ plaintext` (reserve
    /// [`FRAME_LENGTH_SIZE`] bytes, then marshal straight after them): the plaintext is encrypted
    /// where it lies, the tag appended and the length written in front. No copy at all.
    pub fn seal_frame_in_place(&mut self, frame: &mut Vec<u8>) -> Result<()> {
        if frame.len() < FRAME_LENGTH_SIZE {
            return Err(NoiseError::BadFrame(format!(
                "buffer of {} bytes has no room for the {FRAME_LENGTH_SIZE}-byte length",
                frame.len()
            )));
        }
        self.seal_tail(frame, 0)
    }

    /// Encrypts `buf[start + 3..]` in place, appends the tag and writes the length at `start`.
    fn seal_tail(&mut self, buf: &mut Vec<u8>, start: usize) -> Result<()> {
        let body_start = start + FRAME_LENGTH_SIZE;
        let plain_len = buf.len().saturating_sub(body_start);
        let frame_len = plain_len + TAG_LEN;
        if frame_len > MAX_FRAME_LEN {
            buf.truncate(start);
            return Err(NoiseError::FrameTooLarge {
                len: frame_len,
                max: MAX_FRAME_LEN,
            });
        }
        let counter = self.counter.take()?;
        let body = buf.get_mut(body_start..).unwrap_or_default();
        let tag = self
            .cipher
            .aead
            .encrypt_inout_detached(&nonce(counter), &[], body.into())
            .map_err(|_| NoiseError::FrameTooLarge {
                len: frame_len,
                max: MAX_FRAME_LEN,
            })?;
        buf.extend_from_slice(&tag);
        let len_bytes = (frame_len as u32).to_be_bytes();
        if let Some(prefix) = buf.get_mut(start..body_start) {
            prefix.copy_from_slice(&len_bytes[1..]);
        }
        Ok(())
    }

    /// Encrypts `buf` in place (appending the tag) without framing.
    pub fn encrypt_in_place(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let counter = self.counter.take()?;
        self.cipher.encrypt_in_place_with_counter(counter, buf)
    }

    /// The counter the next encryption will use (`None` once exhausted).
    pub fn next_counter(&self) -> Option<u32> {
        self.counter.0
    }
}

/// The receiving direction: decrypts frames in order with its own counter.
#[derive(Debug, Clone)]
pub struct NoiseReader {
    cipher: NoiseCipher,
    counter: Counter,
}

impl NoiseReader {
    /// A reader starting at counter 0.
    pub fn new(cipher: NoiseCipher) -> Self {
        Self {
            cipher,
            counter: Counter(Some(0)),
        }
    }

    /// Decrypts one frame's payload (ciphertext || tag, without the length prefix) in place and
    /// returns the plaintext part of the same buffer. A failed frame does not advance the counter.
    pub fn decrypt_frame<'a>(&mut self, frame: &'a mut [u8]) -> Result<&'a mut [u8]> {
        let counter = self.counter.0.ok_or(NoiseError::NonceExhausted)?;
        let len = self
            .cipher
            .decrypt_slice_in_place_with_counter(counter, frame)
            .inspect_err(|_| {
                log::warn!(target: "Noise", "transport frame {counter} failed to decrypt");
            })?;
        self.counter.take()?;
        Ok(frame.get_mut(..len).unwrap_or_default())
    }

    /// Decrypts `buf` in place and truncates it to the plaintext.
    pub fn decrypt_in_place(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let len = self.decrypt_frame(buf.as_mut_slice())?.len();
        buf.truncate(len);
        Ok(())
    }

    /// Decrypts `ciphertext` into a new buffer.
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = ciphertext.to_vec();
        self.decrypt_in_place(&mut buf)?;
        Ok(buf)
    }

    /// The counter the next decryption will use (`None` once exhausted).
    pub fn next_counter(&self) -> Option<u32> {
        self.counter.0
    }
}

/// Both directions of an established Noise connection.
#[derive(Debug, Clone)]
pub struct NoiseTransport {
    writer: NoiseWriter,
    reader: NoiseReader,
}

impl NoiseTransport {
    /// A transport from the two keys the handshake split produced.
    pub fn new(write_key: &[u8; 32], read_key: &[u8; 32]) -> Self {
        Self {
            writer: NoiseWriter::new(NoiseCipher::new(write_key)),
            reader: NoiseReader::new(NoiseCipher::new(read_key)),
        }
    }

    /// See [`NoiseWriter::encrypt_frame`].
    pub fn encrypt_frame(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.writer.encrypt_frame(plaintext, out)
    }

    /// See [`NoiseWriter::seal_frame_in_place`].
    pub fn seal_frame_in_place(&mut self, frame: &mut Vec<u8>) -> Result<()> {
        self.writer.seal_frame_in_place(frame)
    }

    /// See [`NoiseReader::decrypt_frame`].
    pub fn decrypt_frame<'a>(&mut self, frame: &'a mut [u8]) -> Result<&'a mut [u8]> {
        self.reader.decrypt_frame(frame)
    }

    /// See [`NoiseReader::decrypt`].
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        self.reader.decrypt(ciphertext)
    }

    /// Splits into the sending and receiving halves.
    pub fn into_split(self) -> (NoiseWriter, NoiseReader) {
        (self.writer, self.reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (NoiseTransport, NoiseTransport) {
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        (NoiseTransport::new(&k1, &k2), NoiseTransport::new(&k2, &k1))
    }

    #[test]
    fn frames_roundtrip_both_ways_with_independent_counters() {
        let (mut a, mut b) = pair();
        let mut out = Vec::new();
        for i in 0..5u8 {
            out.clear();
            a.encrypt_frame(&[i; 10], &mut out).unwrap();
            assert_eq!(&out[..3], &[0, 0, 26]);
            assert_eq!(b.decrypt_frame(&mut out[3..]).unwrap(), &[i; 10]);
        }
        out.clear();
        b.encrypt_frame(b"back", &mut out).unwrap();
        assert_eq!(a.decrypt(&out[3..]).unwrap(), b"back");
        assert_eq!(a.writer.next_counter(), Some(5));
        assert_eq!(a.reader.next_counter(), Some(1));
    }

    #[test]
    fn seal_in_place_matches_encrypt_frame() {
        let (mut a, _) = pair();
        let (mut a2, _) = pair();
        let mut framed = Vec::new();
        a.encrypt_frame(b"hello", &mut framed).unwrap();
        let mut in_place = vec![0, 0, 0];
        in_place.extend_from_slice(b"hello");
        a2.seal_frame_in_place(&mut in_place).unwrap();
        assert_eq!(framed, in_place);
        assert!(matches!(
            a2.seal_frame_in_place(&mut vec![0]),
            Err(NoiseError::BadFrame(_))
        ));
    }

    #[test]
    fn tampered_or_replayed_frame_fails_without_advancing() {
        let (mut a, mut b) = pair();
        let mut out = Vec::new();
        a.encrypt_frame(b"payload", &mut out).unwrap();
        let mut tampered = out.clone();
        tampered[5] ^= 0x40;
        assert_eq!(
            b.decrypt(&tampered[3..]),
            Err(NoiseError::Decrypt {
                stage: "transport frame"
            })
        );
        assert_eq!(b.reader.next_counter(), Some(0));
        assert_eq!(b.decrypt(&out[3..]).unwrap(), b"payload");
        // Replaying the same frame now uses counter 1: rejected.
        assert!(b.decrypt(&out[3..]).is_err());
        assert!(b.decrypt(&[0u8; 5]).is_err());
    }

    #[test]
    fn counter_exhaustion_is_an_error() {
        let mut c = Counter(Some(u32::MAX));
        assert_eq!(c.take(), Ok(u32::MAX));
        assert_eq!(c.take(), Err(NoiseError::NonceExhausted));
    }

    #[test]
    fn debug_does_not_leak_keys() {
        let (a, _) = pair();
        assert!(format!("{a:?}").contains("redacted"));
    }
}
