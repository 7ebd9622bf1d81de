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
    /// Internal cache TTLs and capacities.
    pub cache: CacheConfig,
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

    /// Replaces the cache settings.
    #[must_use]
    pub fn with_cache_config(mut self, cache: CacheConfig) -> Self {
        self.cache = cache;
        self
    }
}

/// TTL and capacity of one internal cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheEntryConfig {
    /// How long an entry stays valid; `None` = no time-based expiry.
    pub timeout: Option<Duration>,
    /// Maximum number of entries (0 disables the cache where that is allowed).
    pub capacity: u64,
}

impl CacheEntryConfig {
    /// A cache entry setting.
    pub const fn new(timeout: Option<Duration>, capacity: u64) -> Self {
        Self { timeout, capacity }
    }

    /// The capacity as a `usize` (saturating on 32-bit targets).
    pub(crate) fn cap(&self) -> usize {
        usize::try_from(self.capacity).unwrap_or(usize::MAX)
    }

    /// Whether an entry stored `age` ago is still valid.
    pub(crate) fn is_fresh(&self, age: Duration) -> bool {
        self.timeout.is_none_or(|t| age < t)
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const FIVE_MIN: Duration = Duration::from_secs(300);

/// TTLs and capacities of the client's internal caches (spec: `CacheConfig`). The defaults
/// match WhatsApp Web; every field can be overridden with struct update syntax:
///
/// ```
/// use std::time::Duration;
/// use whatsapp_rust::{CacheConfig, CacheEntryConfig};
/// let config = CacheConfig {
///     group_cache: CacheEntryConfig::new(None, 500),
///     device_cache: CacheEntryConfig::new(Some(Duration::from_secs(1800)), 2000),
///     ..Default::default()
/// };
/// assert_eq!(config.group_cache.capacity, 500);
/// ```
///
/// Wired today: `group_cache`, `device_cache` (TTL and capacity of the group-member and
/// device-list caches used when sending), `lid_pn_cache` (capacity of the in-memory
/// LID/phone-number map, backed by the store), `recent_messages` (sent messages kept for
/// retry receipts; this client has no database copy of sent messages, so its default
/// capacity is 512 rather than WhatsApp Web's 0), `session_locks_capacity` and
/// `cache_stores` (custom backends for the group, device-list and LID/PN caches; see
/// [`CacheStores`](crate::CacheStores)). The other fields are accepted for API
/// compatibility.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Group metadata (members, addressing mode): 1 h, 250.
    pub group_cache: CacheEntryConfig,
    /// Device lists of users: 1 h, 5,000.
    pub device_cache: CacheEntryConfig,
    /// Device registry: 1 h, 5,000.
    pub device_registry_cache: CacheEntryConfig,
    /// LID <-> phone-number mappings: 1 h (time-to-idle), 10,000.
    pub lid_pn_cache: CacheEntryConfig,
    /// Group messages already retried: 5 min, 2,000.
    pub retried_group_messages: CacheEntryConfig,
    /// Sent messages kept in memory for retry receipts: 5 min, 512 (see above).
    pub recent_messages: CacheEntryConfig,
    /// Retry counts per message: 5 min, 1,000.
    pub message_retry_counts: CacheEntryConfig,
    /// Pending peer-data-operation requests: 30 s, 500.
    pub pdo_pending_requests: CacheEntryConfig,
    /// Per-device Signal session locks kept before idle ones are dropped: 2,000.
    pub session_locks_capacity: u64,
    /// Per-chat message queues: 2,000.
    pub message_queues_capacity: u64,
    /// Per-chat enqueue locks: 2,000.
    pub message_enqueue_locks_capacity: u64,
    /// Reusable marshal buffers: 8.
    pub max_pooled_buffers: usize,
    /// Largest pooled buffer kept: 256 KiB.
    pub max_pooled_buffer_capacity: usize,
    /// Sent messages kept in a database before cleanup, seconds (0 = never): 300.
    pub sent_message_ttl_secs: u64,
    /// Custom backends (Redis, ...) for the group, device-list, device-registry and LID/PN
    /// caches; the default keeps every cache in-process.
    pub cache_stores: crate::CacheStores,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            group_cache: CacheEntryConfig::new(Some(HOUR), 250),
            device_cache: CacheEntryConfig::new(Some(HOUR), 5_000),
            device_registry_cache: CacheEntryConfig::new(Some(HOUR), 5_000),
            lid_pn_cache: CacheEntryConfig::new(Some(HOUR), 10_000),
            retried_group_messages: CacheEntryConfig::new(Some(FIVE_MIN), 2_000),
            recent_messages: CacheEntryConfig::new(Some(FIVE_MIN), 512),
            message_retry_counts: CacheEntryConfig::new(Some(FIVE_MIN), 1_000),
            pdo_pending_requests: CacheEntryConfig::new(Some(Duration::from_secs(30)), 500),
            session_locks_capacity: 2_000,
            message_queues_capacity: 2_000,
            message_enqueue_locks_capacity: 2_000,
            max_pooled_buffers: 8,
            max_pooled_buffer_capacity: 256 * 1024,
            sent_message_ttl_secs: 300,
            cache_stores: crate::CacheStores::default(),
        }
    }
}

