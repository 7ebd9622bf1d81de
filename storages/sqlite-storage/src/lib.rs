//! The default SQLite storage backend for whatsapp-rust.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
