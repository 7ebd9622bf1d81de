//! Checks for [`SignalStore`](crate::store::traits::SignalStore).

use super::{Ctx, Opener, Outcome, ensure, ensure_eq};
use crate::store::traits::SignalStore;

const ALICE: &str = "15551234567@c.us.0";
const BOB: &str = "15557654321@c.us.0";

pub(super) async fn identities(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.load_identity(ALICE).await.ctx("load_identity")?,
        None,
        "absent identity"
    );
    s.delete_identity(ALICE)
        .await
        .ctx("delete_identity of absent")?;
    s.put_identity(ALICE, [1; 32]).await.ctx("put_identity")?;
    s.put_identity(BOB, [2; 32]).await.ctx("put_identity")?;
    ensure_eq!(
        s.load_identity(ALICE).await.ctx("load_identity")?,
        Some(vec![1; 32]),
        "round trip"
    );
    s.put_identity(ALICE, [3; 32])
        .await
        .ctx("put_identity overwrite")?;
    ensure_eq!(
        s.load_identity(ALICE).await.ctx("load_identity")?,
        Some(vec![3; 32]),
        "overwrite"
    );
    s.delete_identity(ALICE).await.ctx("delete_identity")?;
    ensure_eq!(
        s.load_identity(ALICE).await.ctx("load_identity")?,
        None,
        "after delete"
    );
    ensure_eq!(
        s.load_identity(BOB).await.ctx("load_identity")?,
        Some(vec![2; 32]),
        "other kept"
    );
    Ok(())
}

pub(super) async fn sessions(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        None,
        "absent session"
    );
    ensure!(
        !s.has_session(ALICE).await.ctx("has_session")?,
        "has_session true for absent session"
    );
    s.delete_session(ALICE)
        .await
        .ctx("delete_session of absent")?;
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    s.put_session(ALICE, &big).await.ctx("put_session")?;
    s.put_session(BOB, b"").await.ctx("put_session empty")?;
    ensure!(
        s.get_session(ALICE).await.ctx("get_session")?.as_deref() == Some(&big[..]),
        "70 kB session changed in round trip"
    );
    ensure_eq!(
        s.get_session(BOB).await.ctx("get_session")?,
        Some(Vec::new()),
        "empty session is present, not absent"
    );
    ensure!(
        s.has_session(ALICE).await.ctx("has_session")?,
        "has_session false after put"
    );
    ensure!(
        s.has_session(BOB).await.ctx("has_session")?,
        "has_session false for empty record"
    );
    s.put_session(ALICE, b"second")
        .await
        .ctx("put_session overwrite")?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        Some(b"second".to_vec()),
        "overwrite"
    );
    s.delete_session(ALICE).await.ctx("delete_session")?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        None,
        "after delete"
    );
    ensure!(
        !s.has_session(ALICE).await.ctx("has_session")?,
        "has_session true after delete"
    );
    ensure!(
        s.has_session(BOB).await.ctx("has_session")?,
        "deleting one session removed another"
    );
    Ok(())
}

