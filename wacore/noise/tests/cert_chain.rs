//! The client refuses a server whose certificate chain is wrong, with a distinct error for each
//! defect, through the whole handshake (our initiator against our responder).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use prost::Message as _;
use support::NOW;
use wacore_noise::{
    CertAuthority, CertDetails, CertKind, CertVerifier, KeyPair, NoiseError, NoiseInitiator,
    NoiseResponder,
};
use waproto::whatsapp as wa;

/// Runs a handshake where the server presents `chain` and the client trusts `root` at `now`.
fn handshake(
    server_static: &KeyPair,
    chain: &wa::CertChain,
    verifier: &CertVerifier,
) -> Result<(), NoiseError> {
    let mut rng = rand::rng();
    let (hello, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (server_hello, _server) =
        NoiseResponder::new(server_static.clone(), chain.encode_to_vec(), &mut rng)
            .read_client_hello(&hello)
            .unwrap();
    client
        .read_server_hello(&server_hello, verifier)
        .map(|_| ())
}

struct Setup {
    ca: CertAuthority,
    server: KeyPair,
    verifier: CertVerifier,
}

fn setup() -> Setup {
    let mut rng = rand::rng();
    let ca = CertAuthority::generate(&mut rng, NOW - 3600, NOW + 3600);
    let verifier = CertVerifier::with_root(*ca.root_public(), NOW);
    Setup {
        ca,
        server: KeyPair::generate(&mut rng),
        verifier,
    }
}

#[test]
fn a_correct_chain_is_accepted() {
    let s = setup();
    let chain =
        s.ca.issue(s.server.public(), NOW - 10, NOW + 10, &mut rand::rng());
    handshake(&s.server, &chain, &s.verifier).unwrap();
}

#[test]
fn wrong_root() {
    let s = setup();
    let chain =
        s.ca.issue(s.server.public(), NOW - 10, NOW + 10, &mut rand::rng());
    let other = CertVerifier::with_root(*KeyPair::generate(&mut rand::rng()).public(), NOW);
    assert_eq!(
        handshake(&s.server, &chain, &other),
        Err(NoiseError::CertSignature(CertKind::Intermediate))
    );
    // And the default verifier, with WhatsApp's real root, refuses a test root.
    assert_eq!(
        handshake(&s.server, &chain, &CertVerifier::whatsapp(NOW)),
        Err(NoiseError::CertSignature(CertKind::Intermediate))
    );
}

#[test]
fn wrong_serial() {
    let mut rng = rand::rng();
    let s = setup();
    // Intermediate naming issuer 5 instead of the root's 0, properly signed by the root.
    let root = KeyPair::generate(&mut rng);
    let intermediate = KeyPair::generate(&mut rng);
    let inter_cert = CertDetails {
        serial: 1,
        issuer_serial: 5,
        key: *intermediate.public(),
        not_before: NOW - 10,
        not_after: NOW + 10,
    }
    .sign(&root, &mut rng);
    let leaf = CertDetails {
        serial: 2,
        issuer_serial: 1,
        key: *s.server.public(),
        not_before: NOW - 10,
        not_after: NOW + 10,
    }
    .sign(&intermediate, &mut rng);
    let chain = wa::CertChain {
        leaf: Some(leaf),
        intermediate: Some(inter_cert),
    };
    let verifier = CertVerifier::with_root(*root.public(), NOW);
    assert_eq!(
        handshake(&s.server, &chain, &verifier),
        Err(NoiseError::CertSerial {
            cert: CertKind::Intermediate,
            expected: 0,
            got: 5
        })
    );
}

#[test]
fn expired_and_not_yet_valid_certificates() {
    let s = setup();
    let mut rng = rand::rng();
    let expired = s.ca.issue(s.server.public(), NOW - 100, NOW - 1, &mut rng);
    assert_eq!(
        handshake(&s.server, &expired, &s.verifier),
        Err(NoiseError::CertExpired {
            cert: CertKind::Leaf,
            not_after: NOW - 1,
            now: NOW
        })
    );
    let future = s.ca.issue(s.server.public(), NOW + 1, NOW + 100, &mut rng);
    assert_eq!(
        handshake(&s.server, &future, &s.verifier),
        Err(NoiseError::CertNotYetValid {
            cert: CertKind::Leaf,
            not_before: NOW + 1,
            now: NOW
        })
    );
    // An intermediate past its window: the client's clock is later than the CA's validity.
    let late = CertVerifier::with_root(*s.ca.root_public(), NOW + 7200);
    let chain = s.ca.issue(s.server.public(), NOW, NOW + 100_000, &mut rng);
    assert_eq!(
        handshake(&s.server, &chain, &late),
        Err(NoiseError::CertExpired {
            cert: CertKind::Intermediate,
            not_after: NOW + 3600,
            now: NOW + 7200
        })
    );
}

#[test]
fn leaf_key_must_be_the_server_static_key() {
    let s = setup();
    let someone_else = KeyPair::generate(&mut rand::rng());
    let chain =
        s.ca.issue(someone_else.public(), NOW - 10, NOW + 10, &mut rand::rng());
    assert_eq!(
        handshake(&s.server, &chain, &s.verifier),
        Err(NoiseError::CertKeyMismatch)
    );
}
