//! The outgoing direction: building actions for our own patches and turning any typed
//! action back into its index, value, collection and `SyncActionData.version`.

use waproto::whatsapp::{SyncActionValue, sync_action_value as sav};

use super::{MessageRef, SyncAction, flag};
use crate::{Collection, MutationInput, Operation};

fn range(last_message_timestamp: Option<i64>) -> Option<sav::SyncActionMessageRange> {
    last_message_timestamp.map(|ts| sav::SyncActionMessageRange {
        last_message_timestamp: Some(ts),
        ..Default::default()
    })
}

impl SyncAction {
    /// Pins or unpins a chat.
    pub fn pin(jid: impl Into<String>, pinned: bool) -> Self {
        SyncAction::Pin {
            jid: jid.into(),
            action: sav::PinAction {
                pinned: Some(pinned),
            },
        }
    }

    /// Mutes a chat until `end_timestamp_ms` (Unix ms), or forever if `None`.
    pub fn mute(jid: impl Into<String>, end_timestamp_ms: Option<i64>) -> Self {
        SyncAction::Mute {
            jid: jid.into(),
            action: sav::MuteAction {
                muted: Some(true),
                mute_end_timestamp: end_timestamp_ms,
                ..Default::default()
            },
        }
    }

    /// Unmutes a chat.
    pub fn unmute(jid: impl Into<String>) -> Self {
        SyncAction::Mute {
            jid: jid.into(),
            action: sav::MuteAction {
                muted: Some(false),
                ..Default::default()
            },
        }
    }

    /// Archives or unarchives a chat; `last_message_timestamp` (Unix s) bounds the range.
    /// WhatsApp also unpins a chat it archives: send [`SyncAction::pin`]`(jid, false)` in the
    /// same patch.
    pub fn archive(
        jid: impl Into<String>,
        archived: bool,
        last_message_timestamp: Option<i64>,
    ) -> Self {
        SyncAction::Archive {
            jid: jid.into(),
            action: sav::ArchiveChatAction {
                archived: Some(archived),
                message_range: range(last_message_timestamp),
            },
        }
    }

    /// Stars or unstars a message.
    pub fn star(message: MessageRef, starred: bool) -> Self {
        SyncAction::Star {
            message,
            action: sav::StarAction {
                starred: Some(starred),
            },
        }
    }

    /// Marks a chat read (`true`) or unread.
    pub fn mark_chat_as_read(
        jid: impl Into<String>,
        read: bool,
        last_message_timestamp: Option<i64>,
    ) -> Self {
        SyncAction::MarkChatAsRead {
            jid: jid.into(),
            action: sav::MarkChatAsReadAction {
                read: Some(read),
                message_range: range(last_message_timestamp),
            },
        }
    }

    /// Saves an address-book entry.
    pub fn contact(
        jid: impl Into<String>,
        full_name: Option<String>,
        first_name: Option<String>,
    ) -> Self {
        SyncAction::Contact {
            jid: jid.into(),
            action: sav::ContactAction {
                full_name,
                first_name,
                ..Default::default()
            },
        }
    }

    /// Sets our own push name.
    pub fn push_name(name: impl Into<String>) -> Self {
        SyncAction::PushName {
            action: sav::PushNameSetting {
                name: Some(name.into()),
            },
        }
    }

    /// Deletes a chat (with its media).
    pub fn delete_chat(jid: impl Into<String>, last_message_timestamp: Option<i64>) -> Self {
        SyncAction::DeleteChat {
            jid: jid.into(),
            delete_media: true,
            action: sav::DeleteChatAction {
                message_range: range(last_message_timestamp),
            },
        }
    }

    /// Creates, edits or deletes a label.
    pub fn label_edit(
        label_id: impl Into<String>,
        name: impl Into<String>,
        color: i32,
        deleted: bool,
    ) -> Self {
        SyncAction::LabelEdit {
            label_id: label_id.into(),
            action: sav::LabelEditAction {
                name: Some(name.into()),
                color: Some(color),
                deleted: Some(deleted),
                ..Default::default()
            },
        }
    }

    /// Puts a label on a chat, or takes it off.
    pub fn label_chat(label_id: impl Into<String>, jid: impl Into<String>, labeled: bool) -> Self {
        SyncAction::LabelChat {
            label_id: label_id.into(),
            jid: jid.into(),
            action: sav::LabelAssociationAction {
                labeled: Some(labeled),
                ..Default::default()
            },
        }
    }

    /// Puts a label on a message, or takes it off.
    pub fn label_message(label_id: impl Into<String>, message: MessageRef, labeled: bool) -> Self {
        SyncAction::LabelMessage {
            label_id: label_id.into(),
            message,
            action: sav::LabelAssociationAction {
                labeled: Some(labeled),
                ..Default::default()
            },
        }
    }

