//! Shared helpers: a test server, bots wired to it, and event waiting.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use testserver::{Config, TestServer};
use tokio::sync::mpsc;
use wacore::types::events::Event;
use whatsapp_rust::{Bot, Client, Timings};
use whatsapp_rust_sqlite_storage::SqliteStore;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

/// Fast timings so reconnect/keepalive tests finish in seconds.
pub fn fast_timings() -> Timings {
    Timings {
        connect_timeout: Duration::from_secs(5),
        handshake_timeout: Duration::from_secs(5),
        iq_timeout: Duration::from_secs(5),
        keepalive_interval_min: Duration::from_millis(300),
        keepalive_interval_max: Duration::from_millis(400),
        // Short enough for the keepalive test (detection well under 8 s), long enough that
        // a loaded 2-core CI machine (a pair code's PBKDF2 on the server, say) does not look
        // like a dead socket.
        keepalive_response_deadline: Duration::from_secs(2),
        dead_socket_time: Duration::from_secs(3),
        backoff_unit: Duration::from_millis(200),
        backoff_max: Duration::from_secs(5),
        qr_first_timeout: Duration::from_secs(20),
        qr_next_timeout: Duration::from_secs(20),
        offline_sync_timeout: Duration::from_secs(3),
    }
}

pub fn init_logs() {
    let _ = env_logger::builder().is_test(true).try_init();
}

pub async fn server() -> TestServer {
    init_logs();
    TestServer::start(Config::default())
        .await
        .expect("test server starts")
}

/// A running bot and the stream of its events.
pub struct TestBot {
    pub client: Arc<Client>,
    pub events: mpsc::UnboundedReceiver<Event>,
    pub handle: tokio::task::JoinHandle<()>,
}

pub async fn start_bot(
    server: &TestServer,
    db_path: &str,
    configure: impl FnOnce(whatsapp_rust::BotBuilder) -> whatsapp_rust::BotBuilder,
) -> TestBot {
    let backend = Arc::new(SqliteStore::new(db_path).await.expect("sqlite opens"));
    let (tx, rx) = mpsc::unbounded_channel();
    let builder = Bot::builder()
        .with_backend(backend)
        .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(server.ws_url()))
        .with_http_client(UreqHttpClient::new())
        .with_version((2, 3000, 1_023_456_789))
        .with_server_root_key(server.root_public_key())
        .with_timings(fast_timings())
        .on_event(move |event, _client| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(event);
            }
        });
    let mut bot = configure(builder).build().await.expect("bot builds");
    let client = bot.client();
    let handle = bot.run().await.expect("bot runs");
    TestBot {
        client,
        events: rx,
        handle,
    }
}

/// Waits for the first event matching `pred`, returning it and the events skipped.
pub async fn wait_for<T>(
    events: &mut mpsc::UnboundedReceiver<Event>,
    timeout: Duration,
    what: &str,
    mut pred: impl FnMut(&Event) -> Option<T>,
) -> (T, Vec<Event>) {
    let deadline = Instant::now() + timeout;
    let mut skipped = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Some(ev)) => match pred(&ev) {
                Some(t) => return (t, skipped),
                None => skipped.push(ev),
            },
            Ok(None) => panic!("event stream ended while waiting for {what}; saw {skipped:?}"),
            Err(_) => panic!("timed out waiting for {what}; saw {skipped:?}"),
        }
    }
}

pub async fn wait_connected(bot: &mut TestBot) -> Vec<Event> {
    wait_for(&mut bot.events, Duration::from_secs(20), "Connected", |e| {
        matches!(e, Event::Connected(_)).then_some(())
    })
    .await
    .1
}

/// Pairs a fresh bot through the phone's QR scan; returns the device JID.
pub async fn pair_by_qr(server: &TestServer, phone: &str, bot: &mut TestBot) -> String {
    pair_by_qr_with_events(server, phone, bot).await.0
}

/// Like [`pair_by_qr`], but the events that arrived between `PairSuccess` and `Connected`
/// stay queued on `bot.events`, ahead of later ones. The phone's welcome (app-state key
/// share, history notification) is queued for the companion before it logs in, so its
/// effects (`SelfPushNameUpdated`, `HistorySync`, ...) may legitimately be dispatched
/// before `Connected`, which waits for the post-login pre-key and passive IQs.
pub async fn pair_by_qr_keeping_events(
    server: &TestServer,
    phone: &str,
    bot: &mut TestBot,
) -> String {
    let (jid, early) = pair_by_qr_with_events(server, phone, bot).await;
    requeue_events(bot, early);
    jid
}

/// Puts `first` back in front of the bot's event stream.
pub fn requeue_events(bot: &mut TestBot, first: Vec<Event>) {
    if first.is_empty() {
        return;
    }
    let (tx, rx) = mpsc::unbounded_channel();
    for e in first {
        let _ = tx.send(e);
    }
    let mut rest = std::mem::replace(&mut bot.events, rx);
    tokio::spawn(async move {
        while let Some(e) = rest.recv().await {
            if tx.send(e).is_err() {
                break;
            }
        }
    });
}

/// Pairs through the QR scan; returns the device JID and the events seen between
/// `PairSuccess` and `Connected`.
async fn pair_by_qr_with_events(
    server: &TestServer,
    phone: &str,
    bot: &mut TestBot,
) -> (String, Vec<Event>) {
    let phone = server.phone(phone).expect("account exists");
    let (qr, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "PairingQrCode",
        |e| match e {
            Event::PairingQrCode { code, .. } => Some(code.clone()),
            _ => None,
        },
    )
    .await;
    let scan = tokio::spawn(async move { phone.scan_qr(&qr).await });
    let (success, _) = wait_for(
        &mut bot.events,
        Duration::from_secs(20),
        "PairSuccess",
        |e| match e {
            Event::PairSuccess(s) => Some(s.clone()),
            _ => None,
        },
    )
    .await;
    let paired = scan.await.expect("scan task").expect("phone pairs");
    assert_eq!(success.id.to_string(), paired.jid);
    let early = wait_connected(bot).await;
    (paired.jid, early)
}

pub fn db(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

/// Waits until the bot is fully connected (offline sync over) and the server answered its
/// background post-login props query, so a fault injected next (dropped frames, say) only
/// hits the test's own traffic. For a bot on its first login (no props hash stored yet).
pub async fn settled(bot: &TestBot) {
    bot.client
        .wait_for_connected(Duration::from_secs(20))
        .await
        .expect("connected and offline sync over");
    let pm = bot.client.persistence_manager();
    let deadline = Instant::now() + Duration::from_secs(10);
    while pm.get_device_snapshot().await.props_hash.is_none() {
        assert!(
            Instant::now() < deadline,
            "the background props query was not answered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
