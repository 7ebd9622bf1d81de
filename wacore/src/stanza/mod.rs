//! Stanza builders and parsers shared by the client: acks, stream errors, the
//! login `<success>`/`<failure>`, and `<ib>` offline markers.

pub mod ack;
pub mod connection;
