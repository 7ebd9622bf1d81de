//! Media interop with an unmodified Baileys 7 client, over the test server's TLS mode (Baileys
//! uploads and downloads media over https only): our bot sends an image and a document that
//! Baileys downloads and decrypts byte for byte; Baileys sends an image and a document that our
//! bot downloads (MAC and hashes verified) byte for byte. Both sides talk https to the server's
//! media endpoint: Baileys trusts the server's CA through `NODE_EXTRA_CA_CERTS`, our bot through a
//! ureq agent whose only root is that CA (no plain-http switch).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../testserver/tests/common/baileys.rs"]
mod baileys;
mod media_support;
mod msg_support;
mod support;

use std::sync::Arc;
use std::time::Duration;

use baileys::Baileys;
use media_support::*;
use msg_support::*;
use support::*;
use testserver::{Config, TestServer};
use wacore::download::downloadable_in;
use wacore_binary::jid::Jid;
use whatsapp_rust::media_builders::{MediaKind, MediaOptions};
use whatsapp_rust_ureq_http_client::UreqHttpClient;

const BOT: &str = "15550700001";
const PEER: &str = "15550700002";

/// An HTTP client for the bot that trusts only the test server's CA.
fn https_client(server: &TestServer) -> UreqHttpClient {
    let ca = ureq::tls::Certificate::from_der(server.tls_ca_der().expect("TLS is on")).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
        .build();
    let agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent();
    UreqHttpClient::with_agent(agent)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bot_and_baileys_exchange_images_and_documents_over_https() {
    init_logs();
    let server = TestServer::start(Config::default().with_tls(true))
        .await
        .unwrap();
    let https = server.https_url().unwrap();
    server.create_account(BOT).unwrap();
    server.create_account(PEER).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let http = https_client(&server);
    let mut bot = start_bot(&server, &db(&dir, "bot.db"), move |b| {
        b.with_push_name("media bot").with_http_client(http)
    })
    .await;
    pair_by_qr(&server, BOT, &mut bot).await;
    let mut bl = Baileys::spawn(&server, "B", PEER, &dir.path().join("peer"), &[]).await;
    bl.ready().await;
    let bot_jid = format!("{BOT}@s.whatsapp.net");

    // Bot -> Baileys: an image (in memory) and a document (streamed from a file).
    let image = png_bytes(800, 600, 150_000);
    let msg = bot
        .client
        .prepare_media_message(
            MediaKind::Image,
            image.clone(),
            MediaOptions::caption("from rust"),
        )
        .await
        .expect("image uploads over https");
    let url = msg.image_message.as_ref().unwrap().url.clone().unwrap();
    assert!(
        url.starts_with(&https),
        "upload answered an https URL: {url}"
    );
    let id = bot.client.send_message(Jid::pn(PEER), msg).await.unwrap();
    let ev = bl.wait_id(&id).await;
    assert_eq!(ev["media"]["type"], "imageMessage", "{ev}");
    assert_eq!(ev["media"]["mimetype"], "image/png");
    assert_eq!(ev["media"]["caption"], "from rust");
    let out = dir.path().join("baileys-image.png");
    let got = bl.download(&id, &out).await;
    assert_eq!(got["sha256"], hex(&sha256(&image)), "{got}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        image,
        "Baileys decrypts the image byte for byte"
    );

    let doc_path = dir.path().join("quarterly report.pdf");
    let doc_hash = write_random_file(&doc_path, 3 * 1024 * 1024 + 123, b"%PDF-1.7\n");
    let msg = bot
        .client
        .prepare_media_message_from_file(MediaKind::Document, &doc_path, MediaOptions::default())
        .await
        .expect("document uploads over https");
    let id = bot.client.send_message(Jid::pn(PEER), msg).await.unwrap();
    let ev = bl.wait_id(&id).await;
    assert_eq!(ev["media"]["type"], "documentMessage", "{ev}");
    assert_eq!(ev["media"]["fileName"], "quarterly report.pdf");
    assert_eq!(ev["media"]["mimetype"], "application/pdf");
    assert_eq!(ev["media"]["fileLength"], 3 * 1024 * 1024 + 123);
    let out = dir.path().join("baileys-doc.pdf");
    let got = bl.download(&id, &out).await;
    assert_eq!(got["sha256"], hex(&doc_hash), "{got}");
    assert_eq!(got["length"], 3 * 1024 * 1024 + 123);
    assert_eq!(sha256(&std::fs::read(&out).unwrap()), doc_hash);

    // Baileys -> bot: an image and a document, uploaded by Baileys over https.
    let image = png_bytes(320, 200, 60_000);
    let image_path = dir.path().join("from-baileys.png");
    std::fs::write(&image_path, &image).unwrap();
    let (id, media) = bl
        .send_media(
            &bot_jid,
            "image",
            &image_path,
            "image/png",
            None,
            Some("from baileys"),
        )
        .await;
    assert!(
        media["url"].as_str().unwrap().starts_with(&https),
        "Baileys' upload got an https URL: {media}"
    );
    let (m, info) = wait_message(&mut bot, |_, i| i.id == id).await;
    assert!(!info.source.is_from_me);
    let im = m.image_message.as_deref().expect("an image message");
    assert_eq!(im.caption.as_deref(), Some("from baileys"));
    assert_eq!(im.file_sha256.as_deref(), Some(&sha256(&image)[..]));
    let part = downloadable_in(&m).unwrap();
    let got = bot
        .client
        .download(part)
        .await
        .expect("bot downloads over https");
    assert_eq!(got, image, "bot decrypts Baileys' image byte for byte");

    let doc = random_bytes(2 * 1024 * 1024 + 5);
    let doc_path = dir.path().join("from-baileys.bin");
    std::fs::write(&doc_path, &doc).unwrap();
    let (id, _) = bl
        .send_media(
            &bot_jid,
            "document",
            &doc_path,
            "application/octet-stream",
            Some("data.bin"),
            None,
        )
        .await;
    let (m, _) = wait_message(&mut bot, |_, i| i.id == id).await;
    let d = m.document_message.as_deref().expect("a document message");
    assert_eq!(d.file_name.as_deref(), Some("data.bin"));
    assert_eq!(d.file_length, Some(doc.len() as u64));
    let part = downloadable_in(&m).unwrap();
    let file = tempfile::tempfile().unwrap();
    let mut file = bot
        .client
        .download_to_writer(part, file)
        .await
        .expect("bot streams Baileys' document over https");
    let mut back = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut back).unwrap();
    assert_eq!(back, doc, "bot decrypts Baileys' document byte for byte");

    bl.kill().await;
    bot.client.disconnect().await;
}
