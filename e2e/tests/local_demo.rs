//! README's main-job command, `cargo run --example local_demo`, runs the same code as this
//! test (`examples/local_demo/demo.rs`): the test server in-process, a bot paired by the
//! simulated phone's QR scan, and a real ping/pong exchange decrypted on the friend's phone.
//! A broken demo fails here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../examples/local_demo/demo.rs"]
mod demo;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_demo_pairs_by_qr_and_exchanges_ping_pong() {
    let _ = env_logger::builder().is_test(true).try_init();
    let report = demo::run(demo::DemoOptions {
        verbose: true,
        timeout: Duration::from_secs(60),
    })
    .await
    .unwrap_or_else(|e| panic!("the local demo failed: {e}"));
    assert_eq!(report.pong_text, "pong");
    assert!(
        report.bot_device.starts_with(demo::BOT_PHONE),
        "bot device {}",
        report.bot_device
    );
    assert_ne!(report.ping_id, report.pong_id);
    assert!(report.round_trip < Duration::from_secs(30));
}
