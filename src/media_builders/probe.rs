//! Content sniffing for outgoing media: mimetype from magic bytes (then the file name),
//! image dimensions (JPEG, PNG, GIF, WebP), MP4 dimensions and duration, Ogg Opus duration.
//! Works on any `Read + Seek` source, reading only headers (and the last Ogg page), so a
//! large file is never loaded. Everything is best effort: unknown or damaged input gives
//! `None`s, never an error or a panic.

use std::io::{Read, Seek, SeekFrom};

/// What probing found out about a media file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaProbe {
    /// Detected mimetype (`application/octet-stream` when unknown).
    pub mimetype: String,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// Duration in whole seconds (rounded up), when known.
    pub seconds: Option<u32>,
    /// An animated image (WebP with an animation flag, GIF with more than one frame is not
    /// detected).
    pub animated: bool,
    /// Plaintext length.
    pub len: u64,
}

fn head<R: Read + Seek>(src: &mut R, n: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(n);
    if src.seek(SeekFrom::Start(0)).is_ok() {
        let _ = src.by_ref().take(n as u64).read_to_end(&mut buf);
    }
    buf
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 2)?;
    Some(u32::from(u16::from_be_bytes([*s.first()?, *s.get(1)?])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_be_bytes(s))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 2)?;
    Some(u32::from(u16::from_le_bytes([*s.first()?, *s.get(1)?])))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(*s.first()?) | u32::from(*s.get(1)?) << 8 | u32::from(*s.get(2)?) << 16)
}

fn sniff_mimetype(h: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| h.starts_with(m);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"RIFF") && h.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if h.get(4..8) == Some(b"ftyp") {
        match h.get(8..12) {
            Some(b"M4A ") | Some(b"M4B ") => Some("audio/mp4"),
            Some(b"qt  ") => Some("video/quicktime"),
            _ => Some("video/mp4"),
        }
    } else if starts(b"OggS") {
        if h.windows(8).any(|w| w == b"OpusHead") {
            Some("audio/ogg; codecs=opus")
        } else {
            Some("audio/ogg")
        }
    } else if starts(b"ID3")
        || (h.len() > 1 && h.first() == Some(&0xFF) && h.get(1).is_some_and(|b| b & 0xE0 == 0xE0))
    {
        Some("audio/mpeg")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"PK\x03\x04") {
        Some("application/zip")
    } else if starts(b"\x1A\x45\xDF\xA3") {
        Some("video/webm")
    } else {
        None
    }
}

/// Mimetype from a file name's extension.
pub fn mimetype_from_name(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "ogg" | "opus" => "audio/ogg; codecs=opus",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => return None,
    })
}

fn jpeg_dims(h: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2usize;
    while i + 9 < h.len() {
        if h.get(i) != Some(&0xFF) {
            i += 1;
            continue;
        }
        let marker = *h.get(i + 1)?;
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if (0xD0..=0xD9).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = be16(h, i + 2)? as usize;
        let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let height = be16(h, i + 5)?;
            let width = be16(h, i + 7)?;
            return Some((width, height));
        }
        i = i.checked_add(2 + len)?;
    }
    None
}

