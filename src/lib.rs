//! whatsapp-rust: an async Rust client for the WhatsApp Web multi-device API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
