//! Media and history-sync throughput over loopback: a real client (SQLite store in a temp dir)
//! paired with a simulated phone on the in-process test server (plain HTTP media).
//!
//! - `media/upload/{16,50}MiB`: `Client::upload` of a document (encryption on a blocking
//!   thread, then the POST to the server's CDN, media_conn cached). Throughput in bytes.
//! - `media/download/{16,50}MiB`: `Client::download_from_params` into memory (GET, MAC and
//!   both hashes verified, decrypted).
//! - `media/download_to_file/{16,50}MiB`: the constant-memory path
//!   (`download_from_params_to_writer` into a temp file: body teed to a spool file and the
//!   verifier, then decrypted in a second pass).
//! - `history/process_50k`: `Client::process_history_sync` of one external chunk of 1,000
//!   conversations x 50 messages (download, verify, decrypt, inflate, field walk, one
//!   `JoinedGroup` per conversation, the remainder as `HistorySync`). Throughput in messages.
//! - Peak RSS growth while processing that chunk: printed before the criterion groups run
//!   (sampled from `/proc/self/status` every 2 ms), not a criterion figure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

// The e2e tests' helpers (server, paired bots, synthetic media, history payloads).
#[path = "../tests/history_support/mod.rs"]
mod history_support;
#[path = "../tests/media_support/mod.rs"]
mod media_support;
#[path = "../tests/msg_support/mod.rs"]
mod msg_support;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use prost::Message as _;
use tokio::runtime::Runtime;
use wacore::download::MediaType;
use wacore::types::events::{Event, EventHandler};
use waproto::whatsapp as wa;
use whatsapp_rust::Client;
use whatsapp_rust::upload::UploadResponse;

const PHONE: &str = "15558800001";
const MIB: usize = 1024 * 1024;
const SIZES: [usize; 2] = [16 * MIB, 50 * MIB];
const CONVERSATIONS: usize = 1_000;
const MESSAGES_PER_CONVERSATION: usize = 50;

/// Counts what the history pipeline dispatches (as cheap as an application handler can be).
#[derive(Default)]
struct Count {
    conversations: AtomicU64,
    remainders: AtomicU64,
}

impl EventHandler for Count {
    fn handle_event(&self, event: &Event) {
        match event {
            Event::JoinedGroup(_) => {
                self.conversations.fetch_add(1, Ordering::Relaxed);
            }
            Event::HistorySync(_) => {
                self.remainders.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap()
        * 1024
}

/// Processes one history chunk while sampling RSS; returns (elapsed, peak growth).
async fn measured_history(
    client: &Arc<Client>,
    notification: wa::message::HistorySyncNotification,
) -> (Duration, u64) {
    let baseline = rss_bytes();
    let peak = Arc::new(AtomicU64::new(baseline));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                peak.fetch_max(rss_bytes(), Ordering::AcqRel);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let started = Instant::now();
    let stats = client.process_history_sync(notification).await.unwrap();
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Release);
    sampler.join().unwrap();
    assert_eq!(stats.conversations, CONVERSATIONS as u64);
    (
        elapsed,
        peak.load(Ordering::Acquire).saturating_sub(baseline),
    )
}

fn main() {
    let rt = Runtime::new().unwrap();
    // Phones and the server spawn tasks from synchronous calls too.
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let server = rt.block_on(support::server());
    server.create_account(PHONE).unwrap();
    let bot = rt.block_on(msg_support::paired_bot(
        &server,
        PHONE,
        &support::db(&dir, "bot.db"),
    ));
    let client = bot.client.clone();
    client.set_media_insecure_http(true);
    rt.block_on(history_support::wait_chunks(&client, 1));
    // The test helper forwards every event into a channel: keep it empty.
    let mut events = bot.events;
    rt.spawn(async move { while events.recv().await.is_some() {} });
    let count = Arc::new(Count::default());
    client.register_handler(count.clone());

    // History payload, uploaded once (the server keeps the blob).
    let history = history_support::build_history(CONVERSATIONS, MESSAGES_PER_CONVERSATION, 2);
    let raw_len = history.encoded_len();
    let notification = rt.block_on(history_support::upload_history(&server, &history));
    drop(history);
    let messages = (CONVERSATIONS * MESSAGES_PER_CONVERSATION) as u64;

    // Peak memory first, before the media benches grow the heap.
    let (elapsed, growth) = rt.block_on(measured_history(&client, notification.clone()));
    eprintln!(
        "history memory: {CONVERSATIONS} conversations / {messages} messages, payload {:.1} MiB \
         raw / {:.1} MiB compressed: {:.2} s ({:.0} messages/s), peak RSS growth {:.1} MiB",
        raw_len as f64 / MIB as f64,
        notification.file_length.unwrap_or(0) as f64 / MIB as f64,
        elapsed.as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64(),
        growth as f64 / MIB as f64,
    );

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));

    {
        let mut g = c.benchmark_group("history");
        g.throughput(Throughput::Elements(messages));
        g.bench_function("process_50k", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let n = notification.clone();
                    let started = Instant::now();
                    let stats = rt.block_on(client.process_history_sync(n)).unwrap();
                    total += started.elapsed();
                    assert_eq!(stats.conversations, CONVERSATIONS as u64);
                }
                total
            })
        });
        g.finish();
    }
    assert!(count.remainders.load(Ordering::Relaxed) >= 2);

    let mut uploaded: Vec<(usize, UploadResponse)> = Vec::new();
    {
        let mut g = c.benchmark_group("media/upload");
        for size in SIZES {
            let data = media_support::random_bytes(size);
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function(format!("{}MiB", size / MIB), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let body = data.clone();
                        let started = Instant::now();
                        let up = rt
                            .block_on(client.upload(body, MediaType::Document))
                            .unwrap();
                        total += started.elapsed();
                        assert_eq!(up.file_length, size as u64);
                    }
                    total
                })
            });
            let up = rt
                .block_on(client.upload(data, MediaType::Document))
                .unwrap();
            uploaded.push((size, up));
        }
        g.finish();
    }

    {
        let mut g = c.benchmark_group("media/download");
        for (size, up) in &uploaded {
            g.throughput(Throughput::Bytes(*size as u64));
            g.bench_function(format!("{}MiB", size / MIB), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        let plain = rt
                            .block_on(client.download_from_params(
                                &up.direct_path,
                                &up.media_key,
                                &up.file_sha256,
                                &up.file_enc_sha256,
                                up.file_length,
                                MediaType::Document,
                            ))
                            .unwrap();
                        total += started.elapsed();
                        assert_eq!(plain.len(), *size);
                    }
                    total
                })
            });
        }
        g.finish();
    }

    {
        let mut g = c.benchmark_group("media/download_to_file");
        for (size, up) in &uploaded {
            g.throughput(Throughput::Bytes(*size as u64));
            g.bench_function(format!("{}MiB", size / MIB), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let file = tempfile::tempfile_in(dir.path()).unwrap();
                        let started = Instant::now();
                        let file = rt
                            .block_on(client.download_from_params_to_writer(
                                &up.direct_path,
                                &up.media_key,
                                &up.file_sha256,
                                &up.file_enc_sha256,
                                up.file_length,
                                MediaType::Document,
                                file,
                            ))
                            .unwrap();
                        total += started.elapsed();
                        assert_eq!(file.metadata().unwrap().len(), *size as u64);
                    }
                    total
                })
            });
        }
        g.finish();
    }

    c.final_summary();
    rt.block_on(client.disconnect());
}
