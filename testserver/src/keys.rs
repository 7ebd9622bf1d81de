//! The server's Noise identity: a root key (what clients are configured to trust), an
//! intermediate certificate it signed, and the static key whose leaf certificate the intermediate
//! signs. The encoded `CertChain` is what the server hands out in every server hello.

use prost::Message as _;
use wacore_noise::{CertAuthority, KeyPair};

/// How long the issued certificates are valid around the start time (ten years ahead, a day back).
const CERT_VALID_AHEAD: u64 = 10 * 365 * 24 * 3600;
/// How far back the certificates' validity starts (tolerates client clocks running behind).
const CERT_VALID_BEHIND: u64 = 24 * 3600;

/// Key material for the Noise responder.
pub(crate) struct ServerKeys {
    /// Root public key (X25519) that clients trust.
    pub root_public: [u8; 32],
    /// The server's static Noise key.
    pub static_key: KeyPair,
    /// Encoded `CertChain` (intermediate + leaf for `static_key`).
    pub cert_chain: Vec<u8>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKeys")
            .field("root_public", &hex_short(&self.root_public))
            .field("static_public", &hex_short(self.static_key.public()))
            .finish_non_exhaustive()
    }
}

fn hex_short(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

impl ServerKeys {
    /// Generates keys; a seed makes the root (and so the root public key) deterministic. The
    /// intermediate and static keys are fresh on every start.
    pub fn generate(seed: Option<[u8; 32]>) -> ServerKeys {
        let mut rng = rand::rng();
        let root = KeyPair::from_private_bytes(seed.unwrap_or_else(random32));
        let root_public = *root.public();
        let now = crate::state::unix_now();
        let (from, until) = (
            now.saturating_sub(CERT_VALID_BEHIND),
            now.saturating_add(CERT_VALID_AHEAD),
        );
        let ca = CertAuthority::from_root(root, &mut rng, from, until);
        let static_key = KeyPair::generate(&mut rng);
        let cert_chain = ca
            .issue(static_key.public(), from, until, &mut rng)
            .encode_to_vec();
        ServerKeys {
            root_public,
            static_key,
            cert_chain,
        }
    }
}

/// 32 random bytes from the OS-seeded thread RNG.
pub(crate) fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    rand::fill(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_noise::CertVerifier;

    #[test]
    fn chain_verifies_against_the_root_and_a_seed_fixes_the_root() {
        let k = ServerKeys::generate(Some([7; 32]));
        let v = CertVerifier::with_root(k.root_public, crate::state::unix_now());
        v.verify(&k.cert_chain, k.static_key.public()).unwrap();
        assert_eq!(
            ServerKeys::generate(Some([7; 32])).root_public,
            k.root_public
        );
        assert_ne!(ServerKeys::generate(None).root_public, k.root_public);
        let wa = CertVerifier::whatsapp(crate::state::unix_now());
        assert!(wa.verify(&k.cert_chain, k.static_key.public()).is_err());
    }
}
