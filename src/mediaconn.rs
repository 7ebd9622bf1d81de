//! The cached media connection (`w:m` `media_conn`): hosts and upload auth, refreshed
//! when it expires or when a CDN rejects it, plus the error type of media transfers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use wacore::iq::mediaconn::{MediaConn, MediaConnIq};
use wacore::net::HttpError;

use crate::client::Client;
use crate::error::IqError;

/// Why an upload or download failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaTransferError {
    /// Fetching the media connection (hosts and auth) failed.
    #[error("media_conn request failed: {0}")]
    MediaConn(#[source] IqError),
    /// The media item lacks a field a download needs.
    #[error("media has no {0}")]
    MissingField(&'static str),
    /// The direct path (from the message or the server) is not a server-relative path.
    #[error("unusable media direct path")]
    InvalidDirectPath,
    /// Every host failed; this is the last failure.
    #[error("HTTP request to {url} failed: {source}")]
    Http {
        /// The URL (without query).
        url: String,
        /// What failed.
        #[source]
        source: HttpError,
    },
    /// The CDN answered with an error status (after the retries the status allows).
    #[error("media server answered HTTP {status} for {url}")]
    Status {
        /// The status.
        status: u16,
        /// The URL (without query).
        url: String,
    },
    /// The body is shorter than the message says the upload is (a cut-off transfer).
    #[error("download truncated: expected at least {expected} bytes, got {got}")]
    Truncated {
        /// Minimum upload size implied by `file_length`.
        expected: u64,
        /// Bytes received.
        got: u64,
    },
    /// MAC, hash, padding or length check failed: the blob is not what the message describes.
    #[error("media verification failed: {0}")]
    Crypto(#[from] wacore::media::MediaError),
    /// The server's upload answer is unusable.
    #[error("bad upload answer: {0}")]
    BadUploadResponse(#[from] wacore::upload::UploadParseError),
    /// A local file or the caller's writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking worker task failed.
    #[error("media worker failed: {0}")]
    Worker(String),
    /// The operation needs a paired, logged-in session.
    #[error("not logged in")]
    NotLoggedIn,
    /// The server does not have the media any more and the phone could not re-upload it.
    #[error("media retry failed: {0}")]
    Retry(String),
}

/// Strips the query (auth tokens, hashes) from a URL before it goes into an error or log.
pub(crate) fn redact_url(url: &str) -> String {
    url.split('?').next().unwrap_or_default().to_owned()
}

struct Cached {
    conn: Arc<MediaConn>,
    fetched: Instant,
}

/// Per-client media state.
#[derive(Default)]
pub(crate) struct MediaState {
    conn: tokio::sync::Mutex<Option<Cached>>,
    insecure_http: AtomicBool,
    /// How many `media_conn` IQs were sent (observability for tests and logs).
    fetches: AtomicU64,
}

impl Client {
    /// The cached media connection, fetched when missing, expired, or `force`d.
    pub(crate) async fn media_conn(
        &self,
        force: bool,
    ) -> Result<Arc<MediaConn>, MediaTransferError> {
        let mut guard = self.media.conn.lock().await;
        if !force
            && let Some(c) = guard.as_ref()
            && c.fetched.elapsed() < c.conn.lifetime()
        {
            return Ok(Arc::clone(&c.conn));
        }
        log::debug!(target: "Client/Media", "fetching media_conn (force={force})");
        let conn = Arc::new(
            self.execute(MediaConnIq)
                .await
                .map_err(MediaTransferError::MediaConn)?,
        );
        self.media.fetches.fetch_add(1, Ordering::Relaxed);
        *guard = Some(Cached {
            conn: Arc::clone(&conn),
            fetched: Instant::now(),
        });
        Ok(conn)
    }

    /// Forgets the cached media connection (after a CDN rejected its auth).
    pub(crate) async fn invalidate_media_conn(&self) {
        *self.media.conn.lock().await = None;
    }

    /// Uses plain `http://` for media hosts. Only for a local test server without TLS;
    /// WhatsApp's CDN is always `https://` (the default).
    pub fn set_media_insecure_http(&self, enabled: bool) {
        if enabled {
            log::warn!(target: "Client/Media", "media transfers will use plain http:// (test servers only)");
        }
        self.media.insecure_http.store(enabled, Ordering::Release);
    }

    /// How many `media_conn` requests this client has sent.
    pub fn media_conn_fetches(&self) -> u64 {
        self.media.fetches.load(Ordering::Relaxed)
    }

    pub(crate) fn media_scheme(&self) -> &'static str {
        if self.media.insecure_http.load(Ordering::Acquire) {
            "http"
        } else {
            "https"
        }
    }
}

/// Whether a CDN status means our auth (or the URL we derived) is stale: refresh the media
/// connection and retry once.
pub(crate) fn is_auth_status(status: u16) -> bool {
    matches!(status, 401 | 403 | 404 | 410)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_query_in_errors() {
        assert_eq!(
            redact_url("https://h/mms/image/t?auth=secret&token=x"),
            "https://h/mms/image/t"
        );
        assert_eq!(redact_url("https://h/v/p"), "https://h/v/p");
    }

    #[test]
    fn auth_statuses() {
        for s in [401, 403, 404, 410] {
            assert!(is_auth_status(s));
        }
        for s in [200, 400, 500, 503] {
            assert!(!is_auth_status(s));
        }
    }
}
