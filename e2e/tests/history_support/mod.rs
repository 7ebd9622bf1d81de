//! Building history payloads the way a phone does: `HistorySync` protobuf, zlib, media
//! encryption (`WhatsApp History Keys`), upload to the CDN, and the notification.
#![allow(dead_code)]

use std::io::Write as _;

use prost::Message as _;
use rand::RngExt as _;
use wacore::download::MediaType;
use waproto::whatsapp as wa;

/// A history chunk with `conversations` chats of `messages` text messages each.
pub fn build_history(conversations: usize, messages: usize, chunk: u32) -> wa::HistorySync {
    let mut rng = rand::rng();
    let words = [
        "hello", "see", "you", "tomorrow", "at", "the", "office", "thanks", "ok", "great", "lunch",
        "meeting", "call", "me", "later", "sure", "photo", "sent", "done", "weekend",
    ];
    wa::HistorySync {
        sync_type: wa::history_sync::HistorySyncType::InitialBootstrap as i32,
        chunk_order: Some(chunk),
        progress: Some(50),
        conversations: (0..conversations)
            .map(|c| {
                let chat = format!("1555{:07}@s.whatsapp.net", 1_000_000 + c);
                wa::Conversation {
                    id: chat.clone(),
                    name: Some(format!("Contact {c}")),
                    unread_count: Some(0),
                    messages: (0..messages)
                        .map(|m| {
                            let text: Vec<&str> = (0..8)
                                .map(|_| words[rng.random_range(0..words.len())])
                                .collect();
                            let id: [u8; 9] = rng.random();
                            wa::HistorySyncMsg {
                                message: Some(wa::WebMessageInfo {
                                    key: wa::MessageKey {
                                        remote_jid: Some(chat.clone()),
                                        from_me: Some(m % 2 == 0),
                                        id: Some(format!(
                                            "3EB0{}",
                                            id.iter()
                                                .map(|b| format!("{b:02X}"))
                                                .collect::<String>()
                                        )),
                                        participant: None,
                                    },
                                    message: Some(wa::Message {
                                        conversation: Some(text.join(" ")),
                                        ..Default::default()
                                    }),
                                    message_timestamp: Some(1_700_000_000 + m as u64 * 60),
                                    ..Default::default()
                                }),
                                msg_order_id: Some(m as u64),
                            }
                        })
                        .collect(),
                    ..Default::default()
                }
            })
            .collect(),
        pushnames: (0..conversations)
            .map(|c| wa::Pushname {
                id: Some(format!("1555{:07}@s.whatsapp.net", 1_000_000 + c)),
                pushname: Some(format!("Person {c}")),
            })
            .collect(),
        ..Default::default()
    }
}

/// zlib-compresses, encrypts and uploads a history payload; returns its notification.
pub async fn upload_history(
    server: &testserver::TestServer,
    history: &wa::HistorySync,
) -> wa::message::HistorySyncNotification {
    let raw = history.encode_to_vec();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let compressed = z.finish().unwrap();
    drop(raw);
    let enc = wacore::media::encrypt_media(&compressed, MediaType::History);
    let direct_path = crate::media_support::store_blob(server, "md-msg-hist", enc.data).await;
    wa::message::HistorySyncNotification {
        file_sha256: Some(enc.info.file_sha256.to_vec()),
        file_length: Some(enc.info.file_length),
        media_key: Some(enc.info.media_key.to_vec()),
        file_enc_sha256: Some(enc.info.file_enc_sha256.to_vec()),
        direct_path: Some(direct_path),
        sync_type: Some(wa::message::HistorySyncType::InitialBootstrap as i32),
        chunk_order: history.chunk_order,
        progress: history.progress,
        ..Default::default()
    }
}

/// Records history events from the moment it is registered (events that arrive while a
/// test waits for something else are not lost).
#[derive(Default)]
pub struct HistoryCapture {
    pub chunks: std::sync::Mutex<Vec<wacore::types::events::HistorySync>>,
}

impl wacore::types::events::EventHandler for HistoryCapture {
    fn handle_event(&self, event: &wacore::types::events::Event) {
        if let wacore::types::events::Event::HistorySync(h) = event {
            self.chunks.lock().unwrap().push(h.clone());
        }
    }
}

/// Waits until the client processed `n` history chunks.
pub async fn wait_chunks(client: &whatsapp_rust::Client, n: u64) {
    for _ in 0..500 {
        if client.history_sync_stats().chunks >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("history chunk {n} never processed");
}
