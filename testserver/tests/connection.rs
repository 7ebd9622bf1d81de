//! Connection wiring against a minimal Rust client (wacore-noise + wacore-binary): handshake with
//! the server's own certificate chain, QR pairing end to end, login, offline queue flush, faults,
//! and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::time::Duration;

use common::{Companion, MiniClient, attr, bytes, child, login, pair, settle};
use testserver::{Config, TestServer};
use wacore_binary::builder::NodeBuilder;
use wacore_noise::{CertVerifier, KeyPair, NoiseInitiator};

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn qr_pairing_then_login_gets_success_with_lid_and_empty_offline_batch() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550001111").unwrap();
    let mut comp = Companion::new();
    let paired = pair(&server, &phone, &mut comp).await;
    assert_eq!(paired.device, 1);
    assert_eq!(paired.jid, "15550001111:1@s.whatsapp.net");
    assert_eq!(phone.companions(), vec![paired.clone()]);
    let (mut c, success) = login(&server, &comp).await;
    assert_eq!(attr(&success, "lid"), paired.lid);
    assert!(attr(&success, "t").parse::<u64>().unwrap() > 1_600_000_000);
    // The phone welcomed its new companion while it reconnected: app-state key share and
    // history-sync notification, Signal-encrypted, from the primary device, as peer messages.
    let flushed = settle(&mut c).await;
    assert_eq!(flushed.len(), 2, "{flushed:#?}");
    for m in &flushed {
        assert_eq!(
            (
                m.tag.as_str(),
                attr(m, "from").as_str(),
                attr(m, "category").as_str()
            ),
            ("message", "15550001111@s.whatsapp.net", "peer")
        );
        assert_eq!(attr(child(m, "enc").unwrap(), "type"), "pkmsg");
    }
    // Acked: the next login gets nothing (the ping orders the acks before it).
    c.iq(
        "after-acks",
        "get",
        "w:p",
        vec![NodeBuilder::new("ping").build()],
    )
    .await;
    let (mut c, _) = login(&server, &comp).await;
    assert!(settle(&mut c).await.is_empty());
    // Keepalive.
    let pong = c
        .iq(
            "ping-1",
            "get",
            "w:p",
            vec![NodeBuilder::new("ping").build()],
        )
        .await;
    assert_eq!(attr(&pong, "type"), "result");
}

#[tokio::test]
async fn the_server_chain_does_not_verify_against_another_root() {
    let server = TestServer::start(Config::default().with_root_key_seed([3; 32]))
        .await
        .unwrap();
    let (ws, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap();
    use futures_util::{SinkExt, StreamExt};
    let (mut sink, mut stream) = ws.split();
    let (hello, expect) =
        NoiseInitiator::new(KeyPair::generate(&mut rand::rng()), &mut rand::rng()).client_hello();
    let (intro, _) = wacore_noise::framing::build_handshake_header(None);
    let frame = wacore_noise::framing::encode_frame(&hello, Some(&intro)).unwrap();
    sink.send(tokio_tungstenite::tungstenite::Message::Binary(
        frame.into(),
    ))
    .await
    .unwrap();
    let msg = stream.next().await.unwrap().unwrap().into_data();
    let wrong = CertVerifier::whatsapp(common::now());
    assert!(
        expect.read_server_hello(&msg[3..], &wrong).is_err(),
        "WhatsApp's real root must not trust a test server"
    );
}

#[tokio::test]
async fn unknown_device_and_wrong_noise_key_are_refused_with_401() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550002222").unwrap();
    let mut comp = Companion::new();
    pair(&server, &phone, &mut comp).await;
    // Right device, wrong noise key.
    let impostor = KeyPair::generate(&mut rand::rng());
    let mut c = MiniClient::connect(&server, &impostor, &comp.login_payload()).await;
    let f = c.recv(T).await.unwrap();
    assert_eq!(
        (f.tag.as_str(), attr(&f, "reason").as_str()),
        ("failure", "401")
    );
    assert!(c.wait_closed(T).await);
    // Unknown account.
    let mut c = MiniClient::connect(
        &server,
        &impostor,
        &common::payload_config().login(15559999999, 1),
    )
    .await;
    assert_eq!(attr(&c.recv(T).await.unwrap(), "reason"), "401");
    // The real companion still logs in.
    login(&server, &comp).await;
}

