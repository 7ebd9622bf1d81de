//! Incoming messages without I/O: reading the `<message>` envelope into
//! [`MessageInfo`](crate::types::message::MessageInfo) ([`parse_message_info`]), decrypting its
//! `<enc>` parts through the Signal store adapter ([`decrypt_message`]), unwrapping device-sent
//! copies, and the [`MessageExt`] content helpers. The client runs it per chat, in order, with
//! per-device session locks (`whatsapp_rust::message`).

mod decrypt;
mod error;
mod ext;
mod info;
mod unwrap;

pub use decrypt::{DecryptFailure, DecryptOutcome, EncKind, EncPart, decrypt_message, enc_parts};
pub use error::{MessageError, Result};
pub use ext::{MessageExt, build_quote_context, build_quote_context_with_info};
pub use info::{OwnIds, parse_message_info, parse_message_source};
pub use unwrap::unwrap_device_sent;
