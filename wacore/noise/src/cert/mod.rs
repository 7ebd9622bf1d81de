//! The server's Noise certificate chain: verification (client) and issuance (test server).
//!
//! A chain is two `NoiseCertificate`s: an intermediate signed by a root key, and a leaf signed by
//! the intermediate that certifies the server's static Noise key. Signatures are XEdDSA over the
//! encoded `Details`.

mod issue;
mod verify;

pub use issue::{CertAuthority, CertDetails};
pub use verify::{CertVerifier, VerifiedChain};
