//! The client (initiator) side: `-> e`, `<- e, ee, s, es`, `-> s, se`.
//!
//! Each phase is a type whose step consumes it and returns the next phase, so a message can only
//! be handled in the state that expects it. No I/O: the caller frames and moves the bytes.

use rand::CryptoRng;

use super::messages;
use crate::cert::{CertVerifier, VerifiedChain};
use crate::consts::WA_CONN_HEADER;
use crate::error::{NoiseError, Result};
use crate::keys::KeyPair;
use crate::symmetric::SymmetricState;
use crate::transport::NoiseTransport;

/// Phase 0 of the client handshake: keys chosen, nothing sent.
#[derive(Debug)]
pub struct NoiseInitiator {
    static_key: KeyPair,
    ephemeral: KeyPair,
    prologue: Vec<u8>,
}

impl NoiseInitiator {
    /// A client handshake with the device's static Noise key and a fresh ephemeral key, using
    /// the `WA 06 03` prologue.
    pub fn new<R: CryptoRng + ?Sized>(static_key: KeyPair, rng: &mut R) -> Self {
        Self::with_ephemeral(static_key, KeyPair::generate(rng))
    }

    /// Same as [`new`](Self::new) with a given ephemeral key (tests, test vectors).
    pub fn with_ephemeral(static_key: KeyPair, ephemeral: KeyPair) -> Self {
        Self {
            static_key,
            ephemeral,
            prologue: WA_CONN_HEADER.to_vec(),
        }
    }

    /// Replaces the prologue (the connection header both sides mix in first).
    pub fn with_prologue(mut self, prologue: &[u8]) -> Self {
        self.prologue = prologue.to_vec();
        self
    }

    /// Message 1: returns the encoded `HandshakeMessage{clientHello}` and the next phase.
    ///
    /// WhatsApp's quirk lives here: plain Noise would also mix the (empty) payload of message 1
    /// into the hash; WhatsApp mixes only the ephemeral key.
    pub fn client_hello(self) -> (Vec<u8>, ExpectServerHello) {
        let mut ss = SymmetricState::new(&self.prologue);
        ss.mix_hash(self.ephemeral.public());
        let message = messages::encode_client_hello(self.ephemeral.public());
        (
            message,
            ExpectServerHello {
                ss,
                static_key: self.static_key,
                ephemeral: self.ephemeral,
            },
        )
    }
}

/// Phase 1: client hello sent, waiting for the server hello.
pub struct ExpectServerHello {
    ss: SymmetricState,
    static_key: KeyPair,
    ephemeral: KeyPair,
}

impl std::fmt::Debug for ExpectServerHello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpectServerHello").finish_non_exhaustive()
    }
}

impl ExpectServerHello {
    /// Message 2: decrypts the server's static key and certificate chain and verifies the chain
    /// with `verifier` (root key, serials, validity at its `now`, leaf key = server static key).
    pub fn read_server_hello(
        mut self,
        message: &[u8],
        verifier: &CertVerifier,
    ) -> Result<ServerAuthenticated> {
        let hello = messages::parse_server_hello(message)?;
        let ss = &mut self.ss;
        ss.mix_hash(&hello.ephemeral);
        ss.mix_key(&self.ephemeral.dh(&hello.ephemeral)?);
        let static_plain = ss.decrypt_and_hash(&hello.static_ct, "server static key")?;
        let server_static = <[u8; 32]>::try_from(static_plain.as_slice()).map_err(|_| {
            NoiseError::MalformedHandshake {
                message: "server hello",
                reason: format!(
                    "server static key is {} bytes, expected 32",
                    static_plain.len()
                ),
            }
        })?;
        ss.mix_key(&self.ephemeral.dh(&server_static)?);
        let chain = ss.decrypt_and_hash(&hello.payload_ct, "certificate chain")?;
        let verified = verifier.verify(&chain, &server_static)?;
        log::debug!(target: "Noise", "server certificate chain verified (leaf serial {})", verified.leaf_serial);
        Ok(ServerAuthenticated {
            ss: self.ss,
            static_key: self.static_key,
            server_ephemeral: hello.ephemeral,
            server_static,
            chain: verified,
        })
    }
}

/// Phase 2: the server is authenticated; send our static key and the `ClientPayload`.
pub struct ServerAuthenticated {
    ss: SymmetricState,
    static_key: KeyPair,
    server_ephemeral: [u8; 32],
    server_static: [u8; 32],
    chain: VerifiedChain,
}

impl std::fmt::Debug for ServerAuthenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerAuthenticated")
            .field("chain", &self.chain)
            .finish_non_exhaustive()
    }
}

/// The end of a client handshake.
#[derive(Debug)]
pub struct InitiatorFinished {
    /// The encoded `HandshakeMessage{clientFinish}` to send (frame it without the intro).
    pub message: Vec<u8>,
    /// The transport cipher for everything after.
    pub transport: NoiseTransport,
    /// The server's static key.
    pub server_static: [u8; 32],
    /// The handshake hash, equal on both sides.
    pub handshake_hash: [u8; 32],
}

impl ServerAuthenticated {
    /// The server's static key (already matched against the leaf certificate).
    pub fn server_static(&self) -> &[u8; 32] {
        &self.server_static
    }

    /// Facts of the verified certificate chain.
    pub fn chain(&self) -> &VerifiedChain {
        &self.chain
    }

    /// Message 3: encrypts our static key and `client_payload` (an encoded `ClientPayload`) and
    /// derives the transport keys.
    pub fn client_finish(mut self, client_payload: &[u8]) -> Result<InitiatorFinished> {
        let static_ct = self.ss.encrypt_and_hash(self.static_key.public())?;
        self.ss
            .mix_key(&self.static_key.dh(&self.server_ephemeral)?);
        let payload_ct = self.ss.encrypt_and_hash(client_payload)?;
        let (write, read) = self.ss.split();
        Ok(InitiatorFinished {
            message: messages::encode_client_finish(static_ct, payload_ct),
            transport: NoiseTransport::new(&write, &read),
            server_static: self.server_static,
            handshake_hash: self.ss.handshake_hash(),
        })
    }
}
