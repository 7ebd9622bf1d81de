//! Server configuration.

use std::net::SocketAddr;
use std::time::Duration;

/// How to start a [`crate::TestServer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Address to listen on. The default, `127.0.0.1:0`, picks a random free port on loopback.
    pub bind: SocketAddr,
    /// Seed for the server's Noise root key. `None` generates a random root per server; a fixed
    /// seed gives a stable root public key, so a client configured once keeps trusting it.
    pub root_key_seed: Option<[u8; 32]>,
    /// Number of QR refs sent in `pair-device` (a client rotates through them).
    pub pair_ref_count: usize,
    /// How long a paired connection may stay silent before the server drops it.
    pub idle_timeout: Duration,
    /// Host name written into `media_conn` answers and media URLs (defaults to the bound address).
    pub media_host: Option<String>,
    /// Also accept TLS (`wss://`, `https://`) on the same port, with a certificate authority
    /// generated at start (see [`crate::TestServer::tls_ca_pem`]). Plain `ws://`/`http://`
    /// keep working: the first byte of each connection tells them apart.
    pub tls: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            root_key_seed: None,
            pair_ref_count: 6,
            idle_timeout: Duration::from_secs(120),
            media_host: None,
            tls: false,
        }
    }
}

impl Config {
    /// Sets the listening address.
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Sets a fixed seed for the root key.
    pub fn with_root_key_seed(mut self, seed: [u8; 32]) -> Self {
        self.root_key_seed = Some(seed);
        self
    }

    /// Enables TLS next to plain connections on the same port (see [`Config::tls`]).
    pub fn with_tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Sets the host (`host:port`) written into `media_conn` answers and media URLs.
    pub fn with_media_host(mut self, host: impl Into<String>) -> Self {
        self.media_host = Some(host.into());
        self
    }
}
