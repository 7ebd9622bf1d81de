//! An open WhatsApp Web test server and simulated phones that speak the real wire protocol on
//! loopback, so third-party clients work against it unchanged.
//!
//! ```no_run
//! # async fn demo() -> testserver::Result<()> {
//! use testserver::{Config, TestServer};
//! let server = TestServer::start(Config::default()).await?;
//! let phone = server.create_account("15550001111")?;
//! // Point a client at server.ws_url(), trusting server.root_public_key(); when it shows a QR:
//! // let device = phone.scan_qr(&qr).await?;
//! # let _ = phone; Ok(()) }
//! ```
//!
//! The same operations are available as JSON over HTTP under `/admin/` (see the crate README
//! section in the project notes).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod appstate;
mod config;
mod conn;
mod crypto;
mod error;
mod faults;
mod groups;
mod http;
mod iq;
mod jid;
mod keys;

mod message;
mod pairing;
mod phone;
mod presence;
mod receipt;
mod server;
mod session;
mod stanza;
mod state;
mod tls;

pub use config::Config;
pub use error::{Error, Result};
pub use faults::{Faults, STREAM_ERROR_CODES};
pub use pairing::PairedDevice;
pub use phone::{ChatSettings, MediaKind, PhoneHandle, ReceivedMessage};
pub use server::TestServer;
