//! Client-side verification of the certificate chain the server sends in its hello.

use prost::Message as _;
use subtle::ConstantTimeEq;
use waproto::whatsapp as wa;

use crate::consts::{WA_CERT_ROOT_KEY, WA_CERT_ROOT_SERIAL};
use crate::error::{CertKind, NoiseError, Result};
use crate::xeddsa::{self, SIGNATURE_LEN};

/// What the client trusts: a root key and serial, and the time to check validity windows against.
///
/// [`CertVerifier::whatsapp`] trusts WhatsApp's real root. A test server signs with its own root;
/// a client reaches it only through an explicit [`CertVerifier::with_root`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertVerifier {
    root_key: [u8; 32],
    root_serial: u32,
    now: u64,
}

/// The checked facts of a verified chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// Serial of the intermediate certificate.
    pub intermediate_serial: u32,
    /// Serial of the leaf certificate.
    pub leaf_serial: u32,
    /// End of the leaf's validity window, Unix seconds.
    pub leaf_not_after: u64,
}

impl CertVerifier {
    /// Trust WhatsApp's root key ([`WA_CERT_ROOT_KEY`], serial 0); `now` is Unix seconds.
    pub fn whatsapp(now: u64) -> Self {
        Self {
            root_key: WA_CERT_ROOT_KEY,
            root_serial: WA_CERT_ROOT_SERIAL,
            now,
        }
    }

    /// Trust another root (a test server's), with issuer serial 0.
    pub fn with_root(root_key: [u8; 32], now: u64) -> Self {
        Self {
            root_key,
            root_serial: WA_CERT_ROOT_SERIAL,
            now,
        }
    }

    /// Changes the serial the intermediate must name as its issuer.
    pub fn with_root_serial(mut self, serial: u32) -> Self {
        self.root_serial = serial;
        self
    }

    /// The trusted root key.
    pub fn root_key(&self) -> &[u8; 32] {
        &self.root_key
    }

    /// Verifies an encoded `CertChain` for a server whose static key is `server_static`:
    /// intermediate signed by the root and naming the root's serial, leaf signed by the
    /// intermediate and naming its serial, both valid at `now`, and the leaf key equal to the
    /// server's static key.
    pub fn verify(&self, chain: &[u8], server_static: &[u8; 32]) -> Result<VerifiedChain> {
        let chain = wa::CertChain::decode(chain)
            .map_err(|e| NoiseError::MalformedCertChain(format!("not a CertChain: {e}")))?;
        let (inter_raw, inter_sig) = parts(chain.intermediate.as_ref(), CertKind::Intermediate)?;
        let (leaf_raw, leaf_sig) = parts(chain.leaf.as_ref(), CertKind::Leaf)?;

        if !xeddsa::verify(&self.root_key, inter_raw, inter_sig) {
            log::warn!(target: "Noise", "intermediate certificate not signed by the trusted root");
            return Err(NoiseError::CertSignature(CertKind::Intermediate));
        }
        let inter = details(inter_raw, CertKind::Intermediate)?;
        let inter_issuer = inter.issuer_serial.unwrap_or(0);
        if inter_issuer != self.root_serial {
            return Err(NoiseError::CertSerial {
                cert: CertKind::Intermediate,
                expected: self.root_serial,
                got: inter_issuer,
            });
        }
        let inter_key: [u8; 32] = inter
            .key
            .as_deref()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| {
                NoiseError::MalformedCertChain("intermediate key is not 32 bytes".into())
            })?;
        if !xeddsa::verify(&inter_key, leaf_raw, leaf_sig) {
            log::warn!(target: "Noise", "leaf certificate not signed by the intermediate");
            return Err(NoiseError::CertSignature(CertKind::Leaf));
        }
        self.check_validity(&inter, CertKind::Intermediate)?;

        let leaf = details(leaf_raw, CertKind::Leaf)?;
        let inter_serial = inter.serial.unwrap_or(0);
        let leaf_issuer = leaf.issuer_serial.unwrap_or(0);
        if leaf_issuer != inter_serial {
            return Err(NoiseError::CertSerial {
                cert: CertKind::Leaf,
                expected: inter_serial,
                got: leaf_issuer,
            });
        }
        let leaf_key = leaf.key.as_deref().unwrap_or_default();
        if !bool::from(leaf_key.ct_eq(server_static.as_slice())) {
            log::warn!(target: "Noise", "leaf certificate key differs from the server static key");
            return Err(NoiseError::CertKeyMismatch);
        }
        self.check_validity(&leaf, CertKind::Leaf)?;
        Ok(VerifiedChain {
            intermediate_serial: inter_serial,
            leaf_serial: leaf.serial.unwrap_or(0),
            leaf_not_after: leaf.not_after.unwrap_or(0),
        })
    }

    /// An absent bound counts as 0, so a certificate without `not_after` is expired (as whatsmeow).
    fn check_validity(
        &self,
        cert: &wa::cert_chain::noise_certificate::Details,
        kind: CertKind,
    ) -> Result<()> {
        let not_before = cert.not_before.unwrap_or(0);
        let not_after = cert.not_after.unwrap_or(0);
        if self.now < not_before {
            return Err(NoiseError::CertNotYetValid {
                cert: kind,
                not_before,
                now: self.now,
            });
        }
        if self.now > not_after {
            return Err(NoiseError::CertExpired {
                cert: kind,
                not_after,
                now: self.now,
            });
        }
        Ok(())
    }
}

/// A certificate's raw details and its 64-byte signature.
fn parts(
    cert: Option<&wa::cert_chain::NoiseCertificate>,
    kind: CertKind,
) -> Result<(&[u8], &[u8; SIGNATURE_LEN])> {
    let cert =
        cert.ok_or_else(|| NoiseError::MalformedCertChain(format!("missing {kind} certificate")))?;
    let details = cert.details.as_deref().ok_or_else(|| {
        NoiseError::MalformedCertChain(format!("{kind} certificate has no details"))
    })?;
    let signature = cert
        .signature
        .as_deref()
        .and_then(|s| <&[u8; SIGNATURE_LEN]>::try_from(s).ok())
        .ok_or_else(|| {
            NoiseError::MalformedCertChain(format!("{kind} signature is not 64 bytes"))
        })?;
    Ok((details, signature))
}

fn details(raw: &[u8], kind: CertKind) -> Result<wa::cert_chain::noise_certificate::Details> {
    wa::cert_chain::noise_certificate::Details::decode(raw)
        .map_err(|e| NoiseError::MalformedCertChain(format!("{kind} details: {e}")))
}
