//! Helpers for the media, app-state and history tests: synthetic media files, fetching
//! blobs from the test server's CDN, hashing.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::Path;

use rand::RngExt as _;
use sha2::Digest as _;
use wacore::net::{HttpClient, HttpRequest};
use whatsapp_rust_ureq_http_client::UreqHttpClient;

pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::rng().fill(&mut v[..]);
    v
}

/// A PNG header (IHDR with the given size) followed by random bytes.
pub fn png_bytes(w: u32, h: u32, extra: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0]);
    v.extend_from_slice(&random_bytes(extra));
    v
}

/// An extended WebP header (VP8X) with the given size and animation flag, then random bytes.
pub fn webp_bytes(w: u32, h: u32, animated: bool, extra: usize) -> Vec<u8> {
    let mut v = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
    v.push(if animated { 0x02 } else { 0 });
    v.extend_from_slice(&[0, 0, 0]);
    v.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    v.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    v.extend_from_slice(&random_bytes(extra));
    v
}

/// An Ogg Opus stream shape: `OpusHead` page, random audio, a last page whose granule
/// position gives `seconds`.
pub fn ogg_opus_bytes(seconds: u64, extra: usize) -> Vec<u8> {
    let mut v = b"OggS\0\x02".to_vec();
    v.extend_from_slice(&0u64.to_le_bytes());
    v.extend_from_slice(&[0; 13]);
    v.extend_from_slice(b"OpusHead\x01\x02");
    v.extend_from_slice(&312u16.to_le_bytes());
    v.extend_from_slice(&[0; 16]);
    // Random audio without an accidental page marker.
    v.extend(
        random_bytes(extra)
            .into_iter()
            .map(|b| if b == b'O' { b'o' } else { b }),
    );
    v.extend_from_slice(b"OggS\0\x04");
    v.extend_from_slice(&(seconds * 48_000 + 312).to_le_bytes());
    v.extend_from_slice(&[0; 20]);
    v
}

/// Writes `len` bytes (`prefix` then random) to `path` in chunks; returns their SHA-256.
pub fn write_random_file(path: &Path, len: usize, prefix: &[u8]) -> [u8; 32] {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut h = sha2::Sha256::new();
    f.write_all(prefix).unwrap();
    h.update(prefix);
    let mut left = len - prefix.len();
    let mut chunk = vec![0u8; 1 << 20];
    while left > 0 {
        let n = left.min(chunk.len());
        rand::rng().fill(&mut chunk[..n]);
        f.write_all(&chunk[..n]).unwrap();
        h.update(&chunk[..n]);
        left -= n;
    }
    f.flush().unwrap();
    h.finalize().into()
}

/// GETs a stored blob from the test server's CDN.
pub async fn fetch_blob(server: &testserver::TestServer, direct_path: &str) -> Vec<u8> {
    let url = format!("{}{direct_path}", server.http_url());
    let resp = UreqHttpClient::new()
        .execute(HttpRequest::get(url))
        .await
        .unwrap();
    assert_eq!(resp.status_code, 200, "blob {direct_path} is on the server");
    resp.body
}

/// POSTs a blob to the test server's CDN (as a phone or a hostile sender would) and
/// returns its direct path.
pub async fn store_blob(server: &testserver::TestServer, mms_type: &str, body: Vec<u8>) -> String {
    let url = format!("{}/mms/{mms_type}/t?auth=test", server.http_url());
    let resp = UreqHttpClient::new()
        .execute(HttpRequest::post(url).with_body(body))
        .await
        .unwrap();
    assert_eq!(resp.status_code, 200);
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    v["direct_path"].as_str().unwrap().to_owned()
}
