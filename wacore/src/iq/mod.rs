//! Typed IQ requests. Each request is a struct implementing [`spec::IqSpec`]: it
//! builds its [`InfoQuery`](crate::request::InfoQuery) and parses the response into
//! a typed value. The client only sends and awaits.

pub mod appstate;
pub mod keepalive;
pub mod logout;
pub mod mediaconn;
pub mod passive;
pub mod prekeys;
pub mod spec;

pub use spec::IqSpec;
pub mod prekey_bundle;
pub mod usync;
