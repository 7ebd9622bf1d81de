//! Checks for [`DeviceStore`](crate::store::traits::DeviceStore), persistence across handles
//! and isolation of devices sharing one storage.

use crate::store::traits::Jid;
use waproto::whatsapp as wa;

use super::{Ctx, Opener, Outcome, ensure, ensure_eq};
use crate::store::device::Device;
use crate::store::traits::{AppStateMutationMAC, HashState};
use crate::store::traits::{AppSyncStore, Backend, DeviceStore, ProtocolStore, SignalStore};
use crate::store::types::{
    AppStateSyncKey, DeviceInfo, DeviceListRecord, LidPnMappingEntry, TcTokenEntry,
};

fn jid(s: &str) -> Result<Jid, String> {
    s.parse::<Jid>()
        .map_err(|e| format!("test JID {s:?} does not parse: {e}"))
}

/// A device with every field set to something other than its default.
pub(super) fn populated_device(seed: u8) -> Result<Device, String> {
    let mut d = Device::new();
    d.pn = Some(jid(&format!("1555000{seed:04}:12@s.whatsapp.net"))?);
    d.lid = Some(jid(&format!("10000000{seed:04}:12@lid"))?);
    d.registration_id = 1234 + u32::from(seed);
    d.signed_pre_key_id = 77;
    d.adv_secret_key = [seed; 32];
    d.account = Some(wa::AdvSignedDeviceIdentity {
        details: Some(vec![seed, 1, 2, 3]),
        account_signature_key: Some(vec![4; 32]),
        account_signature: Some(vec![5; 64]),
        device_signature: Some(vec![6; 64]),
    });
    d.push_name = format!("Tést {seed} ✓");
    d.platform = "android".to_string();
    d.app_version_primary = 2;
    d.app_version_secondary = 3001;
    d.app_version_tertiary = 999_999_999;
    d.app_version_last_fetched_ms = 1_700_000_000_123;
    d.device_props.os = Some("conformance".to_string());
    d.edge_routing_info = Some(vec![8, seed, 0, 255]);
    d.props_hash = Some(format!("hash-{seed}"));
    d.next_pre_key_id = 813 + u32::from(seed);
    Ok(d)
}

pub(super) async fn create_and_exists(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure!(
        !s.exists().await.ctx("exists")?,
        "fresh storage says the device exists"
    );
    ensure!(
        s.load().await.ctx("load")?.is_none(),
        "fresh storage loads a device"
    );
    let id = s.create().await.ctx("create")?;
    ensure!(
        s.exists().await.ctx("exists")?,
        "device missing after create"
    );
    ensure!(
        s.load().await.ctx("load")?.is_none(),
        "created-but-unsaved device loads as Some"
    );
    ensure_eq!(
        s.create().await.ctx("create again")?,
        id,
        "create is idempotent"
    );
    s.snapshot_db("conformance", Some(b"extra"))
        .await
        .ctx("snapshot_db")?;
    Ok(())
}

pub(super) async fn round_trip(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    s.create().await.ctx("create")?;
    let fresh = Device::new();
    s.save(&fresh).await.ctx("save fresh device")?;
    ensure!(
        s.load().await.ctx("load")?.as_ref() == Some(&fresh),
        "fresh device changed in round trip"
    );
    let full = populated_device(1)?;
    s.save(&full).await.ctx("save populated device")?;
    let loaded = s.load().await.ctx("load")?;
    ensure!(
        loaded.as_ref() == Some(&full),
        "populated device changed in round trip: {loaded:?}"
    );
    Ok(())
}

pub(super) async fn save_without_create(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let d = populated_device(2)?;
    s.save(&d).await.ctx("save before create")?;
    ensure!(s.exists().await.ctx("exists")?, "device missing after save");
    ensure!(
        s.load().await.ctx("load")?.as_ref() == Some(&d),
        "device saved before create not loaded"
    );
    Ok(())
}

pub(super) async fn persists_across_handles(h: &impl Opener) -> Outcome {
    let storage = h.fresh_storage();
    let d = populated_device(3)?;
    {
        let s = h.open(storage, 1).await?;
        s.save(&d).await.ctx("save")?;
        s.put_session("x@c.us.0", b"sess")
            .await
            .ctx("put_session")?;
        s.store_prekeys_batch(&[(1, b"p1".to_vec()), (2, b"p2".to_vec())], false)
            .await
            .ctx("store_prekeys_batch")?;
        s.put_mutation_macs(
            "regular",
            1,
            &[AppStateMutationMAC {
                index_mac: vec![1],
                value_mac: vec![2],
            }],
        )
        .await
        .ctx("put_mutation_macs")?;
    }
    let s = h.open(storage, 1).await?;
    ensure!(
        s.load().await.ctx("load")?.as_ref() == Some(&d),
        "device not persisted"
    );
    ensure_eq!(
        s.get_session("x@c.us.0").await.ctx("get_session")?,
        Some(b"sess".to_vec()),
        "session not persisted"
    );
    ensure_eq!(
        s.load_prekey(2).await.ctx("load_prekey")?,
        Some(b"p2".to_vec()),
        "pre-key not persisted"
    );
    ensure_eq!(
        s.get_mutation_mac("regular", &[1])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![2]),
        "mutation MAC not persisted"
    );
    Ok(())
}

