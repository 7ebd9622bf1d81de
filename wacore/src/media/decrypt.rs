//! Media decryption that releases no plaintext before the upload is proven authentic and
//! complete.
//!
//! In memory ([`decrypt_media`]) that is simple: check the MAC and `file_enc_sha256`,
//! decrypt, check `file_sha256` and the length, then return.
//!
//! Streaming works in two passes over a source that can be read twice, in constant memory:
//!
//! 1. [`MediaVerifier`] is a [`Write`] sink fed the whole upload (from a seekable source,
//!    or teed from the network while the body is saved to a temporary file). It computes
//!    the HMAC, the SHA-256 of the upload, and decrypts into a scratch buffer to compute
//!    the SHA-256 of the plaintext. [`MediaVerifier::finish`] checks all of them and the
//!    length, and only then yields a [`VerifiedMedia`].
//! 2. [`VerifiedMedia::decrypt_into`] reads the same bytes again and writes the plaintext
//!    to the caller's writer. It re-hashes the plaintext and reports
//!    [`MediaError::SourceChanged`] if the source changed between the passes (which only
//!    someone with write access to the caller's temporary file can cause).
//!
//! [`decrypt_stream`] chains both passes over a `Read + Seek` source.
//! The price is decrypting twice; AES-CBC decryption is the cheapest step of the three.

use std::io::{self, Read, Seek, SeekFrom, Write};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::encrypt::CHUNK;
use super::primitives::{self, BLOCK, Decryptor, MAC_LEN};
use super::{MEDIA_KEY_LEN, MediaError, MediaKeys, MediaType, Result};

/// What the message says the media must be; decryption checks all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedMedia {
    /// SHA-256 of the plaintext (`fileSha256`).
    pub file_sha256: [u8; 32],
    /// SHA-256 of the upload body (`fileEncSha256`).
    pub file_enc_sha256: [u8; 32],
    /// Plaintext length (`fileLength`), checked when present.
    pub file_length: Option<u64>,
}

impl ExpectedMedia {
    /// Builds the expectation from the byte fields of a media message.
    pub fn from_slices(
        file_sha256: &[u8],
        file_enc_sha256: &[u8],
        file_length: Option<u64>,
    ) -> Result<Self> {
        let hash = |field, v: &[u8]| {
            <[u8; 32]>::try_from(v).map_err(|_| MediaError::InvalidHashLength {
                field,
                len: v.len(),
            })
        };
        Ok(ExpectedMedia {
            file_sha256: hash("file_sha256", file_sha256)?,
            file_enc_sha256: hash("file_enc_sha256", file_enc_sha256)?,
            file_length,
        })
    }
}

fn media_keys(media_key: &[u8], media_type: MediaType) -> Result<MediaKeys> {
    let key =
        <&[u8; MEDIA_KEY_LEN]>::try_from(media_key).map_err(|_| MediaError::InvalidMediaKey {
            len: media_key.len(),
        })?;
    Ok(MediaKeys::derive(key, media_type))
}

fn check_total_len(len: u64) -> Result<()> {
    let min = (BLOCK + MAC_LEN) as u64;
    if len < min || !(len - MAC_LEN as u64).is_multiple_of(BLOCK as u64) {
        return Err(MediaError::InvalidCiphertextLength { len });
    }
    Ok(())
}

fn check_length(expected: &ExpectedMedia, actual: u64) -> Result<()> {
    match expected.file_length {
        Some(expected) if expected != actual => {
            Err(MediaError::LengthMismatch { expected, actual })
        }
        _ => Ok(()),
    }
}

/// Decrypts an upload held in memory after checking its MAC and `file_enc_sha256`, then
/// checks `file_sha256` and the length before returning the plaintext.
pub fn decrypt_media(
    upload: &[u8],
    media_key: &[u8],
    media_type: MediaType,
    expected: &ExpectedMedia,
) -> Result<Vec<u8>> {
    let keys = media_keys(media_key, media_type)?;
    check_total_len(upload.len() as u64)?;
    let (ciphertext, mac) = upload.split_at(upload.len() - MAC_LEN);
    primitives::hmac_sha256(&keys.mac_key)
        .chain_update(keys.iv)
        .chain_update(ciphertext)
        .verify_truncated_left(mac)
        .map_err(|_| MediaError::MacMismatch)?;
    if !bool::from(Sha256::digest(upload).ct_eq(&expected.file_enc_sha256[..])) {
        return Err(MediaError::EncHashMismatch);
    }
    let mut plain = ciphertext.to_vec();
    primitives::decrypt_in_place(&mut primitives::decryptor(&keys), &mut plain);
    let pad = plain
        .get(plain.len().saturating_sub(BLOCK)..)
        .and_then(primitives::padding_len)
        .ok_or(MediaError::InvalidPadding)?;
    plain.truncate(plain.len() - pad);
    if !bool::from(Sha256::digest(&plain).ct_eq(&expected.file_sha256[..])) {
        return Err(MediaError::FileHashMismatch);
    }
    check_length(expected, plain.len() as u64)?;
    Ok(plain)
}

