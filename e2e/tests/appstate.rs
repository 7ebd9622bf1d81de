//! App-state sync end to end against the test server: after pairing the phone shares its
//! sync key and the bot fetches every collection (the phone's push-name patch arrives as
//! `SelfPushNameUpdated`); chat actions and the push name one bot sends reach a second
//! companion of the same account through `server_sync` as typed events; state survives a
//! restart from SQLite; concurrent patches from two devices both land (409, catch up,
//! retry).
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

use std::time::Duration;

use support::*;
use testserver::ChatSettings;
use wacore::types::events::Event;
use wacore_binary::jid::Jid;
use whatsapp_rust::appstate::Collection;

const PHONE: &str = "15550400001";

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

async fn wait_event<T>(bot: &mut TestBot, what: &str, pred: impl FnMut(&Event) -> Option<T>) -> T {
    wait_for(&mut bot.events, Duration::from_secs(20), what, pred)
        .await
        .0
}

async fn wait_own_push_name(bot: &mut TestBot, name: &str) {
    wait_event(bot, "SelfPushNameUpdated", |e| match e {
        Event::SelfPushNameUpdated(u) if u.new_name == name && u.from_server => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_actions_and_push_name_reach_our_other_device_and_survive_a_restart() {
    let server = server().await;
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("Phone Owner");
    let dir = tempfile::tempdir().unwrap();

    // Pairing: key share from the phone, then a full sync of every collection.
    let mut a = paired_keeping_events(&server, PHONE, &db(&dir, "a.db")).await;
    wait_own_push_name(&mut a, "Phone Owner").await;
    assert_eq!(a.client.get_push_name().await, "Phone Owner");
    assert_eq!(
        a.client
            .app_state_version(Collection::CriticalBlock)
            .await
            .unwrap(),
        1
    );
    let mut b = paired_keeping_events(&server, PHONE, &db(&dir, "b.db")).await;
    wait_own_push_name(&mut b, "Phone Owner").await;

    let chat: Jid = "15550400099@s.whatsapp.net".parse().unwrap();
    let group: Jid = "120363000000000001@g.us".parse().unwrap();

    // Archive (regular_low; also unpins).
    a.client
        .chat_actions()
        .archive_chat(&chat)
        .await
        .expect("archive");
    let got = wait_event(&mut b, "ArchiveUpdate", |e| match e {
        Event::ArchiveUpdate(u) if u.jid == chat => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.archived, Some(true));
    assert!(!got.from_full_sync);

    // Pin.
    a.client.chat_actions().pin_chat(&group).await.unwrap();
    let got = wait_event(&mut b, "PinUpdate", |e| match e {
        Event::PinUpdate(u) if u.jid == group => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.pinned, Some(true));

    // Mute until (regular_high).
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let until = now_ms + 8 * 3600 * 1000;
    a.client
        .chat_actions()
        .mute_chat_until(&chat, until)
        .await
        .unwrap();
    let got = wait_event(&mut b, "MuteUpdate", |e| match e {
        Event::MuteUpdate(u) if u.jid == chat => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.muted, Some(true));
    assert_eq!(got.action.mute_end_timestamp, Some(until));
    assert!(
        a.client
            .chat_actions()
            .mute_chat_until(&chat, 1_000)
            .await
            .is_err(),
        "mute end in the past is refused"
    );

    // Star a group message from someone else.
    let sender: Jid = "15550400077@s.whatsapp.net".parse().unwrap();
    a.client
        .chat_actions()
        .star_message(&group, Some(&sender), "3EB0AAAABBBBCCCC", false)
        .await
        .unwrap();
    let got = wait_event(&mut b, "StarUpdate", |e| match e {
        Event::StarUpdate(u) if u.message_id == "3EB0AAAABBBBCCCC" => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.chat_jid, group);
    assert_eq!(got.participant_jid, Some(sender.clone()));
    assert!(!got.from_me);
    assert_eq!(got.action.starred, Some(true));
    assert!(
        a.client
            .chat_actions()
            .star_message(&group, None, "X", false)
            .await
            .is_err(),
        "group message from someone else needs its sender"
    );

    // Mark read.
    a.client
        .chat_actions()
        .mark_chat_as_read(&chat)
        .await
        .unwrap();
    let got = wait_event(&mut b, "MarkChatAsReadUpdate", |e| match e {
        Event::MarkChatAsReadUpdate(u) if u.jid == chat => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.read, Some(true));

    // Push name (critical_block).
    a.client
        .profile()
        .set_push_name("Renamed Bot")
        .await
        .unwrap();
    wait_own_push_name(&mut b, "Renamed Bot").await;
    assert_eq!(b.client.get_push_name().await, "Renamed Bot");

    // Both devices agree on every version.
    for c in [
        Collection::CriticalBlock,
        Collection::RegularLow,
        Collection::RegularHigh,
    ] {
        let va = a.client.app_state_version(c).await.unwrap();
        let mut vb = b.client.app_state_version(c).await.unwrap();
        for _ in 0..50 {
            if vb == va {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            vb = b.client.app_state_version(c).await.unwrap();
        }
        assert_eq!(va, vb, "{c} versions agree");
        assert!(va >= 1);
    }

    // Restart A from its SQLite file: the stored LTHash state must still produce patches
    // B verifies.
    a.client.disconnect().await;
    let _ = a.handle.await;
    let mut a = start_bot(&server, &db(&dir, "a.db"), |b| b).await;
    wait_connected(&mut a).await;
    assert_eq!(
        a.client
            .app_state_version(Collection::RegularLow)
            .await
            .unwrap(),
        b.client
            .app_state_version(Collection::RegularLow)
            .await
            .unwrap()
    );
    a.client.chat_actions().unarchive_chat(&chat).await.unwrap();
    let got = wait_event(&mut b, "ArchiveUpdate (unarchive)", |e| match e {
        Event::ArchiveUpdate(u) if u.jid == chat && u.action.archived == Some(false) => {
            Some(u.clone())
        }
        _ => None,
    })
    .await;
    assert!(!got.from_full_sync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_patches_from_two_devices_both_land() {
    let server = server().await;
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("Owner");
    let dir = tempfile::tempdir().unwrap();
    let mut a = paired_keeping_events(&server, PHONE, &db(&dir, "a.db")).await;
    wait_own_push_name(&mut a, "Owner").await;
    let mut b = paired_keeping_events(&server, PHONE, &db(&dir, "b.db")).await;
    wait_own_push_name(&mut b, "Owner").await;

    let chats: Vec<Jid> = (0..6)
        .map(|i| format!("1555040100{i}@s.whatsapp.net").parse().unwrap())
        .collect();
    let (ca, cb) = (a.client.clone(), b.client.clone());
    let (ja, jb) = (chats.clone(), chats.clone());
    let ta = tokio::spawn(async move {
        for c in ja.iter().step_by(2) {
            ca.chat_actions().pin_chat(c).await.unwrap();
        }
    });
    let tb = tokio::spawn(async move {
        for c in jb.iter().skip(1).step_by(2) {
            cb.chat_actions().pin_chat(c).await.unwrap();
        }
    });
    ta.await.unwrap();
    tb.await.unwrap();

    // Each device hears about the other's pins.
    let mut seen_by_a = std::collections::HashSet::new();
    while seen_by_a.len() < 3 {
        let j = wait_event(&mut a, "B's pins on A", |e| match e {
            Event::PinUpdate(u) if u.action.pinned == Some(true) => Some(u.jid.clone()),
            _ => None,
        })
        .await;
        if chats.iter().skip(1).step_by(2).any(|c| *c == j) {
            seen_by_a.insert(j);
        }
    }
    a.client
        .sync_app_state(&[Collection::RegularLow])
        .await
        .unwrap();
    b.client
        .sync_app_state(&[Collection::RegularLow])
        .await
        .unwrap();
    let va = a
        .client
        .app_state_version(Collection::RegularLow)
        .await
        .unwrap();
    let vb = b
        .client
        .app_state_version(Collection::RegularLow)
        .await
        .unwrap();
    assert_eq!(va, vb);
    assert_eq!(va, 6, "six patches, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_sees_what_the_bot_archives_and_the_bot_sees_what_the_phone_pins() {
    let server = server().await;
    let phone = server.create_account(PHONE).unwrap();
    phone.set_push_name("Owner");
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_keeping_events(&server, PHONE, &db(&dir, "bot.db")).await;
    wait_own_push_name(&mut bot, "Owner").await;
    let chat: Jid = "15550400055@s.whatsapp.net".parse().unwrap();
    let key = chat.to_string();
    assert_eq!(phone.chat_settings(&key), ChatSettings::default());

    // Bot -> phone: the phone decodes the bot's patches (MACs, LTHash, its own key).
    bot.client.chat_actions().archive_chat(&chat).await.unwrap();
    let s = phone
        .wait_for_chat_settings(&key, Duration::from_secs(20), |s| s.archived)
        .await
        .expect("the phone shows the chat archived");
    assert!(!s.pinned);
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 3_600_000;
    bot.client
        .chat_actions()
        .mute_chat_until(&chat, until)
        .await
        .unwrap();
    let s = phone
        .wait_for_chat_settings(&key, Duration::from_secs(20), |s| s.muted)
        .await
        .expect("the phone shows the chat muted");
    assert_eq!(s.mute_end_ms, Some(until));
    assert!(s.archived, "archive state kept");
    bot.client
        .chat_actions()
        .unarchive_chat(&chat)
        .await
        .unwrap();
    phone
        .wait_for_chat_settings(&key, Duration::from_secs(20), |s| !s.archived)
        .await
        .expect("the phone shows the chat unarchived");

    // Phone -> bot: the phone's own patches (written against the state it decoded) verify
    // on the bot and arrive as typed events.
    let other: Jid = "15550400056@s.whatsapp.net".parse().unwrap();
    phone.pin_chat(&other.to_string(), true).unwrap();
    let got = wait_event(&mut bot, "PinUpdate from the phone", |e| match e {
        Event::PinUpdate(u) if u.jid == other => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.pinned, Some(true));
    assert!(!got.from_full_sync);
    phone.archive_chat(&chat.to_string(), true).unwrap();
    let got = wait_event(&mut bot, "ArchiveUpdate from the phone", |e| match e {
        Event::ArchiveUpdate(u) if u.jid == chat => Some(u.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.action.archived, Some(true));
    // Then the bot writes on top of the phone's patches, and the phone still verifies it.
    bot.client.chat_actions().pin_chat(&chat).await.unwrap();
    phone
        .wait_for_chat_settings(&key, Duration::from_secs(20), |s| s.pinned)
        .await
        .expect("the phone sees the bot's pin after its own archive");
    // regular_low: bot archive, bot unarchive, phone pin, phone archive, bot pin.
    assert_eq!(
        bot.client
            .app_state_version(Collection::RegularLow)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        phone.app_state_failures(),
        0,
        "every patch verified on the phone"
    );
}
