//! Idle clients for the messaging benchmark's memory figure: runs `K` of our clients in one
//! process, each on its own SQLite store `DIR/idle-<i>.db`.
//!
//! - `--pair`: fresh stores; prints `QR <i> <code>` for each client (the benchmark has account
//!   `i`'s phone scan it), then `PAIRED` once all are connected, and exits.
//! - `--measure`: paired stores; prints `BASE <rss KiB>` before any client starts, logs all in,
//!   lets them idle, prints `WARM` and `IDLE <rss KiB>`, then waits for a line on stdin and
//!   exits.
//!
//! `--measure` starts the clients in two halves: the first half pays what is paid once per
//! process (code paged in, runtime and blocking threads, allocator arenas); after it has idled,
//! `WARM <rss KiB>` is the RSS, and the second half's growth, `(IDLE - WARM) / (K - K/2)`, is the
//! marginal memory of one more connected idle client. `PHASE <half>-<step> <rss KiB> <detail>`
//! lines break it down: after opening the half's stores (`stores`), after building its clients
//! (`built`), once all are connected (`connected`) and after each idle second (`idle1`, ...);
//! `detail` splits the RSS by mapping (`heap` = the main malloc heap, `anon` = other anonymous
//! mappings: thread arenas and stacks, large allocations; `shm` = SQLite's WAL index mappings;
//! `file` = other file mappings, mostly the program's code) and gives the thread count.
//! `--idle-secs S` (default 3) sets how long each half idles; `--exit-at-idle` makes the child
//! exit without disconnecting once told to stop (for heap profilers).
//!
//! Usage: `idle_clients --ws URL --root HEX --dir DIR --count K (--pair | --measure)
//! [--idle-secs S] [--exit-at-idle]`
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use wacore::types::events::Event;
use whatsapp_rust::{Bot, Client, Timings};
use whatsapp_rust_sqlite_storage::SqliteStore;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `heap=<KiB> anon=<KiB> shm=<KiB> file=<KiB> threads=<n>` from `/proc/self/smaps` and `/proc/self/status`.
fn rss_detail() -> String {
    let (mut heap, mut anon, mut shm, mut file) = (0u64, 0u64, 0u64, 0u64);
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let mut kind = 0u8; // 0 anon, 1 heap, 2 other file-backed, 3 WAL index
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            // A mapping header: `start-end perms offset dev inode [path]`.
            let path = words.nth(4).unwrap_or("");
            kind = if path == "[heap]" {
                1
            } else if path.ends_with("-shm") {
                3
            } else if path.starts_with('/') {
                2
            } else {
                0
            };
        } else if first == "Rss:" {
            let kib: u64 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            match kind {
                1 => heap += kib,
                2 => file += kib,
                3 => shm += kib,
                _ => anon += kib,
            }
        }
    }
    let threads = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    format!("heap={heap} anon={anon} shm={shm} file={file} threads={threads}")
}

fn phase(name: &str) {
    say(&format!("PHASE {name} {} {}", rss_kib(), rss_detail()));
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fail(msg: &str) -> ! {
    eprintln!("idle_clients: {msg}");
    std::process::exit(1);
}

/// Opens client `i`'s store.
async fn open_store(db: &str) -> Arc<SqliteStore> {
    match SqliteStore::new(db).await {
        Ok(s) => Arc::new(s),
        Err(e) => fail(&format!("cannot open {db}: {e}")),
    }
}

/// Builds client `i` on `backend`; QR codes and `Connected` go to `events` as
/// `(i, Some(code))` / `(i, None)`.
async fn build(
    i: usize,
    ws: &str,
    root: [u8; 32],
    backend: Arc<SqliteStore>,
    events: mpsc::UnboundedSender<(usize, Option<String>)>,
) -> Bot {
    let timings = Timings {
        iq_timeout: Duration::from_secs(30),
        offline_sync_timeout: Duration::from_secs(3),
        ..Timings::default()
    };
    match Bot::builder()
        .with_backend(backend)
        .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(ws))
        .with_http_client(UreqHttpClient::new())
        .with_version((2, 3000, 1_023_456_789))
        .with_server_root_key(root)
        .with_timings(timings)
        .with_push_name("idle")
        .skip_history_sync()
        .on_event(move |event, _| {
            let note = match event {
                Event::PairingQrCode { code, .. } => Some((i, Some(code))),
                Event::Connected(_) => Some((i, None)),
                _ => None,
            };
            if let Some(n) = note {
                let _ = events.send(n);
            }
            async {}
        })
        .build()
        .await
    {
        Ok(b) => b,
        Err(e) => fail(&format!("bot {i}: {e}")),
    }
}

