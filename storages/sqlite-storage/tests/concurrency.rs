//! Concurrency: 8 tasks write and read sessions for their own addresses through one store for
//! 10 seconds while another process writes to the same file. No error (in particular no
//! "database is locked") may reach a caller, and no write may be lost.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::time::{Duration, Instant};

use wacore::store::traits::SignalStore;
use whatsapp_rust_sqlite_storage::SqliteStore;

use support::{ChildWriter, check_record, record};

#[test]
#[ignore = "child process of the concurrency test; runs only when re-invoked by it"]
fn crash_writer_child() {
    if std::env::var(support::CHILD_DB_ENV).is_ok() {
        support::child_main();
    }
}

const TASKS: u64 = 8;
const ADDRESSES_PER_TASK: u64 = 16;

fn addr(task: u64, slot: u64) -> String {
    format!("task{task}-{slot}@c.us.0")
}

/// Sequence numbers that identify task, slot and iteration.
fn seq(task: u64, slot: u64, iteration: u64) -> u64 {
    (iteration * TASKS + task) * ADDRESSES_PER_TASK + slot
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_writers_for_ten_seconds_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("concurrent.db");
    let path = db.to_str().unwrap().to_string();
    let store = SqliteStore::new(&path).await.unwrap();
    // Another process writing device slot 2 of the same file the whole time (about 500
    // transactions per second: real lock contention, but not a flood that starves us).
    let other = ChildWriter::spawn(&db, 1, 2, 2);
    other.wait_ready();

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut last = vec![None; ADDRESSES_PER_TASK as usize];
            let mut ops = 0u64;
            let mut iteration = 0u64;
            while Instant::now() < deadline {
                for slot in 0..ADDRESSES_PER_TASK {
                    let n = seq(task, slot, iteration);
                    let a = addr(task, slot);
                    store
                        .put_session(&a, &record(n))
                        .await
                        .unwrap_or_else(|e| panic!("task {task}: put_session failed: {e}"));
                    last[slot as usize] = Some(n);
                    let read = store
                        .get_session(&a)
                        .await
                        .unwrap_or_else(|e| panic!("task {task}: get_session failed: {e}"))
                        .expect("own write not visible");
                    assert_eq!(
                        check_record(&read).unwrap(),
                        n,
                        "task {task}: read stale data"
                    );
                    assert!(store.has_session(&a).await.unwrap());
                    ops += 3;
                }
                iteration += 1;
            }
            (task, last, ops)
        }));
    }
    let mut total_ops = 0;
    let mut finals = Vec::new();
    for h in handles {
        let (task, last, ops) = tokio::time::timeout(Duration::from_secs(60), h)
            .await
            .expect("a writer task hung")
            .expect("a writer task failed");
        total_ops += ops;
        finals.push((task, last));
    }
    let other_lines = other.kill();
    let other_writes = other_lines.iter().filter(|l| l.starts_with('S')).count();
    assert!(other_writes > 0, "the competing process made no progress");

    // Reopen through a fresh store and check the last write of every address.
    drop(store);
    let reopened = SqliteStore::new(&path).await.unwrap();
    for (task, last) in finals {
        for (slot, n) in last.into_iter().enumerate() {
            let n = n.expect("every slot written at least once");
            let stored = reopened
                .get_session(&addr(task, slot as u64))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                check_record(&stored).unwrap(),
                n,
                "task {task} slot {slot}: write lost"
            );
        }
    }
    eprintln!(
        "{total_ops} store calls from {TASKS} tasks in 10 s ({} /s), competing process wrote \
         {other_writes} sessions",
        total_ops / 10
    );
}
