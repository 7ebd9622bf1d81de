//! Our initiator against an independent responder: python `noiseprotocol` (spec Noise XX) with
//! WhatsApp's message-1 quirk, parsing our intro and frames and speaking protobuf by hand.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use prost::Message as _;
use serde_json::Value;
use support::{Oracle, hex_field, req, unix_now};
use wacore_noise::framing::{FrameDecoder, build_handshake_header, encode_frame};
use wacore_noise::{
    AppVersion, CertAuthority, CertVerifier, KeyPair, NoiseInitiator, PayloadConfig,
};
use waproto::whatsapp as wa;

fn handshake_and_talk(routing_info: Option<&[u8]>) {
    let mut rng = rand::rng();
    let mut py = Oracle::python_responder();
    let server_static: [u8; 32] = hex_field(&py.read(), "static").try_into().unwrap();

    let now = unix_now();
    let ca = CertAuthority::generate(&mut rng, now - 60, now + 3600);
    let chain = ca
        .issue(&server_static, now - 60, now + 3600, &mut rng)
        .encode_to_vec();
    py.call(req("chain", "chain", &chain));

    let client_static = KeyPair::generate(&mut rng);
    let (hello, state) = NoiseInitiator::new(client_static.clone(), &mut rng).client_hello();
    let (intro, used) = build_handshake_header(routing_info);
    assert_eq!(used, routing_info.is_some());
    let first = encode_frame(&hello, Some(&intro)).unwrap();
    // Deliver the opening in two writes split inside the intro: the peer must reassemble.
    let r1 = py.call(req("recv", "data", &first[..3]));
    assert_eq!(hex_field(&r1, "out"), Vec::<u8>::new());
    let r = py.call(req("recv", "data", &first[3..]));
    let events = r["events"].as_array().unwrap();
    match routing_info {
        Some(info) => assert_eq!(
            events[0]["routing_info"].as_str().unwrap(),
            hex::encode(info)
        ),
        None => assert!(events.is_empty(), "unexpected events {events:?}"),
    }

    let mut decoder = FrameDecoder::new();
    let server_bytes = hex_field(&r, "out");
    decoder.feed(&server_bytes[..10]);
    assert_eq!(decoder.decode_frame().unwrap(), None);
    decoder.feed(&server_bytes[10..]);
    let server_hello = decoder.decode_frame_owned().unwrap().unwrap();

    let auth = state
        .read_server_hello(
            &server_hello,
            &CertVerifier::with_root(*ca.root_public(), now),
        )
        .unwrap();
    assert_eq!(auth.server_static(), &server_static);
    let payload =
        PayloadConfig::new(AppVersion::new(2, 3000, 1_023_456_789)).login(15_551_234_567, 3);
    let mut done = auth.client_finish(&payload.encode_to_vec()).unwrap();

    let r = py.call(req(
        "recv",
        "data",
        &encode_frame(&done.message, None).unwrap(),
    ));
    let ev = &r["events"][0];
    assert_eq!(
        hex::decode(ev["client_static"].as_str().unwrap()).unwrap(),
        client_static.public()
    );
    let got = wa::ClientPayload::decode(
        hex::decode(ev["client_payload"].as_str().unwrap())
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    assert_eq!(got, payload);

    // Transport, both directions, several frames so the counters advance.
    let mut out = Vec::new();
    // Spec Noise (and so noiseprotocol) caps a message at 65535 bytes, tag included.
    for size in [200usize, 0, 65535 - 16, 1] {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
        out.clear();
        done.transport.encrypt_frame(&data, &mut out).unwrap();
        let r = py.call(req("recv", "data", &out));
        assert_eq!(frame_event(&r), data, "client -> server, {size} bytes");

        let r = py.call(req("send", "data", &data));
        decoder.feed(&hex_field(&r, "out"));
        let frame = decoder.decode_frame().unwrap().unwrap();
        assert_eq!(
            done.transport.decrypt_frame(frame).unwrap(),
            data.as_slice(),
            "server -> client, {size} bytes"
        );
    }
}

fn frame_event(r: &Value) -> Vec<u8> {
    hex::decode(r["events"][0]["frame"].as_str().unwrap()).unwrap()
}

#[test]
fn initiator_completes_handshake_with_python_noiseprotocol() {
    handshake_and_talk(None);
}

#[test]
fn initiator_with_edge_routing_intro_and_python_noiseprotocol() {
    handshake_and_talk(Some(&[0x08, 0x08, 0x02, 0x12, 0x04]));
}

#[test]
fn python_responder_rejects_a_wrong_prologue() {
    let mut rng = rand::rng();
    let mut py = Oracle::python_responder();
    let _ = py.read();
    let (hello, _) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
    let first = encode_frame(&hello, Some(b"WA\x06\x02")).unwrap();
    let err = py.call_err(req("recv", "data", &first));
    assert!(err.contains("bad connection header"), "{err}");
}
