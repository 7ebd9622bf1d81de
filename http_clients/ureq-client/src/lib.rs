//! The default blocking HTTP client (ureq) for whatsapp-rust media transfers.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
