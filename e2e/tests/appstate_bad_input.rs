//! Bad app-state input: a patch with a bad MAC and a patch under a key the device lacks give
//! typed errors and leave the stored state (version, LTHash, MAC map) exactly as it was; the
//! missing key is requested from the phone with a peer message, and once the key is there
//! the collection catches up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod media_support;
mod msg_support;
mod support;

use std::collections::HashMap;
use std::time::Duration;

use prost::Message as _;
use support::*;
use wacore::iq::appstate::AppStatePatchIq;
use wacore::store::AppStateSyncKey;
use wacore::types::events::Event;
use wacore_appstate::{AppStateError, HashState, SyncAction, encode_patch};
use wacore_binary::jid::Jid;
use waproto::whatsapp as wa;
use whatsapp_rust::appstate::{AppStateSyncError, Collection};

const PHONE: &str = "15550500001";

/// A freshly paired bot whose post-pairing events (the phone's key share leads to
/// `SelfPushNameUpdated`, possibly before `Connected`) are kept for the test.
async fn paired_keeping_events(
    server: &testserver::TestServer,
    phone: &str,
    db_path: &str,
) -> TestBot {
    let name = format!("bot {phone}");
    let mut bot = start_bot(server, db_path, |b| b.with_push_name(name)).await;
    pair_by_qr_keeping_events(server, phone, &mut bot).await;
    bot
}

async fn synced_pair(
    server: &testserver::TestServer,
    dir: &tempfile::TempDir,
) -> (TestBot, TestBot) {
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("Owner");
    let mut a = paired_keeping_events(server, PHONE, &db(dir, "a.db")).await;
    let mut b = paired_keeping_events(server, PHONE, &db(dir, "b.db")).await;
    for bot in [&mut a, &mut b] {
        wait_for(
            &mut bot.events,
            Duration::from_secs(20),
            "initial sync",
            |e| matches!(e, Event::SelfPushNameUpdated(u) if u.from_server).then_some(()),
        )
        .await;
    }
    (a, b)
}

async fn stored(bot: &TestBot, c: Collection) -> HashState {
    bot.client
        .persistence_manager()
        .backend()
        .get_version(c.as_str())
        .await
        .unwrap()
}

