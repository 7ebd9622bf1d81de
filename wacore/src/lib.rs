//! The runtime-agnostic core of whatsapp-rust: stanzas, IQ specs, events, store traits, pairing and media crypto. No tokio, no database.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod iq;
pub mod media;
pub mod net;
pub mod pair;
pub mod pair_code;
pub mod request;
pub mod stanza;
pub mod types;
pub mod store;
