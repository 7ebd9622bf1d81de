//! The storage conformance suite from `wacore::store::conformance`, run against SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use wacore::store::conformance;
use whatsapp_rust_sqlite_storage::{SqliteConfig, SqliteStore, Synchronous};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    conformance::run_all(|storage, device_id| {
        let path = base.join(format!("conformance-{storage}.db"));
        async move { SqliteStore::new_for_device(path.to_str().unwrap(), device_id).await }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_conformance_with_urls_and_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    conformance::run_all(|storage, device_id| {
        let url = format!(
            "sqlite://{}",
            base.join(format!("full-{storage}.db")).display()
        );
        let config = SqliteConfig::default()
            .with_synchronous(Synchronous::Full)
            .with_max_readers(1);
        async move { SqliteStore::open(&url, device_id, config).await }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}
