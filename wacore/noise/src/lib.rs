//! The Noise handshake and transport cipher WhatsApp uses (`Noise_XX_25519_AESGCM_SHA256`), and the frame codec.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
