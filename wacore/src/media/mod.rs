//! Media crypto: key derivation per [`MediaType`], encryption producing the upload body
//! (ciphertext followed by a 10-byte MAC) with its hashes, and decryption that verifies the
//! MAC, both hashes and the length before any plaintext leaves it.
//!
//! Wire facts (whatsmeow `download.go`/`upload.go`, Baileys `messages-media.ts`): the
//! 32-byte media key is expanded with HKDF-SHA256 (no salt, info
//! `"WhatsApp <Type> Keys"`, 112 bytes) into IV, cipher key, MAC key and ref key. The
//! upload is AES-256-CBC/PKCS#7 ciphertext followed by the first 10 bytes of
//! HMAC-SHA256(mac key, iv || ciphertext); `file_sha256` covers the plaintext and
//! `file_enc_sha256` the whole upload.
//!
//! Everything here works both in memory ([`encrypt_media`], [`decrypt_media`]) and
//! streaming over `std::io` in constant memory ([`encrypt_stream`], [`MediaEncryptor`],
//! [`decrypt_stream`], [`MediaVerifier`] then [`VerifiedMedia`]); the decrypt module
//! documents the two-pass approach that keeps unverified plaintext away from the
//! application. No I/O of its own: callers bring the readers and writers.

mod decrypt;
mod encrypt;
mod error;
mod keys;
mod primitives;
mod types;

pub use decrypt::{
    ExpectedMedia, MediaVerifier, VerifiedMedia, decrypt_media, decrypt_stream, verify_plain_media,
};
pub use encrypt::{
    EncryptedMedia, MediaEncryptor, MediaInfo, encrypt_media, encrypt_media_with_key,
    encrypt_stream, encrypt_stream_with_key, generate_media_key,
};
pub use error::{MediaError, Result};
pub use keys::{MEDIA_KEY_LEN, MediaKeys};
pub use types::MediaType;
