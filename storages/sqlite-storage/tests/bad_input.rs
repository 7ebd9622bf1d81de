//! Damaged and foreign input: a corrupt record fails alone with `Serialization`; a file that
//! is not a database, another application's database and a newer schema are refused and left
//! byte-for-byte untouched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::Path;

use wacore::store::traits::{AppSyncStore, DeviceStore, ProtocolStore, SignalStore};
use wacore::store::{Device, DeviceInfo, DeviceListRecord, StoreError};
use whatsapp_rust_sqlite_storage::{SCHEMA_VERSION, SqliteStore};

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[tokio::test]
async fn corrupt_device_record_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let one = SqliteStore::new(path.to_str().unwrap()).await.unwrap();
    let two = one.for_device(2);
    let device = Device::new();
    one.save(&device).await.unwrap();
    two.save(&Device::new()).await.unwrap();
    one.put_session("a@c.us.0", b"session").await.unwrap();

    let good: Vec<u8> = raw(&path)
        .query_row("SELECT data FROM device WHERE device_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    // Every single-bit flip anywhere in the record, a truncation and garbage: all refused.
    let mut damaged: Vec<Vec<u8>> = Vec::new();
    for i in (0..good.len()).step_by(7) {
        let mut b = good.clone();
        b[i] ^= 0x10;
        damaged.push(b);
    }
    damaged.push(good[..good.len() - 1].to_vec());
    damaged.push(b"not a device".to_vec());
    damaged.push(Vec::new());
    for blob in damaged {
        raw(&path)
            .execute("UPDATE device SET data = ?1 WHERE device_id = 1", [&blob])
            .unwrap();
        match one.load().await {
            Err(StoreError::Serialization(_)) => {}
            // A flip in the version field reads as a newer format: also refused.
            Err(StoreError::UnsupportedVersion {
                kind: "device record",
                ..
            }) => {}
            other => panic!("damaged record accepted: {other:?}"),
        }
        // Everything else is still readable.
        assert!(two.load().await.unwrap().is_some());
        assert_eq!(
            one.get_session("a@c.us.0").await.unwrap().unwrap(),
            b"session"
        );
        assert!(one.exists().await.unwrap());
    }
    raw(&path)
        .execute("UPDATE device SET data = ?1 WHERE device_id = 1", [&good])
        .unwrap();
    assert!(one.load().await.unwrap() == Some(device));
}

#[tokio::test]
async fn future_device_record_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let store = SqliteStore::new(path.to_str().unwrap()).await.unwrap();
    store.save(&Device::new()).await.unwrap();
    let mut blob: Vec<u8> = raw(&path)
        .query_row("SELECT data FROM device WHERE device_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    blob[4] = 2; // format version 2, little-endian u16 after the magic
    raw(&path)
        .execute("UPDATE device SET data = ?1", [&blob])
        .unwrap();
    match store.load().await {
        Err(StoreError::UnsupportedVersion {
            kind,
            found: 2,
            supported: 1,
        }) => {
            assert_eq!(kind, "device record");
        }
        other => panic!("future record not refused: {other:?}"),
    }
}

#[tokio::test]
async fn corrupt_rows_in_other_tables_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqliteStore::new(path.to_str().unwrap()).await.unwrap();
    let rec = |user: &str| DeviceListRecord {
        user: user.to_string(),
        devices: vec![DeviceInfo {
            device_id: 1,
            key_index: Some(2),
        }],
        timestamp: 5,
        phash: None,
    };
    store.update_device_list(rec("alice")).await.unwrap();
    store.update_device_list(rec("bob")).await.unwrap();
    store
        .set_version("regular", Default::default())
        .await
        .unwrap();
    store
        .set_version("regular_low", Default::default())
        .await
        .unwrap();
    let c = raw(&path);
    c.execute(
        "UPDATE device_lists SET devices = x'01ff' WHERE user = 'alice'",
        [],
    )
    .unwrap();
    c.execute(
        "UPDATE app_state_versions SET hash = x'00' WHERE name = 'regular'",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO skdm_recipients VALUES (1, 'g@g.us', 'no-at-sign', 0)",
        [],
    )
    .unwrap();
    assert!(matches!(
        store.get_devices("alice").await,
        Err(StoreError::Serialization(_))
    ));
    assert_eq!(store.get_devices("bob").await.unwrap(), Some(rec("bob")));
    assert!(matches!(
        store.get_version("regular").await,
        Err(StoreError::Serialization(_))
    ));
    assert_eq!(
        store.get_version("regular_low").await.unwrap(),
        Default::default()
    );
    assert!(matches!(
        store.get_skdm_recipients("g@g.us").await,
        Err(StoreError::Serialization(_))
    ));
    assert!(
        store
            .get_skdm_recipients("other@g.us")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn file_that_is_not_a_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content = "these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &content).unwrap();
    let err = SqliteStore::new(path.to_str().unwrap()).await.unwrap_err();
    match &err {
        StoreError::Connection(msg) => assert!(msg.contains("not a SQLite database"), "{msg}"),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(
        err.to_string().contains("notes.txt"),
        "error should name the file: {err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
}

#[tokio::test]
async fn newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let store = SqliteStore::new(path.to_str().unwrap()).await.unwrap();
        store.put_session("a@c.us.0", b"keep me").await.unwrap();
    }
    {
        let c = raw(&path);
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match SqliteStore::new(path.to_str().unwrap()).await {
        Err(StoreError::UnsupportedVersion {
            kind,
            found,
            supported,
        }) => {
            assert_eq!(kind, "database schema");
            assert_eq!(found, u64::from(SCHEMA_VERSION + 1));
            assert_eq!(supported, u64::from(SCHEMA_VERSION));
        }
        other => panic!("newer schema not refused: {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "refused database was modified"
    );
    // The data is still there for the newer build.
    let record: Vec<u8> = raw(&path)
        .query_row("SELECT record FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(record, b"keep me");
}

#[tokio::test]
async fn another_applications_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let c = raw(&path);
        c.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::new(path.to_str().unwrap()).await.unwrap_err();
    assert!(matches!(err, StoreError::Connection(_)), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    {
        let c = raw(&path);
        c.pragma_update(None, "application_id", 1234).unwrap();
    }
    assert!(matches!(
        SqliteStore::new(path.to_str().unwrap()).await,
        Err(StoreError::Connection(_))
    ));
}

#[tokio::test]
async fn empty_file_and_reopen_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = SqliteStore::new(path.to_str().unwrap()).await.unwrap();
    store.put_session("a", b"1").await.unwrap();
    drop(store);
    // Reopening an up-to-date database runs no migration and keeps the data.
    let store = SqliteStore::new(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.get_session("a").await.unwrap().unwrap(), b"1");
    let version: u32 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}
