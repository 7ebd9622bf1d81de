//! Storage: the traits a backend implements, the client's [`Device`] state, the commands that
//! change it, and an in-memory backend.
//!
//! - [`traits`]: [`SignalStore`](traits::SignalStore), [`AppSyncStore`](traits::AppSyncStore),
//!   [`ProtocolStore`](traits::ProtocolStore), [`DeviceStore`](traits::DeviceStore) and the
//!   blanket [`Backend`](traits::Backend).
//! - [`error`]: [`StoreError`] and [`Result`](error::Result).
//! - [`Device`] and its versioned record format ([`Device::to_bytes`] /
//!   [`Device::from_bytes`]).
//! - [`DeviceCommand`] and [`apply_command_to_device`].
//! - [`memory::InMemoryBackend`].
//! - `conformance` (feature `conformance`): a test suite any backend can run.
//!
//! Nothing here does I/O or depends on an async runtime; persistent backends live in their own
//! crates (`whatsapp-rust-sqlite-storage`).

pub mod cache;
pub mod commands;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod device;
pub mod error;
pub mod memory;
mod record;
pub mod traits;
mod types;

pub use commands::{DeviceCommand, apply_command_to_device};
pub use device::{DEFAULT_APP_VERSION, Device};
pub use error::StoreError;
pub use memory::InMemoryBackend;
pub use record::DEVICE_RECORD_VERSION;
pub use traits::{
    AppStateMutationMAC, AppStateSyncKey, AppSyncStore, Backend, DeviceInfo, DeviceListRecord,
    DeviceStore, HashState, LidPnMappingEntry, ProtocolStore, SentMessageWrite, SignalRecordKind,
    SignalStore, SignalWrite, TcTokenEntry,
};
