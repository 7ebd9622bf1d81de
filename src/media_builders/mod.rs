//! Building media messages: upload the bytes (or a file), then fill in the message with the
//! upload's key, hashes and path and with what [`probe`] learns from the content (mimetype,
//! dimensions, duration).
//!
//! ```no_run
//! # async fn demo(client: std::sync::Arc<whatsapp_rust::Client>, to: wacore_binary::jid::Jid) -> Result<(), Box<dyn std::error::Error>> {
//! use whatsapp_rust::media_builders::{MediaKind, MediaOptions};
//! let bytes = std::fs::read("photo.jpg")?;
//! let msg = client
//!     .prepare_media_message(MediaKind::Image, bytes, MediaOptions::caption("Look"))
//!     .await?;
//! // client.send_message(to, msg).await?;
//! # let _ = (msg, to); Ok(()) }
//! ```

mod probe;

use std::path::Path;

use waproto::whatsapp as wa;

pub use probe::{MediaProbe, mimetype_from_name, probe, probe_bytes};

use crate::client::Client;
use crate::mediaconn::MediaTransferError;
use crate::upload::{MediaType, UploadResponse};

/// The kind of message to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// `imageMessage`.
    Image,
    /// `videoMessage`.
    Video,
    /// `audioMessage` (a music/audio file).
    Audio,
    /// `audioMessage` with `ptt` (a voice note).
    VoiceNote,
    /// `documentMessage`.
    Document,
    /// `stickerMessage` (WebP).
    Sticker,
}

impl MediaKind {
    /// The upload type (keys and endpoint).
    pub fn media_type(self) -> MediaType {
        match self {
            MediaKind::Image => MediaType::Image,
            MediaKind::Video => MediaType::Video,
            MediaKind::Audio | MediaKind::VoiceNote => MediaType::Audio,
            MediaKind::Document => MediaType::Document,
            MediaKind::Sticker => MediaType::Sticker,
        }
    }
}

/// Optional message fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaOptions {
    /// Caption (image, video, document).
    pub caption: Option<String>,
    /// File name (documents; also helps mimetype detection).
    pub file_name: Option<String>,
    /// Overrides the detected mimetype.
    pub mimetype: Option<String>,
}

impl MediaOptions {
    /// Options with just a caption.
    pub fn caption(caption: impl Into<String>) -> Self {
        Self {
            caption: Some(caption.into()),
            ..Self::default()
        }
    }

