//! Groups end to end: our bot, two simulated phones and an unmodified Baileys 7 client share a
//! group and every member decrypts every message; a participant removed from a group cannot
//! decrypt the next message (our sender key rotates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../testserver/tests/common/baileys.rs"]
mod baileys;
mod msg_support;
mod support;

use std::sync::Arc;
use std::time::Duration;

use baileys::Baileys;
use msg_support::*;
use support::*;
use wacore::message::{DecryptOutcome, decrypt_message, parse_message_info};
use wacore::proto_helpers::MessageExt;
use wacore::request::InfoQuery;
use wacore::signal::SignalStoreAdapter;
use wacore::types::events::Event;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::{Node, NodeContent};
use whatsapp_rust::NodeFilter;
use whatsapp_rust_sqlite_storage::SqliteStore;

/// Generous: Baileys runs in node next to other tests on a 2-core CI machine.
const T: Duration = Duration::from_secs(45);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bot_two_phones_and_baileys_in_a_group_all_decrypt_every_message() {
    let server = server().await;
    let (a, b, c, d) = ("15550400001", "15550400002", "15550400003", "15550400004");
    let phone_a = server.create_account(a).unwrap();
    let phone_b = server.create_account(b).unwrap();
    let phone_c = server.create_account(c).unwrap();
    server.create_account(d).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, a, &db(&dir, "a.db")).await;
    let mut bl = Baileys::spawn(&server, "D", d, &dir.path().join("baileys"), &[]).await;
    bl.ready().await;
    let group = server.create_group(a, "four clients", &[b, c, d]).unwrap();
    let group_jid: Jid = group.parse().unwrap();

    // Our bot sends: both phones, our own primary phone and Baileys decrypt it.
    let id = bot
        .client
        .send_message(group_jid.clone(), text("hello from the bot"))
        .await
        .unwrap();
    for p in [&phone_a, &phone_b, &phone_c] {
        let m = p
            .wait_for_message(T, |m| m.id == id)
            .await
            .unwrap_or_else(|e| panic!("{} did not decrypt: {e}", p.phone()));
        assert_eq!(m.text.as_deref(), Some("hello from the bot"));
        assert_eq!(m.chat, group);
    }
    let got = bl.wait_text("hello from the bot").await;
    assert_eq!(got["remoteJid"], group.as_str());

    // A phone sends: the bot, the other phone and Baileys decrypt it.
    let pid = phone_b
        .send_text(&group, "hello from phone b")
        .await
        .unwrap();
    let (m, info) = wait_message(&mut bot, |_, i| i.id == pid).await;
    assert_eq!(m.text_content(), Some("hello from phone b"));
    assert!(info.source.is_group);
    assert_eq!(info.source.chat, group_jid);
    phone_c.wait_for_message(T, |m| m.id == pid).await.unwrap();
    bl.wait_text("hello from phone b").await;

    // Baileys sends: the bot and both phones decrypt it.
    let bid = bl.send_text(&group, "hello from baileys").await;
    let (m, info) = wait_message(&mut bot, |_, i| i.id == bid).await;
    assert_eq!(m.text_content(), Some("hello from baileys"));
    assert!(
        info.source.sender.user == d
            || info.source.sender_alt.as_ref().is_some_and(|s| s.user == d)
    );
    for p in [&phone_b, &phone_c] {
        p.wait_for_message(T, |m| m.id == bid).await.unwrap();
    }

    // A second round: established sender keys on every side.
    let id2 = bot
        .client
        .send_message(group_jid.clone(), text("bot again"))
        .await
        .unwrap();
    bl.wait_text("bot again").await;
    phone_c.wait_for_message(T, |m| m.id == id2).await.unwrap();
    let cid = phone_c.send_text(&group, "phone c again").await.unwrap();
    wait_message(&mut bot, |_, i| i.id == cid).await;
    bl.wait_text("phone c again").await;
    bl.kill().await;
    bot.client.disconnect().await;
}

/// Keeps only the `skmsg` of a delivered group stanza.
fn only_skmsg(node: &Node) -> Node {
    let mut n = node.clone();
    if let Some(NodeContent::Nodes(kids)) = n.content.as_mut() {
        kids.retain(|k| {
            k.tag != "enc" || k.get_attr("type").is_some_and(|t| t.as_str() == "skmsg")
        });
    }
    n
}