/// Pass one of streaming decryption: a [`Write`] sink for the whole upload that checks the
/// MAC, both hashes and the length without releasing plaintext. See the module docs.
pub struct MediaVerifier {
    keys: MediaKeys,
    expected: ExpectedMedia,
    mac: Hmac<Sha256>,
    enc_hash: Sha256,
    plain_hash: Sha256,
    cbc: Decryptor,
    /// Upload bytes not yet processed; the last block and the MAC stay here until `finish`.
    pending: Vec<u8>,
    total: u64,
}

/// Bytes that must stay unprocessed: the final ciphertext block (its padding is only
/// known at the end) plus the MAC.
const HOLD_BACK: usize = BLOCK + MAC_LEN;

impl MediaVerifier {
    /// Starts verifying an upload encrypted under `media_key` for `media_type`.
    pub fn new(media_key: &[u8], media_type: MediaType, expected: ExpectedMedia) -> Result<Self> {
        let keys = media_keys(media_key, media_type)?;
        let mut mac = primitives::hmac_sha256(&keys.mac_key);
        mac.update(&keys.iv);
        Ok(MediaVerifier {
            cbc: primitives::decryptor(&keys),
            keys,
            expected,
            mac,
            enc_hash: Sha256::new(),
            plain_hash: Sha256::new(),
            pending: Vec::with_capacity(CHUNK + HOLD_BACK + BLOCK),
            total: 0,
        })
    }

    /// Authenticates, decrypts (into the scratch buffer) and hashes all whole blocks of
    /// `pending` except the held-back tail.
    fn process(&mut self) {
        let ready = self.pending.len().saturating_sub(HOLD_BACK);
        let ready = ready - ready % BLOCK;
        let Some(blocks) = self.pending.get_mut(..ready) else {
            return;
        };
        self.mac.update(blocks);
        primitives::decrypt_in_place(&mut self.cbc, blocks);
        self.plain_hash.update(&*blocks);
        self.pending.drain(..ready);
    }

    /// Checks everything and, only if all of it holds, returns the proof needed for the
    /// second pass.
    pub fn finish(mut self) -> Result<VerifiedMedia> {
        self.process();
        check_total_len(self.total)?;
        let split = self.pending.len().saturating_sub(MAC_LEN);
        let (ciphertext, mac) = self.pending.split_at_mut(split);
        self.mac.update(ciphertext);
        self.mac
            .verify_truncated_left(mac)
            .map_err(|_| MediaError::MacMismatch)?;
        if !bool::from(
            self.enc_hash
                .finalize()
                .ct_eq(&self.expected.file_enc_sha256[..]),
        ) {
            return Err(MediaError::EncHashMismatch);
        }
        primitives::decrypt_in_place(&mut self.cbc, ciphertext);
        let pad = ciphertext
            .get(ciphertext.len().saturating_sub(BLOCK)..)
            .and_then(primitives::padding_len)
            .ok_or(MediaError::InvalidPadding)?;
        let tail = ciphertext.get(..ciphertext.len() - pad).unwrap_or_default();
        self.plain_hash.update(tail);
        if !bool::from(
            self.plain_hash
                .finalize()
                .ct_eq(&self.expected.file_sha256[..]),
        ) {
            return Err(MediaError::FileHashMismatch);
        }
        let ciphertext_len = self.total - MAC_LEN as u64;
        let plaintext_len = ciphertext_len - pad as u64;
        check_length(&self.expected, plaintext_len)?;
        Ok(VerifiedMedia {
            keys: self.keys,
            file_sha256: self.expected.file_sha256,
            ciphertext_len,
            plaintext_len,
        })
    }
}

