//! Cross-client: our client and an unmodified Baileys 7 client exchange 1:1 messages both
//! ways, including the first (`pkmsg`) message from each side.
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

use std::time::Duration;

use baileys::Baileys;
use msg_support::*;
use support::*;
use wacore::proto_helpers::MessageExt;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use whatsapp_rust::NodeFilter;

/// Generous: Baileys runs in node next to other tests on a 2-core CI machine.
const T: Duration = Duration::from_secs(45);

fn enc_types(node: &Node) -> Vec<String> {
    node.get_children_by_tag("enc")
        .filter_map(|e| e.get_attr("type").map(|t| t.as_str().into_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn our_client_and_baileys_exchange_messages_with_pkmsg_first_from_each_side() {
    let server = server().await;
    let (a1, b1, a2, b2) = ("15550600001", "15550600002", "15550600003", "15550600004");
    for p in [a1, b1, a2, b2] {
        server.create_account(p).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();

    // Pair 1: our bot speaks first.
    let mut bot1 = paired_bot(&server, a1, &db(&dir, "a1.db")).await;
    let mut bl1 = Baileys::spawn(&server, "B1", b1, &dir.path().join("b1"), &[]).await;
    bl1.ready().await;
    let id = bot1
        .client
        .send_message(Jid::pn(b1), text("rust says hi first"))
        .await
        .unwrap();
    let got = bl1.wait_text("rust says hi first").await;
    assert_eq!(got["id"], id.as_str());
    let waiter = bot1
        .client
        .wait_for_node(NodeFilter::tag("message").attr("type", "text"));
    let reply = bl1
        .send_text(&format!("{a1}@s.whatsapp.net"), "baileys answers")
        .await;
    let (m, info) = wait_message(&mut bot1, |_, i| i.id == reply).await;
    assert_eq!(m.text_content(), Some("baileys answers"));
    assert!(!info.source.is_from_me);
    let stanza = tokio::time::timeout(T, waiter).await.unwrap().unwrap();
    assert_eq!(stanza.get_attr("id").unwrap().as_str(), reply.as_str());
    assert_eq!(
        enc_types(&stanza),
        ["msg"],
        "Baileys answers on the session our pkmsg started"
    );
    for i in 0..3 {
        bot1.client
            .send_message(Jid::pn(b1), text(&format!("r{i}")))
            .await
            .unwrap();
        bl1.wait_text(&format!("r{i}")).await;
        let bid = bl1
            .send_text(&format!("{a1}@s.whatsapp.net"), &format!("b{i}"))
            .await;
        wait_message(&mut bot1, |_, i| i.id == bid).await;
    }

    // Pair 2: Baileys speaks first (its pkmsg), we answer.
    let mut bot2 = paired_bot(&server, a2, &db(&dir, "a2.db")).await;
    let mut bl2 = Baileys::spawn(&server, "B2", b2, &dir.path().join("b2"), &[]).await;
    bl2.ready().await;
    let waiter = bot2
        .client
        .wait_for_node(NodeFilter::tag("message").attr("type", "text"));
    let first = bl2
        .send_text(&format!("{a2}@s.whatsapp.net"), "baileys says hi first")
        .await;
    let (m, _) = wait_message(&mut bot2, |_, i| i.id == first).await;
    assert_eq!(m.text_content(), Some("baileys says hi first"));
    let stanza = tokio::time::timeout(T, waiter).await.unwrap().unwrap();
    assert_eq!(stanza.get_attr("id").unwrap().as_str(), first.as_str());
    assert_eq!(
        enc_types(&stanza),
        ["pkmsg"],
        "Baileys' first message is a pkmsg"
    );
    assert!(stanza.get_optional_child("device-identity").is_some());
    bot2.client
        .send_message(Jid::pn(b2), text("rust answers"))
        .await
        .unwrap();
    bl2.wait_text("rust answers").await;

    bl1.kill().await;
    bl2.kill().await;
    bot1.client.disconnect().await;
    bot2.client.disconnect().await;
}
