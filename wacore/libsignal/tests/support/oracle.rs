//! Spawning and driving the third-party Signal peers in `interop/signal/`
//! (JSON lines over stdin/stdout, hex byte fields).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

/// Which implementation to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleKind {
    /// baileys 6.17.16 over npm libsignal 6.0.0.
    Node,
    /// python-axolotl 0.2.3.
    Python,
}

/// A running oracle process.
pub struct Oracle {
    kind: OracleKind,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SETUP_HINT: &str = "interop oracles are not installed: run `bash scripts/setup-oracles.sh`";

impl Oracle {
    pub fn spawn(kind: OracleKind) -> Self {
        let interop = repo_root().join("interop");
        let mut cmd = match kind {
            OracleKind::Node => {
                assert!(
                    interop.join("node_modules/baileys6/package.json").exists()
                        && interop.join("node_modules/libsignal/package.json").exists(),
                    "{SETUP_HINT} (missing interop/node_modules/baileys6 or libsignal)"
                );
                let mut c = Command::new("node");
                c.arg(interop.join("signal/node_peer.cjs"));
                c
            }
            OracleKind::Python => {
                let python = interop.join(".venv/bin/python");
                assert!(
                    python.exists(),
                    "{SETUP_HINT} (missing interop/.venv/bin/python)"
                );
                let mut c = Command::new(python);
                c.arg(interop.join("signal/axolotl_peer.py"));
                c
            }
        };
        let mut child = cmd
            .current_dir(&interop)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {kind:?} oracle ({e}); {SETUP_HINT}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            kind,
            child,
            stdin,
            stdout,
        }
    }

    pub fn kind(&self) -> OracleKind {
        self.kind
    }

    /// Sends one request and returns the raw response (which may hold `error`).
    pub fn request(&mut self, req: &Value) -> Value {
        let mut line = serde_json::to_string(req).unwrap();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        let mut out = String::new();
        let n = self.stdout.read_line(&mut out).unwrap();
        assert!(n > 0, "{:?} oracle exited", self.kind);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad oracle output {out:?}: {e}"))
    }

    /// Sends one request; panics if the oracle reports an error.
    pub fn call(&mut self, req: Value) -> Value {
        let resp = self.request(&req);
        if let Some(err) = resp.get("error") {
            panic!("{:?} oracle failed on {}: {err}", self.kind, req["op"]);
        }
        resp
    }

    /// Runs several requests in one round trip; returns the raw results.
    pub fn batch(&mut self, ops: Vec<Value>) -> Vec<Value> {
        let resp = self.call(serde_json::json!({"op": "batch", "ops": ops}));
        resp["results"].as_array().unwrap().clone()
    }

    /// Like [`batch`](Self::batch) but panics on the first failed entry.
    pub fn batch_ok(&mut self, ops: Vec<Value>) -> Vec<Value> {
        let results = self.batch(ops.clone());
        for (req, r) in ops.iter().zip(&results) {
            if let Some(err) = r.get("error") {
                panic!("{:?} oracle failed on {req}: {err}", self.kind);
            }
        }
        results
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn hex_field(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(
        v[field]
            .as_str()
            .unwrap_or_else(|| panic!("missing {field} in {v}")),
    )
    .unwrap()
}
