//! Typed app-state actions, both directions: parsed from a decrypted mutation's index and
//! `SyncActionValue`, and built for our own patches (index, value, collection, version).
//! Index layouts are wire facts (whatsmeow `appstate/keys.go`, Baileys `chat-utils.ts`).
//! Anything unknown or incomplete is kept raw as [`SyncAction::Other`], never dropped.

mod build;

use waproto::whatsapp::{SyncActionValue, sync_action_value as sav};

/// A message an action points at, as star / delete-for-me / label-message indexes encode it:
/// chat JID, message id, `"1"`/`"0"` for from-me, participant JID or `"0"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The chat the message is in.
    pub chat_jid: String,
    /// The message id.
    pub message_id: String,
    /// Whether we sent the message.
    pub from_me: bool,
    /// The sender, for group messages not sent by us.
    pub participant: Option<String>,
}

impl MessageRef {
    fn from_index(parts: &[String]) -> Option<MessageRef> {
        let [chat_jid, message_id, from_me, participant] = parts else {
            return None;
        };
        Some(MessageRef {
            chat_jid: chat_jid.clone(),
            message_id: message_id.clone(),
            from_me: from_me == "1",
            participant: (participant != "0").then(|| participant.clone()),
        })
    }

    pub(crate) fn push_index(&self, index: &mut Vec<String>) {
        index.push(self.chat_jid.clone());
        index.push(self.message_id.clone());
        index.push(flag(self.from_me));
        index.push(self.participant.clone().unwrap_or_else(|| "0".to_owned()));
    }
}

pub(crate) fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// An app-state action with its target taken from the index.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SyncAction {
    /// `["pin_v1", jid]`: a chat (un)pinned.
    Pin {
        /// The chat.
        jid: String,
        /// `pinned`.
        action: sav::PinAction,
    },
    /// `["mute", jid]`: a chat (un)muted, possibly until a time.
    Mute {
        /// The chat.
        jid: String,
        /// `muted`, `mute_end_timestamp` (ms).
        action: sav::MuteAction,
    },
    /// `["archive", jid]`: a chat (un)archived.
    Archive {
        /// The chat.
        jid: String,
        /// `archived` and the message range it applies to.
        action: sav::ArchiveChatAction,
    },
    /// `["star", chat, id, from_me, participant]`: a message (un)starred.
    Star {
        /// The message.
        message: MessageRef,
        /// `starred`.
        action: sav::StarAction,
    },
    /// `["markChatAsRead", jid]`: a chat marked read or unread.
    MarkChatAsRead {
        /// The chat.
        jid: String,
        /// `read` and the message range.
        action: sav::MarkChatAsReadAction,
    },
    /// `["contact", jid]`: an address-book entry.
    Contact {
        /// The contact.
        jid: String,
        /// Names and alternative JIDs.
        action: sav::ContactAction,
    },
    /// `["setting_pushName"]`: our own display name.
    PushName {
        /// `name`.
        action: sav::PushNameSetting,
    },
    /// `["deleteChat", jid, delete_media]`: a chat deleted.
    DeleteChat {
        /// The chat.
        jid: String,
        /// Whether media was deleted too (the third index element, `"1"`/`"0"`).
        delete_media: bool,
        /// The message range deleted.
        action: sav::DeleteChatAction,
    },
    /// `["clearChat", jid, delete_starred, delete_media]`: a chat cleared.
    ClearChat {
        /// The chat.
        jid: String,
        /// Whether starred messages were cleared too.
        delete_starred: bool,
        /// Whether media was deleted too.
        delete_media: bool,
        /// The message range cleared.
        action: sav::ClearChatAction,
    },
    /// `["deleteMessageForMe", chat, id, from_me, participant]`.
    DeleteMessageForMe {
        /// The message.
        message: MessageRef,
        /// `delete_media`, `message_timestamp`.
        action: sav::DeleteMessageForMeAction,
    },
    /// `["label_edit", label_id]`: a label created, renamed, recoloured or deleted.
    LabelEdit {
        /// The label id.
        label_id: String,
        /// Name, colour, deleted flag.
        action: sav::LabelEditAction,
    },
    /// `["label_jid", label_id, jid]`: a label put on or taken off a chat.
    LabelChat {
        /// The label id.
        label_id: String,
        /// The chat.
        jid: String,
        /// `labeled`.
        action: sav::LabelAssociationAction,
    },
    /// `["label_message", label_id, chat, id, from_me, participant]`.
    LabelMessage {
        /// The label id.
        label_id: String,
        /// The message.
        message: MessageRef,
        /// `labeled`.
        action: sav::LabelAssociationAction,
    },
    /// `["setting_locale"]`.
    Locale {
        /// `locale`.
        action: sav::LocaleSetting,
    },
    /// `["setting_unarchiveChats"]`.
    UnarchiveChatsSetting {
        /// `unarchive_chats`.
        action: sav::UnarchiveChatsSetting,
    },
    /// `["userStatusMute", jid]`: a contact's status updates (un)muted.
    UserStatusMute {
        /// The contact.
        jid: String,
        /// `muted`.
        action: sav::UserStatusMuteAction,
    },
    /// Any other index, or a known index without its value (as REMOVE mutations may be):
    /// kept raw.
    Other {
        /// The decoded index.
        index: Vec<String>,
        /// The raw value, if any.
        value: Option<Box<SyncActionValue>>,
    },
}

