//! Shared by the integration tests: the baileys codec oracle process, node <-> JSON, and the
//! interop corpus.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod corpus;
pub mod corpus_control;
pub mod random;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};
use wacore_binary::node::{Attrs, Node, NodeContent, NodeValue};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `interop/binary/codec_oracle.mjs` (npm baileys 7.0.0-rc14).
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Spawns the oracle; fails with instructions when the npm packages are not installed.
    pub fn spawn() -> Self {
        let root = repo_root();
        let module = root.join("interop/node_modules/baileys7/package.json");
        assert!(
            module.exists(),
            "the baileys oracle is not installed ({} missing): run `bash scripts/setup-oracles.sh`",
            module.display()
        );
        let mut child = Command::new("node")
            .arg(root.join("interop/binary/codec_oracle.mjs"))
            .current_dir(root.join("interop"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn `node` (is Node.js installed? run `bash scripts/setup-oracles.sh`)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, request: &Value) -> Value {
        let mut line = serde_json::to_string(request).unwrap();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        let n = self.stdout.read_line(&mut answer).unwrap();
        assert!(n > 0, "oracle exited");
        serde_json::from_str(&answer).unwrap()
    }

    /// baileys' `encodeBinaryNode`: flag byte + node bytes.
    pub fn encode(&mut self, node: &Node) -> Result<Vec<u8>, String> {
        let answer = self.call(&json!({"op": "encode", "node": node_to_json(node)}));
        match answer.get("hex").and_then(Value::as_str) {
            Some(h) => Ok(hex::decode(h).unwrap()),
            None => Err(answer["error"].as_str().unwrap_or("?").to_owned()),
        }
    }

    /// baileys' `decodeBinaryNode` of a frame (flag byte + node bytes).
    pub fn decode(&mut self, frame: &[u8]) -> Result<Node, String> {
        let answer = self.call(&json!({"op": "decode", "hex": hex::encode(frame)}));
        match answer.get("node") {
            Some(n) => Ok(node_from_json(n)),
            None => Err(answer["error"].as_str().unwrap_or("?").to_owned()),
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The oracle's JSON form: attributes as ordered pairs, JIDs as their string form.
pub fn node_to_json(node: &Node) -> Value {
    let attrs: Vec<Value> = node
        .attrs
        .iter()
        .map(|(k, v)| json!([k, v.as_str()]))
        .collect();
    let mut obj = json!({"tag": node.tag, "attrs": attrs});
    match &node.content {
        None => {}
        Some(NodeContent::String(s)) => obj["content"] = json!(s),
        Some(NodeContent::Bytes(b)) => obj["content"] = json!({"$hex": hex::encode(b)}),
        Some(NodeContent::Nodes(n)) => {
            obj["content"] = Value::Array(n.iter().map(node_to_json).collect())
        }
    }
    obj
}

/// A node from the oracle's JSON (every attribute a string).
pub fn node_from_json(v: &Value) -> Node {
    let mut attrs = Attrs::new();
    for pair in v["attrs"].as_array().unwrap() {
        attrs.push(
            pair[0].as_str().unwrap(),
            NodeValue::String(pair[1].as_str().unwrap().to_owned()),
        );
    }
    let content = match v.get("content") {
        None => None,
        Some(Value::String(s)) => Some(NodeContent::String(s.clone())),
        Some(Value::Array(a)) => Some(NodeContent::Nodes(a.iter().map(node_from_json).collect())),
        Some(o) => Some(NodeContent::Bytes(
            hex::decode(o["$hex"].as_str().unwrap()).unwrap(),
        )),
    };
    Node {
        tag: v["tag"].as_str().unwrap().to_owned(),
        attrs,
        content,
    }
}
