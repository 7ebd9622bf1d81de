//! Media encryption: AES-256-CBC with PKCS#7, then the first 10 bytes of
//! HMAC-SHA256(mac key, iv || ciphertext) appended. Streaming ([`MediaEncryptor`],
//! [`encrypt_stream`]) keeps one 64 KiB buffer whatever the size; [`encrypt_media`]
//! works on a slice.

use std::io::{self, Read, Write};

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::primitives::{self, BLOCK, Encryptor, MAC_LEN};
use super::{MEDIA_KEY_LEN, MediaKeys, MediaType, Result};

/// Size of the streaming buffers (a multiple of the AES block size).
pub(super) const CHUNK: usize = 64 * 1024;

/// What a message needs to reference encrypted media, computed while encrypting.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// The random media key (goes into the message; derive keys with [`MediaKeys::derive`]).
    pub media_key: [u8; MEDIA_KEY_LEN],
    /// SHA-256 of the plaintext.
    pub file_sha256: [u8; 32],
    /// SHA-256 of the upload body (ciphertext followed by the 10-byte MAC).
    pub file_enc_sha256: [u8; 32],
    /// Length of the plaintext in bytes.
    pub file_length: u64,
}

impl std::fmt::Debug for MediaInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaInfo")
            .field("media_key", &"<redacted>")
            .field("file_sha256", &HexBytes(&self.file_sha256))
            .field("file_enc_sha256", &HexBytes(&self.file_enc_sha256))
            .field("file_length", &self.file_length)
            .finish()
    }
}

struct HexBytes<'a>(&'a [u8]);

impl std::fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Encrypted media held in memory: the upload body and its metadata.
#[derive(Clone, Debug)]
pub struct EncryptedMedia {
    /// The upload body: ciphertext followed by the 10-byte MAC.
    pub data: Vec<u8>,
    /// Key, hashes and length for the message.
    pub info: MediaInfo,
}

