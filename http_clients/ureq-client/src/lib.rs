//! The default blocking HTTP client (ureq) for whatsapp-rust media transfers.
//!
//! [`UreqHttpClient`] implements [`wacore::net::HttpClient`]. ureq is blocking, so
//! [`HttpClient::execute`] runs each request on tokio's blocking pool
//! (`spawn_blocking`) and never stalls the async worker threads;
//! [`HttpClient::execute_streaming`] is itself blocking and must be called from a
//! blocking context. Non-2xx responses are returned as responses, never as errors.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;

use async_trait::async_trait;
use wacore::net::{HttpClient, HttpError, HttpRequest, HttpResponse, StreamingHttpResponse};

/// Default cap on a response body (2 GiB, WhatsApp's largest media file).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Default timeout for one whole exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// HTTP client backed by a shared `ureq::Agent` (connection pool included).
#[derive(Debug, Clone)]
pub struct UreqHttpClient {
    agent: ureq::Agent,
    max_body_bytes: u64,
}

impl Default for UreqHttpClient {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqHttpClient {
    /// A client with rustls + webpki roots, a [`DEFAULT_TIMEOUT`] per exchange and a
    /// [`DEFAULT_MAX_BODY_BYTES`] body cap.
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(DEFAULT_TIMEOUT))
            .build();
        Self::with_agent(ureq::Agent::new_with_config(config))
    }

    /// Uses a pre-configured agent (proxy, TLS, timeouts). The agent should have
    /// `http_status_as_error(false)` so error statuses reach the caller.
    pub fn with_agent(agent: ureq::Agent) -> Self {
        Self {
            agent,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Overrides the response body cap.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    fn run(&self, request: HttpRequest) -> Result<ureq::http::Response<ureq::Body>, HttpError> {
        let url = request.url.clone();
        let fail = |e: &dyn std::fmt::Display| HttpError::Request {
            url: url.clone(),
            reason: e.to_string(),
        };
        let method = ureq::http::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| HttpError::UnsupportedMethod(request.method.clone()))?;
        let mut builder = ureq::http::Request::builder()
            .method(method.clone())
            .uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let result = match (method, request.body) {
            (ureq::http::Method::GET | ureq::http::Method::HEAD, None) => {
                let req = builder.body(()).map_err(|e| fail(&e))?;
                self.agent.run(req)
            }
            (_, body) => {
                let req = builder
                    .body(body.unwrap_or_default())
                    .map_err(|e| fail(&e))?;
                self.agent.run(req)
            }
        };
        result.map_err(|e| fail(&e))
    }

    fn execute_blocking(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = request.url.clone();
        let response = self.run(request)?;
        let status_code = response.status().as_u16();
        let body = response
            .into_body()
            .into_with_config()
            .limit(self.max_body_bytes)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(limit) => HttpError::BodyTooLarge {
                    url: url.clone(),
                    limit,
                },
                other => HttpError::Request {
                    url: url.clone(),
                    reason: other.to_string(),
                },
            })?;
        log::debug!(target: "HttpClient", "{url} -> {status_code} ({} bytes)", body.len());
        Ok(HttpResponse { status_code, body })
    }
}

#[async_trait]
impl HttpClient for UreqHttpClient {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.execute_blocking(request))
            .await
            .map_err(|e| HttpError::Worker(e.to_string()))?
    }

    fn execute_streaming(&self, request: HttpRequest) -> Result<StreamingHttpResponse, HttpError> {
        let response = self.run(request)?;
        let status_code = response.status().as_u16();
        let reader = response
            .into_body()
            .into_with_config()
            .limit(self.max_body_bytes)
            .reader();
        Ok(StreamingHttpResponse {
            status_code,
            body: Box::new(reader),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A one-shot loopback HTTP/1.1 server answering with `status` and `body`, and
    /// reporting the raw request it received.
    async fn one_shot_server(
        status: &'static str,
        body: Vec<u8>,
    ) -> (String, tokio::sync::oneshot::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            // Read headers, then a body of the announced length.
            loop {
                let n = sock.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).await.unwrap();
            sock.write_all(&body).await.unwrap();
            let _ = tx.send(String::from_utf8_lossy(&got).to_string());
        });
        (format!("http://{addr}/path"), rx)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn get_returns_body_and_sends_headers() {
        let (url, req_rx) = one_shot_server("200 OK", b"hello".to_vec()).await;
        let client = UreqHttpClient::new();
        let resp = client
            .execute(HttpRequest::get(&url).with_header("X-Test", "yes"))
            .await
            .unwrap();
        assert_eq!(resp.status_code, 200);
        assert_eq!(resp.body, b"hello");
        let raw = req_rx.await.unwrap();
        assert!(raw.starts_with("GET /path HTTP/1.1"), "{raw}");
        assert!(raw.to_ascii_lowercase().contains("x-test: yes"), "{raw}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn post_sends_body_and_error_status_is_not_an_error() {
        let (url, req_rx) = one_shot_server("404 Not Found", b"nope".to_vec()).await;
        let client = UreqHttpClient::new();
        let resp = client
            .execute(HttpRequest::post(&url).with_body(b"payload-bytes".to_vec()))
            .await
            .unwrap();
        assert_eq!(resp.status_code, 404);
        assert_eq!(resp.body, b"nope");
        let raw = req_rx.await.unwrap();
        assert!(raw.starts_with("POST /path"), "{raw}");
        assert!(raw.ends_with("payload-bytes"), "{raw}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn body_over_the_cap_is_rejected() {
        let (url, _rx) = one_shot_server("200 OK", vec![7u8; 1000]).await;
        let client = UreqHttpClient::new().with_max_body_bytes(100);
        let err = client.execute(HttpRequest::get(&url)).await.unwrap_err();
        assert!(
            matches!(err, HttpError::BodyTooLarge { limit: 100, .. }),
            "{err}"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn streaming_reads_the_body() {
        let (url, _rx) = one_shot_server("200 OK", vec![3u8; 5000]).await;
        let client = UreqHttpClient::new();
        let out = tokio::task::spawn_blocking(move || {
            let mut resp = client.execute_streaming(HttpRequest::get(url)).unwrap();
            let mut v = Vec::new();
            resp.body.read_to_end(&mut v).unwrap();
            (resp.status_code, v)
        })
        .await
        .unwrap();
        assert_eq!(out.0, 200);
        assert_eq!(out.1, vec![3u8; 5000]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn unreachable_host_is_a_request_error() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap().port()
        };
        let err = UreqHttpClient::new()
            .execute(HttpRequest::get(format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Request { .. }), "{err}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn bad_method_is_rejected() {
        let mut req = HttpRequest::get("http://127.0.0.1:1/");
        req.method = "NOT A METHOD".to_string();
        let err = UreqHttpClient::new().execute(req).await.unwrap_err();
        assert!(matches!(err, HttpError::UnsupportedMethod(_)), "{err}");
    }
}
