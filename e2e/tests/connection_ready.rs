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