/// Opens, builds and logs in clients `range`, printing `PHASE <label>-<step>` lines when
/// `label` is set; returns them once all are connected.
async fn start_batch(
    range: std::ops::Range<usize>,
    label: Option<&str>,
    ws: &str,
    root: [u8; 32],
    dir: &str,
) -> Vec<Arc<Client>> {
    let report = |step: &str| {
        if let Some(l) = label {
            phase(&format!("{l}-{step}"));
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut stores = Vec::with_capacity(range.len());
    for i in range.clone() {
        stores.push((i, open_store(&format!("{dir}/idle-{i}.db")).await));
    }
    report("stores");
    let mut bots = Vec::with_capacity(range.len());
    for (i, backend) in stores {
        bots.push((i, build(i, ws, root, backend, tx.clone()).await));
    }
    report("built");
    let mut clients = Vec::with_capacity(range.len());
    for (i, mut bot) in bots {
        clients.push(bot.client());
        if let Err(e) = bot.run().await {
            fail(&format!("run {i}: {e}"));
        }
    }
    let mut left: std::collections::HashSet<usize> = range.collect();
    while !left.is_empty() {
        match tokio::time::timeout(Duration::from_secs(120), rx.recv()).await {
            Ok(Some((i, Some(code)))) => say(&format!("QR {i} {code}")),
            Ok(Some((i, None))) => {
                left.remove(&i);
            }
            Ok(None) | Err(_) => fail(&format!("{} clients never connected", left.len())),
        }
    }
    report("connected");
    clients
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(ws), Some(root), Some(dir), Some(count)) = (
        arg(&args, "--ws"),
        arg(&args, "--root").and_then(|r| parse_hex32(&r)),
        arg(&args, "--dir"),
        arg(&args, "--count").and_then(|c| c.parse::<usize>().ok()),
    ) else {
        fail("usage: idle_clients --ws URL --root HEX --dir DIR --count K (--pair | --measure)");
    };
    let idle_secs = arg(&args, "--idle-secs")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(3);
    if args.iter().any(|a| a == "--pair") {
        let clients = start_batch(0..count, None, &ws, root, &dir).await;
        // Let the post-pairing traffic (pre-keys, app-state keys) finish before closing.
        tokio::time::sleep(Duration::from_secs(2)).await;
        for c in &clients {
            c.disconnect().await;
        }
        say("PAIRED");
        return;
    }
    // Let the runtime's threads and allocator arenas settle before the baseline.
    tokio::time::sleep(Duration::from_millis(200)).await;
    say(&format!("BASE {}", rss_kib()));
    phase("base");
    // The first half warms up what is paid once per process (code paged in, runtime and
    // blocking threads, allocator arenas); the second half's growth is the marginal cost.
    let half = count / 2;
    let mut clients = start_batch(0..half, Some("first"), &ws, root, &dir).await;
    for s in 1..=idle_secs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        phase(&format!("first-idle{s}"));
    }
    let warm = rss_kib();
    clients.extend(start_batch(half..count, Some("second"), &ws, root, &dir).await);
    for s in 1..=idle_secs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        phase(&format!("second-idle{s}"));
    }
    let idle = rss_kib();
    say(&format!("WARM {warm}"));
    say(&format!("IDLE {idle}"));
    let mut line = String::new();
    let _ = tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await;
    if args.iter().any(|a| a == "--exit-at-idle") {
        // For heap profilers: whatever is still allocated shows up as "leaked".
        std::process::exit(0);
    }
    for c in &clients {
        c.disconnect().await;
    }
}
