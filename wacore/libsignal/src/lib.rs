//! The Signal protocol as WhatsApp uses it: X3DH, the Double Ratchet and sender keys.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