pub(super) async fn prekeys(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        0,
        "max id of empty store"
    );
    ensure_eq!(
        s.load_prekey(7).await.ctx("load_prekey")?,
        None,
        "absent pre-key"
    );
    s.remove_prekey(7).await.ctx("remove_prekey of absent")?;
    s.store_prekey(7, b"seven", false)
        .await
        .ctx("store_prekey")?;
    s.store_prekey(u32::MAX, b"max", true)
        .await
        .ctx("store_prekey u32::MAX")?;
    s.store_prekey(3, b"three", true)
        .await
        .ctx("store_prekey")?;
    ensure_eq!(
        s.load_prekey(7).await.ctx("load_prekey")?,
        Some(b"seven".to_vec()),
        "round trip"
    );
    ensure_eq!(
        s.load_prekey(u32::MAX).await.ctx("load_prekey")?,
        Some(b"max".to_vec()),
        "id u32::MAX"
    );
    ensure_eq!(
        s.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        u32::MAX,
        "max id"
    );
    s.remove_prekey(u32::MAX).await.ctx("remove_prekey")?;
    ensure_eq!(
        s.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        7,
        "max id after removing the max"
    );
    s.store_prekey(7, b"seven-b", true)
        .await
        .ctx("store_prekey overwrite")?;
    ensure_eq!(
        s.load_prekey(7).await.ctx("load_prekey")?,
        Some(b"seven-b".to_vec()),
        "overwrite"
    );
    s.remove_prekey(7).await.ctx("remove_prekey")?;
    ensure_eq!(
        s.load_prekey(7).await.ctx("load_prekey")?,
        None,
        "after remove"
    );
    ensure_eq!(
        s.load_prekey(3).await.ctx("load_prekey")?,
        Some(b"three".to_vec()),
        "other kept"
    );
    Ok(())
}

pub(super) async fn prekey_batch(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    s.store_prekeys_batch(&[], false)
        .await
        .ctx("store_prekeys_batch of nothing")?;
    let keys: Vec<(u32, Vec<u8>)> = (1000..1812u32)
        .map(|id| (id, id.to_be_bytes().repeat(8)))
        .collect();
    s.store_prekeys_batch(&keys, false)
        .await
        .ctx("store_prekeys_batch of 812")?;
    for (id, record) in &keys {
        ensure!(
            s.load_prekey(*id).await.ctx("load_prekey")?.as_ref() == Some(record),
            "pre-key {id} of the batch missing or changed"
        );
    }
    ensure_eq!(
        s.get_max_prekey_id().await.ctx("get_max_prekey_id")?,
        1811,
        "max id after batch"
    );
    // A batch overwrites existing ids.
    s.store_prekeys_batch(&[(1000, b"new".to_vec())], true)
        .await
        .ctx("store_prekeys_batch")?;
    ensure_eq!(
        s.load_prekey(1000).await.ctx("load_prekey")?,
        Some(b"new".to_vec()),
        "batch overwrite"
    );
    Ok(())
}

pub(super) async fn signed_prekeys(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    ensure_eq!(
        s.load_signed_prekey(1).await.ctx("load_signed_prekey")?,
        None,
        "absent"
    );
    ensure!(
        s.load_all_signed_prekeys()
            .await
            .ctx("load_all_signed_prekeys")?
            .is_empty(),
        "empty store lists signed pre-keys"
    );
    s.remove_signed_prekey(1)
        .await
        .ctx("remove_signed_prekey of absent")?;
    for id in [9u32, 2, 5] {
        s.store_signed_prekey(id, &[id as u8; 4])
            .await
            .ctx("store_signed_prekey")?;
    }
    s.store_signed_prekey(5, b"five")
        .await
        .ctx("store_signed_prekey overwrite")?;
    ensure_eq!(
        s.load_signed_prekey(5).await.ctx("load_signed_prekey")?,
        Some(b"five".to_vec()),
        "overwrite"
    );
    ensure_eq!(
        s.load_all_signed_prekeys()
            .await
            .ctx("load_all_signed_prekeys")?,
        vec![(2, vec![2; 4]), (5, b"five".to_vec()), (9, vec![9; 4])],
        "all signed pre-keys, ordered by id"
    );
    s.remove_signed_prekey(2)
        .await
        .ctx("remove_signed_prekey")?;
    ensure_eq!(
        s.load_signed_prekey(2).await.ctx("load_signed_prekey")?,
        None,
        "after remove"
    );
    ensure_eq!(
        s.load_all_signed_prekeys()
            .await
            .ctx("load_all_signed_prekeys")?
            .len(),
        2,
        "count after remove"
    );
    Ok(())
}

