//! Interop with npm baileys 6.17.16 (interop/media/peer.cjs), for every media type: media
//! baileys' `encryptedStream` produces decrypts in ours (in memory and streaming) and is
//! byte-identical to what we produce under the same media key; media we encrypt decrypts
//! in baileys' `downloadContentFromMessage`, and its MAC checks out under baileys' keys.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::Cursor;
use std::path::Path;

use support::node_peer::NodePeer;

use serde_json::{Value, json};
use wacore::media::{
    ExpectedMedia, MediaType, decrypt_media, decrypt_stream, encrypt_media, encrypt_media_with_key,
};

/// Baileys' name for each of our media types.
fn baileys_type(t: MediaType) -> &'static str {
    match t {
        MediaType::Image => "image",
        MediaType::Video => "video",
        MediaType::Audio => "audio",
        MediaType::Document => "document",
        MediaType::History => "md-msg-hist",
        MediaType::AppState => "md-app-state",
        MediaType::Sticker => "sticker",
        MediaType::StickerPack => "sticker-pack",
        MediaType::LinkThumbnail => "thumbnail-link",
        MediaType::ImageThumbnail => "thumbnail-image",
        MediaType::VideoThumbnail => "thumbnail-video",
        MediaType::DocumentThumbnail => "thumbnail-document",
        MediaType::StickerPackThumbnail => "thumbnail-sticker-pack",
        other => panic!("no baileys name for {other:?}"),
    }
}

/// The baileys 6 media oracle; every call must succeed.
struct Peer(NodePeer);

impl Peer {
    fn spawn() -> Peer {
        Peer(NodePeer::spawn("baileys6", "media/peer.cjs"))
    }

    fn call(&mut self, request: Value) -> Value {
        let reply = self.0.call(&request);
        assert!(
            reply.get("error").is_none(),
            "oracle failed on {request}: {reply}"
        );
        reply
    }
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn sample(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed))
        .collect()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

const SIZES: [usize; 4] = [0, 15, 16, 70_001];

#[test]
fn media_encrypted_by_baileys_decrypts_in_ours_for_every_type() {
    let mut peer = Peer::spawn();
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in MediaType::ALL.into_iter().enumerate() {
        for len in SIZES {
            let plain = sample(len, n as u8);
            std::fs::write(dir.path().join("plain"), &plain).unwrap();
            let r = peer.call(json!({
                "op": "encrypt", "type": baileys_type(t),
                "in": path(dir.path(), "plain"), "out": path(dir.path(), "upload"),
            }));
            let upload = std::fs::read(dir.path().join("upload")).unwrap();
            let media_key: [u8; 32] = bytes(&r["mediaKey"]).try_into().unwrap();
            let expected = ExpectedMedia::from_slices(
                &bytes(&r["fileSha256"]),
                &bytes(&r["fileEncSha256"]),
                r["fileLength"].as_u64(),
            )
            .unwrap();

            let ours = decrypt_media(&upload, &media_key, t, &expected).unwrap();
            assert_eq!(ours, plain, "{t:?} len {len}");
            let mut streamed = Vec::new();
            decrypt_stream(
                Cursor::new(&upload),
                &mut streamed,
                &media_key,
                t,
                &expected,
            )
            .unwrap();
            assert_eq!(streamed, plain, "{t:?} len {len} streaming");

            // Same key, same plaintext: our upload body and metadata are byte-identical.
            let again = encrypt_media_with_key(&plain, media_key, t);
            assert_eq!(again.data, upload, "{t:?} len {len}");
            assert_eq!(again.info.file_enc_sha256, expected.file_enc_sha256);
            assert_eq!(bytes(&r["mac"]), upload[upload.len() - 10..]);
        }
    }
}

#[test]
fn media_we_encrypt_decrypts_in_baileys_for_every_type() {
    let mut peer = Peer::spawn();
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in MediaType::ALL.into_iter().enumerate() {
        for len in SIZES {
            let plain = sample(len, 100 + n as u8);
            let enc = encrypt_media(&plain, t);
            std::fs::write(dir.path().join("upload"), &enc.data).unwrap();
            let r = peer.call(json!({
                "op": "decrypt", "type": baileys_type(t),
                "mediaKey": hex::encode(enc.info.media_key),
                "in": path(dir.path(), "upload"), "out": path(dir.path(), "plain"),
            }));
            assert_eq!(
                std::fs::read(dir.path().join("plain")).unwrap(),
                plain,
                "{t:?} len {len}"
            );
            assert_eq!(
                r["macOk"], true,
                "{t:?} len {len}: baileys' keys reject our MAC"
            );
            assert_eq!(bytes(&r["fileSha256"]), enc.info.file_sha256);
            assert_eq!(r["fileLength"].as_u64(), Some(enc.info.file_length));
        }
    }
}
