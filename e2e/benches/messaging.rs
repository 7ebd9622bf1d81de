//! End-to-end messaging benchmark over loopback: our real clients (SQLite stores in a temp dir)
//! against the in-process test server.
//!
//! - `messaging/1to1_text`: one client sends texts to another (established sessions), keeping
//!   `WINDOW` sends in flight; an iteration is one message sent, acked by the server, delivered,
//!   decrypted and seen as `Event::Message` by the receiver. Criterion's throughput is msgs/s.
//! - `messaging/group50_text`: one client sends texts to a group whose 50 other devices (7 member
//!   accounts, each a simulated phone plus 6 of our clients, and the sender's own phone) all
//!   decrypt every message; an iteration is one group message delivered to all 50.
//! - `messaging/1to1_cpu`: like `1to1_text` but the reported time is the process CPU time
//!   (user + system, every thread: both clients and the server) per message.
//! - Memory per connected idle client: printed (not a criterion figure). `K` clients run in a
//!   child process (`idle_clients`), logged in from their stores in two halves: the figure is the
//!   child's RSS growth from the second half, idle, over `K - K/2` (the first half pays the
//!   one-off costs: code paged in, threads, allocator arenas); the older figure, RSS with all `K`
//!   idle minus RSS before any started, over `K`, is printed too. The server's share is this
//!   process's RSS delta while they connect, over `K`.
//!
//! Set `MSG_BENCH_IDLE_CLIENTS` (default 50) to change `K` and `MSG_BENCH_IDLE_SECS` (default 3)
//! how long they idle before the figure is taken (the child prints its RSS per phase and per idle
//! second); `MSG_BENCH_IDLE_WRAPPER` (e.g. `heaptrack`) runs the measured child under a profiler.
//! `MSG_BENCH_PARTS` (default `memory,1to1,group`) picks the parts to run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod messaging_support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use messaging_support::*;
use testserver::{Config, TestServer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::runtime::Runtime;
use wacore_binary::jid::Jid;

/// Sends in flight per sender.
const WINDOW: usize = 256;
/// Member accounts of the group besides the sender's.
const GROUP_ACCOUNTS: usize = 7;
/// Our clients paired to each member account (plus its simulated phone).
const COMPANIONS_PER_ACCOUNT: usize = 6;
/// How long one batch may take before the bench gives up.
const BATCH_TIMEOUT: Duration = Duration::from_secs(300);

struct OneToOne {
    alice: BenchBot,
    bob_jid: Jid,
    received: Arc<Counter>,
    _bob: BenchBot,
}

async fn setup_one_to_one(server: &TestServer, dir: &tempfile::TempDir) -> OneToOne {
    let (a, b) = ("15551000001", "15551000002");
    server.create_account(a).unwrap();
    server.create_account(b).unwrap();
    let alice_count = Arc::new(Counter::default());
    let received = Arc::new(Counter::default());
    let mut alice = start_bot(server, &db(dir, "alice.db"), alice_count.clone()).await;
    pair(server, a, &mut alice).await;
    let mut bob = start_bot(server, &db(dir, "bob.db"), received.clone()).await;
    pair(server, b, &mut bob).await;
    let bob_jid = Jid::pn(b);
    // Establish the sessions both ways (the pkmsg exchange is not what is measured).
    send_pipelined(&alice.client, &bob_jid, 1, 1).await;
    received.wait_for(1, BATCH_TIMEOUT).await;
    send_pipelined(&bob.client, &Jid::pn(a), 1, 1).await;
    alice_count.wait_for(1, BATCH_TIMEOUT).await;
    send_pipelined(&alice.client, &bob_jid, 10, WINDOW).await;
    received.wait_for(11, BATCH_TIMEOUT).await;
    OneToOne {
        alice,
        bob_jid,
        received,
        _bob: bob,
    }
}

impl OneToOne {
    /// Sends `n` messages and waits until all arrived.
    async fn batch(&self, n: u64) {
        let target = self.received.get() + n;
        send_pipelined(&self.alice.client, &self.bob_jid, n, WINDOW).await;
        self.received.wait_for(target, BATCH_TIMEOUT).await;
    }
}

struct Group {
    sender: BenchBot,
    group: Jid,
    received: Arc<Counter>,
    clients: usize,
    phones: Vec<testserver::PhoneHandle>,
    _members: Vec<BenchBot>,
}

async fn setup_group(server: &TestServer, dir: &tempfile::TempDir) -> Group {
    let s = "15552000000";
    let mut phones = vec![server.create_account(s).unwrap()];
    let accounts: Vec<String> = (1..=GROUP_ACCOUNTS)
        .map(|i| format!("155520000{i:02}"))
        .collect();
    for a in &accounts {
        phones.push(server.create_account(a).unwrap());
    }
    let received = Arc::new(Counter::default());
    let mut sender = start_bot(
        server,
        &db(dir, "g-sender.db"),
        Arc::new(Counter::default()),
    )
    .await;
    pair(server, s, &mut sender).await;
    let mut members = Vec::new();
    for a in &accounts {
        for c in 0..COMPANIONS_PER_ACCOUNT {
            let mut bot =
                start_bot(server, &db(dir, &format!("g-{a}-{c}.db")), received.clone()).await;
            pair(server, a, &mut bot).await;
            members.push(bot);
        }
    }
    let refs: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let group: Jid = server
        .create_group(s, "bench group", &refs)
        .unwrap()
        .parse()
        .unwrap();
    let clients = members.len();
    // The sender's own phone is a recipient too (device 0 of the sender's account).
    assert_eq!(clients + phones.len(), 50, "50 recipient devices");
    let g = Group {
        sender,
        group,
        received,
        clients,
        phones,
        _members: members,
    };
    // The first message distributes the sender key (pkmsg + SKDM to every device).
    g.batch(1).await;
    g.batch(10).await;
    g
}

impl Group {
    /// Sends `n` group messages and waits until every recipient device decrypted all of them.
    async fn batch(&self, n: u64) {
        let target = self.received.get() + n * self.clients as u64;
        let phone_targets: Vec<usize> = self
            .phones
            .iter()
            .map(|p| p.received_count() + n as usize)
            .collect();
        send_pipelined(&self.sender.client, &self.group, n, WINDOW).await;
        self.received.wait_for(target, BATCH_TIMEOUT).await;
        let deadline = Instant::now() + BATCH_TIMEOUT;
        for (p, t) in self.phones.iter().zip(phone_targets) {
            while p.received_count() < t {
                assert!(
                    Instant::now() < deadline,
                    "phone {} missed messages",
                    p.phone()
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Totals across every iteration of a bench, printed at the end.
#[derive(Default)]
struct Totals {
    messages: u64,
    wall: Duration,
    cpu: Duration,
}

impl Totals {
    fn add(&mut self, n: u64, wall: Duration, cpu: Duration) {
        self.messages += n;
        self.wall += wall;
        self.cpu += cpu;
    }

    fn report(&self, what: &str, deliveries_per_message: u64) {
        if self.messages == 0 {
            return;
        }
        let n = self.messages as f64;
        println!(
            "{what}: {} messages, {:.0} msgs/s ({:.0} deliveries/s), CPU {:.1} µs/message \
             ({:.1} µs/delivery), all threads of the process (clients + server)",
            self.messages,
            n / self.wall.as_secs_f64(),
            n * deliveries_per_message as f64 / self.wall.as_secs_f64(),
            self.cpu.as_secs_f64() * 1e6 / n,
            self.cpu.as_secs_f64() * 1e6 / (n * deliveries_per_message as f64),
        );
    }
}

fn bench_one_to_one(c: &mut Criterion, rt: &Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = rt.block_on(TestServer::start(Config::default())).unwrap();
    let pair = rt.block_on(setup_one_to_one(&server, &dir));
    let mut totals = Totals::default();
    let mut g = c.benchmark_group("messaging");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(1));
    g.bench_function("1to1_text", |b| {
        b.iter_custom(|iters| {
            let (cpu0, t0) = (cpu_time(), Instant::now());
            rt.block_on(pair.batch(iters));
            let wall = t0.elapsed();
            totals.add(iters, wall, cpu_time().saturating_sub(cpu0));
            wall
        })
    });
    g.bench_function("1to1_cpu", |b| {
        b.iter_custom(|iters| {
            let cpu0 = cpu_time();
            rt.block_on(pair.batch(iters));
            cpu_time().saturating_sub(cpu0)
        })
    });
    g.finish();
    totals.report("1:1 text", 1);
    rt.block_on(async {
        pair.alice.client.disconnect().await;
        pair._bob.client.disconnect().await;
    });
    drop(pair);
    rt.block_on(server.shutdown());
}

fn bench_group(c: &mut Criterion, rt: &Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = rt.block_on(TestServer::start(Config::default())).unwrap();
    let t0 = Instant::now();
    let group = rt.block_on(setup_group(&server, &dir));
    println!(
        "group of 50 recipient devices ({} of our clients, {} simulated phones) set up in {:.1?}",
        group.clients,
        group.phones.len(),
        t0.elapsed()
    );
    let mut totals = Totals::default();
    let mut g = c.benchmark_group("messaging");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(1));
    g.bench_function("group50_text", |b| {
        b.iter_custom(|iters| {
            let (cpu0, t0) = (cpu_time(), Instant::now());
            rt.block_on(group.batch(iters));
            let wall = t0.elapsed();
            totals.add(iters, wall, cpu_time().saturating_sub(cpu0));
            wall
        })
    });
    g.finish();
    totals.report("group of 50 devices", 50);
    rt.block_on(async {
        group.sender.client.disconnect().await;
        for m in &group._members {
            m.client.disconnect().await;
        }
    });
    drop(group);
    rt.block_on(server.shutdown());
}

/// Runs the `idle_clients` child: returns its stdout lines through `on_line` until it exits.
async fn idle_child(
    server: &TestServer,
    dir: &std::path::Path,
    k: usize,
    mode: &str,
    mut on_line: impl AsyncFnMut(&str, &mut tokio::process::ChildStdin),
) {
    let root: String = server
        .root_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // `MSG_BENCH_IDLE_WRAPPER` (e.g. `heaptrack`) runs the child under a profiler.
    let wrapper = std::env::var("MSG_BENCH_IDLE_WRAPPER").unwrap_or_default();
    let mut command = match wrapper.split_whitespace().collect::<Vec<_>>().split_first() {
        Some((program, args)) => {
            let mut c = tokio::process::Command::new(program);
            c.args(args).arg(env!("CARGO_BIN_EXE_idle_clients"));
            c
        }
        None => tokio::process::Command::new(env!("CARGO_BIN_EXE_idle_clients")),
    };
    let idle_secs = std::env::var("MSG_BENCH_IDLE_SECS").unwrap_or_else(|_| "3".into());
    let exit_flag = if wrapper.is_empty() {
        "--no-exit-at-idle"
    } else {
        "--exit-at-idle"
    };
    let mut child = command
        .args([
            exit_flag,
            "--idle-secs",
            &idle_secs,
            "--ws",
            &server.ws_url(),
            "--root",
            &root,
            "--dir",
            &dir.to_string_lossy(),
            "--count",
            &k.to_string(),
            mode,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("idle_clients starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .expect("idle_clients answers")
            .expect("stdout");
        let Some(line) = line else { break };
        on_line(&line, &mut stdin).await;
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "idle_clients {mode} failed: {status}");
}

/// Memory per connected idle client (see the module docs).
fn memory_per_idle_client(rt: &Runtime) {
    let k: usize = std::env::var("MSG_BENCH_IDLE_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let server = rt.block_on(TestServer::start(Config::default())).unwrap();
    let phones: Vec<_> = (0..k)
        .map(|i| server.create_account(&format!("1555300{i:04}")).unwrap())
        .collect();
    // Pair every store (a first child run), so the measured run only logs in.
    rt.block_on(idle_child(
        &server,
        dir.path(),
        k,
        "--pair",
        async |line, _| {
            if let Some(rest) = line.strip_prefix("QR ") {
                let (i, code) = rest.split_once(' ').unwrap();
                let phone = phones[i.parse::<usize>().unwrap()].clone();
                let code = code.to_owned();
                tokio::spawn(async move { phone.scan_qr(&code).await.expect("pairs") });
            }
        },
    ));
    std::thread::sleep(Duration::from_secs(1));
    let server_before = rss_kib();
    let mut child_base = 0u64;
    let mut child_warm = 0u64;
    let mut child_idle = 0u64;
    let mut server_after = 0u64;
    rt.block_on(idle_child(
        &server,
        dir.path(),
        k,
        "--measure",
        async |line, stdin| {
            let mut words = line.split_whitespace();
            match (
                words.next(),
                words.next().and_then(|v| v.parse::<u64>().ok()),
            ) {
                (Some("BASE"), Some(v)) => child_base = v,
                (Some("WARM"), Some(v)) => child_warm = v,
                (Some("PHASE"), _) => println!("idle_clients {line}"),
                (Some("IDLE"), Some(v)) => {
                    child_idle = v;
                    server_after = rss_kib();
                    stdin.write_all(b"quit\n").await.unwrap();
                    stdin.flush().await.unwrap();
                }
                _ => {}
            }
        },
    ));
    let per_client_all = child_idle.saturating_sub(child_base) as f64 / k as f64;
    let per_client = child_idle.saturating_sub(child_warm) as f64 / (k - k / 2) as f64;
    let per_conn_server = server_after.saturating_sub(server_before) as f64 / k as f64;
    println!(
        "memory per connected idle client: {per_client:.1} KiB (marginal: child RSS {child_warm} \
         -> {child_idle} KiB for the second {} clients); {per_client_all:.1} KiB counting the \
         one-off costs ({k} clients, child RSS {child_base} -> {child_idle} KiB); server side per \
         connection: {per_conn_server:.1} KiB (RSS {server_before} -> {server_after} KiB)",
        k - k / 2
    );
    rt.block_on(server.shutdown());
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let rt = runtime();
    // Account creation spawns the simulated phones' tasks.
    let _enter = rt.enter();
    let parts = std::env::var("MSG_BENCH_PARTS").unwrap_or_else(|_| "memory,1to1,group".into());
    let part = |p: &str| parts.split(',').any(|x| x.trim() == p);
    if part("memory") {
        memory_per_idle_client(&rt);
    }
    if part("1to1") {
        bench_one_to_one(&mut c, &rt);
    }
    if part("group") {
        bench_group(&mut c, &rt);
    }
    c.final_summary();
}
