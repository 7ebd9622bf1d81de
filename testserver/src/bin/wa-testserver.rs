//! `wa-testserver`: runs the test server until interrupted.
//!
//! ```text
//! wa-testserver [--port N] [--host ADDR] [--root-seed HEX32] [--account PHONE]...
//! ```
//! Prints the WebSocket URL, the admin base URL and the root public key (hex) on stdout, one
//! `key=value` per line, then serves. Set `RUST_LOG=debug` to log every stanza.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use testserver::{Config, TestServer};

fn usage() -> ExitCode {
    eprintln!(
        "usage: wa-testserver [--port N] [--host ADDR] [--root-seed HEX32] [--account PHONE]..."
    );
    ExitCode::from(2)
}

fn parse_seed(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[tokio::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port = 0u16;
    let mut config = Config::default();
    let mut accounts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let Some(v) = args.next() else { return usage() };
        match a.as_str() {
            "--port" => match v.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(),
            },
            "--host" => match v.parse() {
                Ok(h) => host = h,
                Err(_) => return usage(),
            },
            "--root-seed" => match parse_seed(&v) {
                Some(s) => config = config.with_root_key_seed(s),
                None => return usage(),
            },
            "--account" => accounts.push(v),
            _ => return usage(),
        }
    }
    config = config.with_bind(SocketAddr::new(host, port));
    let server = match TestServer::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wa-testserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    for a in &accounts {
        if let Err(e) = server.create_account(a) {
            eprintln!("wa-testserver: account {a}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let root: String = server
        .root_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("ws_url={}", server.ws_url());
    println!("http_url={}", server.http_url());
    println!("root_public_key={root}");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
