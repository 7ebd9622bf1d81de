//! Optional TLS: a certificate authority generated at start, a leaf certificate it signs for the
//! server's names (`localhost`, `127.0.0.1`, `::1`, the bound and media host), and the acceptor
//! the listener uses when a connection's first byte is a TLS handshake record.
//!
//! Clients trust the CA certificate ([`TlsIdentity::ca_pem`] / [`TlsIdentity::ca_der`]); its key
//! lives only in this process and is dropped once the leaf is signed.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// The first byte of a TLS record carrying a handshake (a ClientHello opens with it).
pub(crate) const TLS_HANDSHAKE_BYTE: u8 = 0x16;

/// The server's TLS certificate authority and the acceptor serving its leaf certificate.
#[derive(Clone)]
pub(crate) struct TlsIdentity {
    ca_pem: String,
    ca_der: Vec<u8>,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("ca_der_len", &self.ca_der.len())
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Generates a CA and a leaf for the loopback names, `bind`'s address (unless unspecified)
    /// and the host part of `media_host`.
    pub fn generate(bind: SocketAddr, media_host: Option<&str>) -> Result<TlsIdentity> {
        let names = server_names(bind, media_host);
        let tls = |what: &str, e: &dyn std::fmt::Display| Error::Tls(format!("{what}: {e}"));

        let ca_key = KeyPair::generate().map_err(|e| tls("CA key", &e))?;
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| tls("CA params", &e))?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "wa-testserver local CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(|e| tls("CA certificate", &e))?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().map_err(|e| tls("leaf key", &e))?;
        let mut leaf_params =
            CertificateParams::new(names.clone()).map_err(|e| tls("server names", &e))?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "wa-testserver");
        leaf_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .map_err(|e| tls("leaf certificate", &e))?;

        let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls("protocol versions", &e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| tls("server config", &e))?;
        log::info!(target: "TestServer/Tls", "generated a TLS certificate for {names:?}");
        Ok(TlsIdentity {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// The CA certificate, PEM-encoded.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate, DER-encoded.
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// The acceptor for incoming TLS connections.
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

/// The names the leaf certificate covers.
fn server_names(bind: SocketAddr, media_host: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if !bind.ip().is_unspecified() {
        names.push(bind.ip().to_string());
    }
    if let Some(host) = media_host.and_then(host_part) {
        names.push(host);
    }
    names.sort();
    names.dedup();
    names
}

/// `host` from `host:port`, `[v6]:port` or a bare host.
fn host_part(host_port: &str) -> Option<String> {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next()?
    } else if host_port.matches(':').count() == 1 {
        host_port.split(':').next()?
    } else {
        host_port
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_loopback_bind_and_media_host() {
        let names = server_names(
            "10.1.2.3:5000".parse().unwrap(),
            Some("media.test.local:5000"),
        );
        for n in [
            "localhost",
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "media.test.local",
        ] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        let names = server_names("0.0.0.0:0".parse().unwrap(), Some("[::1]:80"));
        assert!(!names.iter().any(|x| x == "0.0.0.0"));
        assert_eq!(host_part("[fe80::1]:443").as_deref(), Some("fe80::1"));
        assert_eq!(host_part("example:1").as_deref(), Some("example"));
        assert_eq!(host_part("fe80::1").as_deref(), Some("fe80::1"));
    }

    #[test]
    fn pem_and_der_name_the_same_ca_and_rustls_trusts_it() {
        let id = TlsIdentity::generate("127.0.0.1:0".parse().unwrap(), None).unwrap();
        assert!(id.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(
                id.ca_der().to_vec(),
            ))
            .unwrap();
        assert_eq!(roots.len(), 1);
        // Two independently generated identities never share a CA.
        let other = TlsIdentity::generate("127.0.0.1:0".parse().unwrap(), None).unwrap();
        assert_ne!(id.ca_der(), other.ca_der());
    }
}
