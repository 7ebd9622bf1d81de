//! Crash test: the receiving bot process is SIGKILLed (twice) during a stream of messages and
//! restarted on its SQLite store. Every message reaches the application (a line on the bot's
//! stdout, written by a synchronous event handler before the ack) exactly once, in order.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use support::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const TOTAL: usize = 400;

struct BotProcess {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

fn spawn_bot(server: &testserver::TestServer, db: &str) -> BotProcess {
    let root: String = server
        .root_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_msg_bot"))
        .args(["--ws", &server.ws_url(), "--root", &root, "--db", db])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("msg_bot starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut r = BufReader::new(stdout).lines();
        while let Ok(Some(l)) = r.next_line().await {
            let _ = tx.send(l);
        }
    });
    BotProcess { child, lines }
}

async fn next_line(p: &mut BotProcess, what: &str) -> String {
    tokio::time::timeout(Duration::from_secs(30), p.lines.recv())
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .unwrap_or_else(|| panic!("bot exited while waiting for {what}"))
}

/// Reads lines until `CONNECTED`, collecting `MSG` lines seen on the way.
async fn until_connected(p: &mut BotProcess, got: &mut Vec<(String, String)>) {
    loop {
        let l = next_line(p, "CONNECTED").await;
        if l == "CONNECTED" {
            return;
        }
        record(&l, got);
    }
}

fn record(line: &str, got: &mut Vec<(String, String)>) {
    if let Some(rest) = line.strip_prefix("MSG ") {
        let (id, text) = rest.split_once(' ').unwrap_or((rest, ""));
        // Only the stream counts (the phone also sends protocol messages at pairing).
        if text.starts_with("m-") {
            got.push((id.to_string(), text.to_string()));
        }
    }
    assert!(
        !line.starts_with("UNDECRYPTABLE"),
        "decrypt failure: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_receiver_restarts_on_its_store_without_loss_or_duplicates() {
    let server = server().await;
    let phone_a = server.create_account("15550700001").unwrap();
    let sender = server.create_account("15550700002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_path = db(&dir, "crash.db");

    // First run: pair through the QR.
    let mut bot = spawn_bot(&server, &db_path);
    let qr = loop {
        let l = next_line(&mut bot, "QR").await;
        if let Some(code) = l.strip_prefix("QR ") {
            break code.to_string();
        }
    };
    phone_a.scan_qr(&qr).await.unwrap();
    let mut got = Vec::new();
    until_connected(&mut bot, &mut got).await;

    // The stream: the phone sends TOTAL numbered messages, a few milliseconds apart.
    let stream = tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..TOTAL {
            let id = sender
                .send_text("15550700001@s.whatsapp.net", &format!("m-{i:05}"))
                .await
                .unwrap();
            ids.push(id);
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        ids
    });

    // Kill the receiver mid-stream twice, restarting it on the same store each time.
    for kill_at in [TOTAL / 4, TOTAL / 2] {
        while got.len() < kill_at {
            let l = next_line(&mut bot, "a message").await;
            record(&l, &mut got);
        }
        // A random extra delay so the kill lands anywhere in the pipeline.
        tokio::time::sleep(Duration::from_micros(rand::random::<u64>() % 3000)).await;
        bot.child.start_kill().unwrap(); // SIGKILL
        let _ = bot.child.wait().await;
        while let Ok(l) = bot.lines.try_recv() {
            record(&l, &mut got);
        }
        bot = spawn_bot(&server, &db_path);
        until_connected(&mut bot, &mut got).await;
    }
    let sent = stream.await.unwrap();
    while got.len() < TOTAL {
        let l = next_line(&mut bot, "the rest of the stream").await;
        record(&l, &mut got);
    }
    // Nothing more may arrive (no duplicates after the last one).
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(l) = bot.lines.try_recv() {
        record(&l, &mut got);
    }

    let ids: Vec<&String> = got.iter().map(|(id, _)| id).collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a message was delivered twice");
    assert_eq!(ids.len(), TOTAL, "every message arrived");
    let sent_set: HashSet<&String> = sent.iter().collect();
    assert_eq!(unique, sent_set, "exactly the sent messages");
    let texts: Vec<String> = got.iter().map(|(_, t)| t.clone()).collect();
    let want: Vec<String> = (0..TOTAL).map(|i| format!("m-{i:05}")).collect();
    assert_eq!(texts, want, "in order");
    let _ = bot.child.start_kill();
}
