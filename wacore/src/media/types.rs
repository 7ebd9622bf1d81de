//! The media types WhatsApp distinguishes, with their HKDF info strings and upload paths.

/// A kind of media, deciding the HKDF info string used to expand a media key and the
/// `mms` path segment used for uploads.
///
/// The info strings are wire facts (whatsmeow's `MediaType` list and Baileys'
/// `MEDIA_HKDF_KEY_MAPPING`): every variant derives keys with
/// `"WhatsApp <Name> Keys"`, where stickers share the image keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaType {
    /// Images (JPEG, PNG, ...): `WhatsApp Image Keys`, path `image`.
    Image,
    /// Videos, GIFs and round video notes: `WhatsApp Video Keys`, path `video`.
    Video,
    /// Audio files and voice notes: `WhatsApp Audio Keys`, path `audio`.
    Audio,
    /// Documents: `WhatsApp Document Keys`, path `document`.
    Document,
    /// History-sync blobs: `WhatsApp History Keys`, path `md-msg-hist`.
    History,
    /// App-state snapshots and external patches: `WhatsApp App State Keys`, path `md-app-state`.
    AppState,
    /// Stickers (WebP); encrypted with the image keys: `WhatsApp Image Keys`, path `image`.
    Sticker,
    /// Sticker-pack archives: `WhatsApp Sticker Pack Keys`, path `sticker-pack`.
    StickerPack,
    /// Link-preview thumbnails: `WhatsApp Link Thumbnail Keys`, path `thumbnail-link`.
    LinkThumbnail,
    /// High-resolution image thumbnails: `WhatsApp Image Thumbnail Keys`, path `thumbnail-image`.
    ImageThumbnail,
    /// Video thumbnails: `WhatsApp Video Thumbnail Keys`, path `thumbnail-video`.
    VideoThumbnail,
    /// Document thumbnails: `WhatsApp Document Thumbnail Keys`, path `thumbnail-document`.
    DocumentThumbnail,
    /// Sticker-pack tray thumbnails: `WhatsApp Sticker Pack Thumbnail Keys`,
    /// path `thumbnail-sticker-pack`.
    StickerPackThumbnail,
}

impl MediaType {
    /// Every media type, in declaration order.
    pub const ALL: [MediaType; 13] = [
        MediaType::Image,
        MediaType::Video,
        MediaType::Audio,
        MediaType::Document,
        MediaType::History,
        MediaType::AppState,
        MediaType::Sticker,
        MediaType::StickerPack,
        MediaType::LinkThumbnail,
        MediaType::ImageThumbnail,
        MediaType::VideoThumbnail,
        MediaType::DocumentThumbnail,
        MediaType::StickerPackThumbnail,
    ];

    /// The HKDF `info` used to expand a media key of this type, e.g. `b"WhatsApp Video Keys"`.
    pub fn app_info(self) -> &'static [u8] {
        match self {
            MediaType::Image | MediaType::Sticker => b"WhatsApp Image Keys",
            MediaType::Video => b"WhatsApp Video Keys",
            MediaType::Audio => b"WhatsApp Audio Keys",
            MediaType::Document => b"WhatsApp Document Keys",
            MediaType::History => b"WhatsApp History Keys",
            MediaType::AppState => b"WhatsApp App State Keys",
            MediaType::StickerPack => b"WhatsApp Sticker Pack Keys",
            MediaType::LinkThumbnail => b"WhatsApp Link Thumbnail Keys",
            MediaType::ImageThumbnail => b"WhatsApp Image Thumbnail Keys",
            MediaType::VideoThumbnail => b"WhatsApp Video Thumbnail Keys",
            MediaType::DocumentThumbnail => b"WhatsApp Document Thumbnail Keys",
            MediaType::StickerPackThumbnail => b"WhatsApp Sticker Pack Thumbnail Keys",
        }
    }

    /// The `mms` path segment of the upload URL (`https://{host}/mms/{mms_type}/{token}`).
    pub fn mms_type(self) -> &'static str {
        match self {
            MediaType::Image | MediaType::Sticker => "image",
            MediaType::Video => "video",
            MediaType::Audio => "audio",
            MediaType::Document => "document",
            MediaType::History => "md-msg-hist",
            MediaType::AppState => "md-app-state",
            MediaType::StickerPack => "sticker-pack",
            MediaType::LinkThumbnail => "thumbnail-link",
            MediaType::ImageThumbnail => "thumbnail-image",
            MediaType::VideoThumbnail => "thumbnail-video",
            MediaType::DocumentThumbnail => "thumbnail-document",
            MediaType::StickerPackThumbnail => "thumbnail-sticker-pack",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_strings_follow_the_wire_pattern() {
        for t in MediaType::ALL {
            let info = std::str::from_utf8(t.app_info()).unwrap();
            assert!(
                info.starts_with("WhatsApp ") && info.ends_with(" Keys"),
                "{info}"
            );
        }
        assert_eq!(MediaType::Sticker.app_info(), MediaType::Image.app_info());
        assert_eq!(MediaType::AppState.app_info(), b"WhatsApp App State Keys");
        assert_eq!(MediaType::History.mms_type(), "md-msg-hist");
    }
}
