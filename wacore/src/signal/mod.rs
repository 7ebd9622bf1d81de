//! Signal protocol glue between WhatsApp and wacore-libsignal.
//!
//! - [`SignalStoreAdapter`]: libsignal's store traits over the byte-level
//!   [`SignalStore`](crate::store::SignalStore) backend, with WhatsApp's trust rule.
//! - JID naming: [`protocol_address`], [`address_key`], [`sender_key_name`].
//!
//! The encrypt/decrypt pipelines themselves live in [`crate::send`] and [`crate::message`].

mod adapter;
mod address;

pub use adapter::{
    IdentityAdapter, PreKeyAdapter, SenderKeyAdapter, SessionAdapter, SignalStoreAdapter,
    SignedPreKeyAdapter,
};
pub use address::{address_key, protocol_address, sender_key_key, sender_key_name};
