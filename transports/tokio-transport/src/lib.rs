//! The default tokio WebSocket transport (rustls) for whatsapp-rust.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