impl CacheConfig {
    pub(crate) fn session_locks_capacity_usize(&self) -> usize {
        usize::try_from(self.session_locks_capacity).unwrap_or(usize::MAX)
    }
}

/// Makes room for one more entry in a timed cache map: expired entries go first, then the
/// oldest one while the map is at capacity.
pub(crate) fn make_room<K, V>(
    map: &mut std::collections::HashMap<K, V>,
    config: &CacheEntryConfig,
    stored_at: impl Fn(&V) -> std::time::Instant,
) where
    K: std::hash::Hash + Eq + Clone,
{
    let cap = config.cap().max(1);
    if map.len() < cap {
        return;
    }
    map.retain(|_, v| config.is_fresh(stored_at(v).elapsed()));
    while map.len() >= cap {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| stored_at(v))
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Instant;

    #[test]
    fn make_room_drops_expired_then_oldest() {
        let now = Instant::now();
        let old = now.checked_sub(Duration::from_secs(100)).unwrap();
        let config = CacheEntryConfig::new(Some(Duration::from_secs(50)), 3);
        let mut map = HashMap::from([(1, old), (2, now), (3, now)]);
        make_room(&mut map, &config, |v| *v);
        assert_eq!(map.len(), 2, "the expired entry went first");
        assert!(!map.contains_key(&1));

        let forever = CacheEntryConfig::new(None, 2);
        let mut map = HashMap::from([(1, old), (2, now)]);
        make_room(&mut map, &forever, |v| *v);
        assert_eq!(
            map.keys().copied().collect::<Vec<_>>(),
            vec![2],
            "oldest evicted"
        );
        make_room(&mut map, &forever, |v| *v);
        assert_eq!(map.len(), 1, "below capacity: untouched");
    }

    #[test]
    fn cache_defaults_match_the_spec_table() {
        let c = CacheConfig::default();
        assert_eq!(c.group_cache, CacheEntryConfig::new(Some(HOUR), 250));
        assert_eq!(c.device_cache, CacheEntryConfig::new(Some(HOUR), 5_000));
        assert_eq!(c.lid_pn_cache.capacity, 10_000);
        assert_eq!(c.session_locks_capacity, 2_000);
        assert_eq!(c.sent_message_ttl_secs, 300);
    }

    #[test]
    fn entry_freshness_follows_the_timeout() {
        let ttl = CacheEntryConfig::new(Some(Duration::from_secs(10)), 1);
        assert!(ttl.is_fresh(Duration::from_secs(9)));
        assert!(!ttl.is_fresh(Duration::from_secs(10)));
        let forever = CacheEntryConfig::new(None, 1);
        assert!(forever.is_fresh(Duration::from_secs(1 << 40)));
    }
}
