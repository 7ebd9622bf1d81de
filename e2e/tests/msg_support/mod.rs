//! Helpers shared by the messaging tests (on top of `support`).
#![allow(dead_code)]

use std::time::Duration;

use testserver::TestServer;
use wacore::types::events::Event;
use wacore::types::message::MessageInfo;
use waproto::whatsapp as wa;

use crate::support::{TestBot, pair_by_qr, start_bot, wait_for};

/// A fresh bot paired with `phone`'s account and connected.
pub async fn paired_bot(server: &TestServer, phone: &str, db_path: &str) -> TestBot {
    let name = format!("bot {phone}");
    let mut bot = start_bot(server, db_path, |b| b.with_push_name(name)).await;
    pair_by_qr(server, phone, &mut bot).await;
    bot
}

/// Waits for an `Event::Message` matching `pred`.
pub async fn wait_message(
    bot: &mut TestBot,
    mut pred: impl FnMut(&wa::Message, &MessageInfo) -> bool,
) -> (wa::Message, MessageInfo) {
    wait_for(
        &mut bot.events,
        Duration::from_secs(15),
        "message",
        |e| match e {
            Event::Message(m, i) if pred(m, i) => Some(((**m).clone(), i.clone())),
            _ => None,
        },
    )
    .await
    .0
}

/// A plain text message.
pub fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.into()),
        ..Default::default()
    }
}