    /// Options with just a file name.
    pub fn file_name(name: impl Into<String>) -> Self {
        Self {
            file_name: Some(name.into()),
            ..Self::default()
        }
    }
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Builds the message for an upload (pure; [`Client::prepare_media_message`] does the
/// upload and the probing).
pub fn media_message(
    kind: MediaKind,
    upload: &UploadResponse,
    probe: &MediaProbe,
    options: &MediaOptions,
) -> wa::Message {
    let mut mimetype = options
        .mimetype
        .clone()
        .unwrap_or_else(|| probe.mimetype.clone());
    if kind == MediaKind::VoiceNote && options.mimetype.is_none() && mimetype == "audio/ogg" {
        mimetype = "audio/ogg; codecs=opus".into();
    }
    if kind == MediaKind::Sticker && options.mimetype.is_none() {
        mimetype = "image/webp".into();
    }
    let u = upload.clone();
    let ts = Some(now_s());
    let mut msg = wa::Message::default();
    match kind {
        MediaKind::Image => {
            msg.image_message = Some(Box::new(wa::message::ImageMessage {
                url: Some(u.url),
                direct_path: Some(u.direct_path),
                media_key: Some(u.media_key),
                file_enc_sha256: Some(u.file_enc_sha256),
                file_sha256: Some(u.file_sha256),
                file_length: Some(u.file_length),
                mimetype: Some(mimetype),
                caption: options.caption.clone(),
                width: probe.width,
                height: probe.height,
                media_key_timestamp: ts,
                ..Default::default()
            }));
        }
        MediaKind::Video => {
            msg.video_message = Some(Box::new(wa::message::VideoMessage {
                url: Some(u.url),
                direct_path: Some(u.direct_path),
                media_key: Some(u.media_key),
                file_enc_sha256: Some(u.file_enc_sha256),
                file_sha256: Some(u.file_sha256),
                file_length: Some(u.file_length),
                mimetype: Some(mimetype),
                caption: options.caption.clone(),
                width: probe.width,
                height: probe.height,
                seconds: probe.seconds,
                media_key_timestamp: ts,
                ..Default::default()
            }));
        }
        MediaKind::Audio | MediaKind::VoiceNote => {
            msg.audio_message = Some(Box::new(wa::message::AudioMessage {
                url: Some(u.url),
                direct_path: Some(u.direct_path),
                media_key: Some(u.media_key),
                file_enc_sha256: Some(u.file_enc_sha256),
                file_sha256: Some(u.file_sha256),
                file_length: Some(u.file_length),
                mimetype: Some(mimetype),
                seconds: probe.seconds,
                ptt: Some(kind == MediaKind::VoiceNote),
                media_key_timestamp: ts,
                ..Default::default()
            }));
        }
        MediaKind::Document => {
            let file_name = options.file_name.clone().unwrap_or_else(|| "file".into());
            msg.document_message = Some(Box::new(wa::message::DocumentMessage {
                url: Some(u.url),
                direct_path: Some(u.direct_path),
                media_key: Some(u.media_key),
                file_enc_sha256: Some(u.file_enc_sha256),
                file_sha256: Some(u.file_sha256),
                file_length: Some(u.file_length),
                mimetype: Some(mimetype),
                title: Some(file_name.clone()),
                file_name: Some(file_name),
                caption: options.caption.clone(),
                media_key_timestamp: ts,
                ..Default::default()
            }));
        }
        MediaKind::Sticker => {
            msg.sticker_message = Some(Box::new(wa::message::StickerMessage {
                url: Some(u.url),
                direct_path: Some(u.direct_path),
                media_key: Some(u.media_key),
                file_enc_sha256: Some(u.file_enc_sha256),
                file_sha256: Some(u.file_sha256),
                file_length: Some(u.file_length),
                mimetype: Some(mimetype),
                width: probe.width,
                height: probe.height,
                is_animated: Some(probe.animated),
                media_key_timestamp: ts,
                ..Default::default()
            }));
        }
    }
    msg
}

impl Client {
    /// Probes and uploads `data`, then builds the message for it.
    pub async fn prepare_media_message(
        &self,
        kind: MediaKind,
        data: Vec<u8>,
        options: MediaOptions,
    ) -> Result<wa::Message, MediaTransferError> {
        let info = probe_bytes(&data, options.file_name.as_deref());
        let upload = self.upload(data, kind.media_type()).await?;
        Ok(media_message(kind, &upload, &info, &options))
    }

    /// Probes and uploads a file (encrypted while read, never fully in memory as
    /// plaintext), then builds the message. The file name fills in a document's name when
    /// `options` has none.
    pub async fn prepare_media_message_from_file(
        &self,
        kind: MediaKind,
        path: impl AsRef<Path>,
        mut options: MediaOptions,
    ) -> Result<wa::Message, MediaTransferError> {
        let path = path.as_ref().to_path_buf();
        if options.file_name.is_none() {
            options.file_name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
        }
        let name = options.file_name.clone();
        let p = path.clone();
        let info = tokio::task::spawn_blocking(move || {
            let mut f = std::fs::File::open(p)?;
            Ok::<_, std::io::Error>(probe(&mut f, name.as_deref()))
        })
        .await
        .map_err(|e| MediaTransferError::Worker(e.to_string()))??;
        let upload = self.upload_file(&path, kind.media_type()).await?;
        Ok(media_message(kind, &upload, &info, &options))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload() -> UploadResponse {
        UploadResponse {
            url: "https://h/v/x".into(),
            direct_path: "/v/x".into(),
            media_key: vec![1; 32],
            file_enc_sha256: vec![2; 32],
            file_sha256: vec![3; 32],
            file_length: 42,
        }
    }

    #[test]
    fn builds_each_kind() {
        let p = MediaProbe {
            mimetype: "audio/ogg; codecs=opus".into(),
            seconds: Some(3),
            ..Default::default()
        };
        let m = media_message(
            MediaKind::VoiceNote,
            &upload(),
            &p,
            &MediaOptions::default(),
        );
        let a = m.audio_message.unwrap();
        assert_eq!(a.ptt, Some(true));
        assert_eq!(a.seconds, Some(3));
        assert_eq!(a.file_length, Some(42));
        assert_eq!(a.media_key.as_deref(), Some(&[1u8; 32][..]));

        let p = MediaProbe {
            mimetype: "application/octet-stream".into(),
            ..Default::default()
        };
        let m = media_message(MediaKind::Sticker, &upload(), &p, &MediaOptions::default());
        assert_eq!(
            m.sticker_message.unwrap().mimetype.as_deref(),
            Some("image/webp")
        );

        let m = media_message(
            MediaKind::Document,
            &upload(),
            &p,
            &MediaOptions::file_name("report.pdf"),
        );
        let d = m.document_message.unwrap();
        assert_eq!(d.file_name.as_deref(), Some("report.pdf"));
        assert_eq!(d.direct_path.as_deref(), Some("/v/x"));

        let p = MediaProbe {
            mimetype: "image/png".into(),
            width: Some(4),
            height: Some(5),
            ..Default::default()
        };
        let m = media_message(
            MediaKind::Image,
            &upload(),
            &p,
            &MediaOptions::caption("hi"),
        );
        let i = m.image_message.unwrap();
        assert_eq!((i.width, i.height), (Some(4), Some(5)));
        assert_eq!(i.caption.as_deref(), Some("hi"));
        assert_eq!(MediaKind::Sticker.media_type(), MediaType::Sticker);
    }
}
