//! Pluggable cache backends: the [`CacheStore`] trait.
//!
//! The client keeps group metadata, device lists, the device registry and LID <-> phone-number
//! mappings in in-process caches. A [`CacheStore`] replaces any of them with an external cache
//! (Redis, Memcached, ...): the client then serialises the values and stores them under a
//! namespace and a key. Cache operations are best-effort: the client treats a failed read as a
//! miss and logs a failed write.
//!
//! | Namespace           | Cache                   | Contents                            |
//! |---------------------|-------------------------|-------------------------------------|
//! | `"group"`           | `group_cache`           | group metadata (members, addressing)|
//! | `"device"`          | `device_cache`          | per-user device lists               |
//! | `"device_registry"` | `device_registry_cache` | device registry entries             |
//! | `"lid_pn_by_lid"`   | `lid_pn_cache`          | LID user -> phone-number user       |
//! | `"lid_pn_by_pn"`    | `lid_pn_cache`          | phone-number user -> LID user       |
//!
//! Implementations should partition keys by namespace (for example `{namespace}:{key}`).

use std::time::Duration;

use async_trait::async_trait;

/// The error a [`CacheStore`] reports: any error of the backend (boxed, so `?` works on the
/// backend's own error types). The client only logs it.
pub type CacheStoreError = Box<dyn std::error::Error + Send + Sync>;

/// Result alias for [`CacheStore`] operations.
pub type Result<T> = std::result::Result<T, CacheStoreError>;

/// Namespace of the group metadata cache.
pub const NS_GROUP: &str = "group";
/// Namespace of the per-user device-list cache.
pub const NS_DEVICE: &str = "device";
/// Namespace of the device registry cache.
pub const NS_DEVICE_REGISTRY: &str = "device_registry";
/// Namespace of the LID -> phone-number half of the LID/PN cache.
pub const NS_LID_PN_BY_LID: &str = "lid_pn_by_lid";
/// Namespace of the phone-number -> LID half of the LID/PN cache.
pub const NS_LID_PN_BY_PN: &str = "lid_pn_by_pn";

/// A pluggable cache backend (see the module documentation).
#[async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// Retrieves a cached value by namespace and key (`None` on a miss).
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores a value with an optional TTL. When `ttl` is `None`, the entry persists until
    /// it is deleted.
    async fn set(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<()>;

    /// Deletes a single key from the namespace.
    async fn delete(&self, namespace: &str, key: &str) -> Result<()>;

    /// Deletes every key of the namespace.
    async fn clear(&self, namespace: &str) -> Result<()>;

    /// Approximate entry count (diagnostics only). The default returns 0.
    async fn entry_count(&self, _namespace: &str) -> Result<u64> {
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A minimal store: the trait is object-safe and its default method works.
    #[derive(Default)]
    struct Map(Mutex<HashMap<String, Vec<u8>>>);

    #[async_trait]
    impl CacheStore for Map {
        async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .get(&format!("{namespace}:{key}"))
                .cloned())
        }
        async fn set(&self, ns: &str, key: &str, v: &[u8], _: Option<Duration>) -> Result<()> {
            self.0
                .lock()
                .unwrap()
                .insert(format!("{ns}:{key}"), v.to_vec());
            Ok(())
        }
        async fn delete(&self, namespace: &str, key: &str) -> Result<()> {
            self.0.lock().unwrap().remove(&format!("{namespace}:{key}"));
            Ok(())
        }
        async fn clear(&self, namespace: &str) -> Result<()> {
            let prefix = format!("{namespace}:");
            self.0
                .lock()
                .unwrap()
                .retain(|k, _| !k.starts_with(&prefix));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_store_behind_dyn_partitions_by_namespace() {
        let store: Box<dyn CacheStore> = Box::new(Map::default());
        store.set(NS_GROUP, "a", b"1", None).await.unwrap();
        store.set(NS_DEVICE, "a", b"2", None).await.unwrap();
        assert_eq!(store.get(NS_GROUP, "a").await.unwrap().unwrap(), b"1");
        store.clear(NS_GROUP).await.unwrap();
        assert!(store.get(NS_GROUP, "a").await.unwrap().is_none());
        assert_eq!(store.get(NS_DEVICE, "a").await.unwrap().unwrap(), b"2");
        store.delete(NS_DEVICE, "a").await.unwrap();
        assert!(store.get(NS_DEVICE, "a").await.unwrap().is_none());
        assert_eq!(store.entry_count(NS_DEVICE).await.unwrap(), 0, "default");
    }
}
