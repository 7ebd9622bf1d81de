//! Reconnect policy driven by the test server's faults: drops, stream errors, silence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::time::{Duration, Instant};

use support::*;
use wacore::types::events::Event;

/// A paired, connected bot on a fresh server; returns (server, bot, device jid, tempdir).
async fn connected(phone: &str) -> (testserver::TestServer, TestBot, String, tempfile::TempDir) {
    let server = server().await;
    server.create_account(phone).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "r.db"), |b| b).await;
    let jid = pair_by_qr(&server, phone, &mut bot).await;
    settled(&bot).await;
    (server, bot, jid, dir)
}

async fn disconnected(bot: &mut TestBot) -> Instant {
    wait_for(
        &mut bot.events,
        Duration::from_secs(10),
        "Disconnected",
        |e| matches!(e, Event::Disconnected(_)).then_some(()),
    )
    .await;
    Instant::now()
}

async fn stops(bot: TestBot) {
    tokio::time::timeout(Duration::from_secs(10), bot.handle)
        .await
        .expect("run loop stops by itself")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_reconnects_with_backoff() {
    let (server, mut bot, jid, _dir) = connected("15550010001").await;
    server.faults().drop_connection(&jid).unwrap();
    let t0 = disconnected(&mut bot).await;
    wait_connected(&mut bot).await;
    let waited = t0.elapsed();
    // First failure: fib(1) * 200 ms, minus 10 % jitter.
    assert!(
        waited >= Duration::from_millis(180),
        "reconnected too early: {waited:?}"
    );
    assert!(bot.client.is_logged_in());
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_515_reconnects_at_once() {
    let (server, mut bot, jid, _dir) = connected("15550010002").await;
    // Make the normal backoff long so "immediately" is unambiguous.
    bot.client
        .auto_reconnect_errors
        .store(8, std::sync::atomic::Ordering::Release);
    server.faults().send_stream_error(&jid, 515).unwrap();
    let t0 = disconnected(&mut bot).await;
    wait_connected(&mut bot).await;
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "515 must not back off: {:?}",
        t0.elapsed()
    );
    bot.client.disconnect().await;
}

async fn fatal_stream_error(phone: &str, code: u16) -> Vec<Event> {
    let (server, mut bot, jid, _dir) = connected(phone).await;
    server.faults().send_stream_error(&jid, code).unwrap();
    let (_, seen) = wait_for(
        &mut bot.events,
        Duration::from_secs(10),
        "Disconnected",
        |e| matches!(e, Event::Disconnected(_)).then_some(()),
    )
    .await;
    let events = seen;
    let client = bot.client.clone();
    stops(bot).await;
    assert!(!client.is_connected());
    assert!(
        !client
            .enable_auto_reconnect
            .load(std::sync::atomic::Ordering::Acquire)
    );
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_401_logs_out_and_stops() {
    let seen = fatal_stream_error("15550010003", 401).await;
    assert!(
        seen.iter().any(|e| matches!(e, Event::LoggedOut(_))),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_516_logs_out_and_stops() {
    let seen = fatal_stream_error("15550010004", 516).await;
    assert!(
        seen.iter().any(|e| matches!(e, Event::LoggedOut(_))),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_409_is_replaced_and_stops() {
    let seen = fatal_stream_error("15550010005", 409).await;
    assert!(
        seen.iter().any(|e| matches!(e, Event::StreamReplaced(_))),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_429_backs_off_longer() {
    let (server, mut bot, jid, _dir) = connected("15550010006").await;
    server.faults().send_stream_error(&jid, 429).unwrap();
    let t0 = disconnected(&mut bot).await;
    wait_connected(&mut bot).await;
    // 5 extra steps: fib(6) = 8 units of 200 ms = 1.6 s, minus 10 % jitter.
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1400),
        "429 must back off longer: {waited:?}"
    );
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_detects_a_silent_server() {
    let (server, mut bot, jid, _dir) = connected("15550010007").await;
    // The server keeps the socket open but stops sending anything.
    server.faults().drop_frames(&jid, 1_000_000).unwrap();
    let t0 = Instant::now();
    disconnected(&mut bot).await;
    assert!(
        t0.elapsed() < Duration::from_secs(8),
        "dead socket not detected in time"
    );
    server.faults().clear();
    // The client reconnects at once, possibly before the fault was cleared: then the new
    // connection's <success> is dropped too and only the 20 s connect timeout gets it out.
    // Allow for that retry; what matters is that it comes back on its own.
    wait_for(&mut bot.events, Duration::from_secs(60), "Connected", |e| {
        matches!(e, Event::Connected(_)).then_some(())
    })
    .await;
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_keeps_a_deliberate_offline_window() {
    let (_server, mut bot, _jid, _dir) = connected("15550010008").await;
    bot.client.reconnect().await;
    let t0 = disconnected(&mut bot).await;
    wait_connected(&mut bot).await;
    // counter + 4 steps -> fib(5) = 5 units of 200 ms, minus 10 % jitter.
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "reconnect() must wait ~5 steps: {waited:?}"
    );
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_login_logs_out_on_connect_and_stops() {
    let (server, mut bot, jid, _dir) = connected("15550010009").await;
    server
        .faults()
        .refuse_logins(Some("15550010009"), Some(401));
    server.faults().drop_connection(&jid).unwrap();
    let (logout, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(10),
        "LoggedOut",
        |e| match e {
            Event::LoggedOut(l) => Some(*l),
            _ => None,
        },
    )
    .await;
    assert!(logout.on_connect);
    stops(bot).await;
}

/// Offline backlog across several chats: after login, messages are processed one at a time
/// until the offline sync completes, so a backlog interleaved across chats is delivered to
/// the application in the server's order (per-chat queues alone only keep each chat's order;
/// two first `pkmsg`s of different chats would race).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_backlog_across_chats_is_processed_in_server_order() {
    use wacore::proto_helpers::MessageExt;

    let (server, bot, _jid, dir) = connected("15550009001").await;
    let friends: Vec<_> = ["15550009002", "15550009003", "15550009004"]
        .iter()
        .map(|p| server.create_account(p).unwrap())
        .collect();
    bot.client.disconnect().await;
    tokio::time::timeout(Duration::from_secs(10), bot.handle)
        .await
        .unwrap()
        .unwrap();

    // While the bot is away, three friends write interleaved: the first message of each
    // chat starts a new Signal session (pkmsg), the slow path.
    let mut sent = Vec::new();
    for round in 0..6 {
        for (i, f) in friends.iter().enumerate() {
            let text = format!("f{i}-m{round}");
            f.send_text("15550009001@s.whatsapp.net", &text)
                .await
                .unwrap();
            sent.push(text);
        }
    }

    let mut bot = start_bot(&server, &db(&dir, "r.db"), |b| b).await;
    let mut got = Vec::new();
    let mut completed = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.len() < sent.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = tokio::time::timeout(left, bot.events.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; got {got:?}"))
            .unwrap();
        match ev {
            Event::Message(m, _) => got.push(m.text_content().unwrap_or_default().to_string()),
            Event::OfflineSyncCompleted(_) => completed = true,
            Event::UndecryptableMessage(u) => panic!("undecryptable: {u:?}"),
            _ => {}
        }
    }
    assert_eq!(
        got, sent,
        "offline backlog in the server's order across chats"
    );
    if !completed {
        wait_for(
            &mut bot.events,
            Duration::from_secs(10),
            "OfflineSyncCompleted",
            |e| matches!(e, Event::OfflineSyncCompleted(_)).then_some(()),
        )
        .await;
    }
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_left_unanswered_is_replaced_by_a_new_connection() {
    let (server, mut bot, jid, _dir) = connected("15550010010").await;
    // The next connection's first frame to the device, its <success>, is lost.
    server.faults().drop_frames(&jid, 1).unwrap();
    server.faults().drop_connection(&jid).unwrap();
    disconnected(&mut bot).await;
    // Keepalives are answered on that connection, so only the login watchdog (the
    // handshake timeout, 5 s here) gets the bot out of it.
    let t0 = Instant::now();
    wait_for(&mut bot.events, Duration::from_secs(30), "Connected", |e| {
        matches!(e, Event::Connected(_)).then_some(())
    })
    .await;
    assert!(bot.client.is_logged_in());
    assert!(
        t0.elapsed() >= Duration::from_secs(4),
        "the first connection cannot have logged in: {:?}",
        t0.elapsed()
    );
    bot.client.disconnect().await;
}