impl SyncAction {
    /// Types the action of a decrypted mutation.
    pub fn from_parts(index: &[String], value: Option<&SyncActionValue>) -> SyncAction {
        Self::typed(index, value).unwrap_or_else(|| SyncAction::Other {
            index: index.to_vec(),
            value: value.cloned().map(Box::new),
        })
    }

    fn typed(index: &[String], value: Option<&SyncActionValue>) -> Option<SyncAction> {
        let v = value?;
        let (name, rest) = index.split_first()?;
        let one = || match rest {
            [jid] => Some(jid.clone()),
            _ => None,
        };
        Some(match name.as_str() {
            "pin_v1" => SyncAction::Pin {
                jid: one()?,
                action: v.pin_action?,
            },
            "mute" => SyncAction::Mute {
                jid: one()?,
                action: v.mute_action?,
            },
            "archive" => SyncAction::Archive {
                jid: one()?,
                action: v.archive_chat_action.clone()?,
            },
            "markChatAsRead" => SyncAction::MarkChatAsRead {
                jid: one()?,
                action: v.mark_chat_as_read_action.clone()?,
            },
            "contact" => SyncAction::Contact {
                jid: one()?,
                action: v.contact_action.clone()?,
            },
            "userStatusMute" => SyncAction::UserStatusMute {
                jid: one()?,
                action: v.user_status_mute_action?,
            },
            "star" => SyncAction::Star {
                message: MessageRef::from_index(rest)?,
                action: v.star_action?,
            },
            "deleteMessageForMe" => SyncAction::DeleteMessageForMe {
                message: MessageRef::from_index(rest)?,
                action: v.delete_message_for_me_action?,
            },
            "setting_pushName" if rest.is_empty() => SyncAction::PushName {
                action: v.push_name_setting.clone()?,
            },
            "setting_locale" if rest.is_empty() => SyncAction::Locale {
                action: v.locale_setting.clone()?,
            },
            "setting_unarchiveChats" if rest.is_empty() => SyncAction::UnarchiveChatsSetting {
                action: v.unarchive_chats_setting?,
            },
            "deleteChat" => {
                let (jid, delete_media) = match rest {
                    [jid] => (jid.clone(), false),
                    [jid, media] => (jid.clone(), media == "1"),
                    _ => return None,
                };
                SyncAction::DeleteChat {
                    jid,
                    delete_media,
                    action: v.delete_chat_action.clone()?,
                }
            }
            "clearChat" => {
                let [jid, starred, media] = rest else {
                    return None;
                };
                SyncAction::ClearChat {
                    jid: jid.clone(),
                    delete_starred: starred == "1",
                    delete_media: media == "1",
                    action: v.clear_chat_action.clone()?,
                }
            }
            "label_edit" => {
                let [label_id] = rest else { return None };
                SyncAction::LabelEdit {
                    label_id: label_id.clone(),
                    action: v.label_edit_action.clone()?,
                }
            }
            "label_jid" => {
                let [label_id, jid] = rest else { return None };
                SyncAction::LabelChat {
                    label_id: label_id.clone(),
                    jid: jid.clone(),
                    action: v.label_association_action.clone()?,
                }
            }
            "label_message" => {
                let (label_id, message) = rest.split_first()?;
                SyncAction::LabelMessage {
                    label_id: label_id.clone(),
                    message: MessageRef::from_index(message)?,
                    action: v.label_association_action.clone()?,
                }
            }
            _ => return None,
        })
    }
}
