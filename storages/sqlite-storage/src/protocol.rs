//! [`ProtocolStore`] over SQLite: SKDM recipients, LID/PN mappings, base keys, device lists,
//! sender-key forget marks, tc-tokens and sent messages.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use wacore::store::error::Result;
use wacore::store::traits::Jid;
use wacore::store::traits::{DeviceListRecord, LidPnMappingEntry, ProtocolStore, TcTokenEntry};

use crate::device_list;
use crate::error::corrupt;
use crate::store::SqliteStore;

const MAPPING_COLUMNS: &str = "lid, phone_number, created_at, updated_at, learning_source";

fn mapping(r: &Row<'_>) -> rusqlite::Result<LidPnMappingEntry> {
    Ok(LidPnMappingEntry {
        lid: r.get(0)?,
        phone_number: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        learning_source: r.get(4)?,
    })
}

/// Stores (or replaces) one sent message: device, chat, id, payload, created_at.
pub(crate) const STORE_SENT_SQL: &str = "INSERT OR REPLACE INTO sent_messages (device_id, \
     chat_jid, message_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[async_trait]
impl ProtocolStore for SqliteStore {
    async fn get_skdm_recipients(&self, group_jid: &str) -> Result<Vec<Jid>> {
        let (dev, group) = (self.device_id, group_jid.to_string());
        let rows: Vec<String> = self
            .read(move |c| {
                c.prepare_cached(
                    "SELECT device_jid FROM skdm_recipients WHERE device_id = ?1 AND group_jid = ?2",
                )?
                .query_map(params![dev, group], |r| r.get(0))?
                .collect()
            })
            .await?;
        rows.iter()
            .map(|s| {
                s.parse::<Jid>()
                    .map_err(|e| corrupt("SKDM recipient JID", format!("{s:?}: {e}")))
            })
            .collect()
    }