/// Writes one record of every kind, derived from `tag`.
async fn fill<B: Backend>(s: &B, tag: u8) -> Outcome {
    let t = |name: &str| format!("{name}-{tag}");
    s.save(&populated_device(tag)?).await.ctx("save")?;
    s.put_identity("peer@c.us.0", [tag; 32])
        .await
        .ctx("put_identity")?;
    s.put_session("peer@c.us.0", &[tag])
        .await
        .ctx("put_session")?;
    s.store_prekey(u32::from(tag), &[tag], false)
        .await
        .ctx("store_prekey")?;
    s.store_signed_prekey(1, &[tag])
        .await
        .ctx("store_signed_prekey")?;
    s.put_sender_key("g@g.us:peer@c.us.0", &[tag])
        .await
        .ctx("put_sender_key")?;
    s.set_sync_key(
        b"key",
        AppStateSyncKey {
            key_data: vec![tag],
            fingerprint: vec![],
            timestamp: i64::from(tag),
        },
    )
    .await
    .ctx("set_sync_key")?;
    s.set_version(
        "regular",
        HashState::from_parts(u64::from(tag), [tag; 128], [([tag; 32], [tag; 32])]),
    )
    .await
    .ctx("set_version")?;
    s.put_mutation_macs(
        "regular",
        1,
        &[AppStateMutationMAC {
            index_mac: vec![0],
            value_mac: vec![tag],
        }],
    )
    .await
    .ctx("put_mutation_macs")?;
    s.add_skdm_recipients("g@g.us", &[jid(&format!("1555{tag}@s.whatsapp.net"))?])
        .await
        .ctx("add_skdm_recipients")?;
    s.put_lid_mapping(&LidPnMappingEntry {
        lid: "100".into(),
        phone_number: t("pn"),
        created_at: 1,
        updated_at: 1,
        learning_source: "usync".into(),
    })
    .await
    .ctx("put_lid_mapping")?;
    s.save_base_key("peer@c.us.0", "M", &[tag])
        .await
        .ctx("save_base_key")?;
    s.update_device_list(DeviceListRecord {
        user: "1555".into(),
        devices: vec![DeviceInfo {
            device_id: u32::from(tag),
            key_index: None,
        }],
        timestamp: 1,
        phash: None,
    })
    .await
    .ctx("update_device_list")?;
    s.mark_forget_sender_key("g@g.us", &t("p"))
        .await
        .ctx("mark_forget_sender_key")?;
    s.put_tc_token(
        "peer@lid",
        &TcTokenEntry {
            token: vec![tag],
            token_timestamp: 10,
            sender_timestamp: None,
        },
    )
    .await
    .ctx("put_tc_token")?;
    s.store_sent_message("chat@s.whatsapp.net", "ID", &[tag])
        .await
        .ctx("store_sent_message")?;
    Ok(())
}

