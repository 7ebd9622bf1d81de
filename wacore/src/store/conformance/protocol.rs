//! Checks for [`ProtocolStore`](crate::store::traits::ProtocolStore).

use std::collections::BTreeSet;

use crate::store::traits::Jid;

use super::{Ctx, Opener, Outcome, ensure, ensure_eq};
use crate::store::traits::ProtocolStore;
use crate::store::types::{DeviceInfo, DeviceListRecord, LidPnMappingEntry, TcTokenEntry};

const GROUP: &str = "120363000000000001@g.us";
const GROUP2: &str = "120363000000000002@g.us";

fn jid(s: &str) -> Result<Jid, String> {
    s.parse::<Jid>()
        .map_err(|e| format!("test JID {s:?} does not parse: {e}"))
}

fn jid_set(jids: &[Jid]) -> BTreeSet<String> {
    jids.iter().map(ToString::to_string).collect()
}

fn mapping(lid: &str, pn: &str, created_at: i64, updated_at: i64) -> LidPnMappingEntry {
    LidPnMappingEntry {
        lid: lid.to_string(),
        phone_number: pn.to_string(),
        created_at,
        updated_at,
        learning_source: "usync".to_string(),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(super) async fn skdm_recipients(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure!(
        s.get_skdm_recipients(GROUP)
            .await
            .ctx("get_skdm_recipients")?
            .is_empty(),
        "unknown group has recipients"
    );
    s.clear_skdm_recipients(GROUP)
        .await
        .ctx("clear_skdm_recipients of unknown group")?;
    s.add_skdm_recipients(GROUP, &[])
        .await
        .ctx("add_skdm_recipients of nothing")?;
    let a = jid("15551234567@s.whatsapp.net")?;
    let b = jid("15551234567:3@s.whatsapp.net")?;
    let c = jid("100000012345678:7@lid")?;
    s.add_skdm_recipients(GROUP, &[a.clone(), b.clone()])
        .await
        .ctx("add_skdm_recipients")?;
    s.add_skdm_recipients(GROUP, &[b.clone(), c.clone(), c.clone()])
        .await
        .ctx("add_skdm_recipients")?;
    s.add_skdm_recipients(GROUP2, std::slice::from_ref(&a))
        .await
        .ctx("add_skdm_recipients")?;
    let got = s
        .get_skdm_recipients(GROUP)
        .await
        .ctx("get_skdm_recipients")?;
    ensure_eq!(got.len(), 3, "recipients without duplicates");
    ensure_eq!(
        jid_set(&got),
        jid_set(&[a.clone(), b, c]),
        "recipients (devices kept apart)"
    );
    s.clear_skdm_recipients(GROUP)
        .await
        .ctx("clear_skdm_recipients")?;
    ensure!(
        s.get_skdm_recipients(GROUP)
            .await
            .ctx("get_skdm_recipients")?
            .is_empty(),
        "recipients after clear"
    );
    ensure_eq!(
        jid_set(
            &s.get_skdm_recipients(GROUP2)
                .await
                .ctx("get_skdm_recipients")?
        ),
        jid_set(&[a]),
        "other group kept"
    );
    Ok(())
}

pub(super) async fn lid_pn_mappings(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_lid_mapping("100").await.ctx("get_lid_mapping")?,
        None,
        "absent LID"
    );
    ensure_eq!(
        s.get_pn_mapping("1555").await.ctx("get_pn_mapping")?,
        None,
        "absent PN"
    );
    ensure!(
        s.get_all_lid_mappings()
            .await
            .ctx("get_all_lid_mappings")?
            .is_empty(),
        "empty store lists mappings"
    );
    let old = mapping("100", "1555", 10, 10);
    let newer = mapping("200", "1555", 20, 30);
    let stale = mapping("300", "1555", 25, 25);
    let other = mapping("400", "1666", 5, 5);
    for e in [&old, &newer, &stale, &other] {
        s.put_lid_mapping(e).await.ctx("put_lid_mapping")?;
    }
    ensure_eq!(
        s.get_lid_mapping("100").await.ctx("get_lid_mapping")?,
        Some(old.clone()),
        "LID -> PN"
    );
    ensure_eq!(
        s.get_lid_mapping("200").await.ctx("get_lid_mapping")?,
        Some(newer.clone()),
        "LID -> PN"
    );
    ensure_eq!(
        s.get_pn_mapping("1555").await.ctx("get_pn_mapping")?,
        Some(newer.clone()),
        "PN -> most recently updated LID"
    );
    ensure_eq!(
        s.get_pn_mapping("1666").await.ctx("get_pn_mapping")?,
        Some(other.clone()),
        "PN -> its LID"
    );
    // Re-learning the old LID makes it the most recent.
    let old_again = LidPnMappingEntry {
        updated_at: 40,
        learning_source: "peer_pn_message".to_string(),
        ..old.clone()
    };
    s.put_lid_mapping(&old_again)
        .await
        .ctx("put_lid_mapping overwrite")?;
    ensure_eq!(
        s.get_lid_mapping("100").await.ctx("get_lid_mapping")?,
        Some(old_again.clone()),
        "overwrite by LID"
    );
    ensure_eq!(
        s.get_pn_mapping("1555").await.ctx("get_pn_mapping")?,
        Some(old_again.clone()),
        "most recent wins after update"
    );
    // A LID that moves to another number no longer answers for the old one.
    let moved = mapping("100", "1777", 10, 50);
    s.put_lid_mapping(&moved).await.ctx("put_lid_mapping")?;
    ensure_eq!(
        s.get_pn_mapping("1777").await.ctx("get_pn_mapping")?,
        Some(moved.clone()),
        "moved LID"
    );
    ensure_eq!(
        s.get_pn_mapping("1555").await.ctx("get_pn_mapping")?,
        Some(newer.clone()),
        "old number falls back"
    );
    let mut all: Vec<String> = s
        .get_all_lid_mappings()
        .await
        .ctx("get_all_lid_mappings")?
        .into_iter()
        .map(|e| format!("{}>{}@{}", e.lid, e.phone_number, e.updated_at))
        .collect();
    all.sort();
    ensure_eq!(
        all,
        vec!["100>1777@50", "200>1555@30", "300>1555@25", "400>1666@5"],
        "all mappings"
    );
    Ok(())
}

pub(super) async fn base_keys(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let addr = "15551234567@c.us.0";
    ensure!(
        !s.has_same_base_key(addr, "M1", b"k")
            .await
            .ctx("has_same_base_key")?,
        "absent base key matched"
    );
    s.delete_base_key(addr, "M1")
        .await
        .ctx("delete_base_key of absent")?;
    s.save_base_key(addr, "M1", &[5; 33])
        .await
        .ctx("save_base_key")?;
    ensure!(
        s.has_same_base_key(addr, "M1", &[5; 33])
            .await
            .ctx("has_same_base_key")?,
        "same base key not detected"
    );
    ensure!(
        !s.has_same_base_key(addr, "M1", &[6; 33])
            .await
            .ctx("has_same_base_key")?,
        "different base key matched"
    );
    ensure!(
        !s.has_same_base_key(addr, "M1", &[5; 32])
            .await
            .ctx("has_same_base_key")?,
        "prefix of base key matched"
    );
    ensure!(
        !s.has_same_base_key(addr, "M2", &[5; 33])
            .await
            .ctx("has_same_base_key")?,
        "other message id matched"
    );
    ensure!(
        !s.has_same_base_key("other@c.us.0", "M1", &[5; 33])
            .await
            .ctx("has_same_base_key")?,
        "other address matched"
    );
    s.save_base_key(addr, "M1", &[6; 33])
        .await
        .ctx("save_base_key overwrite")?;
    ensure!(
        s.has_same_base_key(addr, "M1", &[6; 33])
            .await
            .ctx("has_same_base_key")?,
        "overwritten base key not detected"
    );
    s.save_base_key(addr, "M2", &[7; 33])
        .await
        .ctx("save_base_key")?;
    s.delete_base_key(addr, "M1").await.ctx("delete_base_key")?;
    ensure!(
        !s.has_same_base_key(addr, "M1", &[6; 33])
            .await
            .ctx("has_same_base_key")?,
        "deleted base key matched"
    );
    ensure!(
        s.has_same_base_key(addr, "M2", &[7; 33])
            .await
            .ctx("has_same_base_key")?,
        "other message's base key lost"
    );
    Ok(())
}

pub(super) async fn device_lists(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_devices("1555").await.ctx("get_devices")?,
        None,
        "absent user"
    );
    let rec = DeviceListRecord {
        user: "1555".to_string(),
        devices: vec![
            DeviceInfo {
                device_id: 0,
                key_index: None,
            },
            DeviceInfo {
                device_id: 3,
                key_index: Some(7),
            },
            DeviceInfo {
                device_id: u32::MAX,
                key_index: Some(u32::MAX),
            },
        ],
        timestamp: 1_700_000_000,
        phash: Some("2:abcd".to_string()),
    };
    s.update_device_list(rec.clone())
        .await
        .ctx("update_device_list")?;
    ensure_eq!(
        s.get_devices("1555").await.ctx("get_devices")?,
        Some(rec.clone()),
        "round trip (order kept)"
    );
    let empty = DeviceListRecord {
        user: "1666".to_string(),
        devices: vec![],
        timestamp: 0,
        phash: None,
    };
    s.update_device_list(empty.clone())
        .await
        .ctx("update_device_list")?;
    ensure_eq!(
        s.get_devices("1666").await.ctx("get_devices")?,
        Some(empty),
        "empty list, no phash"
    );
    let rec2 = DeviceListRecord {
        devices: vec![DeviceInfo {
            device_id: 1,
            key_index: Some(2),
        }],
        timestamp: 1_700_000_100,
        phash: None,
        ..rec
    };
    s.update_device_list(rec2.clone())
        .await
        .ctx("update_device_list overwrite")?;
    ensure_eq!(
        s.get_devices("1555").await.ctx("get_devices")?,
        Some(rec2),
        "overwrite"
    );
    Ok(())
}

