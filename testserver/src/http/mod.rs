//! The HTTP side of the server: one listener serving the WebSocket endpoint (`/ws/chat`), media
//! upload and download (`/mms/...`, `/v/...`) and the admin API (`/admin/...`).

mod admin;
mod media;

pub(crate) use media::store as store_media;
mod ws;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::state::Shared;

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
                let shared = shared.clone();
                let mut conn_stop = stop.clone();
                tokio::spawn(async move {
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
                        _ = conn_stop.changed() => {}
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
}

/// Dispatches one request by path.
async fn route(req: Request<Incoming>, shared: Arc<Shared>) -> Result<HttpResponse, Infallible> {
    let path = req.uri().path().to_owned();
    log::debug!(target: "TestServer/Http", "{} {}", req.method(), req.uri());
    let resp = if path == "/ws/chat" || path == "/ws" {
        ws::upgrade(req, shared)
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