#[tokio::test]
async fn refused_logins_fault_sends_failure_reason() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550003333").unwrap();
    let mut comp = Companion::new();
    pair(&server, &phone, &mut comp).await;
    server
        .faults()
        .refuse_logins(Some("15550003333"), Some(403));
    let mut c = MiniClient::connect(&server, &comp.noise, &comp.login_payload()).await;
    let f = c.recv(T).await.unwrap();
    assert_eq!(
        (f.tag.as_str(), attr(&f, "reason").as_str()),
        ("failure", "403")
    );
    server.faults().refuse_logins(Some("15550003333"), None);
    login(&server, &comp).await;
}

#[tokio::test]
async fn garbage_frames_end_only_that_stream_with_xml_not_well_formed() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550004444").unwrap();
    let mut a = Companion::new();
    let mut b = Companion::new();
    pair(&server, &phone, &mut a).await;
    pair(&server, &phone, &mut b).await;
    let (mut ca, _) = login(&server, &a).await;
    let (mut cb, _) = login(&server, &b).await;
    // A frame that decrypts but is not a binary node.
    ca.send_plaintext(&[0, 0xf3, 0xf3, 0xf3]).await;
    let err = ca.expect("stream error", |n| n.tag == "stream:error").await;
    assert!(child(&err, "xml-not-well-formed").is_some(), "{err:?}");
    assert!(ca.wait_closed(T).await);
    // A frame that does not even decrypt.
    let (mut ca, _) = login(&server, &a).await;
    ca.send_raw(&[0, 0, 4, 1, 2, 3, 4]).await;
    ca.expect("stream error", |n| n.tag == "stream:error").await;
    assert!(ca.wait_closed(T).await);
    // The other connection is unaffected.
    let pong = cb
        .iq("p", "get", "w:p", vec![NodeBuilder::new("ping").build()])
        .await;
    assert_eq!(attr(&pong, "type"), "result");
    // Unknown top-level stanzas are acked with an error, and the stream goes on.
    cb.send(&NodeBuilder::new("frobnicate").attr("id", "X1").build())
        .await;
    let nack = cb
        .expect("nack", |n| n.tag == "ack" && attr(n, "id") == "X1")
        .await;
    assert_eq!(attr(&nack, "error"), "501");
    let pong = cb
        .iq("p2", "get", "w:p", vec![NodeBuilder::new("ping").build()])
        .await;
    assert_eq!(attr(&pong, "type"), "result");
}

fn text_message(id: &str, to: &str, device_jid: &str, body: &[u8]) -> wacore_binary::node::Node {
    NodeBuilder::new("message")
        .attr("id", id)
        .attr("to", to)
        .attr("type", "text")
        .children([NodeBuilder::new("participants")
            .children([NodeBuilder::new("to")
                .attr("jid", device_jid)
                .children([NodeBuilder::new("enc")
                    .attr("v", "2")
                    .attr("type", "msg")
                    .bytes(body.to_vec())
                    .build()])
                .build()])
            .build()])
        .build()
}

