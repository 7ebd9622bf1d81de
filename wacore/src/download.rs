//! What a download needs to know about a piece of media, and where to fetch it.
//!
//! [`Downloadable`] is implemented by every message type that references an uploaded blob
//! (image, video, audio, document, sticker, sticker pack, history-sync notification,
//! app-state external blob); [`DownloadParams`] carries the same fields when the caller kept
//! them without the message. [`download_urls`] turns a direct path and the media
//! connection's hosts into the URLs to try, in order.
//!
//! Wire facts (whatsmeow `download.go`): the URL is
//! `https://{host}{direct_path}&hash={base64url(file_enc_sha256)}&mms-type={mms}&__wa-mms=`.
//! Direct paths from WhatsApp already carry a query (`...enc?ccb=..&oh=..`); when one does
//! not, the first parameter is introduced with `?` instead.

use base64::Engine as _;
use waproto::whatsapp as wa;

pub use crate::media::MediaType;

/// Media that can be downloaded: where it lives and how to check and decrypt it.
pub trait Downloadable: Sync + Send {
    /// The CDN path (`/v/t62.7118-24/...`).
    fn direct_path(&self) -> Option<&str>;
    /// The 32-byte media key; `None` for plaintext (newsletter) media.
    fn media_key(&self) -> Option<&[u8]>;
    /// SHA-256 of the upload (ciphertext + MAC).
    fn file_enc_sha256(&self) -> Option<&[u8]>;
    /// SHA-256 of the plaintext.
    fn file_sha256(&self) -> Option<&[u8]>;
    /// Plaintext length.
    fn file_length(&self) -> Option<u64>;
    /// The media type: selects the key derivation and the `mms-type`.
    fn app_info(&self) -> MediaType;
    /// A complete URL that bypasses the media hosts (newsletter media).
    fn static_url(&self) -> Option<&str> {
        None
    }
    /// Whether the blob is end-to-end encrypted (it has a media key).
    fn is_encrypted(&self) -> bool {
        self.media_key().is_some()
    }
}

macro_rules! downloadable {
    ($ty:ty, $media:expr, $len:ident) => {
        downloadable!($ty, $media, $len, |_m| None);
    };
    ($ty:ty, $media:expr, $len:ident, |$m:ident| $static_url:expr) => {
        impl Downloadable for $ty {
            fn direct_path(&self) -> Option<&str> {
                self.direct_path.as_deref()
            }
            fn media_key(&self) -> Option<&[u8]> {
                self.media_key.as_deref()
            }
            fn file_enc_sha256(&self) -> Option<&[u8]> {
                self.file_enc_sha256.as_deref()
            }
            fn file_sha256(&self) -> Option<&[u8]> {
                self.file_sha256.as_deref()
            }
            fn file_length(&self) -> Option<u64> {
                self.$len
            }
            fn app_info(&self) -> MediaType {
                $media
            }
            fn static_url(&self) -> Option<&str> {
                let $m = self;
                $static_url
            }
        }
    };
}

downloadable!(
    wa::message::ImageMessage,
    MediaType::Image,
    file_length,
    |m| m.static_url.as_deref()
);
downloadable!(
    wa::message::VideoMessage,
    MediaType::Video,
    file_length,
    |m| m.static_url.as_deref()
);
downloadable!(wa::message::AudioMessage, MediaType::Audio, file_length);
downloadable!(
    wa::message::DocumentMessage,
    MediaType::Document,
    file_length
);
downloadable!(wa::message::StickerMessage, MediaType::Sticker, file_length);
downloadable!(
    wa::message::StickerPackMessage,
    MediaType::StickerPack,
    file_length
);
downloadable!(
    wa::message::HistorySyncNotification,
    MediaType::History,
    file_length
);
downloadable!(
    wa::ExternalBlobReference,
    MediaType::AppState,
    file_size_bytes
);

/// The fields of a downloadable blob, kept without the message it came in.
#[derive(Clone, PartialEq, Eq)]
pub struct DownloadParams {
    /// CDN path.
    pub direct_path: String,
    /// Media key (`None` for plaintext media).
    pub media_key: Option<Vec<u8>>,
    /// SHA-256 of the plaintext.
    pub file_sha256: Vec<u8>,
    /// SHA-256 of the upload.
    pub file_enc_sha256: Option<Vec<u8>>,
    /// Plaintext length.
    pub file_length: Option<u64>,
    /// Media type.
    pub media_type: MediaType,
}

impl std::fmt::Debug for DownloadParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadParams")
            .field("direct_path", &self.direct_path)
            .field("encrypted", &self.media_key.is_some())
            .field("file_length", &self.file_length)
            .field("media_type", &self.media_type)
            .finish_non_exhaustive()
    }
}

impl Downloadable for DownloadParams {
    fn direct_path(&self) -> Option<&str> {
        Some(&self.direct_path)
    }
    fn media_key(&self) -> Option<&[u8]> {
        self.media_key.as_deref()
    }
    fn file_enc_sha256(&self) -> Option<&[u8]> {
        self.file_enc_sha256.as_deref()
    }
    fn file_sha256(&self) -> Option<&[u8]> {
        Some(&self.file_sha256)
    }
    fn file_length(&self) -> Option<u64> {
        self.file_length
    }
    fn app_info(&self) -> MediaType {
        self.media_type
    }
}

