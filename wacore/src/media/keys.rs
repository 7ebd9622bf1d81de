//! Expanding a 32-byte media key into the IV, cipher key and MAC key of one media type.

use hkdf::Hkdf;
use sha2::Sha256;

use super::MediaType;

/// Length of a media key, as carried in `mediaKey` of media messages.
pub const MEDIA_KEY_LEN: usize = 32;

/// The keys expanded from a media key: HKDF-SHA256(media key, info = the type's
/// [`MediaType::app_info`], 112 bytes) split into IV, cipher key, MAC key and ref key.
#[derive(Clone)]
pub struct MediaKeys {
    /// AES-256-CBC initialisation vector (bytes 0..16).
    pub iv: [u8; 16],
    /// AES-256 key (bytes 16..48).
    pub cipher_key: [u8; 32],
    /// HMAC-SHA256 key for the 10-byte upload MAC (bytes 48..80).
    pub mac_key: [u8; 32],
    /// The remaining 32 bytes (bytes 80..112), used by WhatsApp as a reference key.
    pub ref_key: [u8; 32],
}

impl MediaKeys {
    /// Expands `media_key` for `media_type`.
    pub fn derive(media_key: &[u8; MEDIA_KEY_LEN], media_type: MediaType) -> MediaKeys {
        let mut okm = [0u8; 112];
        // 112 bytes is far below HKDF-SHA256's 255 * 32 byte limit, so this cannot fail.
        let _ = Hkdf::<Sha256>::new(None, media_key).expand(media_type.app_info(), &mut okm);
        let mut keys = MediaKeys {
            iv: [0; 16],
            cipher_key: [0; 32],
            mac_key: [0; 32],
            ref_key: [0; 32],
        };
        let (iv, rest) = okm.split_at(16);
        let (cipher_key, rest) = rest.split_at(32);
        let (mac_key, ref_key) = rest.split_at(32);
        keys.iv.copy_from_slice(iv);
        keys.cipher_key.copy_from_slice(cipher_key);
        keys.mac_key.copy_from_slice(mac_key);
        keys.ref_key.copy_from_slice(ref_key);
        keys
    }
}

impl std::fmt::Debug for MediaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaKeys { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_depends_on_type_and_debug_hides_keys() {
        let key = [7u8; 32];
        let image = MediaKeys::derive(&key, MediaType::Image);
        let sticker = MediaKeys::derive(&key, MediaType::Sticker);
        let video = MediaKeys::derive(&key, MediaType::Video);
        assert_eq!(image.cipher_key, sticker.cipher_key);
        assert_ne!(image.cipher_key, video.cipher_key);
        assert_ne!(image.iv, video.iv);
        assert_eq!(format!("{image:?}"), "MediaKeys { .. }");
    }

    #[test]
    fn matches_rfc5869_style_expansion() {
        // HKDF with an empty salt = HMAC-SHA256 with 32 zero bytes as the salt.
        use hmac::{Hmac, KeyInit, Mac};
        let key = [1u8; 32];
        let mut ext = <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8; 32]).unwrap();
        ext.update(&key);
        let prk = ext.finalize().into_bytes();
        let mut t1 = <Hmac<Sha256> as KeyInit>::new_from_slice(&prk).unwrap();
        t1.update(b"WhatsApp Audio Keys");
        t1.update(&[1]);
        let t1 = t1.finalize().into_bytes();
        let keys = MediaKeys::derive(&key, MediaType::Audio);
        assert_eq!(&keys.iv[..], &t1[..16]);
        assert_eq!(&keys.cipher_key[..16], &t1[16..]);
    }
}