#[tokio::test]
async fn offline_device_gets_its_queue_in_order_and_unacked_stanzas_survive_a_drop() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let alice_phone = server.create_account("15550005555").unwrap();
    let bob_phone = server.create_account("15550006666").unwrap();
    let mut alice = Companion::new();
    let mut bob = Companion::new();
    pair(&server, &alice_phone, &mut alice).await;
    let bob_dev = pair(&server, &bob_phone, &mut bob).await;
    let (mut ca, _) = login(&server, &alice).await;
    settle(&mut ca).await;
    // Bob takes his phone's welcome messages, then goes offline.
    let (mut cb, _) = login(&server, &bob).await;
    settle(&mut cb).await;
    cb.iq(
        "sync0",
        "get",
        "w:p",
        vec![NodeBuilder::new("ping").build()],
    )
    .await;
    drop(cb);
    // Bob is offline: three messages queue up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for i in 0..3 {
        let id = format!("OFF{i}");
        ca.send(&text_message(
            &id,
            "15550006666@s.whatsapp.net",
            &bob_dev.jid,
            format!("m{i}").as_bytes(),
        ))
        .await;
        let ack = ca
            .expect("server ack", |n| n.tag == "ack" && attr(n, "id") == id)
            .await;
        assert_eq!(attr(&ack, "error"), "");
    }
    let (mut cb, _) = login(&server, &bob).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let m = cb.expect("queued message", |n| n.tag == "message").await;
        assert_eq!(attr(&m, "from"), "15550005555:1@s.whatsapp.net");
        got.push((attr(&m, "id"), bytes(child(&m, "enc").unwrap())));
    }
    assert_eq!(
        got,
        vec![
            ("OFF0".into(), b"m0".to_vec()),
            ("OFF1".into(), b"m1".to_vec()),
            ("OFF2".into(), b"m2".to_vec())
        ]
    );
    let ib = cb.expect("offline marker", |n| n.tag == "ib").await;
    assert_eq!(attr(child(&ib, "offline").unwrap(), "count"), "3");
    // Bob acks only the first, then his connection drops mid-stream.
    cb.send(
        &NodeBuilder::new("ack")
            .attr("id", "OFF0")
            .attr("class", "message")
            .attr("to", "15550005555:1@s.whatsapp.net")
            .build(),
    )
    .await;
    cb.iq("sync", "get", "w:p", vec![NodeBuilder::new("ping").build()])
        .await;
    server.faults().drop_connection(&bob_dev.jid).unwrap();
    assert!(cb.wait_closed(T).await);
    let (mut cb, _) = login(&server, &bob).await;
    let ids: Vec<String> = vec![
        attr(&cb.expect("redelivery", |n| n.tag == "message").await, "id"),
        attr(&cb.expect("redelivery", |n| n.tag == "message").await, "id"),
    ];
    assert_eq!(
        ids,
        vec!["OFF1", "OFF2"],
        "unacked messages come back, acked ones do not"
    );
    let ib = cb.expect("offline marker", |n| n.tag == "ib").await;
    assert_eq!(attr(child(&ib, "offline").unwrap(), "count"), "2");
}

#[tokio::test]
async fn second_login_replaces_the_first_with_a_conflict() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550007777").unwrap();
    let mut comp = Companion::new();
    pair(&server, &phone, &mut comp).await;
    let (mut first, _) = login(&server, &comp).await;
    let (mut second, _) = login(&server, &comp).await;
    let err = first.expect("conflict", |n| n.tag == "stream:error").await;
    assert_eq!(attr(child(&err, "conflict").unwrap(), "type"), "replaced");
    assert!(first.wait_closed(T).await);
    let pong = second
        .iq("p", "get", "w:p", vec![NodeBuilder::new("ping").build()])
        .await;
    assert_eq!(attr(&pong, "type"), "result");
}

#[tokio::test]
async fn stream_error_and_dropped_frames_faults() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone = server.create_account("15550008888").unwrap();
    let mut comp = Companion::new();
    let dev = pair(&server, &phone, &mut comp).await;
    let (mut c, _) = login(&server, &comp).await;
    settle(&mut c).await;
    server.faults().drop_frames(&dev.jid, 1).unwrap();
    let ping = NodeBuilder::new("iq")
        .attr("id", "lost")
        .attr("type", "get")
        .attr("xmlns", "w:p")
        .children([NodeBuilder::new("ping").build()])
        .build();
    c.send(&ping).await;
    assert!(
        c.recv(Duration::from_millis(500)).await.is_none(),
        "the answer was dropped"
    );
    let pong = c
        .iq("kept", "get", "w:p", vec![NodeBuilder::new("ping").build()])
        .await;
    assert_eq!(attr(&pong, "id"), "kept");
    server.faults().send_stream_error(&dev.jid, 503).unwrap();
    let err = c.expect("stream error", |n| n.tag == "stream:error").await;
    assert_eq!(attr(&err, "code"), "503");
    assert!(c.wait_closed(T).await);
}
