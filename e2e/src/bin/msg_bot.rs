//! A minimal receiving bot for the crash test: logs in (or pairs) against a test server with a
//! SQLite store and prints one line per event to stdout, flushed before the handler returns:
//! `QR <code>`, `CONNECTED`, `MSG <id> <text>`, `UNDECRYPTABLE <id>`.
//!
//! The event handler is a synchronous [`EventHandler`]: the client acks a message only after it
//! returned, so a line on stdout means the application has the message.
//!
//! Usage: `msg_bot --ws URL --root HEX --db PATH`
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use wacore::proto_helpers::MessageExt;
use wacore::types::events::{Event, EventHandler};
use whatsapp_rust::{Bot, Timings};
use whatsapp_rust_sqlite_storage::SqliteStore;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

struct Printer;

impl EventHandler for Printer {
    fn handle_event(&self, event: &Event) {
        let line = match event {
            Event::PairingQrCode { code, .. } => format!("QR {code}"),
            Event::Connected(_) => "CONNECTED".to_string(),
            Event::Message(m, info) => format!(
                "MSG {} {}",
                info.id,
                m.text_content().unwrap_or_default().replace('\n', " ")
            ),
            Event::UndecryptableMessage(u) => format!("UNDECRYPTABLE {}", u.info.id),
            _ => return,
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(ws), Some(root), Some(db)) = (
        arg(&args, "--ws"),
        arg(&args, "--root").and_then(|r| parse_hex32(&r)),
        arg(&args, "--db"),
    ) else {
        eprintln!("usage: msg_bot --ws URL --root HEX --db PATH");
        std::process::exit(2);
    };
    let _ = env_logger::builder().try_init();
    let backend = match SqliteStore::new(&db).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("cannot open {db}: {e}");
            std::process::exit(1);
        }
    };
    let timings = Timings {
        backoff_unit: Duration::from_millis(200),
        backoff_max: Duration::from_secs(2),
        iq_timeout: Duration::from_secs(10),
        offline_sync_timeout: Duration::from_secs(3),
        ..Timings::default()
    };
    let mut bot = match Bot::builder()
        .with_backend(backend)
        .with_transport_factory(TokioWebSocketTransportFactory::new().with_url(ws))
        .with_http_client(UreqHttpClient::new())
        .with_version((2, 3000, 1_023_456_789))
        .with_server_root_key(root)
        .with_timings(timings)
        .with_push_name("crash bot")
        .build()
        .await
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bot: {e}");
            std::process::exit(1);
        }
    };
    bot.client().register_handler(Arc::new(Printer));
    match bot.run().await {
        Ok(handle) => {
            let _ = handle.await;
        }
        Err(e) => {
            eprintln!("run: {e}");
            std::process::exit(1);
        }
    }
}