    async fn add_skdm_recipients(&self, group_jid: &str, device_jids: &[Jid]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        let (dev, group) = (self.device_id, group_jid.to_string());
        let jids: Vec<String> = device_jids.iter().map(ToString::to_string).collect();
        let now = unix_now();
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO skdm_recipients (device_id, group_jid, device_jid, timestamp) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for jid in &jids {
                stmt.execute(params![dev, group, jid, now])?;
            }
            Ok(())
        })
        .await
    }

    async fn clear_skdm_recipients(&self, group_jid: &str) -> Result<()> {
        let (dev, group) = (self.device_id, group_jid.to_string());
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM skdm_recipients WHERE device_id = ?1 AND group_jid = ?2",
            )?
            .execute(params![dev, group])
            .map(drop)
        })
        .await
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        let (dev, lid) = (self.device_id, lid.to_string());
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {MAPPING_COLUMNS} FROM lid_pn_mappings WHERE device_id = ?1 AND lid = ?2"
            ))?
            .query_row(params![dev, lid], mapping)
            .optional()
        })
        .await
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        let (dev, phone) = (self.device_id, phone.to_string());
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {MAPPING_COLUMNS} FROM lid_pn_mappings \
                 WHERE device_id = ?1 AND phone_number = ?2 \
                 ORDER BY updated_at DESC, created_at DESC, lid DESC LIMIT 1"
            ))?
            .query_row(params![dev, phone], mapping)
            .optional()
        })
        .await
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        let (dev, e) = (self.device_id, entry.clone());
        self.write(move |tx| {
            tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO lid_pn_mappings (device_id, {MAPPING_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))?
            .execute(params![
                dev,
                e.lid,
                e.phone_number,
                e.created_at,
                e.updated_at,
                e.learning_source
            ])
            .map(drop)
        })
        .await
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {MAPPING_COLUMNS} FROM lid_pn_mappings WHERE device_id = ?1"
            ))?
            .query_map(params![dev], mapping)?
            .collect()
        })
        .await
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        let (dev, a, m, k) = (
            self.device_id,
            address.to_string(),
            message_id.to_string(),
            base_key.to_vec(),
        );
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO base_keys (device_id, address, message_id, base_key) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![dev, a, m, k])
            .map(drop)
        })
        .await
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        let (dev, a, m) = (self.device_id, address.to_string(), message_id.to_string());
        let saved: Option<Vec<u8>> = self
            .read(move |c| {
                c.prepare_cached(
                    "SELECT base_key FROM base_keys WHERE device_id = ?1 AND address = ?2 \
                     AND message_id = ?3",
                )?
                .query_row(params![dev, a, m], |r| r.get(0))
                .optional()
            })
            .await?;
        Ok(saved.is_some_and(|k| k.as_slice() == current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        let (dev, a, m) = (self.device_id, address.to_string(), message_id.to_string());
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM base_keys WHERE device_id = ?1 AND address = ?2 AND message_id = ?3",
            )?
            .execute(params![dev, a, m])
            .map(drop)
        })
        .await
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        let dev = self.device_id;
        let devices = device_list::encode(&record.devices);
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO device_lists (device_id, user, devices, timestamp, phash) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                dev,
                record.user,
                devices,
                record.timestamp,
                record.phash
            ])
            .map(drop)
        })
        .await
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        let (dev, user) = (self.device_id, user.to_string());
        let row: Option<(String, Vec<u8>, i64, Option<String>)> = self
            .read(move |c| {
                c.prepare_cached(
                    "SELECT user, devices, timestamp, phash FROM device_lists \
                     WHERE device_id = ?1 AND user = ?2",
                )?
                .query_row(params![dev, user], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .await?;
        row.map(|(user, blob, timestamp, phash)| {
            Ok(DeviceListRecord {
                user,
                devices: device_list::decode(&blob)?,
                timestamp,
                phash,
            })
        })
        .transpose()
    }

    async fn mark_forget_sender_key(&self, group_jid: &str, participant: &str) -> Result<()> {
        let (dev, g, p) = (
            self.device_id,
            group_jid.to_string(),
            participant.to_string(),
        );
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO sender_key_forget_marks (device_id, group_jid, participant) \
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![dev, g, p])
            .map(drop)
        })
        .await
    }

    async fn consume_forget_marks(&self, group_jid: &str) -> Result<Vec<String>> {
        let (dev, g) = (self.device_id, group_jid.to_string());
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM sender_key_forget_marks WHERE device_id = ?1 AND group_jid = ?2 \
                 RETURNING participant",
            )?
            .query_map(params![dev, g], |r| r.get(0))?
            .collect()
        })
        .await
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        let (dev, jid) = (self.device_id, jid.to_string());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT token, token_timestamp, sender_timestamp FROM tc_tokens \
                 WHERE device_id = ?1 AND jid = ?2",
            )?
            .query_row(params![dev, jid], |r| {
                Ok(TcTokenEntry {
                    token: r.get(0)?,
                    token_timestamp: r.get(1)?,
                    sender_timestamp: r.get(2)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        let (dev, jid, e) = (self.device_id, jid.to_string(), entry.clone());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO tc_tokens (device_id, jid, token, token_timestamp, \
                 sender_timestamp) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                dev,
                jid,
                e.token,
                e.token_timestamp,
                e.sender_timestamp
            ])
            .map(drop)
        })
        .await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        let (dev, jid) = (self.device_id, jid.to_string());
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM tc_tokens WHERE device_id = ?1 AND jid = ?2")?
                .execute(params![dev, jid])
                .map(drop)
        })
        .await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached("SELECT jid FROM tc_tokens WHERE device_id = ?1")?
                .query_map(params![dev], |r| r.get(0))?
                .collect()
        })
        .await
    }

    async fn delete_expired_tc_tokens(&self, cutoff_timestamp: i64) -> Result<u32> {
        let dev = self.device_id;
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM tc_tokens WHERE device_id = ?1 AND token_timestamp < ?2",
            )?
            .execute(params![dev, cutoff_timestamp])
            .map(count_u32)
        })
        .await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        let (dev, chat, id, payload) = (
            self.device_id,
            chat_jid.to_string(),
            message_id.to_string(),
            payload.to_vec(),
        );
        let now = unix_now();
        self.write(move |tx| {
            tx.prepare_cached(STORE_SENT_SQL)?
                .execute(params![dev, chat, id, payload, now])
                .map(drop)
        })
        .await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let (dev, chat, id) = (self.device_id, chat_jid.to_string(), message_id.to_string());
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM sent_messages WHERE device_id = ?1 AND chat_jid = ?2 \
                 AND message_id = ?3 RETURNING payload",
            )?
            .query_row(params![dev, chat, id], |r| r.get(0))
            .optional()
        })
        .await
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        let dev = self.device_id;
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM sent_messages WHERE device_id = ?1 AND created_at < ?2")?
                .execute(params![dev, cutoff_timestamp])
                .map(count_u32)
        })
        .await
    }
}
