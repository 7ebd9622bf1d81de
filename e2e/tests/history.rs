//! History sync end to end against the test server: a freshly paired bot gets the phone's
//! bootstrap history (a peer `HISTORY_SYNC_NOTIFICATION` with an inline payload) as
//! `Event::HistorySync` with push names and stores its PN/LID mapping; an external history
//! blob (uploaded to the CDN, encrypted, zlib) is downloaded, inflated and streamed as one
//! `JoinedGroup` per conversation before the `HistorySync` remainder; skip mode processes
//! nothing; a corrupted blob fails with a typed error and dispatches nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod history_support;
mod media_support;
mod msg_support;
mod support;

use std::time::Duration;

use history_support::*;
use msg_support::*;
use prost::Message as _;
use support::*;
use wacore::types::events::Event;
use waproto::whatsapp as wa;
use whatsapp_rust::history_sync::HistorySyncFailure;

const PHONE: &str = "15550600001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_bot_receives_the_phones_bootstrap_history_and_mapping() {
    let server = server().await;
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("History Owner");
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "bot.db"), |b| b).await;
    let capture = std::sync::Arc::new(HistoryCapture::default());
    bot.client.register_handler(capture.clone());
    pair_by_qr(&server, PHONE, &mut bot).await;
    wait_chunks(&bot.client, 1).await;
    let hist = capture.chunks.lock().unwrap()[0].clone();
    assert_eq!(
        hist.sync_type,
        wa::history_sync::HistorySyncType::InitialBootstrap as i32
    );
    assert!(
        hist.conversations.is_empty(),
        "conversations come as JoinedGroup"
    );
    assert!(
        hist.pushnames
            .iter()
            .any(|p| p.pushname.as_deref() == Some("History Owner")),
        "{:?}",
        hist.pushnames
    );
    let lid_user = phone.lid_jid().split('@').next().unwrap().to_owned();
    let mapping = bot
        .client
        .persistence_manager()
        .backend()
        .get_lid_mapping(&lid_user)
        .await
        .unwrap()
        .expect("PN/LID mapping from history stored");
    assert_eq!(mapping.phone_number, PHONE);
    assert_eq!(bot.client.history_sync_stats().chunks, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_history_blob_streams_conversations_then_the_remainder() {
    let server = server().await;
    server.create_account(PHONE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, PHONE, &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);
    // Let the bootstrap chunk go by first.
    wait_chunks(&bot.client, 1).await;
    while bot.events.try_recv().is_ok() {}

    let history = build_history(40, 25, 2);
    let notification = upload_history(&server, &history).await;
    let stats = bot
        .client
        .process_history_sync(notification)
        .await
        .expect("history chunk processed");
    assert_eq!(stats.conversations, 40);

    let mut ids = Vec::new();
    let mut messages = 0;
    loop {
        let ev = wait_for(
            &mut bot.events,
            Duration::from_secs(10),
            "history events",
            |e| match e {
                Event::JoinedGroup(_) | Event::HistorySync(_) => Some(e.clone()),
                _ => None,
            },
        )
        .await
        .0;
        match ev {
            Event::JoinedGroup(lazy) => {
                let conv = wa::Conversation::decode(lazy.raw_bytes().as_ref()).unwrap();
                messages += conv.messages.len();
                assert_eq!(lazy.get().unwrap().id, conv.id, "lazy decode agrees");
                ids.push(conv.id);
            }
            Event::HistorySync(rest) => {
                assert!(rest.conversations.is_empty());
                assert_eq!(rest.chunk_order, Some(2));
                assert_eq!(rest.pushnames.len(), 40);
                break;
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(ids.len(), 40, "every conversation before the remainder");
    assert_eq!(ids[0], history.conversations[0].id, "in payload order");
    assert_eq!(messages, 40 * 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_history_blob_fails_typed_and_dispatches_nothing() {
    let server = server().await;
    server.create_account(PHONE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, PHONE, &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);
    wait_chunks(&bot.client, 1).await;
    while bot.events.try_recv().is_ok() {}

    let history = build_history(5, 5, 3);
    let mut notification = upload_history(&server, &history).await;
    // Point the notification at a tampered copy of the blob.
    let blob =
        media_support::fetch_blob(&server, notification.direct_path.as_deref().unwrap()).await;
    let mut bad = blob.clone();
    bad[3] ^= 0x80;
    notification.direct_path = Some(media_support::store_blob(&server, "md-msg-hist", bad).await);
    let err = bot
        .client
        .process_history_sync(notification.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, HistorySyncFailure::Download(_)), "{err:?}");

    // A payload that decrypts but is not zlib.
    let junk = wa::message::HistorySyncNotification {
        initial_hist_bootstrap_inline_payload: Some(b"definitely not zlib".to_vec()),
        ..Default::default()
    };
    let err = bot.client.process_history_sync(junk).await.unwrap_err();
    assert!(matches!(err, HistorySyncFailure::Payload(_)), "{err:?}");

    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(e) = bot.events.try_recv() {
        assert!(
            !matches!(e, Event::JoinedGroup(_) | Event::HistorySync(_)),
            "nothing dispatched from bad payloads: {e:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_mode_processes_nothing() {
    let server = server().await;
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("Skipper");
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "bot.db"), |b| b.skip_history_sync()).await;
    assert!(bot.client.skip_history_sync_enabled());
    // Keep the events from before `Connected`: the sync may finish before it.
    pair_by_qr_keeping_events(&server, PHONE, &mut bot).await;
    // The key share and app-state sync happen; wait until they did, then a little more.
    wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "app-state sync",
        |e| matches!(e, Event::SelfPushNameUpdated(_)).then_some(()),
    )
    .await;
    for _ in 0..50 {
        if !bot.client.history_sync_busy() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(e) = bot.events.try_recv() {
        assert!(!matches!(e, Event::HistorySync(_) | Event::JoinedGroup(_)));
    }
    assert_eq!(bot.client.history_sync_stats().chunks, 0);
}
