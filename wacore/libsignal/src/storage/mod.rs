//! Store traits and their in-memory reference implementations.

mod inmem;
mod traits;

pub use inmem::{
    IdentityChangeHook, InMemIdentityKeyStore, InMemPreKeyStore, InMemSenderKeyStore,
    InMemSessionStore, InMemSignalProtocolStore, InMemSignedPreKeyStore, TrustPolicy,
};
pub use traits::{
    Direction, IdentityChange, IdentityKeyStore, PreKeyStore, ProtocolStore, SenderKeyStore,
    SessionStore, SignedPreKeyStore,
};
