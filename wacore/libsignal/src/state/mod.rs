//! State records: data, accessors, serialization and archiving; no encryption.

mod prekey;

pub use prekey::{PreKeyRecord, SignedPreKeyRecord};
