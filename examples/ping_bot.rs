//! The quickstart bot: shows a QR code to link, logs in on later runs, and answers
//! "ping" with "pong" (the reply needs messaging, which lands with issue #8; until
//! then incoming messages are acknowledged and logged).
//!
//! ```sh
//! cargo run --example ping_bot
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use wacore::types::events::Event;
use whatsapp_rust::bot::Bot;
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust_tokio_transport::TokioWebSocketTransportFactory;
use whatsapp_rust_ureq_http_client::UreqHttpClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    // Session data (keys, identity) persists in this file across restarts.
    let backend = Arc::new(SqliteStore::new("whatsapp.db").await?);

    let mut bot = Bot::builder()
        .with_backend(backend)
        .with_transport_factory(TokioWebSocketTransportFactory::new())
        .with_http_client(UreqHttpClient::new())
        .on_event(|event, _client| async move {
            match event {
                Event::PairingQrCode { code, timeout } => {
                    println!(
                        "Scan this QR code with WhatsApp (valid {}s):",
                        timeout.as_secs()
                    );
                    match whatsapp_rust::render_qr_terminal(&code) {
                        Ok(qr) => println!("{qr}"),
                        Err(_) => println!("{code}"),
                    }
                }
                Event::PairSuccess(info) => println!("Paired as {}", info.id),
                Event::Connected(_) => println!("Connected successfully!"),
                Event::Message(msg, info) => {
                    // Reply hook: when messaging lands, answer "ping" here with
                    // client.send_message(info.source.chat, wa::Message { conversation: Some("pong".into()), .. }).
                    println!(
                        "Message from {}: {:?}",
                        info.source.sender, msg.conversation
                    );
                }
                Event::LoggedOut(_) => eprintln!("Logged out: delete whatsapp.db and pair again"),
                _ => {}
            }
        })
        .build()
        .await?;

    bot.run().await?.await?;
    Ok(())
}
