//! Fuzz the handshake message parsers on both sides with hostile bytes: a client hello for the
//! responder, and a server hello / client finish after a real first step.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacore_noise::{CertVerifier, KeyPair, NoiseInitiator, NoiseResponder};

fuzz_target!(|data: &[u8]| {
    let server_key = KeyPair::from_private_bytes([1u8; 32]);
    let server_eph = KeyPair::from_private_bytes([2u8; 32]);
    let client_key = KeyPair::from_private_bytes([3u8; 32]);
    let client_eph = KeyPair::from_private_bytes([4u8; 32]);

    // Responder, message 1 from the fuzzer.
    let _ = NoiseResponder::with_ephemeral(server_key.clone(), server_eph.clone(), vec![1, 2, 3])
        .read_client_hello(data);

    // Initiator, message 2 from the fuzzer.
    let (hello, client) = NoiseInitiator::with_ephemeral(client_key, client_eph).client_hello();
    let _ = client.read_server_hello(data, &CertVerifier::whatsapp(1_750_000_000));

    // Responder, message 3 from the fuzzer after a genuine message 1.
    if let Ok((_, expect_finish)) =
        NoiseResponder::with_ephemeral(server_key, server_eph, vec![1, 2, 3]).read_client_hello(&hello)
    {
        let _ = expect_finish.read_client_finish(data);
    }
});
