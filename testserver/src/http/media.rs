//! Media over HTTP: uploads to `/mms/<type>/<token>` store the encrypted blob and answer its URL
//! and direct path; downloads of `/v/...` (and `/mms/...` GETs) return stored blobs.

use std::sync::Arc;

use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::{HttpResponse, binary, json, text};
use crate::state::Shared;

/// Handles a media request.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Bytes,
) -> HttpResponse {
    if method == Method::POST || method == Method::PUT {
        return upload(shared, path, query, body);
    }
    if method == Method::GET || method == Method::HEAD {
        let world = shared.world();
        return match world.media.get(path) {
            Some(blob) => binary(StatusCode::OK, Bytes::from(blob.clone())),
            None => text(StatusCode::NOT_FOUND, "no such media"),
        };
    }
    text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

fn upload(shared: &Arc<Shared>, path: &str, query: Option<&str>, body: Bytes) -> HttpResponse {
    let mut parts = path.trim_start_matches("/mms/").splitn(2, '/');
    let kind = parts.next().unwrap_or("").to_owned();
    let token = parts.next().unwrap_or("").to_owned();
    let has_auth = query.is_some_and(|q| {
        q.split('&')
            .any(|kv| kv.starts_with("auth=") && kv.len() > 5)
    });
    if kind.is_empty() || token.is_empty() || !has_auth {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": "expected /mms/<type>/<token>?auth=..."}),
        );
    }
    if body.is_empty() {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": "empty body"}),
        );
    }
    let direct_path = store(shared, &kind, body.to_vec());
    let url = format!("{}{direct_path}", shared.media_url_base());
    json(
        StatusCode::OK,
        &serde_json::json!({
            "url": url,
            "direct_path": direct_path,
            "handle": null,
        }),
    )
}

/// Stores a blob and returns its direct path.
pub(crate) fn store(shared: &Shared, kind: &str, blob: Vec<u8>) -> String {
    let mut world = shared.world();
    let n = world.next_stanza_id();
    let safe_kind: String = kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    let direct_path = format!("/v/t62.{safe_kind}/{}.enc", n.replace('.', "_"));
    world.media.insert(direct_path.clone(), blob);
    direct_path
}
