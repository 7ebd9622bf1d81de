//! Media upload: encrypt off the async threads, then POST to the media hosts with the
//! cached `media_conn` auth, failing over between hosts and refreshing the auth once on
//! 401/403. Uploads of 5 MiB and more first ask the host whether it already holds (part
//! of) the blob.

use std::path::Path;

use wacore::media::{self, MediaInfo};
use wacore::net::{HttpRequest, WHATSAPP_WEB_ORIGIN};
use wacore::upload::{
    RESUMABLE_UPLOAD_THRESHOLD, ResumeState, parse_resume_response, parse_upload_response,
    upload_url,
};

pub use wacore::download::MediaType;

use crate::client::Client;
use crate::mediaconn::{MediaTransferError, redact_url};

/// Everything a media message needs to reference an upload.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadResponse {
    /// Full CDN URL.
    pub url: String,
    /// CDN path, used for downloads.
    pub direct_path: String,
    /// The 32-byte media key (goes into the message; never log it).
    pub media_key: Vec<u8>,
    /// SHA-256 of the upload (ciphertext + MAC).
    pub file_enc_sha256: Vec<u8>,
    /// SHA-256 of the plaintext.
    pub file_sha256: Vec<u8>,
    /// Plaintext length.
    pub file_length: u64,
}

impl std::fmt::Debug for UploadResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadResponse")
            .field("url", &redact_url(&self.url))
            .field("direct_path", &self.direct_path)
            .field("media_key", &"<redacted>")
            .field("file_length", &self.file_length)
            .finish_non_exhaustive()
    }
}

fn join_err(e: tokio::task::JoinError) -> MediaTransferError {
    MediaTransferError::Worker(e.to_string())
}

impl Client {
    /// Encrypts `data` and uploads it; the answer holds what the message needs.
    pub async fn upload(
        &self,
        data: Vec<u8>,
        media_type: MediaType,
    ) -> Result<UploadResponse, MediaTransferError> {
        let encrypted =
            tokio::task::spawn_blocking(move || media::encrypt_media(&data, media_type))
                .await
                .map_err(join_err)?;
        self.upload_encrypted(encrypted.data, encrypted.info, media_type)
            .await
    }

    /// Encrypts a file while reading it (constant memory for the plaintext) and uploads it.
    pub async fn upload_file(
        &self,
        path: impl AsRef<Path>,
        media_type: MediaType,
    ) -> Result<UploadResponse, MediaTransferError> {
        let path = path.as_ref().to_path_buf();
        let (body, info) = tokio::task::spawn_blocking(move || {
            let file = std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?);
            let len = file.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
            let mut out = Vec::with_capacity(usize::try_from(len + 32).unwrap_or(0));
            let info = media::encrypt_stream(file, &mut out, media_type)?;
            Ok::<_, MediaTransferError>((out, info))
        })
        .await
        .map_err(join_err)??;
        self.upload_encrypted(body, info, media_type).await
    }

    /// Uploads an already encrypted body (from [`wacore::media`]).
    pub async fn upload_encrypted(
        &self,
        body: Vec<u8>,
        info: MediaInfo,
        media_type: MediaType,
    ) -> Result<UploadResponse, MediaTransferError> {
        let blob = self
            .raw_upload(body, &info.file_enc_sha256, media_type)
            .await?;
        Ok(UploadResponse {
            url: blob.url,
            direct_path: blob.direct_path,
            media_key: info.media_key.to_vec(),
            file_enc_sha256: info.file_enc_sha256.to_vec(),
            file_sha256: info.file_sha256.to_vec(),
            file_length: info.file_length,
        })
    }

    /// POSTs `body` to the media hosts: host failover, one auth refresh on 401/403, and a
    /// resume probe for large bodies.
    pub(crate) async fn raw_upload(
        &self,
        body: Vec<u8>,
        file_enc_sha256: &[u8],
        media_type: MediaType,
    ) -> Result<wacore::upload::UploadedBlob, MediaTransferError> {
        if !self.is_logged_in() {
            return Err(MediaTransferError::NotLoggedIn);
        }
        let total = body.len() as u64;
        let scheme = self.media_scheme();
        let mut refreshed = false;
        'conn: loop {
            let conn = self.media_conn(false).await?;
            let mut last_err = None;
            for host in conn.host_names() {
                let mut offset = 0u64;
                if total >= RESUMABLE_UPLOAD_THRESHOLD {
                    let url = upload_url(
                        scheme,
                        host,
                        media_type,
                        &conn.auth,
                        file_enc_sha256,
                        &[("resume", "1".into())],
                    );
                    let probe = HttpRequest::post(url)
                        .with_header("Origin", WHATSAPP_WEB_ORIGIN)
                        .with_header("Referer", format!("{WHATSAPP_WEB_ORIGIN}/"));
                    if let Ok(resp) = self.http_client.execute(probe).await {
                        match parse_resume_response(resp.status_code, &resp.body, total) {
                            ResumeState::Complete(blob) => {
                                log::info!(target: "Client/Media", "upload already complete on {host}");
                                return Ok(blob);
                            }
                            ResumeState::Resume { byte_offset } => {
                                log::info!(target: "Client/Media", "resuming upload at {byte_offset}/{total}");
                                offset = byte_offset;
                            }
                            ResumeState::NotFound => {}
                        }
                    }
                }
                let extra: Vec<(&str, String)> = if offset > 0 {
                    vec![("file_offset", offset.to_string())]
                } else {
                    Vec::new()
                };
                let url = upload_url(
                    scheme,
                    host,
                    media_type,
                    &conn.auth,
                    file_enc_sha256,
                    &extra,
                );
                let part = body
                    .get(usize::try_from(offset).unwrap_or(0)..)
                    .unwrap_or_default()
                    .to_vec();
                let req = HttpRequest::post(url.clone())
                    .with_header("Origin", WHATSAPP_WEB_ORIGIN)
                    .with_header("Referer", format!("{WHATSAPP_WEB_ORIGIN}/"))
                    .with_header("Content-Type", "application/octet-stream")
                    .with_body(part);
                match self.http_client.execute(req).await {
                    Ok(resp) if resp.is_success() => {
                        let blob = parse_upload_response(&resp.body)?;
                        log::debug!(target: "Client/Media", "uploaded {total} bytes to {}", blob.direct_path);
                        return Ok(blob);
                    }
                    Ok(resp) if matches!(resp.status_code, 401 | 403) => {
                        if refreshed {
                            return Err(MediaTransferError::Status {
                                status: resp.status_code,
                                url: redact_url(&url),
                            });
                        }
                        log::info!(target: "Client/Media", "upload auth rejected ({}), refreshing media_conn", resp.status_code);
                        refreshed = true;
                        self.invalidate_media_conn().await;
                        continue 'conn;
                    }
                    Ok(resp) => {
                        log::warn!(target: "Client/Media", "upload to {host} answered {}, trying next host", resp.status_code);
                        last_err = Some(MediaTransferError::Status {
                            status: resp.status_code,
                            url: redact_url(&url),
                        });
                    }
                    Err(e) => {
                        log::warn!(target: "Client/Media", "upload to {host} failed: {e}, trying next host");
                        last_err = Some(MediaTransferError::Http {
                            url: redact_url(&url),
                            source: e,
                        });
                    }
                }
            }
            return Err(last_err.unwrap_or(MediaTransferError::MissingField("media hosts")));
        }
    }
}
