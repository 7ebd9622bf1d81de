//! Chaos: 2,000 messages between two of our clients (1,000 each way, concurrently) while the
//! server drops their connections at random. Every message reaches the application exactly
//! once, in per-chat order, and no session ends in a decrypt failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod msg_support;
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use msg_support::*;
use support::*;
use tokio::sync::mpsc;
use wacore::proto_helpers::MessageExt;
use wacore::types::events::Event;
use wacore_binary::jid::Jid;

const PER_SIDE: u32 = 1000;

/// Sends `PER_SIDE` numbered messages in order; each `send_message` returns once the server
/// acked it (resending across reconnects).
async fn sender(client: Arc<whatsapp_rust::Client>, to: Jid, tag: &'static str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..PER_SIDE {
        let id = client
            .send_message(to.clone(), text(&format!("{tag}-{i:05}")))
            .await
            .unwrap_or_else(|e| panic!("{tag} message {i} not sent: {e}"));
        ids.push(id);
    }
    ids
}

/// Collects the peer's numbered texts until all arrived; fails on a duplicate, a gap in order
/// or an undecryptable message.
async fn receiver(mut events: mpsc::UnboundedReceiver<Event>, from_tag: &'static str) {
    let mut next = 0u32;
    let mut seen = HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    while next < PER_SIDE {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out at {from_tag}-{next}"))
            .expect("event stream open");
        match ev {
            Event::Message(m, info) => {
                let Some(t) = m.text_content() else { continue };
                let Some(n) = t.strip_prefix(&format!("{from_tag}-")) else {
                    continue;
                };
                assert!(
                    seen.insert(info.id.clone()),
                    "duplicate delivery of {t} ({})",
                    info.id
                );
                let n: u32 = n.parse().unwrap();
                assert_eq!(
                    n, next,
                    "out of order: got {t}, expected {from_tag}-{next:05}"
                );
                next += 1;
            }
            Event::UndecryptableMessage(u) => {
                panic!("decrypt failure under chaos: {:?}", u.info.id)
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_messages_exactly_once_in_order_while_connections_drop() {
    let server = server().await;
    server.create_account("15550300001").unwrap();
    server.create_account("15550300002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let alice = paired_bot(&server, "15550300001", &db(&dir, "a.db")).await;
    let bob = paired_bot(&server, "15550300002", &db(&dir, "b.db")).await;
    let alice_dev = alice.client.get_pn().await.unwrap().to_string();
    let bob_dev = bob.client.get_pn().await.unwrap().to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let drops = Arc::new(AtomicU32::new(0));
    let chaos = {
        let faults = server.faults();
        let stop = stop.clone();
        let drops = drops.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Acquire) {
                let wait = 150 + rand::random::<u64>() % 450;
                tokio::time::sleep(Duration::from_millis(wait)).await;
                let victim = if rand::random::<bool>() {
                    &alice_dev
                } else {
                    &bob_dev
                };
                if faults.drop_connection(victim).is_ok() {
                    drops.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };

    let a_recv = tokio::spawn(receiver(alice.events, "bob"));
    let b_recv = tokio::spawn(receiver(bob.events, "alice"));
    let a_send = tokio::spawn(sender(
        alice.client.clone(),
        Jid::pn("15550300002"),
        "alice",
    ));
    let b_send = tokio::spawn(sender(bob.client.clone(), Jid::pn("15550300001"), "bob"));
    let a_ids = a_send.await.unwrap();
    let b_ids = b_send.await.unwrap();
    a_recv.await.unwrap();
    b_recv.await.unwrap();
    stop.store(true, Ordering::Release);
    chaos.await.unwrap();

    let all: HashSet<_> = a_ids.iter().chain(b_ids.iter()).collect();
    assert_eq!(all.len(), 2 * PER_SIDE as usize, "unique ids");
    let n = drops.load(Ordering::Relaxed);
    assert!(n >= 5, "the connections were dropped ({n} times)");
    eprintln!("2000 messages delivered exactly once in order across {n} dropped connections");
    alice.client.disconnect().await;
    bob.client.disconnect().await;
}
