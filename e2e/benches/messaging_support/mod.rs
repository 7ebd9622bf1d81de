//! Helpers for the messaging benchmark: a test server, our real clients on SQLite stores that
//! count the messages they receive, pipelined senders, and process CPU/RSS readings.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use testserver::TestServer;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use wacore::types::events::Event;
use wacore_binary::jid::Jid;
use waproto::whatsapp as wa;
use whatsapp_rust::{Bot, Client, Timings};
use whatsapp_rust_sqlite_storage::SqliteStore;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

/// Counts `Event::Message`s (shared by any number of clients).
#[derive(Default)]
pub struct Counter {
    n: AtomicU64,
    changed: Notify,
}

impl Counter {
    pub fn get(&self) -> u64 {
        self.n.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.n.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_waiters();
    }

    /// Waits until the count reaches `target`.
    pub async fn wait_for(&self, target: u64, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if self.get() >= target {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out: {} of {target} messages received", self.get());
            }
        }
    }
}

/// A running client of ours; messages are counted, other events go to `events`.
pub struct BenchBot {
    pub client: Arc<Client>,
    pub events: mpsc::UnboundedReceiver<Event>,
}

fn timings() -> Timings {
    Timings {
        iq_timeout: Duration::from_secs(60),
        offline_sync_timeout: Duration::from_secs(3),
        backoff_unit: Duration::from_millis(200),
        backoff_max: Duration::from_secs(2),
        ..Timings::default()
    }
}

/// Starts a client on the SQLite store `db_path`, counting received messages in `counter`.
pub async fn start_bot(server: &TestServer, db_path: &str, counter: Arc<Counter>) -> BenchBot {
    let backend = Arc::new(SqliteStore::new(db_path).await.expect("sqlite opens"));
    let (tx, events) = mpsc::unbounded_channel();
    let mut bot = Bot::builder()
        .with_backend(backend)
        .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(server.ws_url()))
        .with_http_client(UreqHttpClient::new())
        .with_version((2, 3000, 1_023_456_789))
        .with_server_root_key(server.root_public_key())
        .with_timings(timings())
        .with_push_name("bench")
        .skip_history_sync()
        .on_event(move |event, _client| {
            match &event {
                Event::Message(..) => counter.bump(),
                _ => {
                    let _ = tx.send(event);
                }
            }
            async {}
        })
        .build()
        .await
        .expect("bot builds");
    let client = bot.client();
    // The run task lives as long as the client (the runtime outlives the bench).
    drop(bot.run().await.expect("bot runs"));
    BenchBot { client, events }
}

async fn wait_event<T>(
    events: &mut mpsc::UnboundedReceiver<Event>,
    what: &str,
    mut pred: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Some(ev)) => {
                if let Some(t) = pred(&ev) {
                    return t;
                }
            }
            Ok(None) => panic!("event stream ended while waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

/// Pairs a fresh client as a companion of `phone` (QR scan) and waits until it is connected.
pub async fn pair(server: &TestServer, phone: &str, bot: &mut BenchBot) {
    let phone = server.phone(phone).expect("account exists");
    let qr = wait_event(&mut bot.events, "QR", |e| match e {
        Event::PairingQrCode { code, .. } => Some(code.clone()),
        _ => None,
    })
    .await;
    let scan = tokio::spawn(async move { phone.scan_qr(&qr).await });
    wait_connected(bot).await;
    scan.await.expect("scan task").expect("phone pairs");
}

/// Waits for `Event::Connected`.
pub async fn wait_connected(bot: &mut BenchBot) {
    wait_event(&mut bot.events, "Connected", |e| {
        matches!(e, Event::Connected(_)).then_some(())
    })
    .await;
}

/// A plain text message.
pub fn text(s: String) -> wa::Message {
    wa::Message {
        conversation: Some(s),
        ..Default::default()
    }
}

/// Sends `n` texts to `to` with up to `window` sends in flight; returns once the server acked
/// every one.
pub async fn send_pipelined(client: &Arc<Client>, to: &Jid, n: u64, window: usize) {
    let mut set = JoinSet::new();
    for i in 0..n {
        if set.len() >= window {
            join_one(&mut set).await;
        }
        let client = Arc::clone(client);
        let to = to.clone();
        set.spawn(async move {
            client
                .send_message(to, text(format!("benchmark message number {i:08}")))
                .await
        });
    }
    while !set.is_empty() {
        join_one(&mut set).await;
    }
}

async fn join_one(set: &mut JoinSet<Result<String, whatsapp_rust::send::SendError>>) {
    match set.join_next().await {
        Some(Ok(Ok(_))) | None => {}
        Some(Ok(Err(e))) => panic!("send failed: {e}"),
        Some(Err(e)) => panic!("send task failed: {e}"),
    }
}

/// Clock ticks per second of `/proc/self/stat` (USER_HZ, 100 on Linux).
const USER_HZ: u64 = 100;

/// CPU time (user + system) of this process so far.
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f[11].parse().expect("utime");
    let stime: u64 = f[12].parse().expect("stime");
    Duration::from_millis((utime + stime) * 1000 / USER_HZ)
}

/// Resident set size of this process, in KiB.
pub fn rss_kib() -> u64 {
    rss_kib_of("self")
}

/// Resident set size of process `pid` (`"self"` for this one), in KiB.
pub fn rss_kib_of(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// A store path inside `dir`.
pub fn db(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}
