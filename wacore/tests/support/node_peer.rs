//! A Node.js oracle script spoken to in JSON lines (one request, one reply), shared by the
//! interop tests. Missing oracles fail with a message naming the setup script.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

/// A running oracle process.
pub struct NodePeer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl NodePeer {
    /// Runs `interop/<script>` (from `interop/`), after checking that the npm package
    /// `interop/node_modules/<package>` is installed.
    pub fn spawn(package: &str, script: &str) -> NodePeer {
        let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
        let manifest = interop
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.exists(),
            "{package} oracle missing ({}): run `bash scripts/setup-oracles.sh` first",
            manifest.display()
        );
        let mut child = Command::new("node")
            .arg(interop.join(script))
            .current_dir(&interop)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node (is Node.js installed?)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        NodePeer {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends one request and returns the oracle's reply, whatever it says.
    pub fn call(&mut self, request: &Value) -> Value {
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).expect("oracle reply")
    }
}

impl Drop for NodePeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
