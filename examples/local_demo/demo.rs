//! The local demo's logic, shared by `examples/local_demo/main.rs` and the end-to-end test
//! `e2e/tests/local_demo.rs` (so a broken demo fails CI).
//!
//! Everything runs on loopback: the open test server in-process, two simulated phones
//! (the bot's own account, which links the bot by scanning its QR code, and a friend),
//! and a bot whose event handler answers "ping" with "pong" through `send_message`,
//! exactly like the quickstart.

use std::sync::Arc;
use std::time::Duration;

use testserver::{Config, PhoneHandle, TestServer};
use tokio::sync::mpsc;
use tokio::time::Instant;
use wacore::proto_helpers::MessageExt;
use wacore::types::events::Event;
use waproto::whatsapp as wa;
use whatsapp_rust::bot::Bot;
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::{Client, render_qr_terminal};
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

/// The bot's phone number (the account whose phone links the bot).
pub const BOT_PHONE: &str = "15550001234";
/// The friend who sends "ping".
pub const FRIEND_PHONE: &str = "15550005678";

/// Why the demo failed.
pub type DemoError = Box<dyn std::error::Error + Send + Sync>;

/// What the demo did, for the caller (and the test) to check.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The bot's linked device JID.
    pub bot_device: String,
    /// The id of the friend's "ping".
    pub ping_id: String,
    /// The id of the bot's answer.
    pub pong_id: String,
    /// The text the friend's phone decrypted from the answer.
    pub pong_text: String,
    /// Time from the ping being sent to the pong being decrypted on the friend's phone.
    pub round_trip: Duration,
}

/// How the demo behaves.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Print the QR code and progress to stdout.
    pub verbose: bool,
    /// The whole demo must finish within this time.
    pub timeout: Duration,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            verbose: true,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What the bot's event handler reports to the demo's driver.
enum Progress {
    Event(Box<Event>),
    Replied { to: String, id: String },
    ReplyFailed(String),
}

/// Runs the whole demo: start the server, pair the bot by QR, exchange ping/pong, shut
/// down. Fails (never hangs) if any step does not happen within `options.timeout`.
pub async fn run(options: DemoOptions) -> Result<DemoReport, DemoError> {
    let say = |line: &str| {
        if options.verbose {
            println!("{line}");
        }
    };
    let deadline = Instant::now() + options.timeout;

    say("== whatsapp-rust local demo: no network, everything on loopback ==");
    let server = TestServer::start(Config::default()).await?;
    let bot_phone = server.create_account(BOT_PHONE)?;
    let friend = server.create_account(FRIEND_PHONE)?;
    say(&format!(
        "[server] test server listening on {}",
        server.ws_url()
    ));
    say(&format!(
        "[server] accounts: bot +{BOT_PHONE}, friend +{FRIEND_PHONE} (simulated phones)"
    ));

    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.db");
    let backend = Arc::new(SqliteStore::new(&db.to_string_lossy()).await?);

    let (tx, mut progress) = mpsc::unbounded_channel();
    let mut bot = Bot::builder()
        .with_backend(backend)
        // The test server instead of web.whatsapp.com, and its Noise root, trusted explicitly.
        .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(server.ws_url()))
        .with_server_root_key(server.root_public_key())
        .with_http_client(UreqHttpClient::new())
        // A pinned version: no fetch from web.whatsapp.com.
        .with_version((2, 3000, 1_023_456_789))
        .with_push_name("Local demo bot")
        .skip_history_sync()
        .on_event(move |event, client| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(Progress::Event(Box::new(event.clone())));
                // The quickstart's handler: answer "ping" with "pong".
                if let Event::Message(msg, info) = &event
                    && msg.text_content() == Some("ping")
                {
                    let reply = wa::Message {
                        conversation: Some("pong".to_string()),
                        ..Default::default()
                    };
                    let to = info.source.chat.to_string();
                    let _ = match client.send_message(info.source.chat.clone(), reply).await {
                        Ok(id) => tx.send(Progress::Replied { to, id }),
                        Err(e) => tx.send(Progress::ReplyFailed(e.to_string())),
                    };
                }
            }
        })
        .build()
        .await?;
    let client = bot.client();
    let handle = bot.run().await?;

    let result = exchange(&say, &client, &bot_phone, &friend, &mut progress, deadline).await;

    client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
    server.shutdown().await;
    match &result {
        Ok(_) => say("[demo] done: bot disconnected, server stopped."),
        Err(e) => say(&format!("[demo] FAILED: {e}")),
    }
    result
}

