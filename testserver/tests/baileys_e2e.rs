//! Third-party proof: npm baileys 7.0.0-rc14, unmodified (only `waWebSocketUrl` and its
//! certificate root are configured), pairs against the test server through the admin QR scan and
//! exchanges messages with delivery receipts, 1:1 and in a group the server created; the
//! simulated phones take part as full Signal participants; queued messages reach a client that
//! was offline, in order.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::time::Duration;

use common::baileys::Baileys;
use serde_json::Value;
use testserver::{Config, TestServer};

/// Generous: Baileys runs in node next to other tests on a 2-core CI machine.
const T: Duration = Duration::from_secs(45);
const A: &str = "15551110001";
const B: &str = "15551110002";

fn pn(phone: &str) -> String {
    format!("{phone}@s.whatsapp.net")
}

/// A delivery receipt (status 3, DELIVERY_ACK) for `id` from a companion device (`user:N@...`).
fn delivered_by_companion(v: &Value, id: &str) -> bool {
    v["event"] == "status"
        && v["id"] == id
        && v["status"].as_u64() == Some(3)
        && v["remoteJid"].as_str().is_some_and(|j| j.contains(':'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_baileys_clients_chat_one_to_one_and_in_a_group_with_receipts() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone_a = server.create_account(A).unwrap();
    let phone_b = server.create_account(B).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = Baileys::spawn(&server, "A", A, &dir.path().join("a"), &[]).await;
    let mut b = Baileys::spawn(&server, "B", B, &dir.path().join("b"), &[]).await;
    a.ready().await;
    b.ready().await;
    assert_eq!(
        phone_a.companions().len(),
        1,
        "paired through the admin QR scan"
    );
    assert_eq!(phone_b.companions().len(), 1);

    // 1:1, both ways, each with the other's delivery receipt.
    let id1 = a.send_text(&pn(B), "hello B, from A").await;
    let got = b.wait_text("hello B, from A").await;
    assert_eq!(got["id"], id1);
    assert_eq!(got["remoteJid"], pn(A));
    a.wait("B's delivery receipt", T, |v| {
        delivered_by_companion(v, &id1)
    })
    .await;
    let id2 = b.send_text(&pn(A), "hi A, from B").await;
    a.wait_text("hi A, from B").await;
    b.wait("A's delivery receipt", T, |v| {
        delivered_by_companion(v, &id2)
    })
    .await;

    // The phone of the same account got it too (a phone and a companion both receive).
    let on_phone = phone_b.wait_for_message(T, |m| m.id == id1).await.unwrap();
    assert_eq!(on_phone.text.as_deref(), Some("hello B, from A"));
    assert_eq!(on_phone.chat, pn(A));
    // A's own phone sees A's message too (as sent from its companion, to B).
    let own = phone_a.wait_for_message(T, |m| m.id == id1).await.unwrap();
    assert_eq!(own.chat, pn(B));

    // A group the server created.
    let group = server.create_group(A, "Interop group", &[B]).unwrap();
    a.wait("group notification", T, |v| {
        v["event"] == "group" && v["id"] == group.as_str()
    })
    .await;
    b.wait("group notification", T, |v| {
        v["event"] == "group" && v["id"] == group.as_str()
    })
    .await;
    let g1 = a.send_text(&group, "group hello from A").await;
    let got = b.wait_text("group hello from A").await;
    assert_eq!(got["remoteJid"], group.as_str());
    assert_eq!(got["id"], g1);
    let b_lid = phone_b.lid_jid();
    a.wait("B's group receipt", T, |v| {
        v["event"] == "receipt"
            && v["id"] == g1.as_str()
            && v["receipt"]["userJid"] == b_lid.as_str()
    })
    .await;
    let g2 = b.send_text(&group, "group reply from B").await;
    a.wait_text("group reply from B").await;
    let a_lid = phone_a.lid_jid();
    b.wait("A's group receipt", T, |v| {
        v["event"] == "receipt"
            && v["id"] == g2.as_str()
            && v["receipt"]["userJid"] == a_lid.as_str()
    })
    .await;
    let on_phone = phone_b.wait_for_message(T, |m| m.id == g1).await.unwrap();
    assert_eq!(on_phone.chat, group);

    // The simulated phones send too: 1:1 and to the group (sender keys).
    let p1 = phone_b.send_text(&pn(A), "from B's phone").await.unwrap();
    let got = a.wait_text("from B's phone").await;
    assert_eq!(got["id"], p1);
    b.wait("own phone's message mirrored", T, |v| {
        v["event"] == "message" && v["id"] == p1.as_str() && v["fromMe"] == true
    })
    .await;
    phone_a
        .send_text(&group, "group hello from A's phone")
        .await
        .unwrap();
    b.wait_text("group hello from A's phone").await;
    phone_a
        .wait_for_message(T, |m| m.text.as_deref() == Some("from B's phone"))
        .await
        .unwrap();

    // Bad input: a message to a JID nobody has is refused (error ack, Baileys status ERROR)...
    let nobody = a.send_text("15559999999@s.whatsapp.net", "to nobody").await;
    a.wait("error status", T, |v| {
        v["event"] == "status" && v["id"] == nobody.as_str() && v["status"].as_u64() == Some(0)
    })
    .await;
    // ...and garbage from another client ends only that client's stream.
    let key = wacore_noise::KeyPair::generate(&mut rand::rng());
    let payload = common::Companion::new().registration_payload();
    let mut junk = common::MiniClient::connect(&server, &key, &payload).await;
    junk.send_plaintext(&[0, 0xf7, 0, 1, 2]).await;
    junk.expect("stream error", |n| n.tag == "stream:error")
        .await;
    let id = b.send_text(&pn(A), "still fine").await;
    a.wait_text("still fine").await;
    b.wait("receipt", T, |v| delivered_by_companion(v, &id))
        .await;

    a.kill().await;
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_offline_baileys_client_gets_its_queue_in_order_and_a_dropped_connection_loses_nothing()
{
    let server = TestServer::start(Config::default()).await.unwrap();
    server.create_account(A).unwrap();
    let phone_b = server.create_account(B).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = Baileys::spawn(&server, "A", A, &dir.path().join("a"), &[]).await;
    let mut b = Baileys::spawn(&server, "B", B, &dir.path().join("b"), &[]).await;
    a.ready().await;
    b.ready().await;
    let warm = a.send_text(&pn(B), "warm-up").await;
    b.wait_text("warm-up").await;
    a.wait("receipt", T, |v| delivered_by_companion(v, &warm))
        .await;

    // B goes away (process killed: no logout); A keeps sending.
    b.kill().await;
    let texts: Vec<String> = (0..5).map(|i| format!("queued #{i}")).collect();
    for t in &texts {
        a.send_text(&pn(B), t).await;
    }
    let mut b = Baileys::spawn(&server, "B", B, &dir.path().join("b"), &[]).await;
    b.wait_event("open", T).await;
    for t in &texts {
        b.wait_text(t).await;
    }
    let order: Vec<&str> = b
        .seen
        .iter()
        .filter(|v| v["event"] == "message" && v["fromMe"] == false)
        .filter_map(|v| v["text"].as_str())
        .collect();
    let positions: Vec<usize> = texts
        .iter()
        .map(|t| order.iter().position(|o| o == t).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "queued messages arrive in order: {order:?}"
    );

    // Now the connection drops while frames are in flight: B's frames are delayed, and the
    // socket is cut after the first message reached B. Baileys reconnects; nothing is lost.
    let b_dev = phone_b.companions()[0].jid.clone();
    server
        .faults()
        .delay_frames(Some(&b_dev), Duration::from_millis(150))
        .unwrap();
    b.clear_seen();
    let burst: Vec<String> = (0..6).map(|i| format!("burst #{i}")).collect();
    for t in &burst {
        a.send_text(&pn(B), t).await;
    }
    b.wait_text(&burst[0]).await;
    server.faults().drop_connection(&b_dev).unwrap();
    server
        .faults()
        .delay_frames(Some(&b_dev), Duration::ZERO)
        .unwrap();
    b.wait("reconnect", T, |v| v["event"] == "close").await;
    for t in &burst {
        b.wait_text(t).await;
    }

    a.kill().await;
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn baileys_pairs_with_a_pair_code_and_survives_a_server_restart() {
    let mut server = TestServer::start(Config::default()).await.unwrap();
    let phone_a = server.create_account(A).unwrap();
    server.create_account(B).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A links with the 8-character code its phone "enters" (POST /admin/phones/<p>/pair-code).
    let mut a = Baileys::spawn(&server, "A", A, &dir.path().join("a"), &["--pair", "code"]).await;
    let code = a.wait_event("pair-code", T).await;
    assert_eq!(code["code"].as_str().unwrap().len(), 8);
    let scanned = a.wait_event("scanned", T).await;
    assert_eq!(scanned["jid"], format!("{A}:1@s.whatsapp.net"));
    a.ready().await;
    assert_eq!(phone_a.companions().len(), 1);
    let mut b = Baileys::spawn(&server, "B", B, &dir.path().join("b"), &[]).await;
    b.ready().await;
    let id = a.send_text(&pn(B), "after pair code").await;
    b.wait_text("after pair code").await;
    a.wait("receipt", T, |v| delivered_by_companion(v, &id))
        .await;

    // Restart: every connection drops, all state is kept, the clients log back in.
    a.clear_seen();
    b.clear_seen();
    server.restart().await.unwrap();
    a.wait_event("close", T).await;
    b.wait_event("close", T).await;
    a.wait_event("open", T).await;
    b.wait_event("open", T).await;
    let id = b.send_text(&pn(A), "after restart").await;
    a.wait_text("after restart").await;
    b.wait("receipt", T, |v| delivered_by_companion(v, &id))
        .await;
    a.kill().await;
    b.kill().await;
}
