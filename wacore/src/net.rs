//! Network abstractions: the byte-pipe [`Transport`] the client speaks the Noise
//! protocol over, the [`TransportFactory`] that opens one per connection attempt, and
//! the [`HttpClient`] used for version fetching and media transfers.
//!
//! This module owns only the traits and plain data types. Implementations live in
//! their own crates (`whatsapp-rust-tokio-transport`, `whatsapp-rust-ureq-http-client`)
//! so that `wacore` stays free of any runtime or I/O library.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

/// The WhatsApp Web chat WebSocket endpoint, the default transport URL.
pub const WHATSAPP_WEB_WS_URL: &str = "wss://web.whatsapp.com/ws/chat";

/// The `Origin` header WhatsApp Web sends on its chat socket and media requests.
pub const WHATSAPP_WEB_ORIGIN: &str = "https://web.whatsapp.com";

/// Why a transport operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Opening the connection failed (DNS, TCP, TLS or the WebSocket upgrade).
    #[error("failed to connect to {url}: {reason}")]
    Connect {
        /// The URL the transport tried to reach.
        url: String,
        /// What went wrong, as reported by the underlying library.
        reason: String,
    },
    /// The URL given to the transport is not usable.
    #[error("invalid transport URL {url:?}: {reason}")]
    InvalidUrl {
        /// The rejected URL.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The connection is closed; nothing more can be sent on it.
    #[error("transport is closed")]
    Closed,
    /// Writing to the connection failed.
    #[error("transport send failed: {0}")]
    Send(String),
}

/// Why an HTTP exchange failed. A completed exchange with a 4xx/5xx status is *not*
/// an error: it is returned as an [`HttpResponse`] so callers can read the status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The request could not be performed (DNS, connect, TLS, timeout, I/O).
    #[error("HTTP request to {url} failed: {reason}")]
    Request {
        /// The requested URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The HTTP method is not supported by this client.
    #[error("unsupported HTTP method {0:?}")]
    UnsupportedMethod(String),
    /// This client does not implement streaming responses.
    #[error("this HTTP client does not support streaming responses")]
    StreamingUnsupported,
    /// The response body exceeded the client's size cap.
    #[error("HTTP response from {url} exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The requested URL.
        url: String,
        /// The configured cap in bytes.
        limit: u64,
    },
    /// The response body is not valid UTF-8 (from [`HttpResponse::body_string`]).
    #[error("HTTP response body is not UTF-8: {0}")]
    NotUtf8(#[from] std::string::FromUtf8Error),
    /// The blocking worker running the request was cancelled or panicked.
    #[error("HTTP worker task failed: {0}")]
    Worker(String),
}

/// An event produced by a transport's reader.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportEvent {
    /// The transport has connected; emitted once, first.
    Connected,
    /// Raw bytes arrived from the server (no framing implied).
    DataReceived(Bytes),
    /// The connection ended (gracefully or not); emitted once, last.
    Disconnected,
}

/// An open network connection: a dumb pipe for bytes with no knowledge of
/// WhatsApp framing. Incoming data arrives on the event channel returned by
/// [`TransportFactory::create_transport`].
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends raw bytes to the server.
    async fn send(&self, data: Vec<u8>) -> Result<(), TransportError>;

    /// Sends several chunks in order, each as if by [`Transport::send`] (a WebSocket transport
    /// sends each as its own message). Transports that can write them together (one flush,
    /// one syscall) override this; the default sends them one by one.
    async fn send_batch(&self, chunks: Vec<Vec<u8>>) -> Result<(), TransportError> {
        for chunk in chunks {
            self.send(chunk).await?;
        }
        Ok(())
    }

    /// Closes the connection. The event channel then yields
    /// [`TransportEvent::Disconnected`] and closes. Calling it twice is harmless.
    async fn disconnect(&self);
}

/// Opens new transports, one per connection attempt.
#[async_trait]
pub trait TransportFactory: Send + Sync {
    /// Connects and returns the transport plus the stream of its events.
    async fn create_transport(
        &self,
    ) -> Result<(Arc<dyn Transport>, async_channel::Receiver<TransportEvent>), TransportError>;
}

/// A buffered HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Absolute URL.
    pub url: String,
    /// HTTP method, e.g. `"GET"` or `"POST"`.
    pub method: String,
    /// Request headers.
    pub headers: HashMap<String, String>,
    /// Request body, if any.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// A `GET` request for `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST` request for `url` (add a body with [`HttpRequest::with_body`]).
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    fn new(method: &str, url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: method.to_string(),
            headers: HashMap::new(),
            body: None,
        }
    }

    /// Adds (or replaces) a header.
    #[must_use]
    pub fn with_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(key.into(), value.into());
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// A buffered HTTP response, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status_code: u16,
    /// Response body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body decoded as UTF-8.
    pub fn body_string(&self) -> Result<String, HttpError> {
        Ok(String::from_utf8(self.body.clone())?)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}

/// An HTTP response whose body is read incrementally.
pub struct StreamingHttpResponse {
    /// HTTP status code.
    pub status_code: u16,
    /// A reader over the response body.
    pub body: Box<dyn std::io::Read + Send>,
}

impl std::fmt::Debug for StreamingHttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingHttpResponse")
            .field("status_code", &self.status_code)
            .finish_non_exhaustive()
    }
}

/// Runtime-agnostic HTTP client.
///
/// A completed exchange is `Ok` whatever its status: implementations must not turn
/// 4xx/5xx into errors, because callers (media transfers) read the status to decide
/// how to retry.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// Performs the request and buffers the whole response body.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;

    /// Performs the request and returns a reader over the body. Blocking: call it
    /// from a blocking context (e.g. `tokio::task::spawn_blocking`).
    fn execute_streaming(&self, request: HttpRequest) -> Result<StreamingHttpResponse, HttpError> {
        let _ = request;
        Err(HttpError::StreamingUnsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_builders_set_method_headers_and_body() {
        let req = HttpRequest::post("https://example.test/u")
            .with_header("A", "1")
            .with_header("A", "2")
            .with_body(b"xyz".to_vec());
        assert_eq!(req.method, "POST");
        assert_eq!(req.headers.get("A").map(String::as_str), Some("2"));
        assert_eq!(req.body.as_deref(), Some(&b"xyz"[..]));
        assert_eq!(HttpRequest::get("u").method, "GET");
        assert!(HttpRequest::get("u").body.is_none());
    }

    #[test]
    fn response_body_string_rejects_invalid_utf8() {
        let ok = HttpResponse {
            status_code: 200,
            body: b"hi".to_vec(),
        };
        assert_eq!(ok.body_string().unwrap(), "hi");
        assert!(ok.is_success());
        let bad = HttpResponse {
            status_code: 404,
            body: vec![0xff, 0xfe],
        };
        assert!(matches!(bad.body_string(), Err(HttpError::NotUtf8(_))));
        assert!(!bad.is_success());
    }

    struct NoStreaming;
    #[async_trait]
    impl HttpClient for NoStreaming {
        async fn execute(&self, _r: HttpRequest) -> Result<HttpResponse, HttpError> {
            Ok(HttpResponse {
                status_code: 204,
                body: Vec::new(),
            })
        }
    }

    #[test]
    fn streaming_defaults_to_unsupported() {
        let r = NoStreaming.execute_streaming(HttpRequest::get("x"));
        assert!(matches!(r, Err(HttpError::StreamingUnsupported)));
    }
}
