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
pub mod message;
pub mod receipt;
pub mod retry;
pub mod send;
pub mod signal;

/// Helpers for `wa::Message` content and replies, under the name the documentation uses.
pub mod proto_helpers {
    pub use crate::message::{MessageExt, build_quote_context, build_quote_context_with_info};
}
