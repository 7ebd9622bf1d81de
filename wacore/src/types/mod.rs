//! Common types shared by the client and its users: events and message metadata.

pub mod events;
pub mod message;
