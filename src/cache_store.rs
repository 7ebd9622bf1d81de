//! Pluggable cache backends for the client's data caches: [`CacheStores`] says which caches
//! go to a custom [`CacheStore`] (Redis, Memcached, ...) instead of the in-process maps.
//!
//! The in-process path is unchanged (values stay in memory as `Arc`s, nothing is
//! serialised). On the custom-store path keys are the JID or user strings and values are
//! JSON; a read error or an undecodable value is a cache miss, a write error is logged.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use wacore::send::{GroupMember, GroupMembers};
use wacore::store::cache::{CacheStore, NS_LID_PN_BY_LID, NS_LID_PN_BY_PN};
use wacore_binary::jid::Jid;

/// Which of the client's caches use a custom [`CacheStore`]; `None` keeps the in-process
/// cache. Coordination caches (session locks, message queues) always stay in-process.
///
/// ```
/// # use std::sync::Arc;
/// # use whatsapp_rust::{CacheConfig, CacheStores};
/// # fn demo(redis: Arc<dyn wacore::store::cache::CacheStore>) {
/// let config = CacheConfig {
///     cache_stores: CacheStores::all(redis),
///     ..Default::default()
/// };
/// # let _ = config;
/// # }
/// ```
#[derive(Clone, Default)]
pub struct CacheStores {
    /// Group metadata (namespace `"group"`).
    pub group_cache: Option<Arc<dyn CacheStore>>,
    /// Per-user device lists (namespace `"device"`).
    pub device_cache: Option<Arc<dyn CacheStore>>,
    /// Device registry entries (namespace `"device_registry"`). This client keeps no device
    /// registry apart from the device lists, so nothing is stored here yet.
    pub device_registry_cache: Option<Arc<dyn CacheStore>>,
    /// LID <-> phone-number mappings (namespaces `"lid_pn_by_lid"` and `"lid_pn_by_pn"`).
    pub lid_pn_cache: Option<Arc<dyn CacheStore>>,
}

impl CacheStores {
    /// Routes every pluggable cache to the same backend.
    pub fn all(store: Arc<dyn CacheStore>) -> Self {
        Self {
            group_cache: Some(Arc::clone(&store)),
            device_cache: Some(Arc::clone(&store)),
            device_registry_cache: Some(Arc::clone(&store)),
            lid_pn_cache: Some(store),
        }
    }
}

fn same(a: &Option<Arc<dyn CacheStore>>, b: &Option<Arc<dyn CacheStore>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
        _ => false,
    }
}

/// Two configurations are equal when they use the same store objects.
impl PartialEq for CacheStores {
    fn eq(&self, other: &Self) -> bool {
        same(&self.group_cache, &other.group_cache)
            && same(&self.device_cache, &other.device_cache)
            && same(&self.device_registry_cache, &other.device_registry_cache)
            && same(&self.lid_pn_cache, &other.lid_pn_cache)
    }
}

impl std::fmt::Debug for CacheStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind =
            |s: &Option<Arc<dyn CacheStore>>| if s.is_some() { "custom" } else { "in-process" };
        f.debug_struct("CacheStores")
            .field("group_cache", &kind(&self.group_cache))
            .field("device_cache", &kind(&self.device_cache))
            .field("device_registry_cache", &kind(&self.device_registry_cache))
            .field("lid_pn_cache", &kind(&self.lid_pn_cache))
            .finish()
    }
}

/// Reads and decodes one value; errors and undecodable values are misses.
pub(crate) async fn get<T: DeserializeOwned>(
    store: &dyn CacheStore,
    namespace: &str,
    key: &str,
) -> Option<T> {
    match store.get(namespace, key).await {
        Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                log::warn!(target: "Client/Cache", "cache store [{namespace}] {key}: undecodable value ({e}); treated as a miss");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            log::warn!(target: "Client/Cache", "cache store [{namespace}] get {key} failed: {e}");
            None
        }
    }
}

/// Encodes and stores one value; failures are logged.
pub(crate) async fn set<T: Serialize + ?Sized>(
    store: &dyn CacheStore,
    namespace: &str,
    key: &str,
    value: &T,
    ttl: Option<Duration>,
) {
    let bytes = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => {
            log::warn!(target: "Client/Cache", "cache store [{namespace}] {key}: cannot encode ({e})");
            return;
        }
    };
    if let Err(e) = store.set(namespace, key, &bytes, ttl).await {
        log::warn!(target: "Client/Cache", "cache store [{namespace}] set {key} failed: {e}");
    }
}

/// Deletes one key in the background (invalidations are synchronous calls); failures are
/// logged.
pub(crate) fn delete_later(store: &Arc<dyn CacheStore>, namespace: &'static str, key: String) {
    let store = Arc::clone(store);
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        log::warn!(target: "Client/Cache", "cache store [{namespace}] delete {key}: no runtime");
        return;
    };
    rt.spawn(async move {
        if let Err(e) = store.delete(namespace, &key).await {
            log::warn!(target: "Client/Cache", "cache store [{namespace}] delete {key} failed: {e}");
        }
    });
}