/// The media type of the first downloadable part of a message, with the part itself.
pub fn downloadable_in(message: &wa::Message) -> Option<&dyn Downloadable> {
    if let Some(m) = message.image_message.as_deref() {
        return Some(m);
    }
    if let Some(m) = message.video_message.as_deref() {
        return Some(m);
    }
    if let Some(m) = message.audio_message.as_deref() {
        return Some(m);
    }
    if let Some(m) = message.document_message.as_deref() {
        return Some(m);
    }
    if let Some(m) = message.sticker_message.as_deref() {
        return Some(m);
    }
    None
}

/// Whether a direct path is usable: it must start with `/` and contain no scheme or host
/// (so a hostile message cannot point the client at another server).
pub fn is_valid_direct_path(direct_path: &str) -> bool {
    direct_path.starts_with('/')
        && !direct_path.starts_with("//")
        && !direct_path.contains(['\r', '\n', ' ', '#', '\\'])
}

/// The download URL of `direct_path` on one host (`host` may carry a port). `scheme` is
/// `https` for WhatsApp; a test server without TLS uses `http`.
pub fn download_url(
    scheme: &str,
    host: &str,
    direct_path: &str,
    file_enc_sha256: Option<&[u8]>,
    media_type: MediaType,
) -> String {
    let sep = if direct_path.contains('?') { '&' } else { '?' };
    let hash = file_enc_sha256
        .map(|h| base64::engine::general_purpose::URL_SAFE.encode(h))
        .unwrap_or_default();
    format!(
        "{scheme}://{host}{direct_path}{sep}hash={hash}&mms-type={}&__wa-mms=",
        media_type.mms_type()
    )
}

/// The URLs to try for `direct_path`, one per host in the given (priority) order.
pub fn download_urls<'a>(
    scheme: &str,
    hosts: impl IntoIterator<Item = &'a str>,
    direct_path: &str,
    file_enc_sha256: Option<&[u8]>,
    media_type: MediaType,
) -> Vec<String> {
    hosts
        .into_iter()
        .map(|h| download_url(scheme, h, direct_path, file_enc_sha256, media_type))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_types_report_their_media_type_and_fields() {
        let img = wa::message::ImageMessage {
            direct_path: Some("/v/x".into()),
            media_key: Some(vec![1; 32]),
            file_sha256: Some(vec![2; 32]),
            file_enc_sha256: Some(vec![3; 32]),
            file_length: Some(10),
            ..Default::default()
        };
        assert_eq!(img.app_info(), MediaType::Image);
        assert_eq!(Downloadable::direct_path(&img), Some("/v/x"));
        assert_eq!(Downloadable::file_length(&img), Some(10));
        assert!(Downloadable::is_encrypted(&img));
        let sticker = wa::message::StickerMessage::default();
        assert_eq!(sticker.app_info(), MediaType::Sticker);
        assert!(!Downloadable::is_encrypted(&sticker));
        let blob = wa::ExternalBlobReference {
            file_size_bytes: Some(7),
            ..Default::default()
        };
        assert_eq!(blob.app_info(), MediaType::AppState);
        assert_eq!(Downloadable::file_length(&blob), Some(7));
        let hist = wa::message::HistorySyncNotification::default();
        assert_eq!(hist.app_info(), MediaType::History);
        let audio = wa::message::AudioMessage::default();
        assert_eq!(audio.app_info(), MediaType::Audio);
    }

    #[test]
    fn finds_the_downloadable_part() {
        let msg = wa::Message {
            document_message: Some(Box::new(wa::message::DocumentMessage::default())),
            ..Default::default()
        };
        assert_eq!(
            downloadable_in(&msg).map(|d| d.app_info()),
            Some(MediaType::Document)
        );
        assert!(downloadable_in(&wa::Message::default()).is_none());
    }

    #[test]
    fn urls_follow_the_wire_format() {
        let url = download_url(
            "https",
            "mmg.whatsapp.net",
            "/v/t62.7118-24/1_2.enc?ccb=11-4&oh=x",
            Some(&[0xfb; 3]),
            MediaType::Image,
        );
        assert_eq!(
            url,
            "https://mmg.whatsapp.net/v/t62.7118-24/1_2.enc?ccb=11-4&oh=x&hash=-_v7&mms-type=image&__wa-mms="
        );
        let url = download_url("http", "127.0.0.1:9", "/v/a.enc", None, MediaType::History);
        assert_eq!(
            url,
            "http://127.0.0.1:9/v/a.enc?hash=&mms-type=md-msg-hist&__wa-mms="
        );
        let urls = download_urls("https", ["a", "b"], "/v/p", None, MediaType::Audio);
        assert_eq!(urls.len(), 2);
        assert!(urls[1].starts_with("https://b/v/p?"));
    }

    #[test]
    fn rejects_hostile_direct_paths() {
        assert!(is_valid_direct_path("/v/t62/abc.enc?x=1"));
        assert!(!is_valid_direct_path("https://evil/x"));
        assert!(!is_valid_direct_path("//evil/x"));
        assert!(!is_valid_direct_path("v/x"));
        assert!(!is_valid_direct_path("/v/x\r\nHost: evil"));
        assert!(!is_valid_direct_path(""));
    }
}
