//! A complete local demo with no network: starts the open WhatsApp test server
//! in-process, creates two accounts with simulated phones, links a bot to the first by
//! scanning its QR code, then the second phone sends "ping" and the bot's event handler
//! answers "pong" with `send_message`; the phone decrypts the answer.
//!
//! ```sh
//! cargo run --example local_demo
//! ```
//!
//! Exits 0 when the ping/pong exchange completed, 1 with a message otherwise (any step
//! that does not happen within 60 s fails the demo). `RUST_LOG=info` shows the client's
//! logs too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod demo;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    match demo::run(demo::DemoOptions::default()).await {
        Ok(report) => {
            println!(
                "\nSuccess: the bot ({}) answered \"ping\" ({}) with {:?} ({}) in {:.1?}.",
                report.bot_device,
                report.ping_id,
                report.pong_text,
                report.pong_id,
                report.round_trip
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nThe local demo failed: {e}");
            eprintln!("Run it again with RUST_LOG=debug for the client's and server's logs.");
            ExitCode::FAILURE
        }
    }
}
