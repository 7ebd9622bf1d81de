//! App-state sync glue between the wire, `wacore_appstate` and the client's events: no
//! I/O, no async.
//!
//! - [`events`]: decoded mutations to [`Event`](crate::types::events::Event)s.
//! - [`keys`]: the phone's `AppStateSyncKeyShare` to store records, and the peer messages
//!   a companion sends (key requests, fatal-exception notices).
//! - [`external`]: patches whose mutations live in a downloaded blob.
//!
//! The IQs themselves are [`crate::iq::appstate`].

pub mod events;
pub mod external;
pub mod keys;

pub use events::{SyncOutcome, outcome_for_mutation};
pub use external::{ExternalBlobError, resolve_external_mutations, snapshot_from_blob};
pub use keys::{
    KeyShareEntry, build_fatal_exception_notification, build_key_request, parse_key_share,
};
