//! Metadata of received messages: who sent what, where and when.

use chrono::{DateTime, Utc};
use wacore_binary::jid::Jid;

/// A message id as sent on the wire (`id` attribute).
pub type MessageId = String;

/// A server-assigned message id (newsletters).
pub type MessageServerId = i32;

/// Whether a chat addresses participants by phone number or by LID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressingMode {
    /// Phone-number addressing (`pn`).
    Pn,
    /// LID addressing (`lid`).
    Lid,
}

/// Where a message came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSource {
    /// The chat it was sent in (the group, or the other user in a DM).
    pub chat: Jid,
    /// Who sent it.
    pub sender: Jid,
    /// Whether we sent it (from another of our devices).
    pub is_from_me: bool,
    /// Whether the chat is a group.
    pub is_group: bool,
    /// The addressing mode of the chat, if announced.
    pub addressing_mode: Option<AddressingMode>,
    /// The sender's other identity (LID for a PN sender and vice versa).
    pub sender_alt: Option<Jid>,
    /// The recipient's other identity (DMs).
    pub recipient_alt: Option<Jid>,
    /// The owner of the broadcast list it was sent through.
    pub broadcast_list_owner: Option<Jid>,
    /// For messages we sent from another device: the recipient.
    pub recipient: Option<Jid>,
}

/// Edit attribute of a message (`edit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditAttribute(pub String);

/// Message metadata from the `meta` child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgMetaInfo {
    /// Id of the message this one targets (reactions, polls).
    pub target_id: Option<String>,
    /// Sender of the targeted message.
    pub target_sender: Option<Jid>,
}

/// Information about a message from a bot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgBotInfo {
    /// The bot's edit type.
    pub edit_type: Option<String>,
}

/// Verified business name attached to a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedName {
    /// The serialized certificate.
    pub certificate: Vec<u8>,
    /// The verified name.
    pub name: String,
}

/// Metadata our other device attached to a message it sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSentMeta {
    /// The real destination of the message.
    pub destination_jid: String,
    /// Its phash.
    pub phash: String,
}

/// Everything known about a received message except its content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageInfo {
    /// Chat and sender.
    pub source: MessageSource,
    /// Message id.
    pub id: MessageId,
    /// Server id (newsletters).
    pub server_id: MessageServerId,
    /// The stanza's `type` (`text`, `media`, ...).
    pub r#type: String,
    /// The sender's push name.
    pub push_name: String,
    /// When it was sent.
    pub timestamp: DateTime<Utc>,
    /// The stanza's `category`.
    pub category: String,
    /// Whether it was multicast.
    pub multicast: bool,
    /// Media type, for media messages.
    pub media_type: String,
    /// Edit attribute.
    pub edit: EditAttribute,
    /// Bot information.
    pub bot_info: Option<MsgBotInfo>,
    /// `meta` child information.
    pub meta_info: MsgMetaInfo,
    /// Verified business name.
    pub verified_name: Option<VerifiedName>,
    /// Device-sent metadata.
    pub device_sent_meta: Option<DeviceSentMeta>,
}
