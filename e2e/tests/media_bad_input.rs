//! Hostile or broken media: a blob with a bad MAC, a truncated blob, a vanished blob and a
//! message pointing off the media hosts each give a typed error, write nothing to the
//! caller's writer, and leave the client able to download good media right after.
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

use std::io::{Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

use media_support::*;
use msg_support::*;
use support::*;
use wacore::download::{DownloadParams, MediaType};
use wacore::media::MediaError;
use whatsapp_rust::MediaTransferError;

/// A writer that records everything written to it.
#[derive(Clone, Debug, Default)]
struct Spy(Arc<Mutex<Vec<u8>>>);

impl Write for Spy {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Spy {
    fn seek(&mut self, _pos: SeekFrom) -> std::io::Result<u64> {
        Ok(0)
    }
}

fn params(direct_path: &str, enc: &wacore::media::EncryptedMedia, len: usize) -> DownloadParams {
    DownloadParams {
        direct_path: direct_path.to_owned(),
        media_key: Some(enc.info.media_key.to_vec()),
        file_sha256: enc.info.file_sha256.to_vec(),
        file_enc_sha256: Some(enc.info.file_enc_sha256.to_vec()),
        file_length: Some(len as u64),
        media_type: MediaType::Document,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_mac_truncation_missing_blob_and_foreign_paths_give_typed_errors() {
    let server = server().await;
    server.create_account("15550300001").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = paired_bot(&server, "15550300001", &db(&dir, "bot.db")).await;
    bot.client.set_media_insecure_http(true);

    let data = random_bytes(700_000);
    let enc = wacore::media::encrypt_media(&data, MediaType::Document);

    // Bad MAC: one flipped ciphertext byte.
    let mut tampered = enc.data.clone();
    tampered[1234] ^= 0x40;
    let bad = params(
        &store_blob(&server, "document", tampered).await,
        &enc,
        data.len(),
    );
    let err = bot.client.download(&bad).await.unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Crypto(MediaError::MacMismatch)),
        "{err:?}"
    );
    let spy = Spy::default();
    let err = bot
        .client
        .download_to_writer(&bad, spy.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Crypto(MediaError::MacMismatch)),
        "{err:?}"
    );
    assert!(
        spy.0.lock().unwrap().is_empty(),
        "no unverified plaintext written"
    );

    // Truncated: the first half of the upload.
    let half = enc.data[..enc.data.len() / 2].to_vec();
    let cut = params(
        &store_blob(&server, "document", half).await,
        &enc,
        data.len(),
    );
    let err = bot.client.download(&cut).await.unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Truncated { got, expected } if got < expected),
        "{err:?}"
    );
    let spy = Spy::default();
    let err = bot
        .client
        .download_to_writer(&cut, spy.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Truncated { .. }),
        "{err:?}"
    );
    assert!(spy.0.lock().unwrap().is_empty());

    // The blob is gone (404): media_conn is refreshed once, then a typed status error.
    let before = bot.client.media_conn_fetches();
    let gone = params("/v/t62.document/does-not-exist.enc", &enc, data.len());
    let err = bot.client.download(&gone).await.unwrap_err();
    assert!(
        matches!(err, MediaTransferError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(
        bot.client.media_conn_fetches(),
        before + 1,
        "one credential refresh per operation"
    );

    // A message pointing elsewhere is refused before any request.
    let foreign = params("https://evil.example/x.enc", &enc, data.len());
    assert!(matches!(
        bot.client.download(&foreign).await.unwrap_err(),
        MediaTransferError::InvalidDirectPath
    ));

    // Wrong hash length in the message.
    let mut short_hash = params("/v/x", &enc, data.len());
    short_hash.file_sha256.truncate(10);
    assert!(matches!(
        bot.client.download(&short_hash).await.unwrap_err(),
        MediaTransferError::Crypto(MediaError::InvalidHashLength { .. })
    ));

    // Recovery: the intact upload downloads fine, both ways.
    let good = params(
        &store_blob(&server, "document", enc.data.clone()).await,
        &enc,
        data.len(),
    );
    assert_eq!(bot.client.download(&good).await.unwrap(), data);
    let spy = Spy::default();
    bot.client
        .download_to_writer(&good, spy.clone())
        .await
        .unwrap();
    assert_eq!(*spy.0.lock().unwrap(), data);
}
