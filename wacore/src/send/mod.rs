//! Outgoing messages: everything between a `wa::Message` and the `<message>` stanza, without
//! I/O. The client drives it (device lists, pre-key fetches, sending) in `whatsapp_rust::send`.
//!
//! - [`padding`](pad_message): WhatsApp's random plaintext padding, and [`unpad_message`].
//! - [`generate_message_id`]: `3EB0…` ids as WhatsApp Web makes them.
//! - Content-derived attributes: [`message_type`], [`media_type`], [`edit_attribute`].
//! - Pairwise encryption for a set of devices: [`encrypt_for_devices`] (`<to><enc/></to>`).
//! - Groups: [`prepare_distribution`] (SKDM recipients and sender-key rotation from the store's
//!   SKDM records), [`encrypt_group_message`] (`skmsg`).
//! - The stanza: [`OutgoingStanza`], [`participant_list_hash`].
//! - Builders: [`build_revoke`], [`build_edit`], [`build_reaction`], [`device_sent_message`].
//! - Group members for fan-out: [`GroupMembersIq`].

mod attrs;
mod builders;
mod encrypt;
mod error;
mod group;
mod group_info;
mod message_id;
mod padding;
mod stanza;

pub use attrs::{
    EDIT_ADMIN_EDIT, EDIT_ADMIN_REVOKE, EDIT_MESSAGE_EDIT, EDIT_PIN_IN_CHAT, EDIT_SENDER_REVOKE,
    edit_attribute, hide_on_decrypt_fail, media_type, message_type,
};
pub use builders::{
    EDIT_WINDOW, RevokeType, build_edit, build_reaction, build_revoke, device_sent_message,
    message_key,
};
pub use encrypt::{
    DeviceTarget, EncAttrs, EncType, ParticipantNodes, enc_node, encrypt_for_device,
    encrypt_for_devices,
};
pub use error::{Result, SendError};
pub use group::{
    GroupDistribution, SkdmPlan, encrypt_group_message, plan_distribution, prepare_distribution,
    record_distribution, skdm_message, skdm_plaintext,
};
pub use group_info::{GroupMember, GroupMembers, GroupMembersIq};
pub use message_id::{WEB_MESSAGE_ID_PREFIX, generate_message_id, is_web_message_id};
pub use padding::{PaddingError, pad_message, unpad_message};
pub use stanza::{OutgoingStanza, participant_list_hash};
