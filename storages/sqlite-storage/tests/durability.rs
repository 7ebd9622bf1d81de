//! Crash durability: a child process writes sessions, pre-key batches and device saves in a
//! loop, reporting each write after it returned `Ok`; it is killed with SIGKILL at random
//! moments, and after each kill the reopened store must hold every reported write, whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use rand::RngExt;
use wacore::store::traits::{DeviceStore, SignalStore};
use whatsapp_rust_sqlite_storage::SqliteStore;

use support::{ADDRESSES, BATCH, ChildWriter, address, check_record, record};

/// Not a test on its own: the body of the child process (see `support::ChildWriter`).
#[test]
#[ignore = "child process of the crash tests; runs only when re-invoked by them"]
fn crash_writer_child() {
    if std::env::var(support::CHILD_DB_ENV).is_ok() {
        support::child_main();
    }
}

#[derive(Default)]
struct Reported {
    /// Highest reported session write per address.
    sessions: HashMap<String, u64>,
    /// Reported pre-key batches (by sequence number).
    batches: Vec<u64>,
    /// Highest reported device save.
    device: Option<u64>,
}

impl Reported {
    fn absorb(&mut self, lines: &[String]) {
        for line in lines {
            let Some((kind, n)) = line.split_once(' ') else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match kind {
                "S" => {
                    let e = self.sessions.entry(address(n)).or_insert(n);
                    *e = (*e).max(n);
                }
                "P" => self.batches.push(n),
                "D" => self.device = Some(self.device.map_or(n, |d| d.max(n))),
                _ => {}
            }
        }
    }
}

async fn verify(path: &str, reported: &Reported) -> usize {
    let store = SqliteStore::new(path)
        .await
        .expect("store must reopen after a kill");
    let mut checked = 0;
    for a in 0..ADDRESSES {
        let addr = format!("peer{a}@c.us.0");
        let stored = store.get_session(&addr).await.unwrap();
        match (reported.sessions.get(&addr), stored) {
            (Some(&n), None) => panic!("session {addr} reported at {n} is missing"),
            (Some(&n), Some(bytes)) => {
                let got = check_record(&bytes).unwrap_or_else(|e| panic!("session {addr}: {e}"));
                assert!(
                    got >= n,
                    "session {addr}: reported write {n} lost (found {got})"
                );
                assert_eq!(address(got), addr, "record stored under the wrong address");
                checked += 1;
            }
            (None, Some(bytes)) => {
                check_record(&bytes).unwrap_or_else(|e| panic!("session {addr}: {e}"));
            }
            (None, None) => {}
        }
    }
    // Pre-keys are checked in bulk through a read-only connection.
    let stored: HashMap<u32, Vec<u8>> = {
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut stmt = conn
            .prepare("SELECT prekey_id, record FROM prekeys WHERE device_id = 1")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    for &n in &reported.batches {
        let first = u32::try_from(n).unwrap() * BATCH;
        for id in first..first + BATCH {
            let bytes = stored
                .get(&id)
                .unwrap_or_else(|| panic!("pre-key {id} of reported batch {n} missing"));
            assert_eq!(*bytes, record(u64::from(id)), "pre-key {id} damaged");
            checked += 1;
        }
    }
    // Batches are atomic: a batch with one key present has all of them, whole.
    for (&id, bytes) in &stored {
        assert_eq!(*bytes, record(u64::from(id)), "pre-key {id} damaged");
        let first = id / BATCH * BATCH;
        for other in first..first + BATCH {
            assert!(
                stored.contains_key(&other),
                "pre-key batch starting at {first} is half written (missing {other})"
            );
        }
    }
    if let Some(n) = reported.device {
        let device = store
            .load()
            .await
            .unwrap()
            .expect("reported device save missing");
        let saved: u64 = device.push_name.parse().unwrap();
        assert!(saved >= n, "device save {n} lost (found {saved})");
        checked += 1;
    }
    drop(store);
    let conn = rusqlite::Connection::open(path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reported_write_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let path = db.to_str().unwrap().to_string();
    let mut reported = Reported::default();
    let mut rng = rand::rng();
    let rounds = 24;
    let mut total_writes = 0;
    for round in 0..rounds {
        let start = round * 1_000_000 + 1;
        let child = ChildWriter::spawn(&db, start, 1, 0);
        child.wait_ready();
        tokio::time::sleep(Duration::from_millis(rng.random_range(10..250))).await;
        let lines = child.kill();
        let writes = lines
            .iter()
            .filter(|l| l.starts_with(['S', 'P', 'D']))
            .count();
        assert!(
            writes > 0,
            "round {round}: the child reported no write before the kill"
        );
        total_writes += writes;
        reported.absorb(&lines);
        let checked = verify(&path, &reported).await;
        assert!(checked > 0);
    }
    eprintln!("{rounds} SIGKILLs, {total_writes} reported writes, all present and whole");
}