pub(super) async fn forget_marks(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure!(
        s.consume_forget_marks(GROUP)
            .await
            .ctx("consume_forget_marks")?
            .is_empty(),
        "marks on a fresh store"
    );
    s.mark_forget_sender_key(GROUP, "alice@lid")
        .await
        .ctx("mark_forget_sender_key")?;
    s.mark_forget_sender_key(GROUP, "bob@lid")
        .await
        .ctx("mark_forget_sender_key")?;
    s.mark_forget_sender_key(GROUP, "alice@lid")
        .await
        .ctx("mark_forget_sender_key twice")?;
    s.mark_forget_sender_key(GROUP2, "carol@lid")
        .await
        .ctx("mark_forget_sender_key")?;
    let mut got = s
        .consume_forget_marks(GROUP)
        .await
        .ctx("consume_forget_marks")?;
    got.sort();
    ensure_eq!(
        got,
        vec!["alice@lid".to_string(), "bob@lid".to_string()],
        "marks, each once"
    );
    ensure!(
        s.consume_forget_marks(GROUP)
            .await
            .ctx("consume_forget_marks")?
            .is_empty(),
        "marks returned twice"
    );
    ensure_eq!(
        s.consume_forget_marks(GROUP2)
            .await
            .ctx("consume_forget_marks")?,
        vec!["carol@lid".to_string()],
        "other group's marks"
    );
    s.mark_forget_sender_key(GROUP, "alice@lid")
        .await
        .ctx("mark_forget_sender_key after consume")?;
    ensure_eq!(
        s.consume_forget_marks(GROUP)
            .await
            .ctx("consume_forget_marks")?,
        vec!["alice@lid".to_string()],
        "mark again after consume"
    );
    Ok(())
}

