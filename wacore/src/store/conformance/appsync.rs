//! Checks for [`AppSyncStore`](crate::store::traits::AppSyncStore).

use super::{Ctx, Opener, Outcome, ensure_eq};
use crate::store::traits::AppSyncStore;
use crate::store::traits::{AppStateMutationMAC, HashState};
use crate::store::types::AppStateSyncKey;

fn key(seed: u8, timestamp: i64) -> AppStateSyncKey {
    AppStateSyncKey {
        key_data: vec![seed; 32],
        fingerprint: vec![seed, 1, 2, 3],
        timestamp,
    }
}

fn mac(index: u8, value: u8) -> AppStateMutationMAC {
    AppStateMutationMAC {
        index_mac: vec![index; 32],
        value_mac: vec![value; 32],
    }
}

pub(super) async fn sync_keys(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_sync_key(b"k1").await.ctx("get_sync_key")?,
        None,
        "absent key"
    );
    s.set_sync_key(b"k1", key(1, 100))
        .await
        .ctx("set_sync_key")?;
    s.set_sync_key(b"k2", key(2, 200))
        .await
        .ctx("set_sync_key")?;
    ensure_eq!(
        s.get_sync_key(b"k1").await.ctx("get_sync_key")?,
        Some(key(1, 100)),
        "round trip"
    );
    s.set_sync_key(b"k1", key(3, 300))
        .await
        .ctx("set_sync_key overwrite")?;
    ensure_eq!(
        s.get_sync_key(b"k1").await.ctx("get_sync_key")?,
        Some(key(3, 300)),
        "overwrite"
    );
    ensure_eq!(
        s.get_sync_key(b"k2").await.ctx("get_sync_key")?,
        Some(key(2, 200)),
        "other kept"
    );
    // Binary ids with zero bytes and a prefix relation are distinct keys.
    s.set_sync_key(&[0, 0, 1], key(4, 1))
        .await
        .ctx("set_sync_key")?;
    s.set_sync_key(&[0, 0], key(5, 1))
        .await
        .ctx("set_sync_key")?;
    ensure_eq!(
        s.get_sync_key(&[0, 0, 1]).await.ctx("get_sync_key")?,
        Some(key(4, 1)),
        "binary id"
    );
    ensure_eq!(
        s.get_sync_key(&[0, 0]).await.ctx("get_sync_key")?,
        Some(key(5, 1)),
        "binary prefix id"
    );
    Ok(())
}

pub(super) async fn latest_sync_key(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_latest_sync_key_id()
            .await
            .ctx("get_latest_sync_key_id")?,
        None,
        "empty store"
    );
    s.set_sync_key(b"old", key(1, 100))
        .await
        .ctx("set_sync_key")?;
    s.set_sync_key(b"new", key(2, 300))
        .await
        .ctx("set_sync_key")?;
    s.set_sync_key(b"mid", key(3, 200))
        .await
        .ctx("set_sync_key")?;
    ensure_eq!(
        s.get_latest_sync_key_id()
            .await
            .ctx("get_latest_sync_key_id")?,
        Some(b"new".to_vec()),
        "greatest timestamp wins"
    );
    s.set_sync_key(b"old", key(1, 400))
        .await
        .ctx("set_sync_key overwrite")?;
    ensure_eq!(
        s.get_latest_sync_key_id()
            .await
            .ctx("get_latest_sync_key_id")?,
        Some(b"old".to_vec()),
        "after overwrite with a newer timestamp"
    );
    s.set_sync_key(b"zzz", key(4, 400))
        .await
        .ctx("set_sync_key")?;
    ensure_eq!(
        s.get_latest_sync_key_id()
            .await
            .ctx("get_latest_sync_key_id")?,
        Some(b"zzz".to_vec()),
        "tie broken by greatest key id"
    );
    Ok(())
}

