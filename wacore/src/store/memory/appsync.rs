//! [`AppSyncStore`] for the in-memory backend.

use async_trait::async_trait;

use super::InMemoryBackend;
use crate::store::error::Result;
use crate::store::traits::AppSyncStore;
use crate::store::traits::{AppStateMutationMAC, HashState};
use crate::store::types::AppStateSyncKey;

#[async_trait]
impl AppSyncStore for InMemoryBackend {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        self.with(|d| d.sync_keys.get(key_id).cloned())
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.with(|d| {
            d.sync_keys.insert(key_id.to_vec(), key);
        })
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        self.with(|d| d.versions.get(name).cloned().unwrap_or_default())
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.with(|d| {
            d.versions.insert(name.to_string(), state);
        })
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        self.with(|d| {
            for m in mutations {
                d.mutation_macs
                    .entry((name.to_string(), m.index_mac.clone()))
                    .or_default()
                    .insert(version, m.value_mac.clone());
            }
        })
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|d| {
            d.mutation_macs
                .get(&(name.to_string(), index_mac.to_vec()))
                .and_then(|versions| versions.values().next_back().cloned())
        })
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        self.with(|d| {
            for index_mac in index_macs {
                d.mutation_macs
                    .remove(&(name.to_string(), index_mac.clone()));
            }
        })
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        self.with(|d| {
            d.sync_keys
                .iter()
                .max_by(|(ida, a), (idb, b)| a.timestamp.cmp(&b.timestamp).then(ida.cmp(idb)))
                .map(|(id, _)| id.clone())
        })
    }
}
