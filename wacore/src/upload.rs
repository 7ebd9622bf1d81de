//! Upload URLs and answers (no I/O: the client performs the requests).
//!
//! Wire facts (whatsmeow `upload.go`): `POST https://{host}/mms/{mms_type}/{token}?auth={auth}&token={token}`
//! where `token` is base64url(`file_enc_sha256`) with padding, headers `Origin` and
//! `Referer` set to WhatsApp Web; the answer is JSON `{"url", "direct_path", "handle",
//! "object_id"}`. Large uploads first probe `&resume=1`, answered with
//! `{"resume": "complete" | "<byte offset>", "url", "direct_path"}`; the rest is then sent
//! with `&file_offset=N`.

use base64::Engine as _;

pub use crate::media::MediaType;

/// Uploads of at least this many bytes check for a previous partial upload first.
pub const RESUMABLE_UPLOAD_THRESHOLD: u64 = 5 * 1024 * 1024;

/// Why an upload answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadParseError {
    /// The body is not JSON.
    #[error("upload answer is not JSON: {0}")]
    NotJson(String),
    /// A required field is missing or not a string.
    #[error("upload answer lacks {0:?}")]
    MissingField(&'static str),
    /// The direct path is not a server-relative path.
    #[error("upload answer has an unusable direct path")]
    BadDirectPath,
}

/// Where the server stored an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedBlob {
    /// Full URL.
    pub url: String,
    /// Server-relative path, used for downloads.
    pub direct_path: String,
    /// Handle (newsletter media), if given.
    pub handle: Option<String>,
    /// Object id, if given.
    pub object_id: Option<String>,
}

/// What a resume probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeState {
    /// The server already holds the whole upload.
    Complete(UploadedBlob),
    /// The server holds this many bytes; send the rest.
    Resume {
        /// Bytes already stored.
        byte_offset: u64,
    },
    /// Nothing stored (or the probe could not be understood): upload everything.
    NotFound,
}

/// The `token` of an upload URL: base64url of the upload's SHA-256, padded.
pub fn upload_token(file_enc_sha256: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(file_enc_sha256)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The upload URL on one host, with optional extra query parameters (`resume=1`,
/// `file_offset=N`).
pub fn upload_url(
    scheme: &str,
    host: &str,
    media_type: MediaType,
    auth: &str,
    file_enc_sha256: &[u8],
    extra: &[(&str, String)],
) -> String {
    let token = upload_token(file_enc_sha256);
    let mut url = format!(
        "{scheme}://{host}/mms/{}/{token}?auth={}&token={}",
        media_type.mms_type(),
        query_escape(auth),
        query_escape(&token)
    );
    for (k, v) in extra {
        url.push('&');
        url.push_str(k);
        url.push('=');
        url.push_str(&query_escape(v));
    }
    url
}

fn str_field(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|s| s.as_str()).map(str::to_owned)
}

/// Parses the JSON answer of a successful upload.
pub fn parse_upload_response(body: &[u8]) -> Result<UploadedBlob, UploadParseError> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| UploadParseError::NotJson(e.to_string()))?;
    let url = str_field(&v, "url").ok_or(UploadParseError::MissingField("url"))?;
    let direct_path =
        str_field(&v, "direct_path").ok_or(UploadParseError::MissingField("direct_path"))?;
    if !crate::download::is_valid_direct_path(&direct_path) {
        return Err(UploadParseError::BadDirectPath);
    }
    Ok(UploadedBlob {
        url,
        direct_path,
        handle: str_field(&v, "handle"),
        object_id: str_field(&v, "object_id"),
    })
}

/// Interprets a resume probe's answer (`status` and body) for an upload of `total` bytes.
/// Anything unexpected means "upload everything".
pub fn parse_resume_response(status: u16, body: &[u8], total: u64) -> ResumeState {
    if !(200..300).contains(&status) {
        return ResumeState::NotFound;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ResumeState::NotFound;
    };
    match v.get("resume") {
        Some(serde_json::Value::String(s)) if s == "complete" => {
            match parse_upload_response(body) {
                Ok(blob) => ResumeState::Complete(blob),
                Err(_) => ResumeState::NotFound,
            }
        }
        Some(serde_json::Value::String(s)) => match s.parse::<u64>() {
            Ok(n) if n > 0 && n < total => ResumeState::Resume { byte_offset: n },
            _ => ResumeState::NotFound,
        },
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(n) if n > 0 && n < total => ResumeState::Resume { byte_offset: n },
            _ => ResumeState::NotFound,
        },
        _ => ResumeState::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_upload_urls() {
        let url = upload_url(
            "https",
            "mmg.whatsapp.net",
            MediaType::Sticker,
            "a+b/c=",
            &[0xfb, 0xff],
            &[],
        );
        assert_eq!(
            url,
            "https://mmg.whatsapp.net/mms/image/-_8=?auth=a%2Bb%2Fc%3D&token=-_8%3D"
        );
        let url = upload_url(
            "http",
            "h:1",
            MediaType::Document,
            "x",
            &[0; 1],
            &[("file_offset", "42".into())],
        );
        assert!(url.starts_with("http://h:1/mms/document/AA==?auth=x&token=AA%3D%3D"));
        assert!(url.ends_with("&file_offset=42"));
    }

    #[test]
    fn parses_upload_answers() {
        let b =
            parse_upload_response(br#"{"url":"https://h/v/x","direct_path":"/v/x","handle":null}"#)
                .unwrap();
        assert_eq!(b.direct_path, "/v/x");
        assert_eq!(b.handle, None);
        assert!(matches!(
            parse_upload_response(b"<html>"),
            Err(UploadParseError::NotJson(_))
        ));
        assert_eq!(
            parse_upload_response(br#"{"url":"u"}"#),
            Err(UploadParseError::MissingField("direct_path"))
        );
        assert_eq!(
            parse_upload_response(br#"{"url":"u","direct_path":"https://evil/x"}"#),
            Err(UploadParseError::BadDirectPath)
        );
    }

    #[test]
    fn parses_resume_probes() {
        assert_eq!(
            parse_resume_response(200, br#"{"resume":"100"}"#, 1000),
            ResumeState::Resume { byte_offset: 100 }
        );
        assert_eq!(
            parse_resume_response(200, br#"{"resume":1000}"#, 1000),
            ResumeState::NotFound
        );
        assert!(matches!(
            parse_resume_response(
                200,
                br#"{"resume":"complete","url":"u","direct_path":"/v/p"}"#,
                9
            ),
            ResumeState::Complete(_)
        ));
        assert_eq!(
            parse_resume_response(200, br#"{"resume":"complete"}"#, 9),
            ResumeState::NotFound
        );
        assert_eq!(parse_resume_response(400, b"{}", 9), ResumeState::NotFound);
        assert_eq!(
            parse_resume_response(200, b"nope", 9),
            ResumeState::NotFound
        );
    }
}
