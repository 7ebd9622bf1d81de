//! `Noise_XX_25519_AESGCM_SHA256` as WhatsApp speaks it, for both roles.
//!
//! Client: [`NoiseInitiator`] -> [`ExpectServerHello`] -> [`ServerAuthenticated`] ->
//! [`InitiatorFinished`]. Server: [`NoiseResponder`] -> [`ExpectClientFinish`] ->
//! [`ResponderFinished`]. Messages are encoded `HandshakeMessage` protobufs; framing is the
//! caller's (see [`crate::framing`]).

mod initiator;
mod messages;
mod responder;

pub use initiator::{ExpectServerHello, InitiatorFinished, NoiseInitiator, ServerAuthenticated};
pub use responder::{ExpectClientFinish, NoiseResponder, ResponderFinished};

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;
    use crate::cert::{CertAuthority, CertVerifier};
    use crate::error::NoiseError;
    use crate::keys::KeyPair;

    const NOW: u64 = 1_750_000_000;

    #[test]
    fn initiator_and_responder_agree_and_talk() {
        let mut rng = rand::rng();
        let ca = CertAuthority::generate(&mut rng, NOW - 1, NOW + 1);
        let server_static = KeyPair::generate(&mut rng);
        let chain = ca
            .issue(server_static.public(), NOW - 1, NOW + 1, &mut rng)
            .encode_to_vec();
        let client_static = KeyPair::generate(&mut rng);

        let (m1, client) = NoiseInitiator::new(client_static.clone(), &mut rng).client_hello();
        let (m2, server) = NoiseResponder::new(server_static.clone(), chain, &mut rng)
            .read_client_hello(&m1)
            .unwrap();
        let client = client
            .read_server_hello(&m2, &CertVerifier::with_root(*ca.root_public(), NOW))
            .unwrap();
        assert_eq!(client.server_static(), server_static.public());
        let mut client = client.client_finish(b"payload").unwrap();
        let mut server = server.read_client_finish(&client.message).unwrap();
        assert_eq!(server.payload, b"payload");
        assert_eq!(&server.client_static, client_static.public());
        assert_eq!(server.handshake_hash, client.handshake_hash);

        let mut out = Vec::new();
        client.transport.encrypt_frame(b"ping", &mut out).unwrap();
        assert_eq!(server.transport.decrypt(&out[3..]).unwrap(), b"ping");
        out.clear();
        server.transport.encrypt_frame(b"pong", &mut out).unwrap();
        assert_eq!(client.transport.decrypt(&out[3..]).unwrap(), b"pong");
    }

    #[test]
    fn prologue_mismatch_fails_at_server_hello() {
        let mut rng = rand::rng();
        let ca = CertAuthority::generate(&mut rng, 0, NOW + 1);
        let server_static = KeyPair::generate(&mut rng);
        let chain = ca
            .issue(server_static.public(), 0, NOW + 1, &mut rng)
            .encode_to_vec();
        let (m1, client) =
            NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
        let (m2, _) = NoiseResponder::new(server_static, chain, &mut rng)
            .with_prologue(b"WA\x06\x02")
            .read_client_hello(&m1)
            .unwrap();
        let err = client
            .read_server_hello(&m2, &CertVerifier::with_root(*ca.root_public(), NOW))
            .unwrap_err();
        assert_eq!(
            err,
            NoiseError::Decrypt {
                stage: "server static key"
            }
        );
    }
}