/// Generates a fresh random media key.
pub fn generate_media_key() -> [u8; MEDIA_KEY_LEN] {
    let mut key = [0u8; MEDIA_KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Encrypts `plaintext` under a fresh random media key.
pub fn encrypt_media(plaintext: &[u8], media_type: MediaType) -> EncryptedMedia {
    encrypt_media_with_key(plaintext, generate_media_key(), media_type)
}

/// Encrypts `plaintext` under `media_key` (deterministic; use [`encrypt_media`] for uploads).
pub fn encrypt_media_with_key(
    plaintext: &[u8],
    media_key: [u8; MEDIA_KEY_LEN],
    media_type: MediaType,
) -> EncryptedMedia {
    let keys = MediaKeys::derive(&media_key, media_type);
    let mut data = Vec::with_capacity(plaintext.len() + BLOCK + MAC_LEN);
    data.extend_from_slice(plaintext);
    primitives::pad(&mut data);
    primitives::encrypt_in_place(&mut primitives::encryptor(&keys), &mut data);
    let mac = primitives::hmac_sha256(&keys.mac_key)
        .chain_update(keys.iv)
        .chain_update(&data)
        .finalize()
        .into_bytes();
    data.extend_from_slice(mac.get(..MAC_LEN).unwrap_or_default());
    let info = MediaInfo {
        media_key,
        file_sha256: Sha256::digest(plaintext).into(),
        file_enc_sha256: Sha256::digest(&data).into(),
        file_length: plaintext.len() as u64,
    };
    EncryptedMedia { data, info }
}

/// Encrypts everything `source` yields into `sink` under a fresh random media key, in
/// constant memory, and returns the metadata for the message.
pub fn encrypt_stream<R: Read, W: Write>(
    source: R,
    sink: W,
    media_type: MediaType,
) -> Result<MediaInfo> {
    encrypt_stream_with_key(source, sink, generate_media_key(), media_type)
}

/// [`encrypt_stream`] with a caller-chosen media key.
pub fn encrypt_stream_with_key<R: Read, W: Write>(
    mut source: R,
    sink: W,
    media_key: [u8; MEDIA_KEY_LEN],
    media_type: MediaType,
) -> Result<MediaInfo> {
    let mut enc = MediaEncryptor::with_key(sink, media_key, media_type);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        enc.write_all(chunk.get(..n).unwrap_or_default())?;
    }
    let (_sink, info) = enc.finish()?;
    Ok(info)
}

/// A [`Write`] adapter that encrypts the plaintext written to it into `sink`.
/// Call [`MediaEncryptor::finish`] to write the padding and MAC and get the metadata;
/// dropping it without finishing leaves a truncated upload in the sink.
pub struct MediaEncryptor<W: Write> {
    sink: W,
    media_key: [u8; MEDIA_KEY_LEN],
    cbc: Encryptor,
    mac: Hmac<Sha256>,
    plain_hash: Sha256,
    enc_hash: Sha256,
    buf: Vec<u8>,
    file_length: u64,
}

impl<W: Write> MediaEncryptor<W> {
    /// Starts encrypting into `sink` under a fresh random media key.
    pub fn new(sink: W, media_type: MediaType) -> Self {
        Self::with_key(sink, generate_media_key(), media_type)
    }

    /// Starts encrypting into `sink` under `media_key`.
    pub fn with_key(sink: W, media_key: [u8; MEDIA_KEY_LEN], media_type: MediaType) -> Self {
        let keys = MediaKeys::derive(&media_key, media_type);
        let mut mac = primitives::hmac_sha256(&keys.mac_key);
        mac.update(&keys.iv);
        MediaEncryptor {
            sink,
            media_key,
            cbc: primitives::encryptor(&keys),
            mac,
            plain_hash: Sha256::new(),
            enc_hash: Sha256::new(),
            buf: Vec::with_capacity(CHUNK),
            file_length: 0,
        }
    }

    /// Encrypts and writes out the whole blocks held in the buffer.
    fn drain_blocks(&mut self) -> io::Result<()> {
        let whole = self.buf.len() - self.buf.len() % BLOCK;
        let Some(blocks) = self.buf.get_mut(..whole) else {
            return Ok(());
        };
        primitives::encrypt_in_place(&mut self.cbc, blocks);
        self.mac.update(blocks);
        self.enc_hash.update(&*blocks);
        self.sink.write_all(blocks)?;
        self.buf.drain(..whole);
        Ok(())
    }

    /// Pads and encrypts the rest, appends the MAC, flushes the sink and returns it with
    /// the metadata.
    pub fn finish(mut self) -> Result<(W, MediaInfo)> {
        primitives::pad(&mut self.buf);
        self.drain_blocks()?;
        let mac = self.mac.finalize().into_bytes();
        let mac = mac.get(..MAC_LEN).unwrap_or_default();
        self.enc_hash.update(mac);
        self.sink.write_all(mac)?;
        self.sink.flush()?;
        let info = MediaInfo {
            media_key: self.media_key,
            file_sha256: self.plain_hash.finalize().into(),
            file_enc_sha256: self.enc_hash.finalize().into(),
            file_length: self.file_length,
        };
        Ok((self.sink, info))
    }
}

impl<W: Write> Write for MediaEncryptor<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let take = data.get(..room.min(data.len())).unwrap_or_default();
        self.buf.extend_from_slice(take);
        self.plain_hash.update(take);
        self.file_length += take.len() as u64;
        if self.buf.len() == CHUNK {
            self.drain_blocks()?;
        }
        Ok(take.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Partial blocks cannot be flushed before `finish`; pass the flush on.
        self.sink.flush()
    }
}

impl<W: Write> std::fmt::Debug for MediaEncryptor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaEncryptor")
            .field("file_length", &self.file_length)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_matches_in_memory_for_awkward_sizes() {
        let key = [9u8; 32];
        for len in [
            0usize,
            1,
            15,
            16,
            17,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK + 5,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mem = encrypt_media_with_key(&plain, key, MediaType::Document);
            let mut out = Vec::new();
            // A reader returning odd-sized pieces exercises the partial-block path.
            let reader = io::Read::chain(&plain[..len / 3], &plain[len / 3..]);
            let info = encrypt_stream_with_key(reader, &mut out, key, MediaType::Document).unwrap();
            assert_eq!(out, mem.data, "len {len}");
            assert_eq!(info, mem.info);
            assert_eq!(out.len(), (len / 16 + 1) * 16 + 10);
            assert_eq!(info.file_length, len as u64);
        }
    }

    #[test]
    fn random_keys_differ_and_debug_hides_key() {
        let a = encrypt_media(b"hello", MediaType::Image);
        let b = encrypt_media(b"hello", MediaType::Image);
        assert_ne!(a.info.media_key, b.info.media_key);
        assert_ne!(a.data, b.data);
        assert_eq!(a.info.file_sha256, b.info.file_sha256);
        assert!(format!("{:?}", a.info).contains("<redacted>"));
    }
}
