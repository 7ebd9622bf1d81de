//! The default SQLite storage backend for whatsapp-rust.
//!
//! [`SqliteStore`] implements every store trait of `wacore::store::traits` (and so
//! `Backend`) over one SQLite file:
//!
//! - WAL journal, a busy timeout, and retry with exponential backoff when the database stays
//!   busy, so lock conflicts do not reach the caller;
//! - embedded, numbered migrations run at open, with a schema-version check: a database from a
//!   newer version, a file that is not a database, or another application's database is
//!   refused and left untouched;
//! - several devices (accounts) in one file, every table scoped by `device_id`;
//! - a small pool (one write connection, several read connections), with all blocking work on
//!   tokio's blocking threads;
//! - batched writes (pre-keys, mutation MACs) in one transaction each.
//!
//! Durability: with the default [`Synchronous::Normal`], a write that returned `Ok` survives
//! the process being killed at any moment (a test kills a writer with SIGKILL to show it);
//! after an OS crash or power loss the last few commits may be rolled back, but the file is
//! never corrupted. Device records are always written with a full fsync.
//! [`Synchronous::Full`] fsyncs every commit.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wacore::store::StoreError> {
//! use whatsapp_rust_sqlite_storage::SqliteStore;
//! use wacore::store::traits::SignalStore;
//!
//! let store = SqliteStore::new("whatsapp.db").await?;
//! store.put_session("15551234567@c.us.0", b"record").await?;
//! let second_account = SqliteStore::new_for_device("sqlite://whatsapp.db", 2).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod appsync;
mod config;
mod device;
mod device_list;
mod error;
mod migrations;
mod pool;
mod protocol;
mod retry;
mod signal;
mod store;
mod value_macs;

pub use config::{SqliteConfig, Synchronous};
pub use migrations::LATEST_VERSION as SCHEMA_VERSION;
pub use store::SqliteStore;
