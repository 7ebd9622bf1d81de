//! Group sending with sender keys: who needs our sender-key distribution message (SKDM), when
//! to rotate our sender key, and the `skmsg` itself.
//!
//! The store remembers which devices already received our SKDM for a group
//! ([`ProtocolStore::get_skdm_recipients`]). At each send, devices of the current member list
//! that are not on it get the SKDM (inside a pairwise `pkmsg`/`msg`). When a device on it is no
//! longer among the current devices (a participant left or was removed, or a device was
//! unlinked), our sender key is rotated: deleted and recreated, the recipient list cleared, and
//! the new key sent to every current device, so the departed device cannot read what follows.

use prost::Message as _;
use wacore_binary::jid::Jid;
use wacore_libsignal::{create_sender_key_distribution_message, group_encrypt};
use waproto::whatsapp as wa;

use super::error::{Result, SendError};
use crate::signal::{SignalStoreAdapter, sender_key_name};
use crate::store::ProtocolStore;

/// Who gets our SKDM with this message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkdmPlan {
    /// Whether our sender key must be rotated first.
    pub rotate: bool,
    /// The devices to send the SKDM to.
    pub recipients: Vec<Jid>,
}

fn same_device(a: &Jid, b: &Jid) -> bool {
    a.user == b.user && a.server == b.server && a.device == b.device
}

/// Decides the SKDM recipients: `current` devices minus those that `already` have it, plus the
/// `forget`-marked ones (a device JID, or a user JID without device for all its devices);
/// everyone after a rotation, which happens when an `already` device is not `current`.
pub fn plan_distribution(current: &[Jid], already: &[Jid], forget: &[Jid]) -> SkdmPlan {
    let rotate = already
        .iter()
        .any(|a| !current.iter().any(|c| same_device(a, c)));
    let recipients = current
        .iter()
        .filter(|c| {
            rotate
                || !already.iter().any(|a| same_device(a, c))
                || forget.iter().any(|f| {
                    f.device == 0 && f.user == c.user && f.server == c.server || same_device(f, c)
                })
        })
        .cloned()
        .collect();
    SkdmPlan { rotate, recipients }
}

/// The SKDM plan for this send, with our serialized distribution message for `group`.
#[derive(Debug, Clone)]
pub struct GroupDistribution {
    /// Recipients and rotation.
    pub plan: SkdmPlan,
    /// The serialized (axolotl) `SenderKeyDistributionMessage` of our current key.
    pub skdm: Vec<u8>,
}

fn parse_store_jid(s: &str) -> Option<Jid> {
    s.parse::<Jid>().ok()
}

/// Prepares a group send: reads the SKDM recipients and forget marks, rotates our sender key
/// when needed (`own` is our device JID in the group's addressing), and returns the plan with
/// our distribution message. The caller records the recipients with
/// [`ProtocolStore::add_skdm_recipients`] once the server accepted the message.
pub async fn prepare_distribution(
    stores: &mut SignalStoreAdapter,
    protocol: &dyn ProtocolStore,
    group: &Jid,
    own: &Jid,
    current: &[Jid],
) -> Result<GroupDistribution> {
    let group_key = group.to_string();
    let already: Vec<Jid> = protocol
        .get_skdm_recipients(&group_key)
        .await?
        .iter()
        .filter_map(|j| parse_store_jid(&j.to_string()))
        .collect();
    let forget: Vec<Jid> = protocol
        .consume_forget_marks(&group_key)
        .await?
        .iter()
        .filter_map(|s| parse_store_jid(s))
        .collect();
    let plan = plan_distribution(current, &already, &forget);
    let name = sender_key_name(group, own);
    if plan.rotate {
        log::info!(target: "Client/Send", "rotating our sender key for {group}");
        stores
            .sender_keys
            .delete(&name)
            .await
            .map_err(|source| SendError::SenderKey {
                group: group.clone(),
                source,
            })?;
        protocol.clear_skdm_recipients(&group_key).await?;
    }
    let skdm = create_sender_key_distribution_message(&name, &mut stores.sender_keys)
        .await
        .map_err(|source| SendError::SenderKey {
            group: group.clone(),
            source,
        })?;
    Ok(GroupDistribution {
        plan,
        skdm: skdm.serialized().to_vec(),
    })
}

/// Records that `devices` received our SKDM for `group`.
pub async fn record_distribution(
    protocol: &dyn ProtocolStore,
    group: &Jid,
    devices: &[Jid],
) -> Result<()> {
    if devices.is_empty() {
        return Ok(());
    }
    let as_store: Vec<_> = devices
        .iter()
        .filter_map(|d| d.to_string().parse().ok())
        .collect();
    protocol
        .add_skdm_recipients(&group.to_string(), &as_store)
        .await?;
    Ok(())
}

/// The pairwise message carrying our SKDM for `group`.
pub fn skdm_message(group: &Jid, skdm: Vec<u8>) -> wa::Message {
    wa::Message {
        sender_key_distribution_message: Some(wa::message::SenderKeyDistributionMessage {
            group_id: Some(group.to_string()),
            axolotl_sender_key_distribution_message: Some(skdm),
        }),
        ..Default::default()
    }
}

/// Serialized [`skdm_message`].
pub fn skdm_plaintext(group: &Jid, skdm: Vec<u8>) -> Vec<u8> {
    skdm_message(group, skdm).encode_to_vec()
}

/// Encrypts `padded` with our sender key for `group` (`own` as in [`prepare_distribution`]):
/// the `skmsg` bytes.
pub async fn encrypt_group_message(
    stores: &mut SignalStoreAdapter,
    group: &Jid,
    own: &Jid,
    padded: &[u8],
) -> Result<Vec<u8>> {
    let name = sender_key_name(group, own);
    let message = group_encrypt(&mut stores.sender_keys, &name, padded)
        .await
        .map_err(|source| SendError::SenderKey {
            group: group.clone(),
            source,
        })?;
    Ok(message.serialized().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_new_devices_only() {
        let a1 = Jid::lid_device("1", 0);
        let a2 = Jid::lid_device("1", 2);
        let b = Jid::lid_device("2", 0);
        let plan = plan_distribution(
            &[a1.clone(), a2.clone(), b.clone()],
            std::slice::from_ref(&a1),
            &[],
        );
        assert!(!plan.rotate);
        assert_eq!(plan.recipients, vec![a2.clone(), b.clone()]);
        let none = plan_distribution(std::slice::from_ref(&a1), std::slice::from_ref(&a1), &[]);
        assert!(none.recipients.is_empty() && !none.rotate);
    }

    #[test]
    fn rotates_when_a_device_left() {
        let a = Jid::lid("1");
        let b = Jid::lid("2");
        let gone = Jid::lid_device("3", 4);
        let plan = plan_distribution(&[a.clone(), b.clone()], &[a.clone(), gone], &[]);
        assert!(plan.rotate);
        assert_eq!(plan.recipients, vec![a, b]);
    }

    #[test]
    fn forget_marks_resend() {
        let a = Jid::lid("1");
        let a5 = Jid::lid_device("1", 5);
        let b = Jid::lid("2");
        let current = [a.clone(), a5.clone(), b.clone()];
        let plan = plan_distribution(&current, &current, std::slice::from_ref(&a5));
        assert_eq!(plan.recipients, vec![a5]);
        let plan = plan_distribution(&current, &current, &[Jid::lid("1")]);
        assert_eq!(plan.recipients.len(), 2, "a user mark covers its devices");
    }
}