/// The sync keys a bot holds, as a key source.
async fn keys_of(bot: &TestBot, ids: &[Vec<u8>]) -> HashMap<Vec<u8>, Vec<u8>> {
    let backend = bot.client.persistence_manager().backend();
    let mut out = HashMap::new();
    for id in ids {
        if let Some(k) = backend.get_sync_key(id).await.unwrap() {
            out.insert(id.clone(), k.key_data);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_with_a_bad_mac_is_refused_and_stored_state_is_untouched() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (a, mut b) = synced_pair(&server, &dir).await;

    // One good patch so B has non-trivial state to protect.
    let chat: Jid = "15550500010@s.whatsapp.net".parse().unwrap();
    a.client.chat_actions().pin_chat(&chat).await.unwrap();
    wait_for(&mut b.events, Duration::from_secs(20), "PinUpdate", |e| {
        matches!(e, Event::PinUpdate(u) if u.jid == chat).then_some(())
    })
    .await;
    let before = stored(&b, Collection::RegularLow).await;
    assert_eq!(before.version, 1);

    // A hostile device uploads a patch whose value ciphertext was altered after MACing.
    let backend = a.client.persistence_manager().backend();
    let key_id = backend.get_latest_sync_key_id().await.unwrap().unwrap();
    let keys = keys_of(&a, std::slice::from_ref(&key_id)).await;
    let state = stored(&a, Collection::RegularLow).await;
    let evil: Jid = "15550500066@s.whatsapp.net".parse().unwrap();
    let mutation = SyncAction::archive(evil.to_string(), true, None)
        .to_mutation(1_700_000_000_000)
        .unwrap();
    let mut encoded = encode_patch("regular_low", &state, &key_id, &keys, &[mutation]).unwrap();
    let blob = encoded.patch.mutations[0]
        .record
        .as_mut()
        .unwrap()
        .value
        .as_mut()
        .unwrap()
        .blob
        .as_mut()
        .unwrap();
    blob[20] ^= 0x01;
    let answer = a
        .client
        .execute(AppStatePatchIq {
            name: "regular_low".into(),
            version: state.version,
            patch: encoded.patch.encode_to_vec(),
        })
        .await
        .unwrap();
    assert!(
        answer.error.is_none(),
        "the server stores whatever it is given"
    );

    // B gets server_sync, fails verification, tries a full resync, fails again: typed error.
    let err = b
        .client
        .sync_app_state(&[Collection::RegularLow])
        .await
        .unwrap_err();
    match &err {
        AppStateSyncError::Verification { collection, source } => {
            assert_eq!(collection, "regular_low");
            assert!(
                matches!(
                    source,
                    AppStateError::ValueMacMismatch { .. } | AppStateError::PatchMacMismatch { .. }
                ),
                "{source:?}"
            );
        }
        other => panic!("expected a verification error, got {other:?}"),
    }
    let after = stored(&b, Collection::RegularLow).await;
    assert_eq!(after, before, "version, LTHash and MAC map unchanged");
    for e in drain(&mut b.events) {
        assert!(
            !matches!(&e, Event::ArchiveUpdate(u) if u.jid == evil),
            "nothing from the bad patch reaches the application"
        );
    }
    // The phone (which verifies patches the same way) refuses it too and keeps the pin.
    let phone = server.phone(PHONE).unwrap();
    for _ in 0..200 {
        if phone.app_state_failures() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(phone.app_state_failures() >= 1);
    assert!(!phone.chat_settings(&evil.to_string()).archived);
    assert!(phone.chat_settings(&chat.to_string()).pinned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_under_a_missing_key_requests_it_from_the_phone_then_catches_up() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (a, mut b) = synced_pair(&server, &dir).await;
    let phone = server.phone(PHONE).unwrap();

    // A gets a newer key the phone never shared with B, and mutes a chat with it.
    let new_id = vec![0, 0, 0, 0, 0x77, 0x77];
    a.client
        .persistence_manager()
        .backend()
        .set_sync_key(
            &new_id,
            AppStateSyncKey {
                key_data: vec![0x42; 32],
                fingerprint: Vec::new(),
                timestamp: i64::MAX / 2,
            },
        )
        .await
        .unwrap();
    let chat: Jid = "15550500020@s.whatsapp.net".parse().unwrap();
    a.client.chat_actions().mute_chat(&chat).await.unwrap();
    let before = stored(&b, Collection::RegularHigh).await;

    let err = b
        .client
        .sync_app_state(&[Collection::RegularHigh])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppStateSyncError::MissingKey { collection, key_id }
            if collection == "regular_high" && key_id == "000000007777"),
        "{err:?}"
    );
    assert_eq!(stored(&b, Collection::RegularHigh).await, before);

    // B asked the phone for exactly that key, with a peer message.
    let req = phone
        .wait_for_message(Duration::from_secs(10), |m| {
            wa::Message::decode(&m.raw[..])
                .ok()
                .and_then(|msg| msg.protocol_message)
                .and_then(|p| p.app_state_sync_key_request)
                .is_some_and(|r| {
                    r.key_ids
                        .iter()
                        .any(|k| k.key_id.as_deref() == Some(&new_id[..]))
                })
        })
        .await
        .expect("phone receives the key request");
    assert_eq!(req.chat.split('@').next(), Some(PHONE));

    // The key arrives (here: put into B's store), and B catches up.
    b.client
        .persistence_manager()
        .backend()
        .set_sync_key(
            &new_id,
            AppStateSyncKey {
                key_data: vec![0x42; 32],
                fingerprint: Vec::new(),
                timestamp: i64::MAX / 2,
            },
        )
        .await
        .unwrap();
    b.client
        .sync_app_state(&[Collection::RegularHigh])
        .await
        .expect("catches up once the key is there");
    wait_for(&mut b.events, Duration::from_secs(10), "MuteUpdate", |e| {
        matches!(e, Event::MuteUpdate(u) if u.jid == chat && u.action.muted == Some(true))
            .then_some(())
    })
    .await;
    assert_eq!(
        stored(&b, Collection::RegularHigh).await,
        stored(&a, Collection::RegularHigh).await
    );
}

fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

/// The server refuses the first app-state IQs after pairing: the first sync after the phone's
/// key share fails, and is retried with a backoff (no `server_sync` comes) until the phone's
/// push-name patch is applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_first_sync_after_the_key_share_is_retried_with_backoff() {
    let server = server().await;
    let number = "15550500009";
    let phone = server.create_account(number).unwrap();
    phone.set_push_name("Owner");
    server.faults().fail_app_state_syncs(number, 2);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_keeping_events(&server, number, &db(&dir, "retry.db")).await;
    wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "the push name from the retried first sync",
        |e| {
            matches!(e, Event::SelfPushNameUpdated(u) if u.from_server && u.new_name == "Owner")
                .then_some(())
        },
    )
    .await;
    let version = bot
        .client
        .app_state_version(Collection::CriticalBlock)
        .await
        .unwrap();
    assert!(version >= 1, "critical_block synced (v{version})");
    bot.client.disconnect().await;
}
