//! TLS next to plain connections on the same port: `https://` and `wss://` with a certificate
//! from the CA the server generated at start, plain `http://`/`ws://` unchanged, clients that do
//! not trust the CA refused, media uploaded and downloaded over https, a login over wss, and the
//! `wa-testserver` binary writing the CA certificate it serves with.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::{Companion, MiniClient, attr, pair};
use testserver::{Config, TestServer};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// A ureq agent that trusts exactly `ca_der` (or the public web roots when `None`).
fn agent(ca_der: Option<&[u8]>) -> ureq::Agent {
    let roots = match ca_der {
        Some(der) => RootCerts::Specific(Arc::new(vec![Certificate::from_der(der).to_owned()])),
        None => RootCerts::WebPki,
    };
    ureq::Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// Runs a blocking ureq call off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

async fn tls_server() -> TestServer {
    let _ = env_logger::builder().is_test(true).try_init();
    TestServer::start(Config::default().with_tls(true))
        .await
        .unwrap()
}

#[tokio::test]
async fn https_and_http_share_the_port_and_untrusting_clients_are_refused() {
    let server = tls_server().await;
    let https = server.https_url().unwrap();
    let http = server.http_url();
    assert_eq!(https, format!("https://{}", server.addr()));
    assert_eq!(
        server.wss_url().unwrap(),
        format!("wss://{}/ws/chat", server.addr())
    );
    let ca = server.tls_ca_der().unwrap().to_vec();
    let pem = server.tls_ca_pem().unwrap().to_owned();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let (trusted, plain, untrusted, served_pem, info) = blocking(move || {
        let a = agent(Some(&ca));
        let trusted = a
            .get(format!("{https}/health"))
            .call()
            .map(|mut r| r.body_mut().read_to_string().unwrap());
        let plain = agent(None)
            .get(format!("{http}/health"))
            .call()
            .map(|mut r| r.body_mut().read_to_string().unwrap());
        let untrusted = agent(None).get(format!("{https}/health")).call();
        let served_pem = a
            .get(format!("{https}/admin/tls-cert"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let info = a
            .get(format!("{http}/admin/info"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        (trusted, plain, untrusted, served_pem, info)
    })
    .await;
    assert_eq!(
        trusted.unwrap(),
        "wa-testserver",
        "https with the CA trusted"
    );
    assert_eq!(
        plain.unwrap(),
        "wa-testserver",
        "plain http on the same port"
    );
    let err = untrusted.expect_err("a client without the CA must refuse the certificate");
    assert!(
        err.to_string().to_lowercase().contains("certificate")
            || matches!(err, ureq::Error::Tls(_) | ureq::Error::Rustls(_)),
        "{err}"
    );
    assert_eq!(served_pem, pem, "/admin/tls-cert serves the CA certificate");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["tls_ca_pem"], pem.as_str());
    assert_eq!(info["wss_url"], server.wss_url().unwrap().as_str());
    // The server keeps serving after a refused handshake.
    let https = server.https_url().unwrap();
    let ca = server.tls_ca_der().unwrap().to_vec();
    let again = blocking(move || agent(Some(&ca)).get(format!("{https}/health")).call()).await;
    assert_eq!(again.unwrap().status(), 200);
}

#[tokio::test]
async fn media_uploaded_over_https_gets_an_https_url_and_downloads_over_both_schemes() {
    let server = tls_server().await;
    let https = server.https_url().unwrap();
    let http = server.http_url();
    let ca = server.tls_ca_der().unwrap().to_vec();
    let blob: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let sent = blob.clone();
    let (answer, over_https, over_http) = blocking(move || {
        let a = agent(Some(&ca));
        let answer: serde_json::Value = serde_json::from_str(
            &a.post(format!("{https}/mms/document/tok?auth=abc&token=tok"))
                .header("Content-Type", "application/octet-stream")
                .send(&sent[..])
                .unwrap()
                .body_mut()
                .read_to_string()
                .unwrap(),
        )
        .unwrap();
        let url = answer["url"].as_str().unwrap().to_owned();
        let path = answer["direct_path"].as_str().unwrap().to_owned();
        let get = |u: String| {
            a.get(u)
                .call()
                .unwrap()
                .body_mut()
                .with_config()
                .limit(1 << 24)
                .read_to_vec()
                .unwrap()
        };
        let over_https = get(url);
        let over_http = get(format!("{http}{path}"));
        (answer, over_https, over_http)
    })
    .await;
    let url = answer["url"].as_str().unwrap();
    let path = answer["direct_path"].as_str().unwrap();
    assert!(path.starts_with("/v/"), "{answer}");
    assert_eq!(
        url,
        format!("{}{path}", server.https_url().unwrap()),
        "with TLS on, media URLs are https like WhatsApp's CDN"
    );
    assert_eq!(over_https, blob);
    assert_eq!(over_http, blob);
}

#[tokio::test]
async fn a_companion_logs_in_over_wss() {
    let server = tls_server().await;
    let phone = server.create_account("15550009001").unwrap();
    let mut comp = Companion::new();
    // Pair over plain ws, log in over wss on the same port.
    let paired = pair(&server, &phone, &mut comp).await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(
            server.tls_ca_der().unwrap().to_vec(),
        ))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut c = MiniClient::connect_to(
        &server,
        &server.wss_url().unwrap(),
        Some(tokio_tungstenite::Connector::Rustls(Arc::new(config))),
        &comp.noise,
        &comp.login_payload(),
    )
    .await;
    let first = c
        .recv(std::time::Duration::from_secs(10))
        .await
        .expect("an answer to login over wss");
    assert_eq!(first.tag, "success", "{first:?}");
    assert_eq!(attr(&first, "lid"), paired.lid);
}

#[tokio::test]
async fn without_tls_the_server_offers_no_tls_and_refuses_a_handshake() {
    let server = TestServer::start(Config::default()).await.unwrap();
    assert!(server.wss_url().is_none() && server.https_url().is_none());
    assert!(server.tls_ca_pem().is_none() && server.tls_ca_der().is_none());
    let https = format!("https://{}/health", server.addr());
    let http = format!("{}/admin/tls-cert", server.http_url());
    let (tls, cert) = blocking(move || {
        let a = agent(None);
        (a.get(https).call().map(|r| r.status()), a.get(http).call())
    })
    .await;
    assert!(tls.is_err(), "TLS on a plain server: {tls:?}");
    assert_eq!(cert.unwrap().status(), 404);
}

#[tokio::test]
async fn the_binary_writes_the_ca_certificate_it_serves_with() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wa-testserver"))
        .args(["--tls", "--cert-out"])
        .arg(&cert_path)
        .args(["--account", "15550009002"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = blocking(move || {
        let mut out = std::collections::HashMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let (k, v) = line.split_once('=').unwrap();
            out.insert(k.to_owned(), v.to_owned());
            if k == "root_public_key" {
                break;
            }
        }
        out
    })
    .await;
    let https = lines["https_url"].clone();
    assert!(
        lines["wss_url"].starts_with("wss://127.0.0.1:"),
        "{lines:?}"
    );
    assert_eq!(lines["tls_ca_cert"], cert_path.display().to_string());
    let pem = std::fs::read(&cert_path).unwrap();
    let served = blocking(move || {
        let ca = Certificate::from_pem(&pem).unwrap();
        agent(Some(ca.der()))
            .get(format!("{https}/admin/accounts"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    })
    .await;
    assert!(served.contains("15550009002"), "{served}");
    child.kill().unwrap();
    child.wait().unwrap();
}
