//! The runtime-agnostic core of whatsapp-rust: stanzas, IQ specs, events, store traits, pairing and media crypto. No tokio, no database.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod media;
pub mod net;
pub mod pair_code;