/// Stores both halves of a LID <-> phone-number mapping (users, no devices).
pub(crate) async fn put_lid(
    store: &dyn CacheStore,
    pn_user: &str,
    lid_user: &str,
    ttl: Option<Duration>,
) {
    set(store, NS_LID_PN_BY_PN, pn_user, lid_user, ttl).await;
    set(store, NS_LID_PN_BY_LID, lid_user, pn_user, ttl).await;
}

/// Stores a mapping unless the store already has it; true when it was new.
pub(crate) async fn remember_lid(
    store: &dyn CacheStore,
    pn_user: &str,
    lid_user: &str,
    ttl: Option<Duration>,
) -> bool {
    let known: Option<String> = get(store, NS_LID_PN_BY_PN, pn_user).await;
    if known.as_deref() == Some(lid_user) {
        return false;
    }
    put_lid(store, pn_user, lid_user, ttl).await;
    true
}

/// A device list as stored: the device JIDs as strings.
pub(crate) fn encode_devices(devices: &[Jid]) -> Vec<String> {
    devices.iter().map(Jid::to_string).collect()
}

/// The device list back; unparsable JIDs make the whole entry a miss.
pub(crate) fn decode_devices(stored: &[String]) -> Option<Vec<Jid>> {
    stored.iter().map(|s| s.parse().ok()).collect()
}

/// Group metadata as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredGroup {
    jid: String,
    addressing_mode: String,
    members: Vec<StoredMember>,
    ephemeral: u32,
}

#[derive(Serialize, Deserialize)]
struct StoredMember {
    jid: String,
    alt: Option<String>,
    admin: bool,
}

impl StoredGroup {
    pub(crate) fn new(g: &GroupMembers) -> Self {
        Self {
            jid: g.jid.to_string(),
            addressing_mode: g.addressing_mode.clone(),
            members: g
                .members
                .iter()
                .map(|m| StoredMember {
                    jid: m.jid.to_string(),
                    alt: m.alt.as_ref().map(Jid::to_string),
                    admin: m.is_admin,
                })
                .collect(),
            ephemeral: g.ephemeral,
        }
    }

    /// The group back; unparsable JIDs make the whole entry a miss.
    pub(crate) fn into_members(self) -> Option<GroupMembers> {
        let members = self
            .members
            .into_iter()
            .map(|m| {
                Some(GroupMember {
                    jid: m.jid.parse().ok()?,
                    alt: match m.alt {
                        Some(a) => Some(a.parse().ok()?),
                        None => None,
                    },
                    is_admin: m.admin,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(GroupMembers {
            jid: self.jid.parse().ok()?,
            addressing_mode: self.addressing_mode,
            members,
            ephemeral: self.ephemeral,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use wacore::store::cache::Result;

    struct Nothing;

    #[async_trait]
    impl CacheStore for Nothing {
        async fn get(&self, _: &str, _: &str) -> Result<Option<Vec<u8>>> {
            Ok(Some(b"not json".to_vec()))
        }
        async fn set(&self, _: &str, _: &str, _: &[u8], _: Option<Duration>) -> Result<()> {
            Err("down".into())
        }
        async fn delete(&self, _: &str, _: &str) -> Result<()> {
            Ok(())
        }
        async fn clear(&self, _: &str) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn all_routes_every_cache_and_default_none() {
        let store: Arc<dyn CacheStore> = Arc::new(Nothing);
        let all = CacheStores::all(Arc::clone(&store));
        assert!(all.group_cache.is_some() && all.device_cache.is_some());
        assert!(all.device_registry_cache.is_some() && all.lid_pn_cache.is_some());
        assert_eq!(all, CacheStores::all(Arc::clone(&store)));
        assert_ne!(
            all,
            CacheStores::all(Arc::new(Nothing)),
            "another store object"
        );
        let none = CacheStores::default();
        assert_eq!(none, CacheStores::default());
        assert!(format!("{none:?}").contains("in-process"));
    }

    #[test]
    fn group_and_devices_round_trip_and_bad_jids_are_misses() {
        let g = GroupMembers {
            jid: "120363000000000001@g.us".parse().unwrap(),
            addressing_mode: "lid".into(),
            members: vec![GroupMember {
                jid: "100000000000001@lid".parse().unwrap(),
                alt: Some("15550000001@s.whatsapp.net".parse().unwrap()),
                is_admin: true,
            }],
            ephemeral: 86_400,
        };
        let bytes = serde_json::to_vec(&StoredGroup::new(&g)).unwrap();
        let back: StoredGroup = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.into_members().unwrap(), g);

        let devices: Vec<Jid> = vec![
            "15550000001@s.whatsapp.net".parse().unwrap(),
            "15550000001:3@s.whatsapp.net".parse().unwrap(),
        ];
        assert_eq!(decode_devices(&encode_devices(&devices)).unwrap(), devices);
        assert!(decode_devices(&["not a jid@@".into()]).is_none());
    }

    #[tokio::test]
    async fn store_failures_are_misses_and_logged() {
        let store = Nothing;
        assert!(get::<Vec<String>>(&store, "device", "x").await.is_none());
        set(&store, "device", "x", &vec!["a".to_string()], None).await;
    }
}