pub(super) async fn sender_keys(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let a = "120363000000000001@g.us:15551234567@c.us.0";
    let b = "120363000000000002@g.us:15551234567@c.us.0";
    ensure_eq!(
        s.get_sender_key(a).await.ctx("get_sender_key")?,
        None,
        "absent"
    );
    s.delete_sender_key(a)
        .await
        .ctx("delete_sender_key of absent")?;
    s.put_sender_key(a, b"one").await.ctx("put_sender_key")?;
    s.put_sender_key(b, b"two").await.ctx("put_sender_key")?;
    ensure_eq!(
        s.get_sender_key(a).await.ctx("get_sender_key")?,
        Some(b"one".to_vec()),
        "round trip"
    );
    s.put_sender_key(a, b"uno")
        .await
        .ctx("put_sender_key overwrite")?;
    ensure_eq!(
        s.get_sender_key(a).await.ctx("get_sender_key")?,
        Some(b"uno".to_vec()),
        "overwrite"
    );
    s.delete_sender_key(a).await.ctx("delete_sender_key")?;
    ensure_eq!(
        s.get_sender_key(a).await.ctx("get_sender_key")?,
        None,
        "after delete"
    );
    ensure_eq!(
        s.get_sender_key(b).await.ctx("get_sender_key")?,
        Some(b"two".to_vec()),
        "other kept"
    );
    Ok(())
}

/// Keys are compared exactly: no case folding, trimming or prefix matching.
pub(super) async fn address_keys_exact(h: &impl Opener) -> Outcome {
    let s = h.fresh().await?;
    let variants = [
        "a@c.us.0",
        "A@c.us.0",
        "a@c.us.0 ",
        "a@c.us.00",
        "a@c.us.",
        "ä@c.us.0",
        "a%@c.us.0",
        "a_@c.us.0",
    ];
    for (i, addr) in variants.iter().enumerate() {
        s.put_session(addr, &[i as u8]).await.ctx("put_session")?;
    }
    for (i, addr) in variants.iter().enumerate() {
        ensure_eq!(
            s.get_session(addr).await.ctx("get_session")?,
            Some(vec![i as u8]),
            "session of {addr:?}"
        );
    }
    ensure_eq!(
        s.get_session("a@c.us").await.ctx("get_session")?,
        None,
        "prefix of a stored address"
    );
    ensure_eq!(
        s.get_session("_@c.us.0").await.ctx("get_session")?,
        None,
        "LIKE wildcard matched"
    );
    Ok(())
}

/// `write_signal_batch`: puts and deletes of all three kinds land, in order, and persist.
pub(super) async fn signal_batch(h: &impl Opener) -> Outcome {
    use crate::store::traits::{SignalRecordKind as K, SignalWrite};
    use std::sync::Arc;
    let w = |kind, address: &str, value: Option<&[u8]>| SignalWrite {
        kind,
        address: Arc::from(address),
        value: value.map(Arc::from),
    };
    let storage = h.fresh_storage();
    let s = h.open(storage, 1).await?;
    s.put_session(BOB, b"old bob").await.ctx("put_session")?;
    s.put_sender_key(BOB, b"old sk")
        .await
        .ctx("put_sender_key")?;
    s.write_signal_batch(&[]).await.ctx("empty batch")?;
    s.write_signal_batch(&[
        w(K::Session, ALICE, Some(b"first")),
        w(K::Identity, ALICE, Some(&[7; 32])),
        w(K::SenderKey, ALICE, Some(b"sk")),
        w(K::Session, ALICE, Some(b"second")),
        w(K::Session, BOB, None),
        w(K::SenderKey, BOB, None),
        w(K::Identity, BOB, None),
    ])
    .await
    .ctx("write_signal_batch")?;
    let s = h.open(storage, 1).await?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        Some(b"second".to_vec()),
        "later write of one key wins"
    );
    ensure_eq!(
        s.load_identity(ALICE).await.ctx("load_identity")?,
        Some(vec![7; 32]),
        "identity in batch"
    );
    ensure_eq!(
        s.get_sender_key(ALICE).await.ctx("get_sender_key")?,
        Some(b"sk".to_vec()),
        "sender key in batch"
    );
    ensure_eq!(
        s.get_session(BOB).await.ctx("get_session")?,
        None,
        "session deleted by batch"
    );
    ensure_eq!(
        s.get_sender_key(BOB).await.ctx("get_sender_key")?,
        None,
        "sender key deleted by batch"
    );
    s.write_signal_batch(&[
        w(K::Session, ALICE, None),
        w(K::Session, ALICE, Some(b"back")),
    ])
    .await
    .ctx("delete then put")?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        Some(b"back".to_vec()),
        "put after delete in one batch"
    );
    let bad = s
        .write_signal_batch(&[w(K::Identity, BOB, Some(&[1; 5]))])
        .await;
    ensure!(bad.is_err(), "a 5-byte identity must be refused");
    ensure_eq!(
        s.load_identity(BOB).await.ctx("load_identity")?,
        None,
        "refused identity not stored"
    );
    Ok(())
}

