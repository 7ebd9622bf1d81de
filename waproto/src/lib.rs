//! WhatsApp's protobuf messages as Rust types (`waproto::whatsapp`, conventionally imported as `wa`).
