//! An open WhatsApp Web test server and simulated phones that speak the real wire protocol on loopback.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
