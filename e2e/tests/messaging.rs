//! Messaging end to end against the test server: our bot and simulated phones (full Signal
//! participants) exchange 1:1 text both ways; edits, reactions, revokes and quoted replies
//! between two of our bots arrive in the spec's event shapes; read receipts reach the sender.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod msg_support;
mod support;

use std::time::Duration;

use msg_support::*;
use support::*;
use wacore::proto_helpers::{MessageExt, build_quote_context};
use wacore::types::events::{Event, ReceiptType};
use wacore_binary::jid::Jid;
use whatsapp_rust::send::RevokeType;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_and_phone_exchange_text_both_ways_and_read_receipts_reach_the_sender() {
    let server = server().await;
    server.create_account("15550100001").unwrap();
    let peer = server.create_account("15550100002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, "15550100001", &db(&dir, "a.db")).await;

    // Bot -> phone: the first message starts the session (pkmsg).
    let id = bot
        .client
        .send_message(Jid::pn("15550100002"), text("hello phone"))
        .await
        .expect("sent");
    let got = peer
        .wait_for_message(Duration::from_secs(10), |m| m.id == id)
        .await
        .expect("phone decrypts it");
    assert_eq!(got.text.as_deref(), Some("hello phone"));

    // Phone -> bot.
    let reply_id = peer
        .send_text("15550100001@s.whatsapp.net", "hello bot")
        .await
        .unwrap();
    let (msg, info) = wait_message(&mut bot, |_, i| i.id == reply_id).await;
    assert_eq!(msg.text_content(), Some("hello bot"));
    assert_eq!(info.source.sender.user, "15550100002");
    assert!(!info.source.is_from_me && !info.source.is_group);
    assert!(!info.push_name.is_empty(), "push name from notify");

    // Several more, both ways, in order.
    for i in 0..5 {
        bot.client
            .send_message(Jid::pn("15550100002"), text(&format!("b{i}")))
            .await
            .unwrap();
        peer.send_text("15550100001@s.whatsapp.net", &format!("p{i}"))
            .await
            .unwrap();
    }
    for i in 0..5 {
        let want = format!("p{i}");
        let (m, _) = wait_message(&mut bot, |m, _| m.text_content().is_some()).await;
        assert_eq!(m.text_content(), Some(want.as_str()), "in order");
    }
    for i in 0..5 {
        let want = format!("b{i}");
        peer.wait_for_message(Duration::from_secs(10), |m| {
            m.text.as_deref() == Some(&want)
        })
        .await
        .unwrap();
    }

    // The phone reads the bot's first message: the bot gets a read receipt for it.
    peer.mark_read(
        "15550100001@s.whatsapp.net",
        std::slice::from_ref(&id),
        None,
    )
    .await
    .unwrap();
    let (receipt, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(10),
        "read receipt",
        |e| match e {
            Event::Receipt(r) if r.r#type == ReceiptType::Read => Some(r.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(receipt.message_ids, vec![id.clone()]);
    assert_eq!(receipt.source.sender.user, "15550100002");
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_reactions_revokes_and_replies_arrive_in_the_spec_shapes() {
    let server = server().await;
    server.create_account("15550200001").unwrap();
    server.create_account("15550200002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut alice = paired_bot(&server, "15550200001", &db(&dir, "a.db")).await;
    let mut bob = paired_bot(&server, "15550200002", &db(&dir, "b.db")).await;
    let bob_jid = Jid::pn("15550200002");
    let alice_jid = Jid::pn("15550200001");

    let original = text("original text");
    let id = alice
        .client
        .send_message(bob_jid.clone(), original.clone())
        .await
        .unwrap();
    let (m, info) = wait_message(&mut bob, |_, i| i.id == id).await;
    assert_eq!(m.text_content(), Some("original text"));
    assert_eq!(info.source.chat.user, "15550200001");

    // Bob answers with a quoted reply.
    let mut reply = text("replying");
    reply.set_context_info(build_quote_context(&id, &alice_jid.to_string(), &m));
    let reply_id = bob
        .client
        .send_message(alice_jid.clone(), reply)
        .await
        .unwrap();
    let (r, _) = wait_message(&mut alice, |_, i| i.id == reply_id).await;
    assert_eq!(r.text_content(), Some("replying"));
    let ctx = r.get_context_info().expect("context info");
    assert_eq!(ctx.stanza_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        ctx.quoted_message.as_ref().unwrap().text_content(),
        Some("original text")
    );

    // Bob reacts to Alice's message.
    let react = wacore::send::build_reaction(&alice_jid, &id, false, Some(&alice_jid), "👍", 1);
    let react_id = bob
        .client
        .send_message(alice_jid.clone(), react)
        .await
        .unwrap();
    let (rm, _) = wait_message(&mut alice, |_, i| i.id == react_id).await;
    let reaction = rm.reaction_message.as_ref().expect("reaction");
    assert_eq!(reaction.text.as_deref(), Some("👍"));
    assert_eq!(
        reaction.key.as_ref().unwrap().id.as_deref(),
        Some(id.as_str())
    );

    // Alice edits her message: edit attribute "1", new text inside the protocol message.
    let edit_id = alice
        .client
        .edit_message(bob_jid.clone(), id.clone(), text("edited text"))
        .await
        .unwrap();
    let (em, einfo) = wait_message(&mut bob, |_, i| i.id == edit_id).await;
    assert_eq!(einfo.edit.0, "1");
    let pm = em
        .get_base_message()
        .protocol_message
        .as_ref()
        .expect("edit protocol message");
    assert_eq!(pm.key.as_ref().unwrap().id.as_deref(), Some(id.as_str()));
    assert_eq!(em.text_content(), Some("edited text"));

    // Alice revokes it: edit attribute "7", a REVOKE protocol message naming it.
    alice
        .client
        .revoke_message(bob_jid.clone(), id.clone(), RevokeType::Sender)
        .await
        .unwrap();
    let (vm, vinfo) = wait_message(&mut bob, |m, _| {
        m.protocol_message
            .as_ref()
            .is_some_and(|p| p.r#type == Some(0))
    })
    .await;
    assert_eq!(vinfo.edit.0, "7");
    let key = vm.protocol_message.as_ref().unwrap().key.clone().unwrap();
    assert_eq!(key.id.as_deref(), Some(id.as_str()));
    assert_eq!(key.from_me, Some(true));

    // Bob read Alice's messages: she gets the read receipt.
    bob.client
        .mark_as_read(&alice_jid, None, vec![id.clone(), edit_id.clone()])
        .await
        .unwrap();
    let (receipt, _) = wait_for(
        &mut alice.events,
        Duration::from_secs(10),
        "read receipt",
        |e| match e {
            Event::Receipt(r) if r.r#type == ReceiptType::Read => Some(r.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(receipt.message_ids, vec![id, edit_id]);
    alice.client.disconnect().await;
    bob.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_session_is_repaired_by_a_retry_receipt_and_the_message_resent() {
    let server = server().await;
    server.create_account("15550800001").unwrap();
    server.create_account("15550800002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut alice = paired_bot(&server, "15550800001", &db(&dir, "a.db")).await;
    let mut bob = paired_bot(&server, "15550800002", &db(&dir, "b.db")).await;
    let bob_jid = Jid::pn("15550800002");

    let id = alice
        .client
        .send_message(bob_jid.clone(), text("one"))
        .await
        .unwrap();
    wait_message(&mut bob, |_, i| i.id == id).await;
    let back = bob
        .client
        .send_message(Jid::pn("15550800001"), text("ack"))
        .await
        .unwrap();
    wait_message(&mut alice, |_, i| i.id == back).await;

    // Bob loses his session with Alice's device (e.g. restored from an old backup).
    let alice_pn = alice.client.get_pn().await.unwrap();
    let alice_lid = alice.client.get_lid().await.unwrap();
    let store = bob.client.persistence_manager().backend();
    for dev in [
        alice_pn.clone(),
        Jid::lid_device(alice_lid.user.clone(), alice_pn.device),
    ] {
        store
            .delete_session(&dev.to_protocol_address_string())
            .await
            .unwrap();
    }

    let lost = alice
        .client
        .send_message(bob_jid.clone(), text("after the loss"))
        .await
        .unwrap();
    let (undecryptable, _) = wait_for(
        &mut bob.events,
        Duration::from_secs(10),
        "UndecryptableMessage",
        |e| match e {
            Event::UndecryptableMessage(u) => Some(u.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(undecryptable.info.id, lost);
    // Bob's retry receipt carries his keys; Alice starts a new session and resends.
    let (m, info) = wait_message(&mut bob, |_, i| i.id == lost).await;
    assert_eq!(m.text_content(), Some("after the loss"));
    assert!(!info.source.is_from_me);
    // The repaired session keeps working both ways.
    let next = alice
        .client
        .send_message(bob_jid, text("next"))
        .await
        .unwrap();
    wait_message(&mut bob, |_, i| i.id == next).await;
    let back = bob
        .client
        .send_message(Jid::pn("15550800001"), text("back again"))
        .await
        .unwrap();
    wait_message(&mut alice, |_, i| i.id == back).await;
    alice.client.disconnect().await;
    bob.client.disconnect().await;
}
