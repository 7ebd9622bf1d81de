//! State records: data, accessors, serialization and archiving; no encryption.

mod bundle;
mod prekey;
mod session;
mod session_codec;
mod session_record;

pub use bundle::PreKeyBundle;
pub use prekey::{PreKeyRecord, SignedPreKeyRecord};
pub use session::{
    MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS, PendingPreKey, SessionState,
};
pub use session_record::{ARCHIVED_STATES_MAX_LENGTH, SessionRecord};
