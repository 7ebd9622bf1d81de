//! The HTTP side of the server: one listener serving the WebSocket endpoint (`/ws/chat`), media
//! upload and download (`/mms/...`, `/v/...`) and the admin API (`/admin/...`).
//!
//! With TLS on, the same port serves both: a connection whose first byte opens a TLS handshake
//! record goes through the TLS acceptor first, any other is plain HTTP.

mod admin;
mod media;

pub(crate) use media::store as store_media;
mod ws;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::state::Shared;
use crate::tls::TLS_HANDSHAKE_BYTE;

/// How long a new connection may take to send its first byte, and a TLS client its handshake.
const TLS_SNIFF_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request body the server reads (media uploads included).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// The response type of every route.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// Accepts connections until `stop` changes, serving each on its own task.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(v) => v,
                    Err(e) => {
                        log::warn!(target: "TestServer/Http", "accept failed: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(accept_one(stream, peer, shared.clone(), stop.clone()));
            }
            _ = stop.changed() => break,
        }
    }
}

/// Serves one accepted connection: through TLS first when it opens with a handshake record and
/// TLS is on, as plain HTTP otherwise.
async fn accept_one(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let Some(tls) = shared.tls.clone() else {
        serve_http(stream, peer, shared, stop).await;
        return;
    };
    let mut first = [0u8; 1];
    let peeked = tokio::select! {
        r = tokio::time::timeout(TLS_SNIFF_TIMEOUT, stream.peek(&mut first)) => r,
        _ = stop.changed() => return,
    };
    match peeked {
        Ok(Ok(0)) | Ok(Err(_)) => (),
        Ok(Ok(_)) if first[0] == TLS_HANDSHAKE_BYTE => {
            let accepted = tokio::select! {
                r = tokio::time::timeout(TLS_SNIFF_TIMEOUT, tls.acceptor().accept(stream)) => r,
                _ = stop.changed() => return,
            };
            match accepted {
                Ok(Ok(tls_stream)) => serve_http(tls_stream, peer, shared, stop).await,
                Ok(Err(e)) => {
                    log::debug!(target: "TestServer/Tls", "TLS handshake with {peer} failed: {e}")
                }
                Err(_) => {
                    log::debug!(target: "TestServer/Tls", "TLS handshake with {peer} timed out")
                }
            }
        }
        // Plain HTTP, or a client that sends nothing at first (hyper handles it).
        Ok(Ok(_)) | Err(_) => serve_http(stream, peer, shared, stop).await,
    }
}

/// Serves HTTP/1.1 (with upgrades, for the WebSocket) on one connection until it ends or the
/// server generation stops.
async fn serve_http<S>(
    stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| route(req, shared.clone()));
    let conn = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                log::debug!(target: "TestServer/Http", "connection from {peer}: {e}");
            }
        }
        _ = stop.changed() => {}
    }
}

/// Dispatches one request by path.
async fn route(req: Request<Incoming>, shared: Arc<Shared>) -> Result<HttpResponse, Infallible> {
    let path = req.uri().path().to_owned();
    log::debug!(target: "TestServer/Http", "{} {}", req.method(), req.uri());
    let resp = if path == "/ws/chat" || path == "/ws" {
        ws::upgrade(req, shared)
    } else if path == "/admin/tls-cert" {
        // The CA certificate (PEM) a client must trust for wss:// and https://.
        match &shared.tls {
            Some(tls) => text(StatusCode::OK, tls.ca_pem()),
            None => text(StatusCode::NOT_FOUND, "TLS is off (start with --tls)"),
        }
    } else if let Some(rest) = path.strip_prefix("/admin/") {
        let rest = rest.to_owned();
        let method = req.method().clone();
        match read_body(req).await {
            Ok(body) => admin::handle(&shared, &method, &rest, &body).await,
            Err(resp) => resp,
        }
    } else if path.starts_with("/mms/") || path.starts_with("/v/") {
        let method = req.method().clone();
        let query = req.uri().query().map(str::to_owned);
        match read_body(req).await {
            Ok(body) => media::handle(&shared, &method, &path, query.as_deref(), body),
            Err(resp) => resp,
        }
    } else if path == "/" || path == "/health" {
        text(StatusCode::OK, "wa-testserver")
    } else {
        text(StatusCode::NOT_FOUND, "not found")
    };
    Ok(resp)
}

/// Reads a whole request body, bounded by [`MAX_BODY`].
async fn read_body(req: Request<Incoming>) -> Result<Bytes, HttpResponse> {
    match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(text(StatusCode::PAYLOAD_TOO_LARGE, &format!("body: {e}"))),
    }
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: &str) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_owned())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(value.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// A binary response.
pub(crate) fn binary(status: StatusCode, body: Bytes) -> HttpResponse {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/octet-stream"),
    );
    resp
}
