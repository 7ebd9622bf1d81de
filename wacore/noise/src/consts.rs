//! Wire constants of WhatsApp's Noise layer.

/// The Noise protocol name, zero-padded to the 32-byte hash length. WhatsApp uses it directly as
/// the initial handshake hash and chaining key (it is not longer than 32 bytes, so it is not hashed).
pub const NOISE_PATTERN: &[u8; 32] = b"Noise_XX_25519_AESGCM_SHA256\0\0\0\0";

/// The connection header sent in clear before the first frame, also the Noise prologue:
/// `"WA"`, magic 6, binary dictionary version 3.
pub const WA_CONN_HEADER: [u8; 4] = [b'W', b'A', 6, 3];

/// First bytes of the optional edge-routing pre-intro: `"ED"`, 0, 1.
pub const EDGE_ROUTING_MAGIC: [u8; 4] = [b'E', b'D', 0, 1];

/// Largest routing-info blob the pre-intro carries (its length field is 3 bytes).
pub const MAX_ROUTING_INFO_LEN: usize = 0xFF_FFFF;

/// Size of a frame's big-endian length prefix.
pub const FRAME_LENGTH_SIZE: usize = 3;

/// Largest frame payload the 3-byte length can express (16 MiB - 1); the default decoder limit.
pub const MAX_FRAME_LEN: usize = 0xFF_FFFF;

/// AES-GCM authentication tag size appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// Public key of WhatsApp's Noise certificate root ("WhatsAppLongTerm1"), an X25519 key whose
/// XEdDSA signature authenticates the intermediate certificate.
pub const WA_CERT_ROOT_KEY: [u8; 32] = [
    0x14, 0x23, 0x75, 0x57, 0x4d, 0x0a, 0x58, 0x71, 0x66, 0xaa, 0xe7, 0x1e, 0xbe, 0x51, 0x64, 0x37,
    0xc4, 0xa2, 0x8b, 0x73, 0xe3, 0x69, 0x5c, 0x6c, 0xe1, 0xf7, 0xf9, 0x54, 0x5d, 0xa8, 0xee, 0x6b,
];

/// The serial of the root, which the intermediate certificate must name as its issuer.
pub const WA_CERT_ROOT_SERIAL: u32 = 0;
