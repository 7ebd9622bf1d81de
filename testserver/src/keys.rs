//! The server's Noise identity: a root key (what clients are configured to trust), and the
//! static key whose certificate chain the root signs.

use x25519_dalek::{PublicKey, StaticSecret};

/// Key material for the Noise responder.
pub(crate) struct ServerKeys {
    /// Root private key (signs the intermediate certificate).
    pub root: StaticSecret,
    /// Root public key.
    pub root_public: [u8; 32],
    /// The server's static Noise key.
    pub static_key: StaticSecret,
    /// Its public half.
    pub static_public: [u8; 32],
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKeys")
            .field("root_public", &hex_short(&self.root_public))
            .field("static_public", &hex_short(&self.static_public))
            .finish_non_exhaustive()
    }
}

fn hex_short(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

impl ServerKeys {
    /// Generates keys; a seed makes the root (and so the root public key) deterministic.
    pub fn generate(seed: Option<[u8; 32]>) -> ServerKeys {
        let root_bytes = seed.unwrap_or_else(random32);
        let root = StaticSecret::from(root_bytes);
        let root_public = PublicKey::from(&root).to_bytes();
        let static_key = StaticSecret::from(random32());
        let static_public = PublicKey::from(&static_key).to_bytes();
        ServerKeys { root, root_public, static_key, static_public }
    }
}

/// 32 random bytes from the OS-seeded thread RNG.
pub(crate) fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    rand::fill(&mut b);
    b
}