/// The next progress item, or an error naming what was awaited when the deadline passes.
async fn next(
    progress: &mut mpsc::UnboundedReceiver<Progress>,
    deadline: Instant,
    waiting_for: &str,
) -> Result<Progress, DemoError> {
    match tokio::time::timeout_at(deadline, progress.recv()).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(format!("the bot stopped while waiting for {waiting_for}").into()),
        Err(_) => Err(format!("timed out waiting for {waiting_for}").into()),
    }
}

async fn exchange(
    say: &impl Fn(&str),
    client: &Arc<Client>,
    bot_phone: &PhoneHandle,
    friend: &PhoneHandle,
    progress: &mut mpsc::UnboundedReceiver<Progress>,
    deadline: Instant,
) -> Result<DemoReport, DemoError> {
    // 1. Pairing: the bot shows a QR code, the bot account's phone scans it.
    let mut scan = None;
    let bot_device = loop {
        let Progress::Event(event) = next(progress, deadline, "the bot to pair and log in").await?
        else {
            continue;
        };
        match *event {
            Event::PairingQrCode { code, .. } if scan.is_none() => {
                say("[bot] not linked yet: showing a QR code");
                say(&render_qr_terminal(&code)?);
                say(&format!(
                    "[phone +{BOT_PHONE}] Settings > Linked devices > Link a device: scanning..."
                ));
                let phone = bot_phone.clone();
                scan = Some(tokio::spawn(async move { phone.scan_qr(&code).await }));
            }
            Event::PairSuccess(info) => {
                say(&format!("[bot] paired as {} (LID {})", info.id, info.lid));
            }
            Event::PairError(e) => {
                return Err(format!("pairing failed: {e:?}").into());
            }
            Event::Connected(_) => {
                let me = client.get_pn().await.ok_or("connected but not paired")?;
                say(&format!("[bot] connected and logged in as {me}"));
                break me.to_string();
            }
            Event::LoggedOut(_) => return Err("the bot was logged out".into()),
            _ => {}
        }
    };
    if let Some(scan) = scan {
        let paired = scan.await??;
        say(&format!(
            "[phone +{BOT_PHONE}] linked device {} is now listed",
            paired.jid
        ));
    }

    // 2. The friend sends "ping"; the bot's handler answers "pong".
    let bot_chat = format!("{BOT_PHONE}@s.whatsapp.net");
    let started = Instant::now();
    let ping_id = friend.send_text(&bot_chat, "ping").await?;
    say(&format!(
        "[phone +{FRIEND_PHONE}] -> bot: \"ping\" (id {ping_id})"
    ));
    let pong_id = loop {
        match next(progress, deadline, "the bot to receive \"ping\" and reply").await? {
            Progress::Event(event) => match *event {
                Event::Message(msg, info) if info.id == ping_id => {
                    say(&format!(
                        "[bot] received {:?} from {} (decrypted)",
                        msg.text_content().unwrap_or_default(),
                        info.source.sender
                    ));
                }
                Event::UndecryptableMessage(u) => {
                    return Err(format!("the bot could not decrypt a message: {u:?}").into());
                }
                _ => {}
            },
            Progress::Replied { to, id } => {
                say(&format!("[bot] -> {to}: \"pong\" (id {id})"));
                break id;
            }
            Progress::ReplyFailed(e) => return Err(format!("send_message failed: {e}").into()),
        }
    };

    // 3. The friend's phone receives and decrypts the answer.
    let left = deadline.saturating_duration_since(Instant::now());
    let pong = friend
        .wait_for_message(left, |m| m.id == pong_id)
        .await
        .map_err(|e| format!("the friend's phone never got the answer: {e}"))?;
    let round_trip = started.elapsed();
    let pong_text = pong.text.clone().unwrap_or_default();
    say(&format!(
        "[phone +{FRIEND_PHONE}] <- {}: {pong_text:?} (decrypted, round trip {round_trip:.1?})",
        pong.sender
    ));
    if pong_text != "pong" {
        return Err(format!("expected \"pong\", the phone decrypted {pong_text:?}").into());
    }
    say("[demo] ping/pong complete.");
    Ok(DemoReport {
        bot_device,
        ping_id,
        pong_id,
        pong_text,
        round_trip,
    })
}
