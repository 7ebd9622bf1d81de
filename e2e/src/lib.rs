//! End-to-end tests of whatsapp-rust against the open test server live in `tests/`.
#![forbid(unsafe_code)]
