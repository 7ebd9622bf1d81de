//! App state through unmodified Baileys 7: two companions of one account; a chat change made on
//! one (an app-state patch encrypted with the key the phone shared) reaches the other through the
//! server's `server_sync` notification and patch store.
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
use serde_json::json;
use testserver::{Config, TestServer};

/// Generous: Baileys runs in node next to other tests on a 2-core CI machine.
const T: Duration = Duration::from_secs(45);
const A: &str = "15553330001";
const B: &str = "15553330002";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chat_change_on_one_companion_reaches_the_other() {
    let server = TestServer::start(Config::default()).await.unwrap();
    let phone_a = server.create_account(A).unwrap();
    server.create_account(B).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a1 = Baileys::spawn(&server, "A1", A, &dir.path().join("a1"), &[]).await;
    a1.ready().await;
    let mut a2 = Baileys::spawn(&server, "A2", A, &dir.path().join("a2"), &[]).await;
    a2.ready().await;
    assert_eq!(phone_a.companions().len(), 2);
    // A change made while the other companion is still in its first full sync is applied there
    // in initial-sync mode, which drops updates to chats history did not bring.
    a1.wait_event("app-state-synced", T).await;
    a2.wait_event("app-state-synced", T).await;
    let chat = format!("{B}@s.whatsapp.net");
    a1.call("chatModify", json!([{ "pin": true }, chat])).await;
    let upd = a2
        .wait("pin synced", T, |v| {
            v["event"] == "chat-update" && v["id"] == chat.as_str() && v["pinned"].is_number()
        })
        .await;
    assert!(upd["pinned"].as_u64().unwrap() > 0);
    a1.call("chatModify", json!([{ "pin": false }, chat])).await;
    a2.wait("unpin synced", T, |v| {
        v["event"] == "chat-update"
            && v["id"] == chat.as_str()
            && v["pinned"].is_null()
            && v != &upd
    })
    .await;
    a1.kill().await;
    a2.kill().await;
}
