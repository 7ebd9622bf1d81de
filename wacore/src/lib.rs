//! The runtime-agnostic core of whatsapp-rust: stanzas, IQ specs, events, store traits, pairing and media crypto. No tokio, no database.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod appstate_sync;
pub mod download;
pub mod history_sync;
pub mod iq;
pub mod media;
pub mod media_retry;
pub mod message;
pub mod net;
pub mod pair;
pub mod pair_code;
pub mod receipt;
pub mod request;
pub mod retry;
pub mod send;
pub mod signal;
pub mod stanza;
pub mod store;
pub mod types;
pub mod upload;

/// Helpers for `wa::Message` content and replies, under the name the documentation uses.
pub mod proto_helpers {
    pub use crate::message::{MessageExt, build_quote_context, build_quote_context_with_info};
}
