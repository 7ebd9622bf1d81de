//! Client-side storage: the [`PersistenceManager`] that owns the device state, plus the store
//! traits, device model and commands from `wacore::store`, and (feature `sqlite-storage`,
//! on by default) the SQLite backend.

mod cached_backend;
mod persistence_manager;
mod signal_cache;

pub use cached_backend::CachedBackend;
pub use persistence_manager::PersistenceManager;
pub use signal_cache::SignalStoreCache;
pub use wacore::store::{
    AppStateMutationMAC, AppStateSyncKey, AppSyncStore, Backend, DEFAULT_APP_VERSION, Device,
    DeviceCommand, DeviceInfo, DeviceListRecord, DeviceStore, HashState, InMemoryBackend,
    LidPnMappingEntry, ProtocolStore, SignalRecordKind, SignalStore, SignalWrite, StoreError,
    TcTokenEntry, apply_command_to_device, commands, error, traits,
};
#[cfg(feature = "sqlite-storage")]
pub use whatsapp_rust_sqlite_storage::{SqliteConfig, SqliteStore, Synchronous};
