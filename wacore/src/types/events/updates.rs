//! Receipts, presence and account/chat/group/contact update events.

use chrono::{DateTime, Utc};
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use waproto::whatsapp::sync_action_value as sav;

use crate::types::message::{MessageInfo, MessageSource};

/// The kind of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptType {
    /// Delivered to the device (no `type` attribute).
    Delivered,
    /// `sender`: delivered to our other device.
    Sender,
    /// `retry`: the recipient could not decrypt; resend.
    Retry,
    /// `enc_rekey_retry`.
    EncRekeyRetry,
    /// `read`.
    Read,
    /// `read-self`: read on our other device.
    ReadSelf,
    /// `played`.
    Played,
    /// `played-self`.
    PlayedSelf,
    /// `server-error`.
    ServerError,
    /// `inactive`.
    Inactive,
    /// `peer_msg`.
    PeerMsg,
    /// `hist_sync`.
    HistorySync,
    /// Any other type.
    Other(String),
}

impl ReceiptType {
    /// Parses the `type` attribute (`None` or empty = delivered).
    pub fn from_attr(value: Option<&str>) -> Self {
        match value.unwrap_or("") {
            "" => Self::Delivered,
            "sender" => Self::Sender,
            "retry" => Self::Retry,
            "enc_rekey_retry" => Self::EncRekeyRetry,
            "read" => Self::Read,
            "read-self" => Self::ReadSelf,
            "played" => Self::Played,
            "played-self" => Self::PlayedSelf,
            "server-error" => Self::ServerError,
            "inactive" => Self::Inactive,
            "peer_msg" => Self::PeerMsg,
            "hist_sync" => Self::HistorySync,
            other => Self::Other(other.to_string()),
        }
    }
}

/// A receipt for one or more messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Chat and sender of the receipt.
    pub source: MessageSource,
    /// The messages it covers.
    pub message_ids: Vec<String>,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Which kind.
    pub r#type: ReceiptType,
    /// In groups: who sent the messages.
    pub message_sender: Jid,
}

/// What kind of unavailable message this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnavailableType {
    /// Unknown.
    Unknown,
    /// A view-once message already viewed.
    ViewOnce,
}

/// How to show an undecryptable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptFailMode {
    /// Show a placeholder.
    Show,
    /// Hide it.
    Hide,
}

/// A message that could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndecryptableMessage {
    /// Its metadata.
    pub info: MessageInfo,
    /// Whether the content is unavailable (rather than failed).
    pub is_unavailable: bool,
    /// Why unavailable.
    pub unavailable_type: UnavailableType,
    /// How to show it.
    pub decrypt_fail_mode: DecryptFailMode,
}

/// Typing or paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatPresence {
    /// Typing or recording.
    Composing,
    /// Stopped.
    Paused,
}

/// Text or audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatPresenceMedia {
    /// Typing text.
    Text,
    /// Recording audio.
    Audio,
}

/// A chat-state update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPresenceUpdate {
    /// Chat and sender.
    pub source: MessageSource,
    /// Composing or paused.
    pub state: ChatPresence,
    /// Text or audio.
    pub media: ChatPresenceMedia,
}

/// A presence update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceUpdate {
    /// Whose.
    pub from: Jid,
    /// Offline?
    pub unavailable: bool,
    /// Last seen, when known.
    pub last_seen: Option<DateTime<Utc>>,
}

/// A profile picture change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureUpdate {
    /// User or group whose picture changed.
    pub jid: Jid,
    /// Who changed it (groups).
    pub author: Option<Jid>,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Removed rather than set.
    pub removed: bool,
    /// The new picture id.
    pub picture_id: Option<String>,
}

/// An about-text change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAboutUpdate {
    /// Whose.
    pub jid: Jid,
    /// The new text.
    pub status: String,
    /// When.
    pub timestamp: DateTime<Utc>,
}

/// A contact's push-name change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNameUpdate {
    /// Whose.
    pub jid: Jid,
    /// The message that carried it.
    pub message: Box<MessageInfo>,
    /// Previous name.
    pub old_push_name: String,
    /// New name.
    pub new_push_name: String,
}

/// Our own push-name change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfPushNameUpdated {
    /// Whether the server (another device) changed it.
    pub from_server: bool,
    /// Previous name.
    pub old_name: String,
    /// New name.
    pub new_name: String,
}

/// One action of a group notification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupNotificationAction {
    /// The subject changed.
    Subject {
        /// New subject.
        subject: String,
    },
    /// The description changed (`None` = removed).
    Description {
        /// New description.
        description: Option<String>,
    },
    /// Participants were added.
    Add {
        /// Who.
        participants: Vec<Jid>,
    },
    /// Participants were removed.
    Remove {
        /// Who.
        participants: Vec<Jid>,
    },
    /// Participants became admins.
    Promote {
        /// Who.
        participants: Vec<Jid>,
    },
    /// Participants stopped being admins.
    Demote {
        /// Who.
        participants: Vec<Jid>,
    },
    /// Group info locked (`true`) or unlocked.
    Locked(bool),
    /// Announcement mode on or off.
    Announce(bool),
    /// Disappearing-messages timer (seconds, 0 = off).
    Ephemeral(u32),
    /// Anything else, kept raw.
    Other(Node),
}

