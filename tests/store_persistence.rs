//! PersistenceManager over a real SQLite file: first start creates and saves an identity,
//! commands are saved by the background saver or by flush, and a restart finds everything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::time::Duration;

use whatsapp_rust::store::{Backend, DeviceCommand, PersistenceManager, SqliteStore};

async fn open(path: &str) -> Arc<dyn Backend> {
    Arc::new(SqliteStore::new(path).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_survives_restart_and_commands_are_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pm.db");
    let path = path.to_str().unwrap();

    let pm = PersistenceManager::new(open(path).await).await.unwrap();
    let first = pm.get_device_snapshot().await;
    assert!(!pm.is_dirty());
    // The fresh identity was saved at once: a crash now would not change our keys.
    let stored = pm.backend().load().await.unwrap().unwrap();
    assert_eq!(stored, first);

    pm.process_command(DeviceCommand::SetPushName("Alice".into()))
        .await;
    pm.process_command(DeviceCommand::SetNextPreKeyId(813))
        .await;
    pm.process_command(DeviceCommand::SetNextPreKeyId(5)).await; // never goes back
    pm.modify_device(|d| d.platform = "android".into()).await;
    assert!(pm.is_dirty());
    pm.flush().await.unwrap();
    assert!(!pm.is_dirty());
    drop(pm);

    let pm = PersistenceManager::new(open(path).await).await.unwrap();
    let again = pm.get_device_snapshot().await;
    assert_eq!(again.identity_key, first.identity_key);
    assert_eq!(again.noise_key, first.noise_key);
    assert_eq!(again.push_name, "Alice");
    assert_eq!(again.next_pre_key_id, 813);
    assert_eq!(again.platform, "android");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_saver_saves_soon_after_a_change_and_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saver.db");
    let backend = open(path.to_str().unwrap()).await;
    let pm = Arc::new(PersistenceManager::new(backend.clone()).await.unwrap());
    let saver = pm.clone().run_background_saver(Duration::from_secs(3600));

    pm.process_command(DeviceCommand::SetPushName("Bob".into()))
        .await;
    let mut saved = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if backend.load().await.unwrap().unwrap().push_name == "Bob" {
            saved = true;
            break;
        }
    }
    assert!(
        saved,
        "the saver did not save within 2 s of the change (interval is 1 h)"
    );

    pm.process_command(DeviceCommand::SetPushName("Carol".into()))
        .await;
    pm.shutdown().await.unwrap();
    assert_eq!(backend.load().await.unwrap().unwrap().push_name, "Carol");
    tokio::time::timeout(Duration::from_secs(5), saver)
        .await
        .expect("saver did not stop after shutdown")
        .unwrap();
}