/// `write_signal_batch_and_sent`: the Signal writes always land; the sent messages land too
/// exactly when the backend says so (`true`), and a refused batch stores neither.
pub(super) async fn signal_batch_and_sent(h: &impl Opener) -> Outcome {
    use crate::store::traits::{
        ProtocolStore, SentMessageWrite, SignalRecordKind as K, SignalWrite,
    };
    use std::sync::Arc;
    const CHAT: &str = "15550001111@s.whatsapp.net";
    let sent = |id: &str, payload: &[u8]| SentMessageWrite {
        chat_jid: Arc::from(CHAT),
        message_id: Arc::from(id),
        payload: Arc::from(payload),
    };
    let storage = h.fresh_storage();
    let s = h.open(storage, 1).await?;
    let stored = s
        .write_signal_batch_and_sent(
            &[SignalWrite {
                kind: K::Session,
                address: Arc::from(ALICE),
                value: Some(Arc::from(&b"with sent"[..])),
            }],
            &[
                sent("M1", b"one"),
                sent("M2", b"two"),
                sent("M1", b"one again"),
            ],
        )
        .await
        .ctx("write_signal_batch_and_sent")?;
    let s = h.open(storage, 1).await?;
    ensure_eq!(
        s.get_session(ALICE).await.ctx("get_session")?,
        Some(b"with sent".to_vec()),
        "the Signal writes of the batch are stored"
    );
    let (m1, m2) = (
        s.take_sent_message(CHAT, "M1").await.ctx("take M1")?,
        s.take_sent_message(CHAT, "M2").await.ctx("take M2")?,
    );
    if stored {
        ensure_eq!(m1, Some(b"one again".to_vec()), "later sent message wins");
        ensure_eq!(m2, Some(b"two".to_vec()), "sent message stored in batch");
    } else {
        ensure_eq!(
            (m1, m2),
            (None, None),
            "Ok(false) means the sent messages were not stored"
        );
    }
    let only_sent = s
        .write_signal_batch_and_sent(&[], &[sent("M3", b"three")])
        .await
        .ctx("batch of sent messages only")?;
    ensure_eq!(
        s.take_sent_message(CHAT, "M3").await.ctx("take M3")?,
        only_sent.then(|| b"three".to_vec()),
        "sent message without Signal writes"
    );
    let bad = s
        .write_signal_batch_and_sent(
            &[SignalWrite {
                kind: K::Identity,
                address: Arc::from(BOB),
                value: Some(Arc::from(&[1u8; 5][..])),
            }],
            &[sent("M4", b"four")],
        )
        .await;
    ensure!(bad.is_err(), "a 5-byte identity must be refused");
    ensure_eq!(
        s.take_sent_message(CHAT, "M4").await.ctx("take M4")?,
        None,
        "a refused batch stores no sent message"
    );
    Ok(())
}