/// A group change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUpdate {
    /// The group.
    pub group_jid: Jid,
    /// Who did it.
    pub participant: Option<Jid>,
    /// Their phone-number JID (LID groups).
    pub participant_pn: Option<Jid>,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Whether the group uses LID addressing.
    pub is_lid_addressing_mode: bool,
    /// What changed.
    pub action: GroupNotificationAction,
}

/// A contact's profile changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactUpdated {
    /// Whose.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
}

/// A contact changed number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactNumberChanged {
    /// Old phone-number JID.
    pub old_jid: Jid,
    /// New phone-number JID.
    pub new_jid: Jid,
    /// Old LID, if given.
    pub old_lid: Option<Jid>,
    /// New LID, if given.
    pub new_lid: Option<Jid>,
    /// When.
    pub timestamp: DateTime<Utc>,
}

/// The server asks for a contact re-sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSyncRequested {
    /// Only contacts changed after this.
    pub after: Option<DateTime<Utc>>,
    /// When.
    pub timestamp: DateTime<Utc>,
}

/// A contact changed through app-state sync.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactUpdate {
    /// Whose.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::ContactAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// A chat was pinned or unpinned.
#[derive(Debug, Clone, PartialEq)]
pub struct PinUpdate {
    /// The chat.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::PinAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// A chat was muted or unmuted.
#[derive(Debug, Clone, PartialEq)]
pub struct MuteUpdate {
    /// The chat.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::MuteAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// A chat was archived or unarchived.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveUpdate {
    /// The chat.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::ArchiveChatAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// A message was starred or unstarred.
#[derive(Debug, Clone, PartialEq)]
pub struct StarUpdate {
    /// The chat.
    pub chat_jid: Jid,
    /// The sender (group messages from others).
    pub participant_jid: Option<Jid>,
    /// The message.
    pub message_id: String,
    /// Sent by us.
    pub from_me: bool,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::StarAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// A chat was marked read or unread.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkChatAsReadUpdate {
    /// The chat.
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The mutation.
    pub action: Box<sav::MarkChatAsReadAction>,
    /// From a full sync.
    pub from_full_sync: bool,
}

/// How a device list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceListUpdateType {
    /// Devices added.
    Add,
    /// Devices removed.
    Remove,
    /// List replaced.
    Update,
}

/// A user's device list changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceListUpdate {
    /// Whose.
    pub user: Jid,
    /// Their LID.
    pub lid_user: Option<Jid>,
    /// How.
    pub update_type: DeviceListUpdateType,
    /// The devices concerned.
    pub devices: Vec<Jid>,
    /// Key index, if given.
    pub key_index: Option<u32>,
    /// Contact hash, if given.
    pub contact_hash: Option<String>,
}

/// What changed about a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessUpdateType {
    /// No longer a business.
    RemovedAsBusiness,
    /// Verified name changed.
    VerifiedNameChanged,
    /// Profile changed.
    ProfileUpdated,
    /// Products changed.
    ProductsUpdated,
    /// Collections changed.
    CollectionsUpdated,
    /// Subscriptions changed.
    SubscriptionsUpdated,
    /// Unknown.
    Unknown,
}

/// A business account changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessStatusUpdate {
    /// The business.
    pub jid: Jid,
    /// What changed.
    pub update_type: BusinessUpdateType,
    /// When (unix seconds).
    pub timestamp: i64,
    /// Target JID, if any.
    pub target_jid: Option<Jid>,
    /// Hash, if any.
    pub hash: Option<String>,
    /// Verified name, if any.
    pub verified_name: Option<String>,
    /// Product ids.
    pub product_ids: Vec<String>,
    /// Collection ids.
    pub collection_ids: Vec<String>,
    /// Subscriptions.
    pub subscriptions: Vec<String>,
}

/// A contact changed their default disappearing-messages timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisappearingModeChanged {
    /// Who.
    pub from: Jid,
    /// New duration in seconds (0 = off).
    pub duration: u32,
    /// When the setting changed (unix seconds).
    pub setting_timestamp: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_types_parse() {
        assert_eq!(ReceiptType::from_attr(None), ReceiptType::Delivered);
        assert_eq!(ReceiptType::from_attr(Some("")), ReceiptType::Delivered);
        assert_eq!(ReceiptType::from_attr(Some("read")), ReceiptType::Read);
        assert_eq!(
            ReceiptType::from_attr(Some("read-self")),
            ReceiptType::ReadSelf
        );
        assert_eq!(
            ReceiptType::from_attr(Some("weird")),
            ReceiptType::Other("weird".into())
        );
    }
}
