//! whatsapp-rust: an async Rust client for the WhatsApp Web multi-device API.
//!
//! Start with [`bot::Bot`]; the lower-level [`Client`] connects, pairs (QR or pair
//! code), logs in, keeps the connection alive and reconnects, and routes incoming
//! stanzas to the feature modules.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod appstate;
mod backoff;
pub mod bot;
mod cache_store;
mod client;
mod config;
mod connect_events;
mod connection;
pub mod download;
mod enc_handler;
mod error;
pub mod features;
pub mod history_sync;
mod keepalive;
pub mod media_builders;
pub mod media_retry;
mod mediaconn;
mod message;
mod messaging;
mod node_waiter;
mod offline;
mod offline_gate;
mod pair;
pub mod pair_code;
mod prekeys;
mod props;
mod qr;
mod receipt;
mod request;
mod retry;
pub mod send;
mod socket;
mod spam_report;
mod stanzas;
pub mod store;
pub mod upload;
mod version;

pub use backoff::{
    MAX_BACKOFF, RATE_LIMIT_BACKOFF_STEPS, RECONNECT_BACKOFF_STEP, base_delay, fibonacci,
    jittered_delay, random_delay,
};
pub use bot::{Bot, BotBuilder, BotError};
pub use cache_store::CacheStores;
pub use client::Client;
pub use config::{CacheConfig, CacheEntryConfig, ClientConfig, Timings};
pub use connection::WaitTimeout;
pub use enc_handler::{EncHandler, EncHandlerError, EncHandlers};
pub use error::{ClientError, IqError, Result};
pub use mediaconn::MediaTransferError;
pub use node_waiter::NodeFilter;
pub use prekeys::PreKeyError;
pub use qr::{QrRenderError, render_qr_terminal};
pub use spam_report::{SpamFlow, SpamReportRequest, SpamReportResult};
pub use version::{VERSION_URL, parse_sw_version};
pub use wacore::types;
#[cfg(test)]
mod client_tests;
