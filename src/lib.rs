//! whatsapp-rust: an async Rust client for the WhatsApp Web multi-device API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
mod backoff;
mod qr;
pub use backoff::{MAX_BACKOFF, RATE_LIMIT_BACKOFF_STEPS, RECONNECT_BACKOFF_STEP, base_delay, fibonacci, jittered_delay, random_delay};
pub use qr::{QrRenderError, render_qr_terminal};
