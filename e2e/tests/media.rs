//! Media end to end against the test server: the bot uploads an image, a voice note, a
//! 50 MiB document (streamed from a file) and a sticker and sends them to a simulated phone,
//! which decrypts each (the blob fetched from the server's CDN, MAC and both hashes checked);
//! the phone sends media the bot downloads, in memory and streamed to a file.
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

use std::io::Read as _;
use std::time::Duration;

use media_support::*;
use msg_support::*;
use prost::Message as _;
use support::*;
use testserver::MediaKind as PhoneMedia;
use wacore::download::{Downloadable, MediaType};
use wacore_binary::jid::Jid;
use waproto::whatsapp as wa;
use whatsapp_rust::media_builders::{MediaKind, MediaOptions};

const PHONE: &str = "15550200001";
const PEER: &str = "15550200002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_sends_image_voice_note_50mib_document_and_sticker_the_phone_decrypts_each() {
    let server = server().await;
    server.create_account(PHONE).unwrap();
    let peer = server.create_account(PEER).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = paired_bot(&server, PHONE, &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);
    let to = Jid::pn(PEER);

    // Image (PNG header + random body): dimensions come from the content.
    let image = png_bytes(640, 480, 40_000);
    let msg = bot
        .client
        .prepare_media_message(
            MediaKind::Image,
            image.clone(),
            MediaOptions::caption("a picture"),
        )
        .await
        .expect("image uploads");
    let im = msg.image_message.as_ref().unwrap();
    assert_eq!((im.width, im.height), (Some(640), Some(480)));
    assert_eq!(im.mimetype.as_deref(), Some("image/png"));
    let id = bot
        .client
        .send_message(to.clone(), msg.clone())
        .await
        .unwrap();
    let got = phone_decrypts(&server, &peer, &id).await;
    assert_eq!(got, image, "phone decrypts the image byte for byte");

    // Voice note (Ogg Opus): ptt, mimetype and duration.
    let voice = ogg_opus_bytes(7, 30_000);
    let msg = bot
        .client
        .prepare_media_message(MediaKind::VoiceNote, voice.clone(), MediaOptions::default())
        .await
        .unwrap();
    let au = msg.audio_message.as_ref().unwrap();
    assert_eq!(au.ptt, Some(true));
    assert_eq!(au.mimetype.as_deref(), Some("audio/ogg; codecs=opus"));
    assert_eq!(au.seconds, Some(7));
    let id = bot.client.send_message(to.clone(), msg).await.unwrap();
    assert_eq!(phone_decrypts(&server, &peer, &id).await, voice);

    // 50 MiB document, encrypted while read from a file.
    let doc_path = dir.path().join("report.pdf");
    let doc_hash = write_random_file(&doc_path, 50 * 1024 * 1024, b"%PDF-1.7\n");
    let msg = bot
        .client
        .prepare_media_message_from_file(MediaKind::Document, &doc_path, MediaOptions::default())
        .await
        .expect("50 MiB document uploads");
    let d = msg.document_message.as_ref().unwrap();
    assert_eq!(d.file_name.as_deref(), Some("report.pdf"));
    assert_eq!(d.mimetype.as_deref(), Some("application/pdf"));
    assert_eq!(d.file_length, Some(50 * 1024 * 1024));
    assert_eq!(d.file_sha256.as_deref(), Some(&doc_hash[..]));
    let id = bot.client.send_message(to.clone(), msg).await.unwrap();
    let got = phone_decrypts(&server, &peer, &id).await;
    assert_eq!(
        sha256(&got),
        doc_hash,
        "phone's plaintext hash matches the file"
    );
    drop(got);

    // Sticker (animated WebP).
    let sticker = webp_bytes(512, 512, true, 9_000);
    let msg = bot
        .client
        .prepare_media_message(MediaKind::Sticker, sticker.clone(), MediaOptions::default())
        .await
        .unwrap();
    let st = msg.sticker_message.as_ref().unwrap();
    assert_eq!(
        (st.width, st.height, st.is_animated),
        (Some(512), Some(512), Some(true))
    );
    assert_eq!(st.mimetype.as_deref(), Some("image/webp"));
    let id = bot.client.send_message(to.clone(), msg).await.unwrap();
    assert_eq!(phone_decrypts(&server, &peer, &id).await, sticker);

    assert!(
        bot.client.media_conn_fetches() >= 1 && bot.client.media_conn_fetches() <= 2,
        "media_conn is cached across uploads (fetched {} times)",
        bot.client.media_conn_fetches()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sends_media_the_bot_downloads_in_memory_and_streamed() {
    let server = server().await;
    server.create_account(PHONE).unwrap();
    let peer = server.create_account(PEER).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, PHONE, &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);
    let bot_jid = format!("{PHONE}@s.whatsapp.net");

    let cases: [(PhoneMedia, Vec<u8>); 4] = [
        (PhoneMedia::Image, png_bytes(32, 16, 5_000)),
        (PhoneMedia::Video, random_bytes(300_000)),
        (PhoneMedia::Audio, ogg_opus_bytes(2, 8_000)),
        (PhoneMedia::Document, random_bytes(3 * 1024 * 1024 + 7)),
    ];
    for (kind, data) in cases {
        let id = peer
            .send_media(&bot_jid, kind, &data, Some("from the phone"))
            .await
            .unwrap();
        let (msg, _) = wait_message(&mut bot, |_, i| i.id == id).await;
        let part = wacore::download::downloadable_in(&msg).expect("a media message");
        let got = bot.client.download(part).await.expect("bot downloads");
        assert_eq!(got, data, "{kind:?} in memory");

        let file = tempfile::tempfile().unwrap();
        let mut file = bot
            .client
            .download_to_writer(part, file)
            .await
            .expect("streamed download");
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back, data, "{kind:?} streamed, writer rewound");
    }
}

