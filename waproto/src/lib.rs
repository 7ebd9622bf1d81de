//! WhatsApp's protobuf messages as Rust types (`waproto::whatsapp`, conventionally imported as `wa`).
//!
//! The schema lives in `proto/*.proto`, split by domain (messages, app state, history sync,
//! handshake, Signal records, ...). It is produced by `tools/gen_schema.py` from WhatsApp's protobuf
//! definitions and compiled at build time with protox and prost-build, so building this crate needs
//! no `protoc`.
//!
//! ```
//! use prost::Message as _;
//! use waproto::whatsapp as wa;
//!
//! let msg = wa::Message {
//!     conversation: Some("Hello, World!".to_string()),
//!     ..Default::default()
//! };
//! let bytes = msg.encode_to_vec();
//! assert_eq!(wa::Message::decode(bytes.as_slice()).unwrap(), msg);
//! ```
//!
//! Enable the `serde` feature to derive `serde::Serialize`/`Deserialize` on every type.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Every WhatsApp protobuf message and enum (protobuf package `whatsapp`).
///
/// Nested messages live in snake-case modules named after their parent, as prost lays them
/// out: `wa::message::ImageMessage`, `wa::handshake_message::ClientHello`,
/// `wa::client_payload::user_agent::Platform`.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
pub mod whatsapp {
    include!(concat!(env!("OUT_DIR"), "/whatsapp.rs"));
}
