//! The Noise handshake and transport cipher WhatsApp uses (`Noise_XX_25519_AESGCM_SHA256`), and
//! the frame codec under it. Sans-I/O: every step takes and returns bytes.
//!
//! - [`framing`]: 3-byte length frames, the connection intro (optional edge-routing pre-intro +
//!   `WA 06 03`), and an incremental [`framing::FrameDecoder`].
//! - Handshake, client: [`NoiseInitiator`] -> [`ExpectServerHello`] -> [`ServerAuthenticated`] ->
//!   [`InitiatorFinished`]; server: [`NoiseResponder`] -> [`ExpectClientFinish`] ->
//!   [`ResponderFinished`]. WhatsApp's deviation from Noise (the empty payload of message 1 is not
//!   hashed) is followed on both sides.
//! - [`CertVerifier`] checks the server's certificate chain against WhatsApp's root (or an
//!   explicitly configured one); [`CertAuthority`] issues chains for a test server.
//! - [`NoiseTransport`] ([`NoiseWriter`] + [`NoiseReader`]): AES-256-GCM frames with a counter per
//!   direction, encrypting and decrypting in the caller's buffers.
//! - [`PayloadConfig`]: the login and registration `ClientPayload`s.
//!
//! ```
//! use prost::Message as _;
//! use wacore_noise::{CertAuthority, CertVerifier, KeyPair, NoiseInitiator, NoiseResponder};
//!
//! let mut rng = rand::rng();
//! let now = 1_750_000_000;
//! let ca = CertAuthority::generate(&mut rng, now - 60, now + 3600);
//! let server_key = KeyPair::generate(&mut rng);
//! let chain = ca.issue(server_key.public(), now - 60, now + 3600, &mut rng).encode_to_vec();
//!
//! let (hello, client) = NoiseInitiator::new(KeyPair::generate(&mut rng), &mut rng).client_hello();
//! let (server_hello, server) =
//!     NoiseResponder::new(server_key, chain, &mut rng).read_client_hello(&hello)?;
//! let verifier = CertVerifier::with_root(*ca.root_public(), now);
//! let mut client = client.read_server_hello(&server_hello, &verifier)?.client_finish(b"payload")?;
//! let mut server = server.read_client_finish(&client.message)?;
//!
//! let mut frame = Vec::new();
//! client.transport.encrypt_frame(b"<iq/>", &mut frame)?;
//! assert_eq!(server.transport.decrypt_frame(&mut frame[3..])?, b"<iq/>");
//! # Ok::<(), wacore_noise::NoiseError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cert;
mod consts;
mod error;
pub mod framing;
mod handshake;
mod keys;
mod payload;
mod symmetric;
mod transport;
mod xeddsa;

pub use cert::{CertAuthority, CertDetails, CertVerifier, VerifiedChain};
pub use consts::{
    EDGE_ROUTING_MAGIC, FRAME_LENGTH_SIZE, MAX_FRAME_LEN, MAX_ROUTING_INFO_LEN, NOISE_PATTERN,
    TAG_LEN, WA_CERT_ROOT_KEY, WA_CERT_ROOT_SERIAL, WA_CONN_HEADER,
};
pub use error::{CertKind, NoiseError, Result};
pub use framing::{build_edge_routing_preintro, build_handshake_header};
pub use handshake::{
    ExpectClientFinish, ExpectServerHello, InitiatorFinished, NoiseInitiator, NoiseResponder,
    ResponderFinished, ServerAuthenticated,
};
pub use keys::KeyPair;
pub use payload::{AppVersion, PayloadConfig, Registration};
pub use transport::{NoiseCipher, NoiseReader, NoiseTransport, NoiseWriter};