pub(super) async fn versions(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_version("regular").await.ctx("get_version")?,
        HashState::default(),
        "unknown collection"
    );
    let mut hash = [0u8; 128];
    for (i, b) in hash.iter_mut().enumerate() {
        *b = i as u8;
    }
    // A large map, as a busy collection has: it must come back whole.
    let macs: Vec<([u8; 32], [u8; 32])> = (0..3000u32)
        .map(|i| {
            let mut index = [0u8; 32];
            index[..4].copy_from_slice(&i.to_be_bytes());
            (index, [(i % 251) as u8; 32])
        })
        .collect();
    let state = HashState::from_parts(u64::MAX - 1, hash, macs);
    s.set_version("regular", state.clone())
        .await
        .ctx("set_version")?;
    s.set_version(
        "critical_block",
        HashState::from_parts(3, [9; 128], [([1; 32], [2; 32])]),
    )
    .await
    .ctx("set_version")?;
    ensure_eq!(
        s.get_version("regular").await.ctx("get_version")?,
        state,
        "round trip (large version, 3000-entry map)"
    );
    let next = HashState::from_parts(7, [7; 128], []);
    s.set_version("regular", next.clone())
        .await
        .ctx("set_version overwrite")?;
    ensure_eq!(
        s.get_version("regular").await.ctx("get_version")?,
        next,
        "overwrite"
    );
    ensure_eq!(
        s.get_version("critical_block")
            .await
            .ctx("get_version")?
            .version,
        3,
        "other collection kept"
    );
    Ok(())
}

pub(super) async fn mutation_macs(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_mutation_mac("regular", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        None,
        "absent"
    );
    s.put_mutation_macs("regular", 1, &[])
        .await
        .ctx("put_mutation_macs of nothing")?;
    s.delete_mutation_macs("regular", &[])
        .await
        .ctx("delete_mutation_macs of nothing")?;
    let batch: Vec<AppStateMutationMAC> = (0..200u8).map(|i| mac(i, i.wrapping_add(1))).collect();
    s.put_mutation_macs("regular", 5, &batch)
        .await
        .ctx("put_mutation_macs")?;
    for m in &batch {
        ensure_eq!(
            s.get_mutation_mac("regular", &m.index_mac)
                .await
                .ctx("get_mutation_mac")?,
            Some(m.value_mac.clone()),
            "value MAC of batch entry"
        );
    }
    // Same index MAC in another collection is a different entry.
    ensure_eq!(
        s.get_mutation_mac("regular_low", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        None,
        "collections isolated"
    );
    s.put_mutation_macs("regular_low", 5, &[mac(1, 99)])
        .await
        .ctx("put_mutation_macs")?;
    ensure_eq!(
        s.get_mutation_mac("regular", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![2; 32]),
        "other collection untouched"
    );
    // A later version's value MAC wins.
    s.put_mutation_macs("regular", 6, &[mac(1, 50)])
        .await
        .ctx("put_mutation_macs")?;
    ensure_eq!(
        s.get_mutation_mac("regular", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![50; 32]),
        "later version wins"
    );
    s.put_mutation_macs("regular", 4, &[mac(1, 40)])
        .await
        .ctx("put_mutation_macs")?;
    ensure_eq!(
        s.get_mutation_mac("regular", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![50; 32]),
        "older version does not win"
    );
    // Delete removes every version of the listed index MACs, and only those.
    s.delete_mutation_macs("regular", &[vec![1; 32], vec![2; 32], vec![250; 32]])
        .await
        .ctx("delete_mutation_macs")?;
    ensure_eq!(
        s.get_mutation_mac("regular", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        None,
        "deleted (all versions)"
    );
    ensure_eq!(
        s.get_mutation_mac("regular", &[2; 32])
            .await
            .ctx("get_mutation_mac")?,
        None,
        "deleted"
    );
    ensure_eq!(
        s.get_mutation_mac("regular", &[3; 32])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![4; 32]),
        "not listed, kept"
    );
    ensure_eq!(
        s.get_mutation_mac("regular_low", &[1; 32])
            .await
            .ctx("get_mutation_mac")?,
        Some(vec![99; 32]),
        "other collection kept"
    );
    Ok(())
}
