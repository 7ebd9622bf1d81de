//! [`AppSyncStore`] over SQLite: sync keys, collection versions, mutation MACs.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacore::store::error::Result;
use wacore::store::traits::{AppStateMutationMAC, AppStateSyncKey, AppSyncStore, HashState};

use crate::error::corrupt;
use crate::store::SqliteStore;
use crate::value_macs;

#[async_trait]
impl AppSyncStore for SqliteStore {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        let (dev, key_id) = (self.device_id, key_id.to_vec());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT key_data, fingerprint, timestamp FROM app_state_sync_keys \
                 WHERE device_id = ?1 AND key_id = ?2",
            )?
            .query_row(params![dev, key_id], |r| {
                Ok(AppStateSyncKey {
                    key_data: r.get(0)?,
                    fingerprint: r.get(1)?,
                    timestamp: r.get(2)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        let (dev, key_id) = (self.device_id, key_id.to_vec());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO app_state_sync_keys \
                 (device_id, key_id, key_data, fingerprint, timestamp) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                dev,
                key_id,
                key.key_data,
                key.fingerprint,
                key.timestamp
            ])
            .map(drop)
        })
        .await
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        let (dev, name) = (self.device_id, name.to_string());
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = self
            .read(move |c| {
                c.prepare_cached(
                    "SELECT version, hash, value_macs FROM app_state_versions \
                     WHERE device_id = ?1 AND name = ?2",
                )?
                .query_row(params![dev, name], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
            })
            .await?;
        let Some((version, hash, value_macs)) = row else {
            return Ok(HashState::default());
        };
        let hash: [u8; 128] = hash.as_slice().try_into().map_err(|_| {
            corrupt(
                "app state hash",
                format!("{} bytes, expected 128", hash.len()),
            )
        })?;
        // Stored as the two's-complement i64 of the u64 (SQLite integers are signed).
        Ok(HashState::from_parts(
            version.cast_unsigned(),
            hash,
            value_macs::decode(&value_macs)?,
        ))
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        let (dev, name) = (self.device_id, name.to_string());
        let version = state.version.cast_signed();
        let value_macs = value_macs::encode(&state.index_value_map);
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO app_state_versions \
                 (device_id, name, version, hash, value_macs) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                dev,
                name,
                version,
                state.hash.as_slice(),
                value_macs
            ])
            .map(drop)
        })
        .await
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        if mutations.is_empty() {
            return Ok(());
        }
        let (dev, name, mutations) = (self.device_id, name.to_string(), mutations.to_vec());
        let version = version.cast_signed();
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO app_state_mutation_macs \
                 (device_id, name, version, index_mac, value_mac) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for m in &mutations {
                stmt.execute(params![dev, name, version, m.index_mac, m.value_mac])?;
            }
            Ok(())
        })
        .await
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        let (dev, name, index_mac) = (self.device_id, name.to_string(), index_mac.to_vec());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT value_mac FROM app_state_mutation_macs \
                 WHERE device_id = ?1 AND name = ?2 AND index_mac = ?3 \
                 ORDER BY version DESC LIMIT 1",
            )?
            .query_row(params![dev, name, index_mac], |r| r.get(0))
            .optional()
        })
        .await
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        if index_macs.is_empty() {
            return Ok(());
        }
        let (dev, name, index_macs) = (self.device_id, name.to_string(), index_macs.to_vec());
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(
                "DELETE FROM app_state_mutation_macs \
                 WHERE device_id = ?1 AND name = ?2 AND index_mac = ?3",
            )?;
            for index_mac in &index_macs {
                stmt.execute(params![dev, name, index_mac])?;
            }
            Ok(())
        })
        .await
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached(
                "SELECT key_id FROM app_state_sync_keys WHERE device_id = ?1 \
                 ORDER BY timestamp DESC, key_id DESC LIMIT 1",
            )?
            .query_row(params![dev], |r| r.get(0))
            .optional()
        })
        .await
    }
}