/// Reads back every record written by [`fill`] with `tag`.
async fn verify<B: Backend>(s: &B, tag: u8) -> Outcome {
    let d = s.load().await.ctx("load")?.ok_or("device missing")?;
    ensure_eq!(d.adv_secret_key, [tag; 32], "device of slot {tag}");
    ensure_eq!(
        s.load_identity("peer@c.us.0").await.ctx("load_identity")?,
        Some(vec![tag; 32]),
        "identity of slot {tag}"
    );
    ensure_eq!(
        s.get_session("peer@c.us.0").await.ctx("get_session")?,
        Some(vec![tag]),
        "session of slot {tag}"
    );
    ensure_eq!(
        s.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        u32::from(tag),
        "max pre-key of slot {tag}"
    );
    ensure_eq!(
        s.load_all_signed_prekeys()
            .await
            .ctx("load_all_signed_prekeys")?,
        vec![(1, vec![tag])],
        "signed pre-keys of slot {tag}"
    );
    ensure_eq!(
        s.get_sender_key("g@g.us:peer@c.us.0")
            .await
            .ctx("get_sender_key")?,
        Some(vec![tag]),
        "sender key of slot {tag}"
    );
    ensure_eq!(
        s.get_latest_sync_key_id()
            .await
            .ctx("get_latest_sync_key_id")?,
        Some(b"key".to_vec()),
        "sync key id of slot {tag}"
    );
    ensure_eq!(
        s.get_sync_key(b"key")
            .await
            .ctx("get_sync_key")?
            .map(|k| k.key_data),
        Some(vec![tag]),
        "sync key of slot {tag}"
    );
    ensure_eq!(
        s.get_version("regular").await.ctx("get_version")?.version,
        u64::from(tag),
        "version of slot {tag}"
    );
    ensure_eq!(
        s.get_mutation_mac("regular", &[0])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![tag]),
        "mutation MAC of slot {tag}"
    );
    let skdm: Vec<String> = s
        .get_skdm_recipients("g@g.us")
        .await
        .ctx("get_skdm_recipients")?
        .iter()
        .map(ToString::to_string)
        .collect();
    ensure_eq!(
        skdm,
        vec![jid(&format!("1555{tag}@s.whatsapp.net"))?.to_string()],
        "SKDM recipients of slot {tag}"
    );
    ensure_eq!(
        s.get_lid_mapping("100")
            .await
            .ctx("get_lid_mapping")?
            .map(|e| e.phone_number),
        Some(format!("pn-{tag}")),
        "LID mapping of slot {tag}"
    );
    ensure_eq!(
        s.get_all_lid_mappings()
            .await
            .ctx("get_all_lid_mappings")?
            .len(),
        1,
        "mapping count of slot {tag}"
    );
    ensure!(
        s.has_same_base_key("peer@c.us.0", "M", &[tag])
            .await
            .ctx("has_same_base_key")?,
        "base key of slot {tag}"
    );
    ensure_eq!(
        s.get_devices("1555")
            .await
            .ctx("get_devices")?
            .map(|r| r.devices),
        Some(vec![DeviceInfo {
            device_id: u32::from(tag),
            key_index: None
        }]),
        "device list of slot {tag}"
    );
    ensure_eq!(
        s.get_all_tc_token_jids()
            .await
            .ctx("get_all_tc_token_jids")?,
        vec!["peer@lid".to_string()],
        "tc-token jids of slot {tag}"
    );
    ensure_eq!(
        s.get_tc_token("peer@lid")
            .await
            .ctx("get_tc_token")?
            .map(|e| e.token),
        Some(vec![tag]),
        "tc-token of slot {tag}"
    );
    Ok(())
}

pub(super) async fn devices_isolated(h: &impl Opener) -> Outcome {
    let storage = h.fresh_storage();
    let one = h.open(storage, 1).await?;
    let two = h.open(storage, 2).await?;
    let three = h.open(storage, 3).await?;
    fill(&one, 1).await?;
    fill(&two, 2).await?;
    verify(&one, 1).await?;
    verify(&two, 2).await?;
    // Slot 3 shares the storage but sees nothing.
    ensure!(
        !three.exists().await.ctx("exists")?,
        "untouched slot has a device"
    );
    ensure_eq!(
        three.get_session("peer@c.us.0").await.ctx("get_session")?,
        None,
        "untouched slot sees a session"
    );
    ensure_eq!(
        three.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        0,
        "untouched slot sees pre-keys"
    );
    ensure!(
        three
            .get_all_lid_mappings()
            .await
            .ctx("get_all_lid_mappings")?
            .is_empty(),
        "untouched slot sees mappings"
    );
    // Bulk deletes and consumes stay inside their slot.
    ensure_eq!(
        one.delete_expired_tc_tokens(i64::MAX)
            .await
            .ctx("delete_expired_tc_tokens")?,
        1,
        "slot 1 expiry count"
    );
    ensure_eq!(
        one.delete_expired_sent_messages(i64::MAX)
            .await
            .ctx("delete_expired_sent_messages")?,
        1,
        "slot 1 sent expiry count"
    );
    ensure_eq!(
        one.consume_forget_marks("g@g.us")
            .await
            .ctx("consume_forget_marks")?,
        vec!["p-1".to_string()],
        "slot 1 marks"
    );
    one.clear_skdm_recipients("g@g.us")
        .await
        .ctx("clear_skdm_recipients")?;
    one.delete_mutation_macs("regular", &[vec![0]])
        .await
        .ctx("delete_mutation_macs")?;
    one.delete_session("peer@c.us.0")
        .await
        .ctx("delete_session")?;
    verify(&two, 2).await?;
    ensure_eq!(
        two.take_sent_message("chat@s.whatsapp.net", "ID")
            .await
            .ctx("take_sent_message")?,
        Some(vec![2]),
        "slot 2 sent message"
    );
    ensure_eq!(
        two.consume_forget_marks("g@g.us")
            .await
            .ctx("consume_forget_marks")?,
        vec!["p-2".to_string()],
        "slot 2 marks"
    );
    // Reopening the slots finds the same data.
    let two_again = h.open(storage, 2).await?;
    verify(&two_again, 2).await?;
    Ok(())
}
