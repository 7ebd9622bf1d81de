//! Our responder against an independent initiator: baileys 6's `makeNoiseHandler` (its framing,
//! intro, handshake and transport cipher), plus XEdDSA cross-checks with libsignal's curve.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use prost::Message as _;
use serde_json::json;
use support::{NOW, Oracle, hex_field, req, unix_now};
use wacore_noise::framing::{FrameDecoder, encode_frame};
use wacore_noise::{
    CertAuthority, CertDetails, CertVerifier, KeyPair, NoiseResponder, WA_CONN_HEADER,
};
use waproto::whatsapp as wa;

fn responder_with_baileys(routing_info: Option<&[u8]>) {
    let mut rng = rand::rng();
    let mut baileys = Oracle::baileys_client();
    let hello_req = match routing_info {
        Some(info) => json!({"op": "hello", "routing_info": hex::encode(info)}),
        None => json!({"op": "hello"}),
    };
    let r = baileys.call(hello_req);
    let client_static = hex_field(&r, "client_static");
    let opening = hex_field(&r, "out");

    // Server side: parse the intro and the hello from the raw bytes, in two chunks.
    let mut decoder = FrameDecoder::new_server();
    decoder.feed(&opening[..2]);
    assert_eq!(decoder.decode_frame().unwrap(), None);
    decoder.feed(&opening[2..]);
    let hello = decoder.decode_frame_owned().unwrap().unwrap();
    let intro = decoder.intro().unwrap().clone();
    assert_eq!(intro.header, WA_CONN_HEADER);
    assert_eq!(intro.routing_info.as_deref(), routing_info);

    let now = unix_now();
    let ca = CertAuthority::generate(&mut rng, now - 60, now + 3600);
    let server_static = KeyPair::generate(&mut rng);
    let chain = ca
        .issue(server_static.public(), now - 60, now + 3600, &mut rng)
        .encode_to_vec();
    let (server_hello, state) = NoiseResponder::new(server_static, chain, &mut rng)
        .with_prologue(&intro.header)
        .read_client_hello(&hello)
        .unwrap();

    let r = baileys.call(req(
        "server_hello",
        "data",
        &encode_frame(&server_hello, None).unwrap(),
    ));
    decoder.feed(&hex_field(&r, "out"));
    let finish = decoder.decode_frame_owned().unwrap().unwrap();
    let mut done = state.read_client_finish(&finish).unwrap();
    assert_eq!(done.client_static.as_slice(), client_static.as_slice());
    let payload = done.client_payload().unwrap();
    assert_eq!(payload.username, Some(15_551_234_567));
    assert_eq!(payload.device, Some(7));
    assert_eq!((payload.passive, payload.pull), (Some(true), Some(true)));
    let ua = payload.user_agent.unwrap();
    assert_eq!(
        ua.platform,
        Some(wa::client_payload::user_agent::Platform::Web as i32)
    );
    assert_eq!(ua.app_version.unwrap().tertiary, Some(1_023_456_789));

    // Transport both ways, with counters advancing.
    let mut out = Vec::new();
    for size in [200usize, 64 * 1024, 0, 3] {
        let data: Vec<u8> = (0..size).map(|i| (i * 13 + size) as u8).collect();
        let r = baileys.call(req("send", "data", &data));
        decoder.feed(&hex_field(&r, "out"));
        let frame = decoder.decode_frame().unwrap().unwrap();
        assert_eq!(
            done.transport.decrypt_frame(frame).unwrap(),
            data.as_slice(),
            "baileys -> us, {size} bytes"
        );

        out.clear();
        done.transport.encrypt_frame(&data, &mut out).unwrap();
        let r = baileys.call(req("recv", "data", &out));
        let frames = r["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(
            hex::decode(frames[0].as_str().unwrap()).unwrap(),
            data,
            "us -> baileys, {size} bytes"
        );
    }
}

#[test]
fn responder_completes_handshake_with_baileys_client() {
    responder_with_baileys(None);
}

#[test]
fn responder_reads_baileys_edge_routing_pre_intro() {
    responder_with_baileys(Some(&[0x08, 0x0a, 0x12, 0x03, 0x01, 0x02, 0x03]));
}

/// Certificates signed by libsignal's XEdDSA (through baileys) verify with our verifier, and
/// certificates we sign verify with libsignal's.
#[test]
fn xeddsa_signatures_cross_verify_with_libsignal() {
    let mut rng = rand::rng();
    let mut baileys = Oracle::baileys_client();
    let root = KeyPair::generate(&mut rng);
    let intermediate = KeyPair::generate(&mut rng);
    let server = KeyPair::generate(&mut rng);
    let details = |serial: u32, issuer: u32, key: &[u8; 32]| {
        wa::cert_chain::noise_certificate::Details {
            serial: Some(serial),
            issuer_serial: Some(issuer),
            key: Some(key.to_vec()),
            not_before: Some(NOW - 1),
            not_after: Some(NOW + 1),
        }
        .encode_to_vec()
    };
    let mut signed_by_libsignal = |signer: &KeyPair, data: Vec<u8>| {
        let r = baileys.call(json!({
            "op": "sign", "private": hex::encode(signer.private_bytes()), "data": hex::encode(&data)
        }));
        wa::cert_chain::NoiseCertificate {
            details: Some(data),
            signature: Some(hex_field(&r, "signature")),
        }
    };
    let chain = wa::CertChain {
        intermediate: Some(signed_by_libsignal(
            &root,
            details(1, 0, intermediate.public()),
        )),
        leaf: Some(signed_by_libsignal(
            &intermediate,
            details(2, 1, server.public()),
        )),
    };
    let verifier = CertVerifier::with_root(*root.public(), NOW);
    assert!(
        verifier
            .verify(&chain.encode_to_vec(), server.public())
            .is_ok()
    );

    // Ours, checked by libsignal: good signature valid, tampered details invalid.
    for _ in 0..8 {
        let cert = CertDetails {
            serial: 2,
            issuer_serial: 1,
            key: *server.public(),
            not_before: 0,
            not_after: NOW,
        }
        .sign(&intermediate, &mut rng);
        let data = cert.details.unwrap();
        let sig = cert.signature.unwrap();
        let check = |baileys: &mut Oracle, data: &[u8]| {
            baileys.call(json!({
                "op": "verify", "public": hex::encode(intermediate.public()),
                "data": hex::encode(data), "signature": hex::encode(&sig)
            }))["valid"]
                .as_bool()
                .unwrap()
        };
        assert!(check(&mut baileys, &data));
        let mut tampered = data.clone();
        tampered[3] ^= 1;
        assert!(!check(&mut baileys, &tampered));
    }
}
