//! Shared helpers of the app-state integration tests: keys, state <-> JSON, and the baileys
//! oracle process (interop/appstate/peer.cjs).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};
use wacore_appstate::HashState;

/// The key id every test patch is sealed with.
pub const KEY_ID: &[u8] = b"\x00\x00\x00\x00\x42\x17";

/// A key store holding `KEY_ID` (and any `extra` ids) with fixed key data.
pub fn keys() -> HashMap<Vec<u8>, Vec<u8>> {
    HashMap::from([(KEY_ID.to_vec(), (0u8..32).collect())])
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn state_to_json(s: &HashState) -> Value {
    let map: serde_json::Map<String, Value> = s
        .index_value_map
        .iter()
        .map(|(k, v)| (hex::encode(k), Value::String(hex::encode(v))))
        .collect();
    json!({ "version": s.version, "hash": hex::encode(s.hash), "indexValueMap": map })
}

pub fn state_from_json(v: &Value) -> HashState {
    let hash: [u8; 128] = hex::decode(v["hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let map = v["indexValueMap"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let k: [u8; 32] = hex::decode(k).unwrap().try_into().unwrap();
            let v: [u8; 32] = hex::decode(v.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            (k, v)
        });
    HashState::from_parts(v["version"].as_u64().unwrap(), hash, map)
}

pub fn keys_json(keys: &HashMap<Vec<u8>, Vec<u8>>) -> Value {
    let map: serde_json::Map<String, Value> = keys
        .iter()
        .map(|(k, v)| (hex::encode(k), Value::String(hex::encode(v))))
        .collect();
    Value::Object(map)
}

/// A running oracle process speaking JSON lines; killed when dropped.
pub struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Spawns `node <repo>/<script>`; fails with instructions if the oracles are missing.
    pub fn spawn(script: &str) -> Peer {
        let root = repo_root();
        let baileys = root.join("interop/node_modules/baileys6/package.json");
        assert!(
            baileys.exists(),
            "baileys 6 oracle missing ({}): run `bash scripts/setup-oracles.sh` first",
            baileys.display()
        );
        let mut child = Command::new("node")
            .arg(root.join(script))
            .current_dir(root.join("interop"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node (is Node.js installed?)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Peer {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends one request; returns the reply or the oracle's error message.
    pub fn try_call(&mut self, request: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "oracle exited");
        let reply: Value = serde_json::from_str(&line).unwrap();
        match reply.get("error") {
            Some(e) => Err(e.as_str().unwrap_or_default().to_owned()),
            None => Ok(reply),
        }
    }

    /// Sends one request; panics on an oracle error.
    pub fn call(&mut self, request: Value) -> Value {
        self.try_call(request.clone())
            .unwrap_or_else(|e| panic!("oracle failed on {request}: {e}"))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