/// Decrypts `node` with another bot's stored state (the device is gone from the group, its
/// store is not).
async fn decrypt_with_store(db_path: &str, node: &Node) -> Result<DecryptOutcome, String> {
    let store = Arc::new(SqliteStore::new(db_path).await.unwrap());
    let device = wacore::store::DeviceStore::load(store.as_ref())
        .await
        .unwrap()
        .unwrap();
    let own = wacore::message::OwnIds {
        pn: device.pn.clone(),
        lid: device.lid.clone(),
    };
    let info = parse_message_info(node, &own).unwrap();
    let sender = info.source.sender.clone();
    let mut stores = SignalStoreAdapter::new(store, &device);
    decrypt_message(&mut stores, node, &info, &sender)
        .await
        .map_err(|f| format!("{:?}", f.error))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_participant_cannot_decrypt_the_next_message() {
    let server = server().await;
    let (a, b, c) = ("15550500001", "15550500002", "15550500003");
    for p in [a, b, c] {
        server.create_account(p).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let alice = paired_bot(&server, a, &db(&dir, "a.db")).await;
    let mut bob = paired_bot(&server, b, &db(&dir, "b.db")).await;
    let carol_db = db(&dir, "c.db");
    let mut carol = paired_bot(&server, c, &carol_db).await;
    let group = server.create_group(a, "rotation", &[b, c]).unwrap();
    let group_jid: Jid = group.parse().unwrap();

    let waiter = carol
        .client
        .wait_for_node(NodeFilter::tag("message").from_jid(&group_jid));
    let id1 = alice
        .client
        .send_message(group_jid.clone(), text("before"))
        .await
        .unwrap();
    wait_message(&mut bob, |_, i| i.id == id1).await;
    wait_message(&mut carol, |_, i| i.id == id1).await;
    let first = tokio::time::timeout(T, waiter).await.unwrap().unwrap();

    // Alice (the creator, an admin) removes Carol.
    let carol_lid = carol.client.get_lid().await.unwrap().to_non_ad();
    let remove = NodeBuilder::new("remove")
        .children([NodeBuilder::new("participant")
            .jid_attr("jid", carol_lid)
            .build()])
        .build();
    alice
        .client
        .send_iq(InfoQuery::set("w:g2", vec![remove]).with_to(group_jid.clone()))
        .await
        .unwrap();

    let waiter = bob
        .client
        .wait_for_node(NodeFilter::tag("message").from_jid(&group_jid));
    let id2 = alice
        .client
        .send_message(group_jid.clone(), text("after"))
        .await
        .unwrap();
    let (m, _) = wait_message(&mut bob, |_, i| i.id == id2).await;
    assert_eq!(m.text_content(), Some("after"));
    let delivered_to_bob = tokio::time::timeout(T, waiter).await.unwrap().unwrap();
    assert!(
        delivered_to_bob
            .get_optional_child("participants")
            .is_none(),
        "delivered copies carry no <participants>"
    );

    // Carol's device is no longer a recipient ...
    let quiet = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some(ev)) = tokio::time::timeout_at(quiet, carol.events.recv()).await {
        if let Event::Message(_, i) = &ev {
            assert_ne!(
                i.id, id2,
                "the server must not deliver to a removed participant"
            );
        }
    }
    carol.client.disconnect().await;

    // ... and even given the ciphertext, her sender-key state cannot read it, while it does
    // read the message sent before the removal (the check itself works).
    let stolen = only_skmsg(&delivered_to_bob);
    let err = decrypt_with_store(&carol_db, &stolen).await.unwrap_err();
    assert!(
        err.contains("NoSenderKeyState"),
        "rotated key unknown to Carol: {err}"
    );
    let before = decrypt_with_store(&carol_db, &only_skmsg(&first))
        .await
        .unwrap();
    assert_eq!(
        before,
        DecryptOutcome::Duplicate,
        "the old key still reads the old message"
    );
    alice.client.disconnect().await;
    bob.client.disconnect().await;
}
