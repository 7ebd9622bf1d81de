//! `Client::wait_for_connected` waits for login *and* the offline sync, which ends with the
//! server's end marker or, if it never comes, the offline-sync timeout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::time::Duration;

use support::*;
use wacore::types::events::Event;
use whatsapp_rust::Timings;

fn with_offline_timeout(t: Duration) -> Timings {
    Timings {
        offline_sync_timeout: t,
        ..fast_timings()
    }
}

async fn offline_sync_completed(bot: &mut TestBot) -> i32 {
    wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "OfflineSyncCompleted",
        |e| match e {
            Event::OfflineSyncCompleted(c) => Some(c.count),
            _ => None,
        },
    )
    .await
    .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_connected_waits_for_the_offline_end_marker() {
    let server = server().await;
    let phone = "15550030001";
    server.create_account(phone).unwrap();
    server.faults().withhold_offline_end(phone, true);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "w.db"), |b| {
        b.with_timings(with_offline_timeout(Duration::from_secs(60)))
    })
    .await;
    let jid = pair_by_qr_keeping_events(&server, phone, &mut bot).await;
    assert!(bot.client.is_logged_in());

    // Logged in and `Connected` emitted, but the backlog's end marker is still missing.
    let early = bot
        .client
        .wait_for_connected(Duration::from_millis(1500))
        .await;
    assert!(
        early.is_err(),
        "wait_for_connected resolved before the offline sync completed"
    );

    server.faults().send_offline_end(&jid, 0).unwrap();
    bot.client
        .wait_for_connected(Duration::from_secs(10))
        .await
        .expect("resolves once the end marker arrives");
    assert_eq!(offline_sync_completed(&mut bot).await, 0);

    // With the marker back, a new connection is ready as soon as the server sends it.
    server.faults().withhold_offline_end(phone, false);
    bot.client.reconnect_immediately().await;
    wait_for(
        &mut bot.events,
        Duration::from_secs(10),
        "Disconnected",
        |e| matches!(e, Event::Disconnected(_)).then_some(()),
    )
    .await;
    bot.client
        .wait_for_connected(Duration::from_secs(10))
        .await
        .expect("reconnected and synced");
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_connected_falls_back_to_the_offline_sync_timeout() {
    let server = server().await;
    let phone = "15550030002";
    server.create_account(phone).unwrap();
    server.faults().withhold_offline_end(phone, true);
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_secs(6);
    let mut bot = start_bot(&server, &db(&dir, "t.db"), |b| {
        b.with_timings(with_offline_timeout(timeout))
    })
    .await;
    pair_by_qr_keeping_events(&server, phone, &mut bot).await;
    let connected_at = std::time::Instant::now();
    assert!(
        bot.client
            .wait_for_connected(Duration::from_millis(300))
            .await
            .is_err(),
        "resolved without an end marker and before the timeout"
    );
    bot.client
        .wait_for_connected(Duration::from_secs(20))
        .await
        .expect("the offline-sync timeout completes the sync");
    assert!(
        connected_at.elapsed() >= Duration::from_secs(2),
        "resolved {:?} after Connected, long before the {timeout:?} timeout",
        connected_at.elapsed()
    );
    assert_eq!(offline_sync_completed(&mut bot).await, 0);
    bot.client.disconnect().await;
}

/// After login, once the offline sync is over, the client queries the server's props by
/// itself (as WhatsApp Web's post-login tasks do) and stores the answer's hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn props_are_fetched_in_the_background_after_the_offline_sync() {
    let server = server().await;
    let phone = "15550030003";
    server.create_account(phone).unwrap();
    server.faults().withhold_offline_end(phone, true);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "p.db"), |b| {
        b.with_timings(with_offline_timeout(Duration::from_secs(60)))
    })
    .await;
    let jid = pair_by_qr_keeping_events(&server, phone, &mut bot).await;
    let pm = bot.client.persistence_manager();
    let props_hash = || async { pm.get_device_snapshot().await.props_hash };

    // Gated behind the offline sync: nothing yet while the backlog has not ended.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        props_hash().await,
        None,
        "props fetched during the offline sync"
    );

    server.faults().send_offline_end(&jid, 0).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while props_hash().await.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "no props query answered after the offline sync"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The hash only comes from the server's props answer.
    assert_eq!(props_hash().await.as_deref(), Some("testserver-1"));
    bot.client.disconnect().await;
}
