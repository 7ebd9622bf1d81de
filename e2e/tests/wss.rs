//! Our transport over TLS: against the test server started with TLS, a bot that trusts the
//! server's CA (`with_extra_root_certificate`) pairs and logs in over `wss://`; a bot that
//! trusts only the public roots never gets a connection.
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
use testserver::{Config, TestServer};
use wacore::types::events::Event;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;

async fn tls_server() -> TestServer {
    init_logs();
    TestServer::start(Config::default().with_tls(true))
        .await
        .expect("test server starts with TLS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_trusting_the_servers_ca_pairs_and_logs_in_over_wss() {
    let server = tls_server().await;
    server.create_account("15550020001").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wss = server.wss_url().expect("TLS is on");
    assert!(wss.starts_with("wss://"), "{wss}");
    let ca = server.tls_ca_der().expect("TLS is on").to_vec();

    let mut bot = start_bot(&server, &db(&dir, "bot.db"), |b| {
        b.with_transport_factory(
            TokioWebSocketTransportFactory::new()
                .with_url(wss)
                .with_extra_root_certificate(ca),
        )
    })
    .await;
    pair_by_qr(&server, "15550020001", &mut bot).await;
    assert!(bot.client.is_logged_in());
    bot.client.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_without_the_ca_is_refused_by_certificate_verification() {
    let server = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let wss = server.wss_url().expect("TLS is on");

    let mut bot = start_bot(&server, &db(&dir, "bot.db"), |b| {
        b.with_transport_factory(TokioWebSocketTransportFactory::new().with_url(wss))
    })
    .await;
    // No TLS session, so no Noise handshake: the bot never shows a QR or connects.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, bot.events.recv()).await {
        assert!(
            !matches!(e, Event::PairingQrCode { .. } | Event::Connected(_)),
            "an untrusted server must not get this far: {e:?}"
        );
    }
    assert!(!bot.client.is_connected());
    bot.client.disconnect().await;
}
