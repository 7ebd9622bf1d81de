//! Issuing certificate chains, for a server that signs with its own root (our test server).

use prost::Message as _;
use rand::CryptoRng;
use waproto::whatsapp as wa;

use crate::keys::KeyPair;
use crate::xeddsa;

/// The signed fields of one Noise certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDetails {
    /// This certificate's serial.
    pub serial: u32,
    /// The serial of the certificate (or root) that signs it.
    pub issuer_serial: u32,
    /// The X25519 key it certifies.
    pub key: [u8; 32],
    /// Start of validity, Unix seconds.
    pub not_before: u64,
    /// End of validity, Unix seconds.
    pub not_after: u64,
}

impl CertDetails {
    /// Encodes and signs these details with `signer`'s key (XEdDSA).
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        signer: &KeyPair,
        rng: &mut R,
    ) -> wa::cert_chain::NoiseCertificate {
        let details = wa::cert_chain::noise_certificate::Details {
            serial: Some(self.serial),
            issuer_serial: Some(self.issuer_serial),
            key: Some(self.key.to_vec()),
            not_before: Some(self.not_before),
            not_after: Some(self.not_after),
        }
        .encode_to_vec();
        let signature = xeddsa::sign(&signer.private_bytes(), &details, rng);
        wa::cert_chain::NoiseCertificate {
            details: Some(details),
            signature: Some(signature.to_vec()),
        }
    }
}

/// A root key plus an intermediate it certified: everything a server needs to hand out a
/// `CertChain` for its static key.
#[derive(Debug, Clone)]
pub struct CertAuthority {
    root: KeyPair,
    intermediate: KeyPair,
    intermediate_cert: wa::cert_chain::NoiseCertificate,
    intermediate_serial: u32,
}

impl CertAuthority {
    /// Serial given to the intermediate certificate.
    pub const INTERMEDIATE_SERIAL: u32 = 1;
    /// Serial given to leaf certificates.
    pub const LEAF_SERIAL: u32 = 2;

    /// A fresh root and intermediate; the intermediate is valid over `[not_before, not_after]`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, not_before: u64, not_after: u64) -> Self {
        let root = KeyPair::generate(rng);
        Self::from_root(root, rng, not_before, not_after)
    }

    /// An intermediate certified by the given root key (serial 0).
    pub fn from_root<R: CryptoRng + ?Sized>(
        root: KeyPair,
        rng: &mut R,
        not_before: u64,
        not_after: u64,
    ) -> Self {
        let intermediate = KeyPair::generate(rng);
        let intermediate_cert = CertDetails {
            serial: Self::INTERMEDIATE_SERIAL,
            issuer_serial: 0,
            key: *intermediate.public(),
            not_before,
            not_after,
        }
        .sign(&root, rng);
        Self {
            root,
            intermediate,
            intermediate_cert,
            intermediate_serial: Self::INTERMEDIATE_SERIAL,
        }
    }

    /// The root public key clients must be configured to trust.
    pub fn root_public(&self) -> &[u8; 32] {
        self.root.public()
    }

    /// The intermediate key pair (to sign custom leaves).
    pub fn intermediate(&self) -> &KeyPair {
        &self.intermediate
    }

    /// A chain for `server_static`: the intermediate plus a fresh leaf valid over
    /// `[not_before, not_after]`.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        server_static: &[u8; 32],
        not_before: u64,
        not_after: u64,
        rng: &mut R,
    ) -> wa::CertChain {
        let leaf = CertDetails {
            serial: Self::LEAF_SERIAL,
            issuer_serial: self.intermediate_serial,
            key: *server_static,
            not_before,
            not_after,
        }
        .sign(&self.intermediate, rng);
        wa::CertChain {
            leaf: Some(leaf),
            intermediate: Some(self.intermediate_cert.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::CertVerifier;
    use crate::error::{CertKind, NoiseError};

    const NOW: u64 = 1_750_000_000;

    fn setup() -> (CertAuthority, KeyPair) {
        let mut rng = rand::rng();
        (
            CertAuthority::generate(&mut rng, NOW - 10, NOW + 1000),
            KeyPair::generate(&mut rng),
        )
    }

    #[test]
    fn issued_chain_verifies_and_each_defect_has_its_own_error() {
        let mut rng = rand::rng();
        let (ca, server) = setup();
        let verifier = CertVerifier::with_root(*ca.root_public(), NOW);
        let good = ca
            .issue(server.public(), NOW - 10, NOW + 100, &mut rng)
            .encode_to_vec();
        let ok = verifier.verify(&good, server.public()).unwrap();
        assert_eq!(ok.leaf_serial, CertAuthority::LEAF_SERIAL);

        // Unknown root.
        let other_root = CertVerifier::with_root(*KeyPair::generate(&mut rng).public(), NOW);
        assert_eq!(
            other_root.verify(&good, server.public()),
            Err(NoiseError::CertSignature(CertKind::Intermediate))
        );
        // The real WhatsApp root does not trust a test root.
        assert_eq!(
            CertVerifier::whatsapp(NOW).verify(&good, server.public()),
            Err(NoiseError::CertSignature(CertKind::Intermediate))
        );
        // Leaf for another key.
        assert_eq!(
            verifier.verify(&good, KeyPair::generate(&mut rng).public()),
            Err(NoiseError::CertKeyMismatch)
        );
        // Expired / not yet valid leaf.
        let expired = ca
            .issue(server.public(), NOW - 100, NOW - 1, &mut rng)
            .encode_to_vec();
        assert_eq!(
            verifier.verify(&expired, server.public()),
            Err(NoiseError::CertExpired {
                cert: CertKind::Leaf,
                not_after: NOW - 1,
                now: NOW
            })
        );
        let future = ca
            .issue(server.public(), NOW + 1, NOW + 100, &mut rng)
            .encode_to_vec();
        assert!(matches!(
            verifier.verify(&future, server.public()),
            Err(NoiseError::CertNotYetValid {
                cert: CertKind::Leaf,
                ..
            })
        ));
        // Leaf naming the wrong issuer serial.
        let mut chain = ca.issue(server.public(), NOW - 10, NOW + 100, &mut rng);
        chain.leaf = Some(
            CertDetails {
                serial: 2,
                issuer_serial: 7,
                key: *server.public(),
                not_before: 0,
                not_after: NOW + 1,
            }
            .sign(ca.intermediate(), &mut rng),
        );
        assert_eq!(
            verifier.verify(&chain.encode_to_vec(), server.public()),
            Err(NoiseError::CertSerial {
                cert: CertKind::Leaf,
                expected: 1,
                got: 7
            })
        );
    }

    #[test]
    fn malformed_chains_are_errors() {
        let (ca, server) = setup();
        let verifier = CertVerifier::with_root(*ca.root_public(), NOW);
        assert!(matches!(
            verifier.verify(&[0xff, 0xff], server.public()),
            Err(NoiseError::MalformedCertChain(_))
        ));
        let empty = wa::CertChain::default().encode_to_vec();
        assert!(matches!(
            verifier.verify(&empty, server.public()),
            Err(NoiseError::MalformedCertChain(_))
        ));
        let mut chain = ca.issue(server.public(), 0, NOW + 1, &mut rand::rng());
        if let Some(leaf) = chain.leaf.as_mut() {
            leaf.signature = Some(vec![0; 10]);
        }
        assert!(matches!(
            verifier.verify(&chain.encode_to_vec(), server.public()),
            Err(NoiseError::MalformedCertChain(_))
        ));
    }
}