pub(super) async fn tc_tokens(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let tok = |t: u8, ts: i64, sender: Option<i64>| TcTokenEntry {
        token: vec![t; 20],
        token_timestamp: ts,
        sender_timestamp: sender,
    };
    ensure_eq!(
        s.get_tc_token("a@lid").await.ctx("get_tc_token")?,
        None,
        "absent"
    );
    ensure!(
        s.get_all_tc_token_jids()
            .await
            .ctx("get_all_tc_token_jids")?
            .is_empty(),
        "jids of empty store"
    );
    ensure_eq!(
        s.delete_expired_tc_tokens(i64::MAX)
            .await
            .ctx("delete_expired_tc_tokens")?,
        0,
        "expiry on empty store"
    );
    s.delete_tc_token("a@lid")
        .await
        .ctx("delete_tc_token of absent")?;
    s.put_tc_token("a@lid", &tok(1, 100, None))
        .await
        .ctx("put_tc_token")?;
    s.put_tc_token("b@lid", &tok(2, 200, Some(250)))
        .await
        .ctx("put_tc_token")?;
    s.put_tc_token("c@lid", &tok(3, 300, None))
        .await
        .ctx("put_tc_token")?;
    ensure_eq!(
        s.get_tc_token("b@lid").await.ctx("get_tc_token")?,
        Some(tok(2, 200, Some(250))),
        "round trip"
    );
    s.put_tc_token("a@lid", &tok(4, 150, Some(1)))
        .await
        .ctx("put_tc_token overwrite")?;
    ensure_eq!(
        s.get_tc_token("a@lid").await.ctx("get_tc_token")?,
        Some(tok(4, 150, Some(1))),
        "overwrite"
    );
    let mut jids = s
        .get_all_tc_token_jids()
        .await
        .ctx("get_all_tc_token_jids")?;
    jids.sort();
    ensure_eq!(jids, vec!["a@lid", "b@lid", "c@lid"], "all jids");
    // Strictly older than the cutoff expires; equal does not.
    ensure_eq!(
        s.delete_expired_tc_tokens(200)
            .await
            .ctx("delete_expired_tc_tokens")?,
        1,
        "expired count"
    );
    ensure_eq!(
        s.get_tc_token("a@lid").await.ctx("get_tc_token")?,
        None,
        "expired token still present"
    );
    ensure!(
        s.get_tc_token("b@lid").await.ctx("get_tc_token")?.is_some(),
        "token at the cutoff was deleted"
    );
    ensure_eq!(
        s.delete_expired_tc_tokens(200)
            .await
            .ctx("delete_expired_tc_tokens")?,
        0,
        "second expiry"
    );
    s.delete_tc_token("c@lid").await.ctx("delete_tc_token")?;
    ensure_eq!(
        s.get_all_tc_token_jids()
            .await
            .ctx("get_all_tc_token_jids")?,
        vec!["b@lid".to_string()],
        "after delete"
    );
    Ok(())
}

