//! [`SignalStore`] over SQLite: identities, sessions, pre-keys, signed pre-keys, sender keys.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacore::store::StoreError;
use wacore::store::error::Result;
use wacore::store::traits::{SentMessageWrite, SignalRecordKind, SignalStore, SignalWrite};

use crate::store::SqliteStore;

impl SqliteStore {
    async fn get_blob(&self, sql: &'static str, key: &str) -> Result<Option<Vec<u8>>> {
        let (dev, key) = (self.device_id, key.to_string());
        self.read(move |c| {
            c.prepare_cached(sql)?
                .query_row(params![dev, key], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn put_blob(&self, sql: &'static str, key: &str, value: &[u8]) -> Result<()> {
        let (dev, key, value) = (self.device_id, key.to_string(), value.to_vec());
        self.write(move |tx| {
            tx.prepare_cached(sql)?
                .execute(params![dev, key, value])
                .map(drop)
        })
        .await
    }

    async fn delete_key(&self, sql: &'static str, key: &str) -> Result<()> {
        let (dev, key) = (self.device_id, key.to_string());
        self.write(move |tx| tx.prepare_cached(sql)?.execute(params![dev, key]).map(drop))
            .await
    }

    /// Signal writes and sent messages in one transaction (identities checked first).
    async fn signal_batch(&self, writes: &[SignalWrite], sent: &[SentMessageWrite]) -> Result<()> {
        if writes.is_empty() && sent.is_empty() {
            return Ok(());
        }
        for w in writes {
            if let (SignalRecordKind::Identity, Some(v)) = (w.kind, w.value.as_deref())
                && v.len() != 32
            {
                return Err(StoreError::InvalidInput(format!(
                    "identity of {} is {} bytes, not 32",
                    w.address,
                    v.len()
                )));
            }
        }
        let (dev, writes, sent) = (self.device_id, writes.to_vec(), sent.to_vec());
        let now = crate::protocol::unix_now();
        self.write(move |tx| {
            for w in &writes {
                let (put, delete) = batch_sql(w.kind);
                match &w.value {
                    Some(v) => tx
                        .prepare_cached(put)?
                        .execute(params![dev, &*w.address, &**v])?,
                    None => tx
                        .prepare_cached(delete)?
                        .execute(params![dev, &*w.address])?,
                };
            }
            for m in &sent {
                tx.prepare_cached(crate::protocol::STORE_SENT_SQL)?
                    .execute(params![dev, &*m.chat_jid, &*m.message_id, &*m.payload, now])?;
            }
            Ok(())
        })
        .await
    }
}

/// The put and delete statements of one kind of batched Signal record.
fn batch_sql(kind: SignalRecordKind) -> (&'static str, &'static str) {
    match kind {
        SignalRecordKind::Session => (
            "INSERT OR REPLACE INTO sessions (device_id, address, record) VALUES (?1, ?2, ?3)",
            "DELETE FROM sessions WHERE device_id = ?1 AND address = ?2",
        ),
        SignalRecordKind::Identity => (
            "INSERT OR REPLACE INTO identities (device_id, address, key) VALUES (?1, ?2, ?3)",
            "DELETE FROM identities WHERE device_id = ?1 AND address = ?2",
        ),
        SignalRecordKind::SenderKey => (
            "INSERT OR REPLACE INTO sender_keys (device_id, address, record) VALUES (?1, ?2, ?3)",
            "DELETE FROM sender_keys WHERE device_id = ?1 AND address = ?2",
        ),
    }
}

#[async_trait]
impl SignalStore for SqliteStore {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.put_blob(
            "INSERT OR REPLACE INTO identities (device_id, address, key) VALUES (?1, ?2, ?3)",
            address,
            &key,
        )
        .await
    }

    async fn load_identity(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get_blob(
            "SELECT key FROM identities WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.delete_key(
            "DELETE FROM identities WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn get_session(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get_blob(
            "SELECT record FROM sessions WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.put_blob(
            "INSERT OR REPLACE INTO sessions (device_id, address, record) VALUES (?1, ?2, ?3)",
            address,
            session,
        )
        .await
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.delete_key(
            "DELETE FROM sessions WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        let (dev, address) = (self.device_id, address.to_string());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM sessions WHERE device_id = ?1 AND address = ?2)",
            )?
            .query_row(params![dev, address], |r| r.get(0))
        })
        .await
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        let (dev, record) = (self.device_id, record.to_vec());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO prekeys (device_id, prekey_id, record, uploaded) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![dev, id, record, uploaded])
            .map(drop)
        })
        .await
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Vec<u8>)], uploaded: bool) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let (dev, keys) = (self.device_id, keys.to_vec());
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO prekeys (device_id, prekey_id, record, uploaded) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (id, record) in &keys {
                stmt.execute(params![dev, id, record, uploaded])?;
            }
            Ok(())
        })
        .await
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached("SELECT record FROM prekeys WHERE device_id = ?1 AND prekey_id = ?2")?
                .query_row(params![dev, id], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        let dev = self.device_id;
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM prekeys WHERE device_id = ?1 AND prekey_id = ?2")?
                .execute(params![dev, id])
                .map(drop)
        })
        .await
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached(
                "SELECT COALESCE(MAX(prekey_id), 0) FROM prekeys WHERE device_id = ?1",
            )?
            .query_row(params![dev], |r| r.get(0))
        })
        .await
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        let (dev, record) = (self.device_id, record.to_vec());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO signed_prekeys (device_id, signed_prekey_id, record) \
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![dev, id, record])
            .map(drop)
        })
        .await
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached(
                "SELECT record FROM signed_prekeys WHERE device_id = ?1 AND signed_prekey_id = ?2",
            )?
            .query_row(params![dev, id], |r| r.get(0))
            .optional()
        })
        .await
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached(
                "SELECT signed_prekey_id, record FROM signed_prekeys WHERE device_id = ?1 \
                 ORDER BY signed_prekey_id",
            )?
            .query_map(params![dev], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
        })
        .await
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        let dev = self.device_id;
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM signed_prekeys WHERE device_id = ?1 AND signed_prekey_id = ?2",
            )?
            .execute(params![dev, id])
            .map(drop)
        })
        .await
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.put_blob(
            "INSERT OR REPLACE INTO sender_keys (device_id, address, record) VALUES (?1, ?2, ?3)",
            address,
            record,
        )
        .await
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get_blob(
            "SELECT record FROM sender_keys WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.delete_key(
            "DELETE FROM sender_keys WHERE device_id = ?1 AND address = ?2",
            address,
        )
        .await
    }

    async fn write_signal_batch(&self, writes: &[SignalWrite]) -> Result<()> {
        self.signal_batch(writes, &[]).await
    }

    async fn write_signal_batch_and_sent(
        &self,
        writes: &[SignalWrite],
        sent: &[SentMessageWrite],
    ) -> Result<bool> {
        self.signal_batch(writes, sent).await?;
        Ok(true)
    }
}
