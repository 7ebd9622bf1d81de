//! `wa-testserver`: runs the test server until interrupted.
//!
//! ```text
//! wa-testserver [--port N] [--host ADDR] [--root-seed HEX32] [--account PHONE]...
//!               [--media-host HOST:PORT] [--tls] [--cert-out PATH]
//! ```
//! Prints the WebSocket URL, the admin base URL and the root public key (hex) on stdout, one
//! `key=value` per line, then serves. With `--tls` the same port also accepts `wss://` and
//! `https://` with a certificate signed by a CA generated at start; `--cert-out` writes that CA
//! certificate (PEM) to a file for clients to trust (it is also served at `/admin/tls-cert`).
//! Set `RUST_LOG=debug` to log every stanza.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use testserver::{Config, TestServer};

const USAGE: &str = "usage: wa-testserver [--port N] [--host ADDR] [--root-seed HEX32] \
[--account PHONE]... [--media-host HOST:PORT] [--tls] [--cert-out PATH]";

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
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

/// Parsed command line.
struct Args {
    config: Config,
    accounts: Vec<String>,
    cert_out: Option<PathBuf>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Option<Args> {
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port = 0u16;
    let mut config = Config::default();
    let mut accounts = Vec::new();
    let mut cert_out = None;
    while let Some(a) = args.next() {
        if a == "--tls" {
            config = config.with_tls(true);
            continue;
        }
        if a == "--help" || a == "-h" {
            return None;
        }
        let v = args.next()?;
        match a.as_str() {
            "--port" => port = v.parse().ok()?,
            "--host" => host = v.parse().ok()?,
            "--root-seed" => config = config.with_root_key_seed(parse_seed(&v)?),
            "--account" => accounts.push(v),
            "--media-host" => config = config.with_media_host(v),
            "--cert-out" => cert_out = Some(PathBuf::from(v)),
            _ => return None,
        }
    }
    if cert_out.is_some() && !config.tls {
        eprintln!("wa-testserver: --cert-out needs --tls");
        return None;
    }
    Some(Args {
        config: config.with_bind(SocketAddr::new(host, port)),
        accounts,
        cert_out,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let Some(args) = parse_args(std::env::args().skip(1)) else {
        return usage();
    };
    let server = match TestServer::start(args.config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wa-testserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    for a in &args.accounts {
        if let Err(e) = server.create_account(a) {
            eprintln!("wa-testserver: account {a}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let (Some(path), Some(pem)) = (&args.cert_out, server.tls_ca_pem())
        && let Err(e) = std::fs::write(path, pem)
    {
        eprintln!("wa-testserver: writing {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    let root: String = server
        .root_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("ws_url={}", server.ws_url());
    println!("http_url={}", server.http_url());
    if let (Some(wss), Some(https)) = (server.wss_url(), server.https_url()) {
        println!("wss_url={wss}");
        println!("https_url={https}");
        println!("tls_ca_cert_url={}/admin/tls-cert", server.http_url());
    }
    if let Some(path) = &args.cert_out {
        println!("tls_ca_cert={}", path.display());
    }
    println!("root_public_key={root}");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
