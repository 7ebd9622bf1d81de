//! [`SignalStore`] for the in-memory backend.

use async_trait::async_trait;

use super::InMemoryBackend;
use crate::store::error::Result;
use crate::store::traits::SignalStore;

#[async_trait]
impl SignalStore for InMemoryBackend {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.with(|d| {
            d.identities.insert(address.to_string(), key.to_vec());
        })
    }

    async fn load_identity(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.with(|d| d.identities.get(address).cloned())
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.with(|d| {
            d.identities.remove(address);
        })
    }

    async fn get_session(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.with(|d| d.sessions.get(address).cloned())
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.with(|d| {
            d.sessions.insert(address.to_string(), session.to_vec());
        })
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.with(|d| {
            d.sessions.remove(address);
        })
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        self.with(|d| d.sessions.contains_key(address))
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.with(|d| {
            d.prekeys.insert(id, (record.to_vec(), uploaded));
        })
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Vec<u8>)], uploaded: bool) -> Result<()> {
        self.with(|d| {
            for (id, record) in keys {
                d.prekeys.insert(*id, (record.clone(), uploaded));
            }
        })
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.with(|d| d.prekeys.get(&id).map(|(r, _)| r.clone()))
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.with(|d| {
            d.prekeys.remove(&id);
        })
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        self.with(|d| d.prekeys.keys().next_back().copied().unwrap_or(0))
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.with(|d| {
            d.signed_prekeys.insert(id, record.to_vec());
        })
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.with(|d| d.signed_prekeys.get(&id).cloned())
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        self.with(|d| {
            d.signed_prekeys
                .iter()
                .map(|(id, r)| (*id, r.clone()))
                .collect()
        })
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.with(|d| {
            d.signed_prekeys.remove(&id);
        })
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.with(|d| {
            d.sender_keys.insert(address.to_string(), record.to_vec());
        })
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.with(|d| d.sender_keys.get(address).cloned())
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.with(|d| {
            d.sender_keys.remove(address);
        })
    }
}
