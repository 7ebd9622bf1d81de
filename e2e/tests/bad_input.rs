//! Hostile input: an IQ that never answers times out with IqError::Timeout.
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
use wacore::request::InfoQuery;
use wacore_binary::NodeBuilder;
use whatsapp_rust::IqError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_iq_times_out() {
    let server = server().await;
    server.create_account("15550020001").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = start_bot(&server, &db(&dir, "b.db"), |b| b).await;
    let jid = pair_by_qr(&server, "15550020001", &mut bot).await;
    settled(&bot).await;
    // The server's answers to this device are dropped: the IQ never completes.
    server.faults().drop_frames(&jid, 1).unwrap();
    let query = InfoQuery::get("w:p", vec![NodeBuilder::new("ping").build()])
        .with_timeout(Duration::from_millis(300));
    let err = bot.client.send_iq(query).await.unwrap_err();
    assert!(matches!(err, IqError::Timeout), "{err:?}");
    bot.client.disconnect().await;
}
