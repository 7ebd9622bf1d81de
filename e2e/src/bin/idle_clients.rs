//! Idle clients for the messaging benchmark's memory figure: runs `K` of our clients in one
//! process, each on its own SQLite store `DIR/idle-<i>.db`.
//!
//! - `--pair`: fresh stores; prints `QR <i> <code>` for each client (the benchmark has account
//!   `i`'s phone scan it), then `PAIRED` once all are connected, and exits.
//! - `--measure`: paired stores; prints `BASE <rss KiB>` before any client starts, logs all in,
//!   lets them idle, prints `IDLE <rss KiB>`, then waits for a line on stdin and exits.
//!
//! Usage: `idle_clients --ws URL --root HEX --dir DIR --count K (--pair | --measure)`
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

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fail(msg: &str) -> ! {
    eprintln!("idle_clients: {msg}");
    std::process::exit(1);
}

/// Starts client `i`; QR codes and `Connected` go to `events` as `(i, Some(code))` / `(i, None)`.
async fn start(
    i: usize,
    ws: &str,
    root: [u8; 32],
    db: &str,
    events: mpsc::UnboundedSender<(usize, Option<String>)>,
) -> Arc<Client> {
    let backend = match SqliteStore::new(db).await {
        Ok(s) => Arc::new(s),
        Err(e) => fail(&format!("cannot open {db}: {e}")),
    };
    let timings = Timings {
        iq_timeout: Duration::from_secs(30),
        offline_sync_timeout: Duration::from_secs(3),
        ..Timings::default()
    };
    let mut bot = match Bot::builder()
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
    };
    let client = bot.client();
    if let Err(e) = bot.run().await {
        fail(&format!("run {i}: {e}"));
    }
    client
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
    let pairing = args.iter().any(|a| a == "--pair");
    // Let the runtime's threads and allocator arenas settle before the baseline.
    tokio::time::sleep(Duration::from_millis(200)).await;
    if !pairing {
        say(&format!("BASE {}", rss_kib()));
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut clients = Vec::with_capacity(count);
    for i in 0..count {
        let db = format!("{dir}/idle-{i}.db");
        clients.push(start(i, &ws, root, &db, tx.clone()).await);
    }
    let mut connected = vec![false; count];
    let mut left = count;
    while left > 0 {
        match tokio::time::timeout(Duration::from_secs(120), rx.recv()).await {
            Ok(Some((i, Some(code)))) => say(&format!("QR {i} {code}")),
            Ok(Some((i, None))) => {
                if let Some(c) = connected.get_mut(i)
                    && !*c
                {
                    *c = true;
                    left -= 1;
                }
            }
            Ok(None) | Err(_) => fail(&format!("{left} clients never connected")),
        }
    }
    if pairing {
        // Let the post-pairing traffic (pre-keys, app-state keys) finish before closing.
        tokio::time::sleep(Duration::from_secs(2)).await;
        for c in &clients {
            c.disconnect().await;
        }
        say("PAIRED");
        return;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    say(&format!("IDLE {}", rss_kib()));
    let mut line = String::new();
    let _ = tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await;
    for c in &clients {
        c.disconnect().await;
    }
}
