//! Hostile or broken input ends in a typed error, never a panic.
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
use wacore_noise::framing::FrameDecoder;
use wacore_noise::{
    CertAuthority, CertVerifier, KeyPair, NoiseError, NoiseInitiator, NoiseResponder,
};

struct Server {
    ca: CertAuthority,
    key: KeyPair,
}

fn server() -> Server {
    let mut rng = rand::rng();
    Server {
        ca: CertAuthority::generate(&mut rng, 0, NOW + 10),
        key: KeyPair::generate(&mut rng),
    }
}

impl Server {
    fn respond(&self, hello: &[u8]) -> (Vec<u8>, wacore_noise::ExpectClientFinish) {
        let mut rng = rand::rng();
        let chain = self
            .ca
            .issue(self.key.public(), 0, NOW + 10, &mut rng)
            .encode_to_vec();
        NoiseResponder::new(self.key.clone(), chain, &mut rng)
            .read_client_hello(hello)
            .unwrap()
    }
    fn verifier(&self) -> CertVerifier {
        CertVerifier::with_root(*self.ca.root_public(), NOW)
    }
}

#[test]
fn truncated_server_hello_is_malformed_at_every_length() {
    let mut rng = rand::rng();
    let srv = server();
    let (hello, _) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (server_hello, _) = srv.respond(&hello);
    for cut in 0..server_hello.len() {
        let (_, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
        let err = client
            .read_server_hello(&server_hello[..cut], &srv.verifier())
            .unwrap_err();
        assert!(
            matches!(
                err,
                NoiseError::MalformedHandshake {
                    message: "server hello",
                    ..
                }
            ),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn tampered_server_hello_fails_to_decrypt() {
    let mut rng = rand::rng();
    let srv = server();
    let (hello, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (mut server_hello, _) = srv.respond(&hello);
    // The last bytes are the certificate ciphertext's tag.
    let last = server_hello.len() - 1;
    server_hello[last] ^= 0x01;
    assert_eq!(
        client
            .read_server_hello(&server_hello, &srv.verifier())
            .unwrap_err(),
        NoiseError::Decrypt {
            stage: "certificate chain"
        }
    );
}

#[test]
fn tampered_client_finish_and_transport_frames_fail_to_decrypt() {
    let mut rng = rand::rng();
    let srv = server();
    let (hello, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (server_hello, server_state) = srv.respond(&hello);
    let mut done = client
        .read_server_hello(&server_hello, &srv.verifier())
        .unwrap()
        .client_finish(b"payload")
        .unwrap();
    let mut finish = done.message.clone();
    let last = finish.len() - 1;
    finish[last] ^= 0x80;
    assert_eq!(
        server_state.read_client_finish(&finish).unwrap_err(),
        NoiseError::Decrypt {
            stage: "client payload"
        }
    );

    // A fresh, untampered handshake, then a tampered transport frame.
    let (hello, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (server_hello, server_state) = srv.respond(&hello);
    done = client
        .read_server_hello(&server_hello, &srv.verifier())
        .unwrap()
        .client_finish(b"payload")
        .unwrap();
    let mut server = server_state.read_client_finish(&done.message).unwrap();
    let mut frame = Vec::new();
    done.transport
        .encrypt_frame(&[7u8; 200], &mut frame)
        .unwrap();
    frame[100] ^= 0x04;
    assert_eq!(
        server.transport.decrypt_frame(&mut frame[3..]).unwrap_err(),
        NoiseError::Decrypt {
            stage: "transport frame"
        }
    );
}

#[test]
fn garbage_client_hello_and_finish_are_malformed() {
    let srv = server();
    let mut rng = rand::rng();
    for garbage in [
        &b""[..],
        b"\xff\xff\xff",
        b"\x12\x02\x0a\x00",
        b"\x12\x22\x0a\x20",
    ] {
        let chain = srv
            .ca
            .issue(srv.key.public(), 0, NOW + 10, &mut rng)
            .encode_to_vec();
        let err = NoiseResponder::new(srv.key.clone(), chain, &mut rng)
            .read_client_hello(garbage)
            .unwrap_err();
        assert!(
            matches!(
                err,
                NoiseError::MalformedHandshake {
                    message: "client hello",
                    ..
                }
            ),
            "{err:?}"
        );
    }
    let (hello, _) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let (_, state) = srv.respond(&hello);
    assert!(matches!(
        state.read_client_finish(b"\x22\x00"),
        Err(NoiseError::MalformedHandshake { .. })
    ));
}

#[test]
fn low_order_ephemeral_is_rejected() {
    let mut rng = rand::rng();
    let srv = server();
    let (hello, _) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let mut zero_hello = hello.clone();
    let n = zero_hello.len();
    zero_hello[n - 32..].fill(0);
    let chain = srv
        .ca
        .issue(srv.key.public(), 0, NOW + 10, &mut rng)
        .encode_to_vec();
    assert_eq!(
        NoiseResponder::new(srv.key.clone(), chain, &mut rng)
            .read_client_hello(&zero_hello)
            .unwrap_err(),
        NoiseError::WeakKey
    );
}

#[test]
fn oversized_frame_length_is_refused() {
    let mut decoder = FrameDecoder::new().with_max_frame_len(64 * 1024);
    decoder.feed(&[0x01, 0x00, 0x01]);
    assert_eq!(
        decoder.decode_frame().unwrap_err(),
        NoiseError::FrameTooLarge {
            len: 65537,
            max: 65536
        }
    );
    // The default limit is the 3-byte maximum: the largest length is accepted (and waits for data).
    let mut decoder = FrameDecoder::new();
    decoder.feed(&[0xff, 0xff, 0xff, 0x00]);
    assert_eq!(decoder.decode_frame().unwrap(), None);
    // The server-side intro's routing length is bounded the same way.
    let mut decoder = FrameDecoder::new_server().with_max_frame_len(16);
    decoder.feed(b"ED\x00\x01\x00\x00\x20");
    assert_eq!(
        decoder.decode_frame().unwrap_err(),
        NoiseError::FrameTooLarge { len: 32, max: 16 }
    );
}
