//! The server (responder) side, for the test server: it answers WhatsApp clients exactly as
//! WhatsApp's edge does, including the message-1 quirk.

use prost::Message as _;
use rand::CryptoRng;
use waproto::whatsapp as wa;

use super::messages;
use crate::consts::WA_CONN_HEADER;
use crate::error::{NoiseError, Result};
use crate::keys::KeyPair;
use crate::symmetric::SymmetricState;
use crate::transport::NoiseTransport;

/// Phase 0 of the server handshake: keys and certificate chain ready, waiting for the client hello.
#[derive(Debug)]
pub struct NoiseResponder {
    static_key: KeyPair,
    ephemeral: KeyPair,
    cert_chain: Vec<u8>,
    prologue: Vec<u8>,
}

impl NoiseResponder {
    /// A server handshake with its static key, a fresh ephemeral key and the encoded `CertChain`
    /// to present (see [`crate::CertAuthority::issue`]), using the `WA 06 03` prologue.
    pub fn new<R: CryptoRng + ?Sized>(
        static_key: KeyPair,
        cert_chain: Vec<u8>,
        rng: &mut R,
    ) -> Self {
        Self::with_ephemeral(static_key, KeyPair::generate(rng), cert_chain)
    }

    /// Same as [`new`](Self::new) with a given ephemeral key.
    pub fn with_ephemeral(static_key: KeyPair, ephemeral: KeyPair, cert_chain: Vec<u8>) -> Self {
        Self {
            static_key,
            ephemeral,
            cert_chain,
            prologue: WA_CONN_HEADER.to_vec(),
        }
    }

    /// Replaces the prologue; a server should use the header the client sent
    /// ([`crate::framing::ConnectionIntro::header`]) so a mismatch fails authentication.
    pub fn with_prologue(mut self, prologue: &[u8]) -> Self {
        self.prologue = prologue.to_vec();
        self
    }

    /// Reads message 1 and returns message 2 (`HandshakeMessage{serverHello}`) and the next phase.
    pub fn read_client_hello(self, message: &[u8]) -> Result<(Vec<u8>, ExpectClientFinish)> {
        let client_ephemeral = messages::parse_client_hello(message)?;
        let mut ss = SymmetricState::new(&self.prologue);
        // WhatsApp: only the ephemeral key, not the empty payload, goes into the hash.
        ss.mix_hash(&client_ephemeral);
        ss.mix_hash(self.ephemeral.public());
        ss.mix_key(&self.ephemeral.dh(&client_ephemeral)?);
        let static_ct = ss.encrypt_and_hash(self.static_key.public())?;
        ss.mix_key(&self.static_key.dh(&client_ephemeral)?);
        let payload_ct = ss.encrypt_and_hash(&self.cert_chain)?;
        let reply = messages::encode_server_hello(self.ephemeral.public(), static_ct, payload_ct);
        Ok((
            reply,
            ExpectClientFinish {
                ss,
                ephemeral: self.ephemeral,
            },
        ))
    }
}

/// Phase 1: server hello sent, waiting for the client finish.
pub struct ExpectClientFinish {
    ss: SymmetricState,
    ephemeral: KeyPair,
}

impl std::fmt::Debug for ExpectClientFinish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpectClientFinish").finish_non_exhaustive()
    }
}

/// The end of a server handshake.
#[derive(Debug)]
pub struct ResponderFinished {
    /// The client's static Noise key (its identity towards the server).
    pub client_static: [u8; 32],
    /// The decrypted client payload (an encoded `ClientPayload`).
    pub payload: Vec<u8>,
    /// The transport cipher for everything after.
    pub transport: NoiseTransport,
    /// The handshake hash, equal on both sides.
    pub handshake_hash: [u8; 32],
}

impl ResponderFinished {
    /// Decodes the payload as a `ClientPayload`.
    pub fn client_payload(&self) -> Result<wa::ClientPayload> {
        wa::ClientPayload::decode(self.payload.as_slice()).map_err(|e| {
            NoiseError::MalformedHandshake {
                message: "client finish",
                reason: format!("payload is not a ClientPayload: {e}"),
            }
        })
    }
}

impl ExpectClientFinish {
    /// Reads message 3: the client's static key and payload; derives the transport keys.
    pub fn read_client_finish(mut self, message: &[u8]) -> Result<ResponderFinished> {
        let (static_ct, payload_ct) = messages::parse_client_finish(message)?;
        let static_plain = self.ss.decrypt_and_hash(&static_ct, "client static key")?;
        let client_static = <[u8; 32]>::try_from(static_plain.as_slice()).map_err(|_| {
            NoiseError::MalformedHandshake {
                message: "client finish",
                reason: format!(
                    "client static key is {} bytes, expected 32",
                    static_plain.len()
                ),
            }
        })?;
        self.ss.mix_key(&self.ephemeral.dh(&client_static)?);
        let payload = self.ss.decrypt_and_hash(&payload_ct, "client payload")?;
        let (client_write, client_read) = self.ss.split();
        Ok(ResponderFinished {
            client_static,
            payload,
            transport: NoiseTransport::new(&client_read, &client_write),
            handshake_hash: self.ss.handshake_hash(),
        })
    }
}
