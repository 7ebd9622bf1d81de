//! Shared helpers for the integration tests: oracle processes speaking JSON lines, and a
//! certificate authority / clock for handshakes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// A fixed "now" for deterministic certificate windows.
pub const NOW: u64 = 1_750_000_000;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Current Unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A third-party implementation running as a child process, answering one JSON line per request.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    name: String,
}

impl Oracle {
    /// Spawns `program args...` in `interop/`, failing with setup instructions if it is missing.
    pub fn spawn(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Oracle {
        let interop = repo_root().join("interop");
        let installed = interop.join("node_modules/baileys6").exists()
            && interop.join(".venv/bin/python").exists();
        assert!(
            installed,
            "interop oracles are not installed: run `bash scripts/setup-oracles.sh` from the repository root"
        );
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&interop)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start oracle {program}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Oracle {
            child,
            stdin,
            stdout,
            name: format!("{program} {}", args.join(" ")),
        }
    }

    /// The python `noiseprotocol` WhatsApp-style responder.
    pub fn python_responder() -> Oracle {
        Oracle::spawn(".venv/bin/python", &["noise/wa_responder.py"], &[])
    }

    /// baileys 6's Noise client.
    pub fn baileys_client() -> Oracle {
        Oracle::spawn("node", &["noise/baileys_client.cjs"], &[])
    }

    /// Reads one JSON line.
    pub fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "oracle {} exited", self.name);
        let v: Value = serde_json::from_str(&line).unwrap();
        if let Some(err) = v.get("error") {
            panic!("oracle {} failed: {err}", self.name);
        }
        v
    }

    /// Sends a request and returns the answer.
    pub fn call(&mut self, req: Value) -> Value {
        writeln!(self.stdin, "{req}").unwrap();
        self.stdin.flush().unwrap();
        self.read()
    }

    /// Sends a request that must fail, returning the error text.
    pub fn call_err(&mut self, req: Value) -> String {
        writeln!(self.stdin, "{req}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        v.get("error")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("expected an error, got {v}"))
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hex field of a JSON answer as bytes.
pub fn hex_field(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))).unwrap()
}

/// `{"op": op, key: hex(bytes)}`.
pub fn req(op: &str, key: &str, bytes: &[u8]) -> Value {
    json!({ "op": op, key: hex::encode(bytes) })
}
