//! A custom `CacheStore` plugged in through `CacheConfig::cache_stores` takes the client's
//! device-list (and LID/PN) caches: sending a message stores the recipient's devices there
//! and the next send reads them back from it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod msg_support;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use msg_support::*;
use support::*;
use wacore::store::cache::{CacheStore, Result};
use wacore_binary::jid::Jid;
use whatsapp_rust::{CacheConfig, CacheStores};

/// An in-memory cache store that counts its calls per operation and namespace.
#[derive(Default)]
struct CountingStore {
    map: Mutex<HashMap<String, Vec<u8>>>,
    calls: Mutex<HashMap<String, usize>>,
    ttls: Mutex<Vec<Option<Duration>>>,
}

impl CountingStore {
    fn count(&self, op: &str, ns: &str) -> usize {
        let calls = self.calls.lock().unwrap();
        calls.get(&format!("{op} {ns}")).copied().unwrap_or(0)
    }
    fn note(&self, op: &str, ns: &str) {
        *self
            .calls
            .lock()
            .unwrap()
            .entry(format!("{op} {ns}"))
            .or_default() += 1;
    }
}

#[async_trait]
impl CacheStore for CountingStore {
    async fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let value = self
            .map
            .lock()
            .unwrap()
            .get(&format!("{namespace}:{key}"))
            .cloned();
        self.note(if value.is_some() { "hit" } else { "miss" }, namespace);
        Ok(value)
    }
    async fn set(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<()> {
        self.note("set", namespace);
        self.ttls.lock().unwrap().push(ttl);
        self.map
            .lock()
            .unwrap()
            .insert(format!("{namespace}:{key}"), value.to_vec());
        Ok(())
    }
    async fn delete(&self, namespace: &str, key: &str) -> Result<()> {
        self.note("delete", namespace);
        self.map
            .lock()
            .unwrap()
            .remove(&format!("{namespace}:{key}"));
        Ok(())
    }
    async fn clear(&self, namespace: &str) -> Result<()> {
        let prefix = format!("{namespace}:");
        self.map
            .lock()
            .unwrap()
            .retain(|k, _| !k.starts_with(&prefix));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_cache_store_holds_device_lists_used_when_sending() {
    let server = server().await;
    server.create_account("15550040001").unwrap();
    let peer = server.create_account("15550040002").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(CountingStore::default());
    let cache_config = CacheConfig {
        cache_stores: CacheStores::all(store.clone()),
        ..Default::default()
    };
    let mut bot = start_bot(&server, &db(&dir, "c.db"), |b| {
        b.with_cache_config(cache_config)
    })
    .await;
    pair_by_qr(&server, "15550040001", &mut bot).await;

    let id = bot
        .client
        .send_message(Jid::pn("15550040002"), text("through the cache store"))
        .await
        .expect("sent");
    peer.wait_for_message(Duration::from_secs(10), |m| m.id == id)
        .await
        .expect("the phone decrypts it");
    assert!(
        store.count("miss", "device") >= 1,
        "device lists looked up in the store first"
    );
    assert!(
        store.count("set", "device") >= 1,
        "fetched device lists stored"
    );
    assert!(
        store.count("set", "lid_pn_by_pn") >= 1,
        "the usync's LID stored"
    );
    assert!(
        store
            .ttls
            .lock()
            .unwrap()
            .iter()
            .all(|t| *t == Some(Duration::from_secs(3600))),
        "the configured TTLs (1 h) are passed on"
    );

    let hits = store.count("hit", "device");
    let sets = store.count("set", "device");
    let id = bot
        .client
        .send_message(Jid::pn("15550040002"), text("again"))
        .await
        .expect("sent");
    peer.wait_for_message(Duration::from_secs(10), |m| m.id == id)
        .await
        .expect("the phone decrypts the second one");
    assert!(
        store.count("hit", "device") > hits,
        "the second send reads the device lists from the store"
    );
    assert_eq!(store.count("set", "device"), sets, "no new device query");
    bot.client.disconnect().await;
}
