//! Archive, pin, mute, star and mark-read: app-state mutations our other devices and the
//! phone see (collections: archive, pin, mark-read in `regular_low`; mute, star in
//! `regular_high`).

use std::sync::Arc;

use wacore_binary::jid::Jid;

use crate::appstate::{AppStateSyncError, MessageRef, SyncAction};
use crate::client::Client;

/// Chat organisation through app-state sync. Get it with [`Client::chat_actions`].
#[derive(Debug, Clone, Copy)]
pub struct ChatActions<'a> {
    client: &'a Arc<Client>,
}

impl Client {
    /// Chat actions (archive, pin, mute, star, mark read).
    pub fn chat_actions(self: &Arc<Self>) -> ChatActions<'_> {
        ChatActions { client: self }
    }
}

impl ChatActions<'_> {
    async fn send(&self, actions: &[SyncAction]) -> Result<(), AppStateSyncError> {
        self.client.send_app_state_actions(actions).await
    }

    /// Archives a chat (WhatsApp unpins a chat it archives, in the same patch).
    pub async fn archive_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        let j = jid.to_string();
        self.send(&[
            SyncAction::archive(j.clone(), true, None),
            SyncAction::pin(j, false),
        ])
        .await
    }

    /// Unarchives a chat.
    pub async fn unarchive_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::archive(jid.to_string(), false, None)])
            .await
    }

    /// Pins a chat.
    pub async fn pin_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::pin(jid.to_string(), true)]).await
    }

    /// Unpins a chat.
    pub async fn unpin_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::pin(jid.to_string(), false)]).await
    }

    /// Mutes a chat indefinitely.
    pub async fn mute_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::mute(jid.to_string(), None)]).await
    }

    /// Mutes a chat until `mute_end_timestamp_ms` (Unix ms, must be in the future).
    pub async fn mute_chat_until(
        &self,
        jid: &Jid,
        mute_end_timestamp_ms: i64,
    ) -> Result<(), AppStateSyncError> {
        let now = chrono::Utc::now().timestamp_millis();
        if mute_end_timestamp_ms <= now {
            return Err(AppStateSyncError::InvalidArgument(format!(
                "mute end {mute_end_timestamp_ms} is not in the future"
            )));
        }
        self.send(&[SyncAction::mute(
            jid.to_string(),
            Some(mute_end_timestamp_ms),
        )])
        .await
    }

    /// Unmutes a chat.
    pub async fn unmute_chat(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::unmute(jid.to_string())]).await
    }

    /// Marks a chat read.
    pub async fn mark_chat_as_read(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::mark_chat_as_read(jid.to_string(), true, None)])
            .await
    }

    /// Marks a chat unread.
    pub async fn mark_chat_as_unread(&self, jid: &Jid) -> Result<(), AppStateSyncError> {
        self.send(&[SyncAction::mark_chat_as_read(jid.to_string(), false, None)])
            .await
    }

    fn message_ref(
        chat_jid: &Jid,
        participant_jid: Option<&Jid>,
        message_id: &str,
        from_me: bool,
    ) -> Result<MessageRef, AppStateSyncError> {
        if message_id.is_empty() {
            return Err(AppStateSyncError::InvalidArgument(
                "empty message id".into(),
            ));
        }
        let is_group = chat_jid.server == wacore_binary::jid::GROUP_SERVER;
        if is_group && !from_me && participant_jid.is_none() {
            return Err(AppStateSyncError::InvalidArgument(
                "a group message from someone else needs participant_jid".into(),
            ));
        }
        Ok(MessageRef {
            chat_jid: chat_jid.to_string(),
            message_id: message_id.to_owned(),
            from_me,
            participant: if is_group && !from_me {
                participant_jid.map(|p| p.to_non_ad().to_string())
            } else {
                None
            },
        })
    }

    /// Stars a message. For group messages from others pass the sender as `participant_jid`.
    pub async fn star_message(
        &self,
        chat_jid: &Jid,
        participant_jid: Option<&Jid>,
        message_id: &str,
        from_me: bool,
    ) -> Result<(), AppStateSyncError> {
        let m = Self::message_ref(chat_jid, participant_jid, message_id, from_me)?;
        self.send(&[SyncAction::star(m, true)]).await
    }

    /// Unstars a message (same arguments as [`ChatActions::star_message`]).
    pub async fn unstar_message(
        &self,
        chat_jid: &Jid,
        participant_jid: Option<&Jid>,
        message_id: &str,
        from_me: bool,
    ) -> Result<(), AppStateSyncError> {
        let m = Self::message_ref(chat_jid, participant_jid, message_id, from_me)?;
        self.send(&[SyncAction::star(m, false)]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_refs_need_participants_in_groups() {
        let group: Jid = "123@g.us".parse().unwrap();
        let dm: Jid = "15551234567@s.whatsapp.net".parse().unwrap();
        let sender: Jid = "15559876543:3@s.whatsapp.net".parse().unwrap();
        assert!(ChatActions::message_ref(&group, None, "ID", false).is_err());
        let r = ChatActions::message_ref(&group, Some(&sender), "ID", false).unwrap();
        assert_eq!(r.participant.as_deref(), Some("15559876543@s.whatsapp.net"));
        let r = ChatActions::message_ref(&group, None, "ID", true).unwrap();
        assert_eq!(r.participant, None);
        let r = ChatActions::message_ref(&dm, Some(&sender), "ID", false).unwrap();
        assert_eq!(r.participant, None);
        assert!(ChatActions::message_ref(&dm, None, "", true).is_err());
    }
}