pub(super) async fn sent_messages(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let chat = "15551234567@s.whatsapp.net";
    ensure_eq!(
        s.take_sent_message(chat, "ID1")
            .await
            .ctx("take_sent_message")?,
        None,
        "absent"
    );
    s.store_sent_message(chat, "ID1", b"payload-1")
        .await
        .ctx("store_sent_message")?;
    s.store_sent_message(chat, "ID2", b"payload-2")
        .await
        .ctx("store_sent_message")?;
    s.store_sent_message(GROUP, "ID1", b"group-1")
        .await
        .ctx("store_sent_message")?;
    s.store_sent_message(chat, "ID2", b"payload-2b")
        .await
        .ctx("store_sent_message overwrite")?;
    ensure_eq!(
        s.take_sent_message(chat, "ID1")
            .await
            .ctx("take_sent_message")?,
        Some(b"payload-1".to_vec()),
        "take"
    );
    ensure_eq!(
        s.take_sent_message(chat, "ID1")
            .await
            .ctx("take_sent_message")?,
        None,
        "second take"
    );
    ensure_eq!(
        s.take_sent_message(chat, "ID2")
            .await
            .ctx("take_sent_message")?,
        Some(b"payload-2b".to_vec()),
        "overwrite"
    );
    // Re-adding after a take works (status broadcasts do this).
    s.store_sent_message(chat, "ID1", b"again")
        .await
        .ctx("store_sent_message after take")?;
    let now = unix_now();
    ensure_eq!(
        s.delete_expired_sent_messages(now - 3600)
            .await
            .ctx("delete_expired_sent_messages")?,
        0,
        "fresh messages expired"
    );
    ensure_eq!(
        s.delete_expired_sent_messages(now + 3600)
            .await
            .ctx("delete_expired_sent_messages")?,
        2,
        "expired count"
    );
    ensure_eq!(
        s.take_sent_message(GROUP, "ID1")
            .await
            .ctx("take_sent_message")?,
        None,
        "expired message still present"
    );
    Ok(())
}