fn image_dims(h: &[u8], mime: &str) -> Option<(u32, u32, bool)> {
    match mime {
        "image/jpeg" => jpeg_dims(h).map(|(w, hh)| (w, hh, false)),
        "image/png" => Some((be32(h, 16)?, be32(h, 20)?, false)),
        "image/gif" => Some((le16(h, 6)?, le16(h, 8)?, false)),
        "image/webp" => match h.get(12..16)? {
            b"VP8 " => Some((le16(h, 26)? & 0x3fff, le16(h, 28)? & 0x3fff, false)),
            b"VP8L" => {
                let b = h.get(21..25)?;
                let (b0, b1, b2, b3) = (
                    u32::from(*b.first()?),
                    u32::from(*b.get(1)?),
                    u32::from(*b.get(2)?),
                    u32::from(*b.get(3)?),
                );
                let w = 1 + (b0 | (b1 & 0x3f) << 8);
                let hh = 1 + (b1 >> 6 | b2 << 2 | (b3 & 0x0f) << 10);
                Some((w, hh, false))
            }
            b"VP8X" => {
                let animated = h.get(20).is_some_and(|f| f & 0x02 != 0);
                Some((le24(h, 24)? + 1, le24(h, 27)? + 1, animated))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Walks MP4 boxes: duration from `moov/mvhd`, size from the first video `trak/tkhd`.
fn mp4_info<R: Read + Seek>(src: &mut R, len: u64) -> (Option<u32>, Option<(u32, u32)>) {
    let mut seconds = None;
    let mut dims = None;
    let mut stack = vec![(0u64, len)];
    let mut visited = 0;
    while let Some((mut pos, end)) = stack.pop() {
        while pos + 8 <= end && visited < 10_000 {
            visited += 1;
            let mut hdr = [0u8; 16];
            if src.seek(SeekFrom::Start(pos)).is_err() || src.read_exact(&mut hdr[..8]).is_err() {
                break;
            }
            let mut size = u64::from(be32(&hdr, 0).unwrap_or(0));
            let kind = [hdr[4], hdr[5], hdr[6], hdr[7]];
            let mut body = pos + 8;
            if size == 1 {
                if src.read_exact(&mut hdr[8..16]).is_err() {
                    break;
                }
                size = be64(&hdr, 8).unwrap_or(0);
                body = pos + 16;
            } else if size == 0 {
                size = end - pos;
            }
            if size < body - pos || pos.saturating_add(size) > end {
                break;
            }
            let box_end = pos + size;
            match &kind {
                b"moov" | b"trak" => stack.push((body, box_end)),
                b"mvhd" | b"tkhd" => {
                    let mut b = vec![0u8; usize::try_from((box_end - body).min(128)).unwrap_or(0)];
                    if src.read_exact(&mut b).is_ok() {
                        let v1 = b.first() == Some(&1);
                        if &kind == b"mvhd" {
                            let (ts, dur) = if v1 {
                                (be32(&b, 20), be64(&b, 24))
                            } else {
                                (be32(&b, 12), be32(&b, 16).map(u64::from))
                            };
                            if let (Some(ts), Some(dur)) = (ts, dur)
                                && ts > 0
                            {
                                seconds = u32::try_from(dur.div_ceil(u64::from(ts))).ok();
                            }
                        } else if dims.is_none() {
                            let at = if v1 { 88 } else { 76 };
                            if let (Some(w), Some(hh)) = (be32(&b, at), be32(&b, at + 4))
                                && w >> 16 > 0
                                && hh >> 16 > 0
                            {
                                dims = Some((w >> 16, hh >> 16));
                            }
                        }
                    }
                }
                _ => {}
            }
            pos = box_end;
        }
    }
    (seconds, dims)
}

/// Ogg Opus duration: the last page's granule position minus the pre-skip, at 48 kHz.
fn opus_seconds<R: Read + Seek>(src: &mut R, h: &[u8], len: u64) -> Option<u32> {
    let at = h.windows(8).position(|w| w == b"OpusHead")?;
    let pre_skip = u64::from(le16(h, at + 10)?);
    let tail_len = len.min(64 * 1024);
    src.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::with_capacity(usize::try_from(tail_len).ok()?);
    src.by_ref().take(tail_len).read_to_end(&mut tail).ok()?;
    let last = tail.windows(4).rposition(|w| w == b"OggS")?;
    let g: [u8; 8] = tail.get(last + 6..last + 14)?.try_into().ok()?;
    let granule = u64::from_le_bytes(g);
    if granule == u64::MAX {
        return None;
    }
    let samples = granule.saturating_sub(pre_skip);
    u32::try_from(samples.div_ceil(48_000)).ok()
}

/// Probes a source; `file_name` helps when the content has no known signature.
pub fn probe<R: Read + Seek>(src: &mut R, file_name: Option<&str>) -> MediaProbe {
    let len = src.seek(SeekFrom::End(0)).unwrap_or(0);
    let h = head(src, 64 * 1024);
    let mimetype = sniff_mimetype(&h)
        .or_else(|| file_name.and_then(mimetype_from_name))
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut out = MediaProbe {
        len,
        ..Default::default()
    };
    if let Some((w, hh, animated)) = image_dims(&h, &mimetype) {
        out.width = Some(w);
        out.height = Some(hh);
        out.animated = animated;
    } else if mimetype.starts_with("video/mp4")
        || mimetype == "video/quicktime"
        || mimetype == "audio/mp4"
    {
        let (secs, dims) = mp4_info(src, len);
        out.seconds = secs;
        if let Some((w, hh)) = dims {
            out.width = Some(w);
            out.height = Some(hh);
        }
    } else if mimetype.starts_with("audio/ogg") {
        out.seconds = opus_seconds(src, &h, len);
    }
    let _ = src.seek(SeekFrom::Start(0));
    out.mimetype = mimetype;
    out
}

/// Probes bytes in memory.
pub fn probe_bytes(data: &[u8], file_name: Option<&str>) -> MediaProbe {
    probe(&mut std::io::Cursor::new(data), file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0]);
        v
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[0; 20]);
        v
    }

    fn webp_vp8x(w: u32, h: u32, animated: bool) -> Vec<u8> {
        let mut v = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
        v.push(if animated { 0x02 } else { 0 });
        v.extend_from_slice(&[0, 0, 0]);
        v.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        v.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        v
    }

    fn mp4(timescale: u32, duration: u32, w: u32, h: u32) -> Vec<u8> {
        let mut mvhd = vec![0u8; 100];
        mvhd[12..16].copy_from_slice(&timescale.to_be_bytes());
        mvhd[16..20].copy_from_slice(&duration.to_be_bytes());
        let mut tkhd = vec![0u8; 84];
        tkhd[76..80].copy_from_slice(&(w << 16).to_be_bytes());
        tkhd[80..84].copy_from_slice(&(h << 16).to_be_bytes());
        let boxed = |kind: &[u8], body: &[u8]| {
            let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(body);
            b
        };
        let trak = boxed(b"trak", &boxed(b"tkhd", &tkhd));
        let mut moov_body = boxed(b"mvhd", &mvhd);
        moov_body.extend_from_slice(&trak);
        let mut f = boxed(b"ftyp", b"isom\0\0\0\0");
        f.extend_from_slice(&boxed(b"mdat", &[0u8; 64]));
        f.extend_from_slice(&boxed(b"moov", &moov_body));
        f
    }

    fn ogg_opus(seconds: u64) -> Vec<u8> {
        let mut v = b"OggS\0\x02".to_vec();
        v.extend_from_slice(&0u64.to_le_bytes());
        v.extend_from_slice(&[0; 13]);
        v.extend_from_slice(b"OpusHead\x01\x02");
        v.extend_from_slice(&312u16.to_le_bytes());
        v.extend_from_slice(&[0; 200]);
        v.extend_from_slice(b"OggS\0\x04");
        v.extend_from_slice(&(seconds * 48_000 + 312).to_le_bytes());
        v.extend_from_slice(&[0; 20]);
        v
    }

    #[test]
    fn images() {
        let p = probe_bytes(&png(640, 480), None);
        assert_eq!(
            (p.mimetype.as_str(), p.width, p.height),
            ("image/png", Some(640), Some(480))
        );
        let p = probe_bytes(&jpeg(1920, 1080), None);
        assert_eq!(
            (p.mimetype.as_str(), p.width, p.height),
            ("image/jpeg", Some(1920), Some(1080))
        );
        let p = probe_bytes(&webp_vp8x(512, 512, true), None);
        assert_eq!(
            (p.mimetype.as_str(), p.width, p.height, p.animated),
            ("image/webp", Some(512), Some(512), true)
        );
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0x20, 0x01, 0x10, 0x00]);
        assert_eq!(probe_bytes(&gif, None).width, Some(288));
    }

    #[test]
    fn video_and_audio() {
        let p = probe_bytes(&mp4(1000, 12_345, 1280, 720), None);
        assert_eq!(p.mimetype, "video/mp4");
        assert_eq!(p.seconds, Some(13));
        assert_eq!((p.width, p.height), (Some(1280), Some(720)));
        let p = probe_bytes(&ogg_opus(7), None);
        assert_eq!(p.mimetype, "audio/ogg; codecs=opus");
        assert_eq!(p.seconds, Some(7));
    }

    #[test]
    fn documents_and_garbage() {
        assert_eq!(
            probe_bytes(b"%PDF-1.7 ...", None).mimetype,
            "application/pdf"
        );
        assert_eq!(
            probe_bytes(b"hello", Some("notes.TXT")).mimetype,
            "text/plain"
        );
        let p = probe_bytes(b"\x00\x01", None);
        assert_eq!(p.mimetype, "application/octet-stream");
        assert_eq!(p.len, 2);
        // Damaged headers never panic.
        for cut in 0..40 {
            let _ = probe_bytes(&jpeg(10, 10)[..cut.min(33)], None);
            let _ = probe_bytes(&mp4(1, 1, 1, 1)[..cut], None);
            let _ = probe_bytes(&webp_vp8x(2, 2, false)[..cut.min(30)], None);
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300), prefix in 0usize..6) {
            let prefixes: [&[u8]; 6] = [b"", b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP", b"\0\0\0\x18ftypisom", b"OggS"];
            let mut v = prefixes[prefix].to_vec();
            v.extend_from_slice(&data);
            let _ = probe_bytes(&v, None);
        }
    }
}
