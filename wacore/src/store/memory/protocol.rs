//! [`ProtocolStore`] for the in-memory backend.

use crate::store::traits::Jid;
use async_trait::async_trait;

use super::{InMemoryBackend, count_u32, unix_now};
use crate::store::error::{Result, StoreError};
use crate::store::traits::ProtocolStore;
use crate::store::types::{DeviceListRecord, LidPnMappingEntry, TcTokenEntry};

#[async_trait]
impl ProtocolStore for InMemoryBackend {
    async fn get_skdm_recipients(&self, group_jid: &str) -> Result<Vec<Jid>> {
        let strings: Vec<String> = self.with(|d| {
            d.skdm_recipients
                .get(group_jid)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default()
        })?;
        strings
            .iter()
            .map(|s| {
                s.parse::<Jid>()
                    .map_err(|e| StoreError::Serialization(format!("stored SKDM JID {s:?}: {e}")))
            })
            .collect()
    }

    async fn add_skdm_recipients(&self, group_jid: &str, device_jids: &[Jid]) -> Result<()> {
        self.with(|d| {
            let set = d.skdm_recipients.entry(group_jid.to_string()).or_default();
            set.extend(device_jids.iter().map(ToString::to_string));
        })
    }

    async fn clear_skdm_recipients(&self, group_jid: &str) -> Result<()> {
        self.with(|d| {
            d.skdm_recipients.remove(group_jid);
        })
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        self.with(|d| d.lid_mappings.get(lid).cloned())
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        #[cfg(test)]
        if self.faults.oldest_pn_mapping {
            return self.with(|d| {
                d.lid_mappings
                    .values()
                    .filter(|e| e.phone_number == phone)
                    .min_by_key(|e| e.updated_at)
                    .cloned()
            });
        }
        self.with(|d| {
            d.lid_mappings
                .values()
                .filter(|e| e.phone_number == phone)
                .max_by(|a, b| {
                    a.updated_at
                        .cmp(&b.updated_at)
                        .then(a.created_at.cmp(&b.created_at))
                        .then(a.lid.cmp(&b.lid))
                })
                .cloned()
        })
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.with(|d| {
            d.lid_mappings.insert(entry.lid.clone(), entry.clone());
        })
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        self.with(|d| d.lid_mappings.values().cloned().collect())
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.with(|d| {
            d.base_keys.insert(
                (address.to_string(), message_id.to_string()),
                base_key.to_vec(),
            );
        })
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        self.with(|d| {
            d.base_keys
                .get(&(address.to_string(), message_id.to_string()))
                .is_some_and(|saved| saved.as_slice() == current_base_key)
        })
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.with(|d| {
            d.base_keys
                .remove(&(address.to_string(), message_id.to_string()));
        })
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.with(|d| {
            d.device_lists.insert(record.user.clone(), record);
        })
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        self.with(|d| d.device_lists.get(user).cloned())
    }

    async fn mark_forget_sender_key(&self, group_jid: &str, participant: &str) -> Result<()> {
        self.with(|d| {
            d.forget_marks
                .entry(group_jid.to_string())
                .or_default()
                .insert(participant.to_string());
        })
    }

    async fn consume_forget_marks(&self, group_jid: &str) -> Result<Vec<String>> {
        #[cfg(test)]
        if self.faults.keep_forget_marks {
            return self.with(|d| {
                d.forget_marks
                    .get(group_jid)
                    .map(|set| set.iter().cloned().collect())
                    .unwrap_or_default()
            });
        }
        self.with(|d| {
            d.forget_marks
                .remove(group_jid)
                .map(|set| set.into_iter().collect())
                .unwrap_or_default()
        })
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.with(|d| d.tc_tokens.get(jid).cloned())
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.with(|d| {
            d.tc_tokens.insert(jid.to_string(), entry.clone());
        })
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.with(|d| {
            d.tc_tokens.remove(jid);
        })
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        self.with(|d| d.tc_tokens.keys().cloned().collect())
    }

    async fn delete_expired_tc_tokens(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.with(|d| {
            let before = d.tc_tokens.len();
            d.tc_tokens
                .retain(|_, e| e.token_timestamp >= cutoff_timestamp);
            count_u32(before.saturating_sub(d.tc_tokens.len()))
        })
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        let now = unix_now();
        self.with(|d| {
            d.sent_messages.insert(
                (chat_jid.to_string(), message_id.to_string()),
                (payload.to_vec(), now),
            );
        })
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        self.with(|d| {
            d.sent_messages
                .remove(&(chat_jid.to_string(), message_id.to_string()))
                .map(|(payload, _)| payload)
        })
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.with(|d| {
            let before = d.sent_messages.len();
            d.sent_messages
                .retain(|_, (_, stored_at)| *stored_at >= cutoff_timestamp);
            count_u32(before.saturating_sub(d.sent_messages.len()))
        })
    }
}