impl Write for MediaVerifier {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = (CHUNK + HOLD_BACK)
            .saturating_sub(self.pending.len())
            .max(BLOCK);
        let take = data.get(..room.min(data.len())).unwrap_or_default();
        self.enc_hash.update(take);
        self.pending.extend_from_slice(take);
        self.total += take.len() as u64;
        if self.pending.len() >= CHUNK + HOLD_BACK {
            self.process();
        }
        Ok(take.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Debug for MediaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaVerifier")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// Proof that an upload passed every check of [`MediaVerifier`]; decrypts it in pass two.
pub struct VerifiedMedia {
    keys: MediaKeys,
    file_sha256: [u8; 32],
    ciphertext_len: u64,
    plaintext_len: u64,
}

impl VerifiedMedia {
    /// Length of the plaintext that [`VerifiedMedia::decrypt_into`] will write.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// Reads the verified upload again from `source` (positioned at its first byte) and
    /// writes the plaintext to `sink`; returns the number of bytes written.
    pub fn decrypt_into<R: Read, W: Write>(&self, mut source: R, mut sink: W) -> Result<u64> {
        let mut cbc = primitives::decryptor(&self.keys);
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut left = self.ciphertext_len;
        let mut written = 0u64;
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
            let chunk = buf.get_mut(..want).unwrap_or_default();
            read_full(&mut source, chunk).map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => MediaError::SourceTruncated { missing: left },
                _ => MediaError::Io(e),
            })?;
            primitives::decrypt_in_place(&mut cbc, chunk);
            left -= want as u64;
            let keep = if left == 0 {
                let plain_in_chunk = self.plaintext_len - written;
                usize::try_from(plain_in_chunk).unwrap_or(want).min(want)
            } else {
                want
            };
            let out = chunk.get(..keep).unwrap_or_default();
            hash.update(out);
            sink.write_all(out)?;
            written += keep as u64;
        }
        sink.flush()?;
        if !bool::from(hash.finalize().ct_eq(&self.file_sha256[..])) {
            return Err(MediaError::SourceChanged);
        }
        Ok(written)
    }
}

impl std::fmt::Debug for VerifiedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedMedia")
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

