//! Pairing end to end: QR scan, restart with the same SQLite file, pair code, logout.
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
use wacore::iq::prekeys::PreKeyCountIq;
use wacore::types::events::Event;
use whatsapp_rust::pair_code::{PairCodeOptions, PlatformId};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_pairing_then_restart_logs_in_without_pairing() {
    let server = server().await;
    server.create_account("15550001111").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir, "bot.db");

    let mut bot = start_bot(&server, &path, |b| b.with_push_name("e2e bot")).await;
    let jid = pair_by_qr(&server, "15550001111", &mut bot).await;
    assert!(bot.client.is_logged_in());
    assert_eq!(bot.client.get_pn().await.unwrap().to_string(), jid);
    // The first login after pairing uploads a full batch of 812 one-time pre-keys, as
    // WhatsApp Web does (UPLOAD_KEYS_COUNT), before `Connected`.
    let count = bot.client.execute(PreKeyCountIq).await.unwrap();
    assert_eq!(count, 812, "server-side pre-key count after pairing");
    // Server props: the answer's hash is stored for the next query (and survives the restart).
    bot.client.fetch_props().await.unwrap();
    let pm = bot.client.persistence_manager();
    assert_eq!(
        pm.get_device_snapshot().await.props_hash.as_deref(),
        Some("testserver-1")
    );
    bot.client.disconnect().await;
    tokio::time::timeout(Duration::from_secs(10), bot.handle)
        .await
        .unwrap()
        .unwrap();

    // Same SQLite file, new process state: logs straight in, no QR.
    let mut again = start_bot(&server, &path, |b| b).await;
    let before = wait_connected(&mut again).await;
    assert!(
        !before
            .iter()
            .any(|e| matches!(e, Event::PairingQrCode { .. })),
        "a paired device must not show a QR: {before:?}"
    );
    assert_eq!(again.client.get_pn().await.unwrap().to_string(), jid);
    let count = again.client.execute(PreKeyCountIq).await.unwrap();
    assert_eq!(count, 812, "enough keys on the server: no second upload");
    let pm = again.client.persistence_manager();
    assert_eq!(
        pm.get_device_snapshot().await.props_hash.as_deref(),
        Some("testserver-1")
    );
    again.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_code_pairs_a_second_bot() {
    let server = server().await;
    let phone = server.create_account("15550002222").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = PairCodeOptions {
        phone_number: "+1 555-000-2222".to_string(),
        show_push_notification: true,
        custom_code: None,
        platform_id: PlatformId::Chrome,
        platform_display: "Chrome (Linux)".to_string(),
    };
    let mut bot = start_bot(&server, &db(&dir, "code.db"), |b| b.with_pair_code(options)).await;
    let (code, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "PairingCode",
        |e| match e {
            Event::PairingCode { code, .. } => Some(code.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(code.len(), 8);
    let entry = tokio::spawn(async move { phone.enter_pair_code(&code).await });
    let (success, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(30),
        "PairSuccess",
        |e| match e {
            Event::PairSuccess(s) => Some(s.clone()),
            _ => None,
        },
    )
    .await;
    let paired = entry.await.unwrap().expect("phone accepts the code");
    assert_eq!(success.id.to_string(), paired.jid);
    wait_connected(&mut bot).await;
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_leaves_a_store_that_must_pair_again() {
    let server = server().await;
    server.create_account("15550003333").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir, "logout.db");
    let mut bot = start_bot(&server, &path, |b| b).await;
    pair_by_qr(&server, "15550003333", &mut bot).await;

    bot.client
        .logout()
        .await
        .expect("server removes the companion");
    wait_for(&mut bot.events, Duration::from_secs(10), "LoggedOut", |e| {
        matches!(e, Event::LoggedOut(_)).then_some(())
    })
    .await;
    tokio::time::timeout(Duration::from_secs(10), bot.handle)
        .await
        .unwrap()
        .unwrap();
    assert!(bot.client.get_pn().await.is_none());

    let mut again = start_bot(&server, &path, |b| b).await;
    wait_for(
        &mut again.events,
        Duration::from_secs(20),
        "PairingQrCode after logout",
        |e| matches!(e, Event::PairingQrCode { .. }).then_some(()),
    )
    .await;
    assert!(again.client.get_pn().await.is_none());
    again.client.disconnect().await;
}
