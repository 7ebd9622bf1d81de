//! TLS client configuration: rustls with the webpki root store (plus any extra roots the
//! caller trusts, such as a local test server's CA), or (behind the
//! `danger-skip-tls-verify` feature, for development only) no verification at all.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use wacore::net::TransportError;

/// Builds the rustls client configuration used for `wss://` URLs: the webpki roots plus
/// `extra_roots` (DER certificates).
pub(crate) fn client_config(
    url: &str,
    extra_roots: &[CertificateDer<'static>],
) -> Result<Arc<ClientConfig>, TransportError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Connect {
            url: url.to_string(),
            reason: format!("TLS configuration: {e}"),
        })?;

    #[cfg(feature = "danger-skip-tls-verify")]
    {
        log::warn!(
            target: "Transport",
            "TLS certificate verification is DISABLED (danger-skip-tls-verify feature)"
        );
        let _ = extra_roots;
        let verifier = Arc::new(danger::NoVerification(provider));
        Ok(Arc::new(
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth(),
        ))
    }

    #[cfg(not(feature = "danger-skip-tls-verify"))]
    {
        let _ = provider;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| TransportError::Connect {
                    url: url.to_string(),
                    reason: format!("extra root certificate refused: {e}"),
                })?;
        }
        Ok(Arc::new(
            builder.with_root_certificates(roots).with_no_client_auth(),
        ))
    }
}

#[cfg(feature = "danger-skip-tls-verify")]
mod danger {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, Error, SignatureScheme};

    /// Accepts every server certificate; handshake signatures are still checked.
    #[derive(Debug)]
    pub(super) struct NoVerification(pub(super) Arc<CryptoProvider>);

    impl ServerCertVerifier for NoVerification {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_config_builds_with_roots() {
        let cfg = super::client_config("wss://web.whatsapp.com/ws/chat", &[]).unwrap();
        assert!(cfg.alpn_protocols.is_empty());
    }

    #[cfg(not(feature = "danger-skip-tls-verify"))]
    #[test]
    fn an_extra_root_that_is_not_a_certificate_is_refused() {
        let junk = rustls::pki_types::CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        let err = super::client_config("wss://127.0.0.1:1/ws/chat", &[junk]).unwrap_err();
        assert!(err.to_string().contains("extra root"), "{err}");
    }
}