    /// The mutation index of this action.
    pub fn index(&self) -> Vec<String> {
        let s = |x: &str| x.to_owned();
        match self {
            SyncAction::Pin { jid, .. } => vec![s("pin_v1"), jid.clone()],
            SyncAction::Mute { jid, .. } => vec![s("mute"), jid.clone()],
            SyncAction::Archive { jid, .. } => vec![s("archive"), jid.clone()],
            SyncAction::MarkChatAsRead { jid, .. } => vec![s("markChatAsRead"), jid.clone()],
            SyncAction::Contact { jid, .. } => vec![s("contact"), jid.clone()],
            SyncAction::UserStatusMute { jid, .. } => vec![s("userStatusMute"), jid.clone()],
            SyncAction::PushName { .. } => vec![s("setting_pushName")],
            SyncAction::Locale { .. } => vec![s("setting_locale")],
            SyncAction::UnarchiveChatsSetting { .. } => vec![s("setting_unarchiveChats")],
            SyncAction::Star { message, .. } => {
                let mut index = vec![s("star")];
                message.push_index(&mut index);
                index
            }
            SyncAction::DeleteMessageForMe { message, .. } => {
                let mut index = vec![s("deleteMessageForMe")];
                message.push_index(&mut index);
                index
            }
            SyncAction::DeleteChat {
                jid, delete_media, ..
            } => vec![s("deleteChat"), jid.clone(), flag(*delete_media)],
            SyncAction::ClearChat {
                jid,
                delete_starred,
                delete_media,
                ..
            } => vec![
                s("clearChat"),
                jid.clone(),
                flag(*delete_starred),
                flag(*delete_media),
            ],
            SyncAction::LabelEdit { label_id, .. } => vec![s("label_edit"), label_id.clone()],
            SyncAction::LabelChat { label_id, jid, .. } => {
                vec![s("label_jid"), label_id.clone(), jid.clone()]
            }
            SyncAction::LabelMessage {
                label_id, message, ..
            } => {
                let mut index = vec![s("label_message"), label_id.clone()];
                message.push_index(&mut index);
                index
            }
            SyncAction::Other { index, .. } => index.clone(),
        }
    }

    /// The `SyncActionValue` of this action (without a timestamp).
    pub fn value(&self) -> Option<SyncActionValue> {
        let mut v = SyncActionValue::default();
        match self.clone() {
            SyncAction::Pin { action, .. } => v.pin_action = Some(action),
            SyncAction::Mute { action, .. } => v.mute_action = Some(action),
            SyncAction::Archive { action, .. } => v.archive_chat_action = Some(action),
            SyncAction::MarkChatAsRead { action, .. } => v.mark_chat_as_read_action = Some(action),
            SyncAction::Contact { action, .. } => v.contact_action = Some(action),
            SyncAction::UserStatusMute { action, .. } => v.user_status_mute_action = Some(action),
            SyncAction::PushName { action } => v.push_name_setting = Some(action),
            SyncAction::Locale { action } => v.locale_setting = Some(action),
            SyncAction::UnarchiveChatsSetting { action } => {
                v.unarchive_chats_setting = Some(action)
            }
            SyncAction::Star { action, .. } => v.star_action = Some(action),
            SyncAction::DeleteMessageForMe { action, .. } => {
                v.delete_message_for_me_action = Some(action)
            }
            SyncAction::DeleteChat { action, .. } => v.delete_chat_action = Some(action),
            SyncAction::ClearChat { action, .. } => v.clear_chat_action = Some(action),
            SyncAction::LabelEdit { action, .. } => v.label_edit_action = Some(action),
            SyncAction::LabelChat { action, .. } | SyncAction::LabelMessage { action, .. } => {
                v.label_association_action = Some(action)
            }
            SyncAction::Other { value, .. } => return value.map(|b| *b),
        }
        Some(v)
    }

    /// The collection this action is sent in, where known.
    pub fn collection(&self) -> Option<Collection> {
        Some(match self {
            SyncAction::Pin { .. }
            | SyncAction::Archive { .. }
            | SyncAction::MarkChatAsRead { .. }
            | SyncAction::UnarchiveChatsSetting { .. } => Collection::RegularLow,
            SyncAction::Mute { .. }
            | SyncAction::Star { .. }
            | SyncAction::DeleteChat { .. }
            | SyncAction::ClearChat { .. }
            | SyncAction::DeleteMessageForMe { .. }
            | SyncAction::UserStatusMute { .. } => Collection::RegularHigh,
            SyncAction::Contact { .. } => Collection::CriticalUnblockLow,
            SyncAction::PushName { .. } | SyncAction::Locale { .. } => Collection::CriticalBlock,
            SyncAction::LabelEdit { .. }
            | SyncAction::LabelChat { .. }
            | SyncAction::LabelMessage { .. } => Collection::Regular,
            SyncAction::Other { .. } => return None,
        })
    }

    /// `SyncActionData.version` for this action, where known (whatsmeow and Baileys send
    /// these numbers).
    pub fn api_version(&self) -> Option<i32> {
        Some(match self {
            SyncAction::PushName { .. } => 1,
            SyncAction::Mute { .. } | SyncAction::Star { .. } | SyncAction::Contact { .. } => 2,
            SyncAction::Archive { .. }
            | SyncAction::MarkChatAsRead { .. }
            | SyncAction::DeleteMessageForMe { .. }
            | SyncAction::LabelEdit { .. }
            | SyncAction::LabelChat { .. }
            | SyncAction::LabelMessage { .. } => 3,
            SyncAction::UnarchiveChatsSetting { .. } => 4,
            SyncAction::Pin { .. } => 5,
            SyncAction::DeleteChat { .. } | SyncAction::ClearChat { .. } => 6,
            SyncAction::Locale { .. } | SyncAction::UserStatusMute { .. } => return None,
            SyncAction::Other { .. } => return None,
        })
    }

    /// A SET mutation for [`crate::encode_patch`], stamped with `timestamp_ms`; `None` for
    /// actions whose version is unknown (build a [`MutationInput`] by hand for those).
    pub fn to_mutation(&self, timestamp_ms: i64) -> Option<MutationInput> {
        let mut value = self.value()?;
        value.timestamp = Some(timestamp_ms);
        Some(MutationInput {
            operation: Operation::Set,
            index: self.index(),
            value: Some(value),
            api_version: self.api_version()?,
        })
    }
}
