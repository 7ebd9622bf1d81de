//! A freshly paired bot receives a large history chunk (1,000 conversations, 50,000
//! messages) as an external blob: downloaded, verified, decrypted, inflated and streamed
//! with peak RSS growth under 64 MiB, measured here by sampling `/proc/self/status`
//! (its own test binary so no other test shares the process). Also reports the rate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod history_support;
mod media_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use history_support::*;
use prost::Message as _;
use support::*;
use wacore::types::events::{Event, EventHandler};
use waproto::whatsapp as wa;

const PHONE: &str = "15550700001";
const CONVERSATIONS: usize = 1_000;
const MESSAGES_PER_CONVERSATION: usize = 50;
const LIMIT: u64 = 64 * 1024 * 1024;

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// Counts conversations and messages as a real application handler would (decoding each
/// conversation, then dropping it).
struct Counter {
    conversations: AtomicU64,
    messages: AtomicU64,
    done: AtomicBool,
}

impl EventHandler for Counter {
    fn handle_event(&self, event: &Event) {
        match event {
            Event::JoinedGroup(lazy) => {
                let conv = wa::Conversation::decode(lazy.raw_bytes().as_ref()).unwrap();
                self.conversations.fetch_add(1, Ordering::Relaxed);
                self.messages
                    .fetch_add(conv.messages.len() as u64, Ordering::Relaxed);
            }
            Event::HistorySync(h) if h.chunk_order == Some(7) => {
                self.done.store(true, Ordering::Release);
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_conversations_fifty_thousand_messages_under_64_mib() {
    let server = server().await;
    server.create_account(PHONE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No channel-forwarding handler on this bot: events go to the counter only, so the
    // measurement is the pipeline's, not a test queue's.
    let mut bot = start_bot(&server, &db(&dir, "bot.db"), |b| b).await;
    pair_by_qr(&server, PHONE, &mut bot).await;
    bot.client.set_media_insecure_http(true);
    wait_chunks(&bot.client, 1).await;

    let history = build_history(CONVERSATIONS, MESSAGES_PER_CONVERSATION, 7);
    let raw_len = history.encoded_len();
    let notification = upload_history(&server, &history).await;
    let blob_len = notification.file_length.unwrap();
    drop(history);

    let counter = Arc::new(Counter {
        conversations: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    bot.client.register_handler(counter.clone());
    // The test's own event channel would buffer every JoinedGroup: stop reading it and
    // drop what it holds so it does not count (its forwarding handler stays registered,
    // so a drained receiver is kept and emptied in the sampler loop).
    let events = Arc::new(std::sync::Mutex::new(bot.events));

    let baseline = rss_bytes();
    let peak = Arc::new(AtomicU64::new(baseline));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop, events) = (peak.clone(), stop.clone(), events.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                while events.lock().unwrap().try_recv().is_ok() {}
                peak.fetch_max(rss_bytes(), Ordering::AcqRel);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let started = Instant::now();
    let stats = bot
        .client
        .process_history_sync(notification)
        .await
        .expect("history processed");
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Release);
    sampler.join().unwrap();

    assert_eq!(stats.conversations, CONVERSATIONS as u64);
    assert!(
        counter.done.load(Ordering::Acquire),
        "remainder dispatched last"
    );
    assert_eq!(
        counter.conversations.load(Ordering::Relaxed),
        CONVERSATIONS as u64
    );
    assert_eq!(
        counter.messages.load(Ordering::Relaxed),
        (CONVERSATIONS * MESSAGES_PER_CONVERSATION) as u64
    );
    let growth = peak.load(Ordering::Acquire).saturating_sub(baseline);
    let rate = (CONVERSATIONS * MESSAGES_PER_CONVERSATION) as f64 / elapsed.as_secs_f64();
    eprintln!(
        "history: {} conversations, {} messages, payload {:.1} MiB raw / {:.1} MiB compressed; \
         {:.2} s, {:.0} messages/s; peak RSS growth {:.1} MiB (baseline {:.1} MiB)",
        CONVERSATIONS,
        CONVERSATIONS * MESSAGES_PER_CONVERSATION,
        raw_len as f64 / 1048576.0,
        blob_len as f64 / 1048576.0,
        elapsed.as_secs_f64(),
        rate,
        growth as f64 / 1048576.0,
        baseline as f64 / 1048576.0,
    );
    assert!(
        growth < LIMIT,
        "peak RSS grew by {growth} bytes (limit {LIMIT})"
    );
}