fn read_full<R: Read>(source: &mut R, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match source.read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => buf = buf.get_mut(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Verifies the whole upload in `source`, then decrypts it into `sink`: two passes, constant
/// memory, no plaintext written unless the MAC, both hashes and the length check out.
/// The upload must fill `source` from offset 0 to its end (e.g. a temporary file the HTTP
/// body was saved to). Returns the number of plaintext bytes written.
pub fn decrypt_stream<R: Read + Seek, W: Write>(
    mut source: R,
    sink: W,
    media_key: &[u8],
    media_type: MediaType,
    expected: &ExpectedMedia,
) -> Result<u64> {
    let mut verifier = MediaVerifier::new(media_key, media_type, expected.clone())?;
    source.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        verifier.write_all(buf.get(..n).unwrap_or_default())?;
    }
    drop(buf);
    let verified = verifier.finish()?;
    source.seek(SeekFrom::Start(0))?;
    verified.decrypt_into(source, sink)
}

/// Checks plaintext media (newsletter/channel media carries no media key) against
/// `file_sha256`.
pub fn verify_plain_media(data: &[u8], file_sha256: &[u8]) -> Result<()> {
    if file_sha256.len() != 32 {
        return Err(MediaError::InvalidHashLength {
            field: "file_sha256",
            len: file_sha256.len(),
        });
    }
    if bool::from(Sha256::digest(data).ct_eq(file_sha256)) {
        Ok(())
    } else {
        Err(MediaError::FileHashMismatch)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::media::encrypt_media_with_key;

    const KEY: [u8; 32] = [4u8; 32];

    fn sample(len: usize) -> (Vec<u8>, Vec<u8>, ExpectedMedia) {
        let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
        let enc = encrypt_media_with_key(&plain, KEY, MediaType::Audio);
        let expected = ExpectedMedia {
            file_sha256: enc.info.file_sha256,
            file_enc_sha256: enc.info.file_enc_sha256,
            file_length: Some(len as u64),
        };
        (plain, enc.data, expected)
    }

    fn both(upload: &[u8], expected: &ExpectedMedia) -> (Result<Vec<u8>>, Result<Vec<u8>>) {
        let mem = decrypt_media(upload, &KEY, MediaType::Audio, expected);
        let mut sink = Vec::new();
        let streamed = decrypt_stream(
            Cursor::new(upload),
            &mut sink,
            &KEY,
            MediaType::Audio,
            expected,
        )
        .map(|_| sink);
        (mem, streamed)
    }

    #[test]
    fn round_trips_in_memory_and_streaming() {
        for len in [0, 1, 16, 17, CHUNK - 7, CHUNK + 26, 2 * CHUNK + 100] {
            let (plain, upload, expected) = sample(len);
            let (mem, streamed) = both(&upload, &expected);
            assert_eq!(mem.unwrap(), plain);
            assert_eq!(streamed.unwrap(), plain);
        }
    }

    #[test]
    fn every_check_fails_closed_and_writes_nothing() {
        let (_, upload, expected) = sample(CHUNK + 33);
        let mut flipped = upload.clone();
        flipped[100] ^= 1;
        let mut bad_mac = upload.clone();
        *bad_mac.last_mut().unwrap() ^= 1;
        type Case = (Vec<u8>, ExpectedMedia, fn(&MediaError) -> bool);
        let cases: Vec<Case> = vec![
            (flipped, expected.clone(), |e| {
                matches!(e, MediaError::MacMismatch)
            }),
            (bad_mac, expected.clone(), |e| {
                matches!(e, MediaError::MacMismatch)
            }),
            (upload[..upload.len() - 1].to_vec(), expected.clone(), |e| {
                matches!(e, MediaError::InvalidCiphertextLength { .. })
            }),
            (
                upload.clone(),
                ExpectedMedia {
                    file_enc_sha256: [0; 32],
                    ..expected.clone()
                },
                |e| matches!(e, MediaError::EncHashMismatch),
            ),
            (
                upload.clone(),
                ExpectedMedia {
                    file_sha256: [0; 32],
                    ..expected.clone()
                },
                |e| matches!(e, MediaError::FileHashMismatch),
            ),
            (
                upload.clone(),
                ExpectedMedia {
                    file_length: Some(1),
                    ..expected.clone()
                },
                |e| matches!(e, MediaError::LengthMismatch { expected: 1, .. }),
            ),
        ];
        for (i, (data, exp, is_expected)) in cases.into_iter().enumerate() {
            let mem = decrypt_media(&data, &KEY, MediaType::Audio, &exp).unwrap_err();
            assert!(is_expected(&mem), "case {i}: {mem:?}");
            let mut sink = Vec::new();
            let err = decrypt_stream(Cursor::new(&data), &mut sink, &KEY, MediaType::Audio, &exp)
                .unwrap_err();
            assert!(is_expected(&err), "case {i} streaming: {err:?}");
            assert!(sink.is_empty(), "case {i}: plaintext leaked");
        }
        let err = decrypt_media(&upload, &KEY, MediaType::Video, &expected).unwrap_err();
        assert!(matches!(err, MediaError::MacMismatch));
        let err = decrypt_media(&upload, &KEY[..31], MediaType::Audio, &expected).unwrap_err();
        assert!(matches!(err, MediaError::InvalidMediaKey { len: 31 }));
    }

    #[test]
    fn second_pass_detects_a_changed_or_short_source() {
        let (_, upload, expected) = sample(1000);
        let mut verifier = MediaVerifier::new(&KEY, MediaType::Audio, expected).unwrap();
        verifier.write_all(&upload).unwrap();
        let verified = verifier.finish().unwrap();
        assert_eq!(verified.plaintext_len(), 1000);
        let mut changed = upload.clone();
        changed[5] ^= 0x80;
        let err = verified.decrypt_into(&changed[..], io::sink()).unwrap_err();
        assert!(matches!(err, MediaError::SourceChanged));
        let err = verified
            .decrypt_into(&upload[..500], io::sink())
            .unwrap_err();
        assert!(matches!(err, MediaError::SourceTruncated { .. }));
    }

    #[test]
    fn plain_media_hash_check() {
        let digest: [u8; 32] = Sha256::digest(b"newsletter").into();
        verify_plain_media(b"newsletter", &digest).unwrap();
        assert!(matches!(
            verify_plain_media(b"newsletteR", &digest),
            Err(MediaError::FileHashMismatch)
        ));
    }
}
