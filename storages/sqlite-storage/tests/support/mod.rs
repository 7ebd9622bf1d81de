//! Shared helpers for the sqlite-storage integration tests: deterministic self-checking
//! records and a writer child process (the test binary re-invoking itself).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use wacore::store::traits::{DeviceStore, SignalStore};
use whatsapp_rust_sqlite_storage::SqliteStore;

/// Environment variable that turns the ignored `crash_writer_child` test into the child.
pub const CHILD_DB_ENV: &str = "WA_SQLITE_CHILD_DB";
/// First sequence number the child uses.
pub const CHILD_START_ENV: &str = "WA_SQLITE_CHILD_START";
/// Device slot the child writes.
pub const CHILD_DEVICE_ENV: &str = "WA_SQLITE_CHILD_DEVICE";
/// Pause between the child's iterations, in milliseconds (0 = none).
pub const CHILD_PAUSE_ENV: &str = "WA_SQLITE_CHILD_PAUSE_MS";

/// Sessions are spread over this many addresses.
pub const ADDRESSES: u64 = 37;
/// Pre-keys per batch.
pub const BATCH: u32 = 25;

/// FNV-1a, enough to tell a whole record from a damaged one.
pub fn fnv(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A self-checking record for sequence number `n`: `n`, a length that varies with `n`,
/// filler, and a checksum of all of it.
pub fn record(n: u64) -> Vec<u8> {
    let len = 100 + (n % 700) as usize;
    let mut out = n.to_le_bytes().to_vec();
    out.extend((0..len).map(|i| (n as usize).wrapping_mul(31).wrapping_add(i) as u8));
    let sum = fnv(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Checks a record and returns its sequence number.
pub fn check_record(bytes: &[u8]) -> Result<u64, String> {
    if bytes.len() < 16 {
        return Err(format!("record of {} bytes", bytes.len()));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if fnv(body).to_le_bytes() != sum {
        return Err("checksum mismatch".into());
    }
    let n = u64::from_le_bytes(body[..8].try_into().unwrap());
    if record(n) != bytes {
        return Err(format!("record {n} differs from its expected content"));
    }
    Ok(n)
}

/// The session address sequence number `n` writes to.
pub fn address(n: u64) -> String {
    format!("peer{}@c.us.0", n % ADDRESSES)
}

/// The child: writes sessions, pre-key batches and device saves in a loop, printing each one
/// only after the store call returned `Ok`. Never returns.
pub fn child_main() {
    let db = std::env::var(CHILD_DB_ENV).expect("child needs its database path");
    let start: u64 = std::env::var(CHILD_START_ENV).unwrap().parse().unwrap();
    let device: i32 = std::env::var(CHILD_DEVICE_ENV)
        .ok()
        .map_or(1, |d| d.parse().unwrap());
    let pause: u64 = std::env::var(CHILD_PAUSE_ENV)
        .ok()
        .map_or(0, |p| p.parse().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = SqliteStore::new_for_device(&db, device).await.unwrap();
        let mut device_state = match store.load().await.unwrap() {
            Some(d) => d,
            None => wacore::store::Device::new(),
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "READY").unwrap();
        out.flush().unwrap();
        let mut n = start;
        loop {
            store.put_session(&address(n), &record(n)).await.unwrap();
            writeln!(out, "S {n}").unwrap();
            if n.is_multiple_of(5) {
                let first = u32::try_from(n).unwrap() * BATCH;
                let keys: Vec<(u32, Vec<u8>)> = (first..first + BATCH)
                    .map(|id| (id, record(u64::from(id))))
                    .collect();
                store.store_prekeys_batch(&keys, false).await.unwrap();
                writeln!(out, "P {n}").unwrap();
            }
            if n.is_multiple_of(20) {
                device_state.push_name = n.to_string();
                store.save(&device_state).await.unwrap();
                writeln!(out, "D {n}").unwrap();
            }
            out.flush().unwrap();
            if pause > 0 {
                std::thread::sleep(std::time::Duration::from_millis(pause));
            }
            n += 1;
        }
    });
}

/// A running child writer and the thread collecting its complete stdout lines.
pub struct ChildWriter {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    reader: Option<JoinHandle<()>>,
}

impl ChildWriter {
    /// Starts the child on `db` (re-invoking this test binary's `crash_writer_child` test).
    pub fn spawn(db: &Path, start: u64, device: i32, pause_ms: u64) -> ChildWriter {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_writer_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB_ENV, db)
            .env(CHILD_START_ENV, start.to_string())
            .env(CHILD_DEVICE_ENV, device.to_string())
            .env(CHILD_PAUSE_ENV, pause_ms.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    // A line cut by the kill has no newline: it was never fully reported.
                    Ok(_) if buf.last() == Some(&b'\n') => {
                        let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                    Ok(_) => break,
                }
            }
            let _ = r.read_to_end(&mut Vec::new());
        });
        ChildWriter {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Waits (at most 30 s) for the child's READY line. The test harness prints its own
    /// "test crash_writer_child ... " prefix on the same line.
    pub fn wait_ready(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("child did not become ready within 30 s");
            if line.ends_with("READY") {
                return;
            }
        }
    }

    /// Kills the child with SIGKILL and returns every complete line it printed.
    ///
    /// Dropping a `ChildWriter` kills the child too, so a failing test leaves no writer
    /// behind.
    pub fn kill(mut self) -> Vec<String> {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.lines.try_iter().collect()
    }
}

impl Drop for ChildWriter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
