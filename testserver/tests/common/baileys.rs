//! Drives `interop/testserver/baileys_client.mjs` (npm baileys 7.0.0-rc14, unmodified) from
//! Rust: spawn it against a running test server, read its JSON-line events, send it commands.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use testserver::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One running Baileys client.
pub struct Baileys {
    pub name: String,
    child: Child,
    stdin: ChildStdin,
    events: mpsc::UnboundedReceiver<Value>,
    /// Every event seen so far (including ones `wait` skipped).
    pub seen: Vec<Value>,
    next_id: u64,
}

impl Baileys {
    /// Spawns a client for `phone` with its auth state in `auth` (created if missing).
    ///
    /// When the server has TLS on, the client connects over `wss://`, calls the admin API over
    /// `https://` and trusts the server's CA through `NODE_EXTRA_CA_CERTS` (written next to
    /// `auth`), which also lets Baileys upload and download media (https only).
    pub async fn spawn(
        server: &TestServer,
        name: &str,
        phone: &str,
        auth: &Path,
        extra: &[&str],
    ) -> Baileys {
        // Server logs when RUST_LOG is set (shown for failing tests, or with --nocapture).
        let _ = env_logger::builder().is_test(true).try_init();
        let root = repo_root();
        let pkg = root.join("interop/node_modules/baileys7/package.json");
        assert!(
            pkg.exists(),
            "npm baileys 7 is not installed ({} missing): run `bash scripts/setup-oracles.sh`",
            pkg.display()
        );
        let root_hex: String = server
            .root_public_key()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (ws_url, admin_url) = match (server.wss_url(), server.https_url()) {
            (Some(wss), Some(https)) => (wss, https),
            _ => (server.ws_url(), server.http_url()),
        };
        let mut cmd = Command::new("node");
        if let Some(pem) = server.tls_ca_pem() {
            let ca = auth.with_extension("ca.pem");
            std::fs::write(&ca, pem).expect("write the server's CA certificate");
            cmd.env("NODE_EXTRA_CA_CERTS", &ca);
        }
        cmd.arg(root.join("interop/testserver/baileys_client.mjs"))
            .args([
                "--ws", &ws_url, "--root", &root_hex, "--admin", &admin_url, "--phone", phone,
            ])
            .arg("--auth")
            .arg(auth)
            .args(extra)
            .current_dir(root.join("interop"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("BAILEYS_STDERR").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .expect("spawn `node` (is Node.js installed? run `bash scripts/setup-oracles.sh`)");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::unbounded_channel();
        let tag = name.to_owned();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        if std::env::var_os("BAILEYS_EVENTS").is_some() {
                            eprintln!("[{tag}] {line}");
                        }
                        let _ = tx.send(v);
                    }
                    Err(_) => eprintln!("[{tag}] non-JSON output: {line}"),
                }
            }
        });
        Baileys {
            name: name.to_owned(),
            child,
            stdin,
            events,
            seen: Vec::new(),
            next_id: 1,
        }
    }

    /// Waits for an event matching `pred`; panics with what was seen after `timeout`.
    pub async fn wait(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return v.clone();
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(v)) => {
                    self.seen.push(v.clone());
                    if v["event"] == "fatal" {
                        panic!("{}: baileys died: {v}", self.name);
                    }
                    if pred(&v) {
                        return v;
                    }
                }
                Ok(None) => panic!(
                    "{}: baileys exited while waiting for {what}; saw {:#?}",
                    self.name, self.seen
                ),
                Err(_) => panic!(
                    "{}: timed out waiting for {what}; saw {:#?}",
                    self.name, self.seen
                ),
            }
        }
    }

    /// Waits for an event by name.
    pub async fn wait_event(&mut self, event: &str, timeout: Duration) -> Value {
        self.wait(event, timeout, |v| v["event"] == event).await
    }

    /// Forgets events seen so far (so `wait` only looks at new ones).
    pub fn clear_seen(&mut self) {
        self.seen.clear();
    }

    /// Sends a command and waits for its reply.
    pub async fn command(&mut self, mut cmd: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        cmd["id"] = json!(id);
        let line = format!("{cmd}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        let reply = self
            .wait("a command reply", Duration::from_secs(30), |v| {
                v["reply"] == json!(id)
            })
            .await;
        assert!(
            reply.get("error").is_none(),
            "{}: {cmd} failed: {reply}",
            self.name
        );
        reply
    }

    /// Sends a command and returns its reply, error or not.
    pub async fn try_command(&mut self, mut cmd: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        cmd["id"] = json!(id);
        let line = format!("{cmd}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        self.wait("a command reply", Duration::from_secs(30), |v| {
            v["reply"] == json!(id)
        })
        .await
    }

    /// Calls a Baileys socket function by name; returns its (JSON) result.
    pub async fn call(&mut self, f: &str, args: Value) -> Value {
        self.command(json!({"cmd": "call", "fn": f, "args": args}))
            .await["result"]
            .clone()
    }

    /// Calls a socket function expected to fail; returns the error text.
    pub async fn call_err(&mut self, f: &str, args: Value) -> String {
        let r = self
            .try_command(json!({"cmd": "call", "fn": f, "args": args}))
            .await;
        r["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: {f} should fail, got {r}", self.name))
            .to_owned()
    }

    /// Sends a text; returns the message id.
    pub async fn send_text(&mut self, to: &str, text: &str) -> String {
        let r = self
            .command(json!({"cmd": "send", "to": to, "text": text}))
            .await;
        r["msgId"].as_str().unwrap().to_owned()
    }

    /// Sends the file at `path` as media of `kind` (`image`, `document`, `video`, `audio`,
    /// `sticker`); returns the message id and its media description (see the harness).
    pub async fn send_media(
        &mut self,
        to: &str,
        kind: &str,
        path: &Path,
        mimetype: &str,
        file_name: Option<&str>,
        caption: Option<&str>,
    ) -> (String, Value) {
        let r = self
            .command(json!({"cmd": "sendMedia", "to": to, "kind": kind,
                "path": path.to_string_lossy(), "mimetype": mimetype,
                "fileName": file_name, "caption": caption}))
            .await;
        (r["msgId"].as_str().unwrap().to_owned(), r["media"].clone())
    }

    /// Downloads and decrypts the media of message `id` (received or sent) with Baileys, writing
    /// the plaintext to `out`; returns `{length, sha256, media}`.
    pub async fn download(&mut self, id: &str, out: &Path) -> Value {
        self.command(json!({"cmd": "download", "msgId": id, "out": out.to_string_lossy()}))
            .await
    }

    /// Waits for an incoming message with this id.
    pub async fn wait_id(&mut self, id: &str) -> Value {
        self.wait(&format!("message {id}"), Duration::from_secs(20), |v| {
            v["event"] == "message" && v["id"] == id
        })
        .await
    }

    /// Waits for an incoming message with this text.
    pub async fn wait_text(&mut self, text: &str) -> Value {
        self.wait(&format!("message {text:?}"), Duration::from_secs(20), |v| {
            v["event"] == "message" && v["text"] == text && v["fromMe"] == false
        })
        .await
    }

    /// Stops the process (the socket drops; no logout).
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// Waits until it has paired/logged in and learned its push name through app-state sync.
    pub async fn ready(&mut self) {
        self.wait_event("open", Duration::from_secs(30)).await;
        self.wait_event("name", Duration::from_secs(30)).await;
    }
}
