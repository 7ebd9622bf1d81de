//! Feature APIs reached through accessors on the client (`client.chat_actions()`,
//! `client.profile()`).

pub mod chat_actions;
pub mod profile;

pub use chat_actions::ChatActions;
pub use profile::Profile;