/// Waits until the phone received `id`, then fetches and decrypts its media the way a
/// phone does; returns the plaintext after checking both hashes and the length.
async fn phone_decrypts(
    server: &testserver::TestServer,
    phone: &testserver::PhoneHandle,
    id: &str,
) -> Vec<u8> {
    let got = phone
        .wait_for_message(Duration::from_secs(30), |m| m.id == id)
        .await
        .expect("phone receives the media message");
    let msg = wa::Message::decode(&got.raw[..]).unwrap();
    let part: &dyn Downloadable = wacore::download::downloadable_in(&msg).expect("media part");
    let expected = wacore::media::ExpectedMedia::from_slices(
        part.file_sha256().unwrap(),
        part.file_enc_sha256().unwrap(),
        part.file_length(),
    )
    .unwrap();
    let blob = fetch_blob(server, part.direct_path().unwrap()).await;
    let media_type: MediaType = part.app_info();
    let plain =
        wacore::media::decrypt_media(&blob, part.media_key().unwrap(), media_type, &expected)
            .expect("MAC, hashes and length verify on the phone");
    assert_eq!(sha256(&plain)[..], part.file_sha256().unwrap()[..]);
    plain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_lost_by_the_server_is_uploaded_again_by_our_phone_on_a_media_retry() {
    use whatsapp_rust::MediaTransferError;
    use whatsapp_rust::media_retry::{MediaRetryOutcome, MediaRetryTarget};
    let server = server().await;
    let own_phone = server.create_account(PHONE).unwrap();
    let peer = server.create_account(PEER).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = paired_bot(&server, PHONE, &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);
    let data = png_bytes(64, 64, 20_000);
    let id = peer
        .send_media(
            &format!("{PHONE}@s.whatsapp.net"),
            PhoneMedia::Image,
            &data,
            None,
        )
        .await
        .unwrap();
    let (msg, info) = wait_message(&mut bot, |_, i| i.id == id).await;
    // Our own phone got the message too (and keeps its media, as a phone does).
    own_phone
        .wait_for_message(Duration::from_secs(15), |m| m.id == id)
        .await
        .unwrap();
    let im = msg.image_message.as_ref().unwrap();
    assert!(own_phone.lose_media_on_server(im.direct_path.as_deref().unwrap()));

    // The download fails with a typed 404...
    let part = wacore::download::downloadable_in(&msg).unwrap();
    let err = bot.client.download(part).await.unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Status { status: 404, .. }),
        "{err:?}"
    );
    // ...a wrong media key is refused by the phone (it cannot decrypt the request)...
    let target = MediaRetryTarget {
        message_id: info.id.clone(),
        chat: info.source.chat.clone(),
        from_me: false,
        participant: None,
    };
    let outcome = bot
        .client
        .request_media_reupload(&target, &[7u8; 32], Duration::from_secs(15))
        .await
        .unwrap_err();
    assert!(
        matches!(
            outcome,
            whatsapp_rust::media_retry::MediaRetryRequestError::Retry(_)
        ),
        "answer under the right key does not decrypt with a wrong one: {outcome:?}"
    );
    // ...and with the message's key our phone uploads it again; the new path downloads
    // under the unchanged key and hashes.
    let media_key = im.media_key.clone().unwrap();
    let outcome = bot
        .client
        .request_media_reupload(&target, &media_key, Duration::from_secs(15))
        .await
        .expect("the phone answers");
    let MediaRetryOutcome::Reuploaded { direct_path } = outcome else {
        panic!("expected a re-upload, got {outcome:?}");
    };
    assert_ne!(Some(direct_path.as_str()), im.direct_path.as_deref());
    let got = bot
        .client
        .download_from_params(
            &direct_path,
            &media_key,
            im.file_sha256.as_deref().unwrap(),
            im.file_enc_sha256.as_deref().unwrap(),
            im.file_length.unwrap(),
            MediaType::Image,
        )
        .await
        .expect("downloads from the new path");
    assert_eq!(got, data);
}
