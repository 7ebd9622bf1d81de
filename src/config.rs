//! Client configuration: timing constants (all overridable so tests run fast) and
//! explicit connection settings such as a test server's Noise root key.

use std::time::Duration;

/// Timing constants. The defaults match WhatsApp Web.
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    /// Transport connect and version fetch (each), default 20 s.
    pub connect_timeout: Duration,
    /// Waiting for the server's handshake answer, default 20 s.
    pub handshake_timeout: Duration,
    /// Default IQ response timeout, 75 s.
    pub iq_timeout: Duration,
    /// Keepalive interval lower bound, 15 s.
    pub keepalive_interval_min: Duration,
    /// Keepalive interval upper bound, 30 s.
    pub keepalive_interval_max: Duration,
    /// Keepalive pong deadline, 20 s.
    pub keepalive_response_deadline: Duration,
    /// Silence after a send that declares the socket dead, 20 s.
    pub dead_socket_time: Duration,
    /// One Fibonacci step of the reconnect backoff, 1 s.
    pub backoff_unit: Duration,
    /// Backoff cap, 900 s.
    pub backoff_max: Duration,
    /// Validity of the first QR code, 60 s.
    pub qr_first_timeout: Duration,
    /// Validity of the following QR codes, 20 s.
    pub qr_next_timeout: Duration,
    /// Offline-sync fallback, 60 s.
    pub offline_sync_timeout: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(20),
            iq_timeout: Duration::from_secs(75),
            keepalive_interval_min: Duration::from_secs(15),
            keepalive_interval_max: Duration::from_secs(30),
            keepalive_response_deadline: Duration::from_secs(20),
            dead_socket_time: Duration::from_secs(20),
            backoff_unit: Duration::from_secs(1),
            backoff_max: crate::backoff::MAX_BACKOFF,
            qr_first_timeout: Duration::from_secs(60),
            qr_next_timeout: Duration::from_secs(20),
            offline_sync_timeout: Duration::from_secs(60),
        }
    }
}

/// Everything about how the client connects besides the transport itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientConfig {
    /// Use this WhatsApp Web version instead of fetching the current one (so nothing
    /// needs the network).
    pub version: Option<(u32, u32, u32)>,
    /// Trust this Noise certificate root key instead of WhatsApp's (a test server).
    /// Only ever set explicitly; the default is WhatsApp's real root.
    pub server_root_key: Option<[u8; 32]>,
    /// Timing constants.
    pub timings: Timings,
}

impl ClientConfig {
    /// Pins the version.
    #[must_use]
    pub fn with_version(mut self, version: (u32, u32, u32)) -> Self {
        self.version = Some(version);
        self
    }

    /// Trusts a test server's Noise root key.
    #[must_use]
    pub fn with_server_root_key(mut self, key: [u8; 32]) -> Self {
        self.server_root_key = Some(key);
        self
    }

    /// Replaces the timings.
    #[must_use]
    pub fn with_timings(mut self, timings: Timings) -> Self {
        self.timings = timings;
        self
    }
}
