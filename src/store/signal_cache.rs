//! [`SignalStoreCache`]: sessions, identities and sender keys in memory in front of the
//! backend's [`SignalStore`], with writes deferred to [`SignalStoreCache::flush`].
//!
//! Reads are served from memory after the first backend load (absent keys are remembered as
//! absent too). Writes only mark the key dirty; `flush` writes every dirty key in one
//! [`SignalStore::write_signal_batch`] (one transaction on SQLite) and clears the dirty marks
//! only after that succeeded, so a failed flush is retried by the next one.
//!
//! The durability rule is the caller's: flush before a received message is acked and before
//! an encrypted stanza leaves, while still holding the per-device session lock (the client
//! does this in `src/send.rs`, `src/message.rs` and `src/retry.rs`). Flushes are serialized,
//! so a flush that returns `Ok` has persisted every write made before it started.
//!
//! This lives in the client crate, not in `wacore`, because it awaits the backend under a
//! tokio mutex (flush serialization); `wacore` stays runtime-agnostic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use wacore::store::error::Result;
use wacore::store::traits::{SentMessageWrite, SignalRecordKind, SignalWrite};
use wacore::store::{ProtocolStore, SignalStore};

/// Clean entries kept per domain before the clean ones are dropped (dirty ones always stay).
const DEFAULT_CAPACITY: usize = 4096;

/// One domain (sessions, identities or sender keys).
#[derive(Default)]
struct StoreState {
    /// Cached values; `None` = known to be absent (or deleted, pending flush).
    cache: HashMap<Arc<str>, Option<Arc<[u8]>>>,
    /// Keys changed since the last successful flush, with the version of their last change.
    dirty: HashMap<Arc<str>, u64>,
    /// Bumped whenever clean entries are dropped, so a backend load that raced with the drop
    /// does not put back a value older than a write it did not see.
    generation: u64,
}

/// The in-memory Signal state of one client (see the module docs).
pub struct SignalStoreCache {
    sessions: Mutex<StoreState>,
    identities: Mutex<StoreState>,
    sender_keys: Mutex<StoreState>,
    /// Sent messages (for retry receipts) waiting to ride along with the next flush.
    sent: Mutex<Vec<SentMessageWrite>>,
    /// Serializes flushes: an older snapshot never lands after a newer one.
    flush_lock: tokio::sync::Mutex<()>,
    version: AtomicU64,
    capacity: usize,
}

impl std::fmt::Debug for SignalStoreCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (s, i, k) = (
            lock(&self.sessions),
            lock(&self.identities),
            lock(&self.sender_keys),
        );
        f.debug_struct("SignalStoreCache")
            .field("sessions", &s.cache.len())
            .field("identities", &i.cache.len())
            .field("sender_keys", &k.cache.len())
            .field("dirty", &(s.dirty.len() + i.dirty.len() + k.dirty.len()))
            .finish()
    }
}

impl Default for SignalStoreCache {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a few map operations that cannot leave the maps inconsistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SignalStoreCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty cache that keeps at most about `capacity` clean entries per domain.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            sessions: Mutex::default(),
            identities: Mutex::default(),
            sender_keys: Mutex::default(),
            sent: Mutex::default(),
            flush_lock: tokio::sync::Mutex::new(()),
            version: AtomicU64::new(0),
            capacity: capacity.max(1),
        }
    }

    fn state(&self, kind: SignalRecordKind) -> &Mutex<StoreState> {
        match kind {
            SignalRecordKind::Session => &self.sessions,
            SignalRecordKind::Identity => &self.identities,
            SignalRecordKind::SenderKey => &self.sender_keys,
        }
    }

    async fn get(
        &self,
        kind: SignalRecordKind,
        address: &str,
        backend: &dyn SignalStore,
    ) -> Result<Option<Arc<[u8]>>> {
        let generation = {
            let st = lock(self.state(kind));
            if let Some(v) = st.cache.get(address) {
                return Ok(v.clone());
            }
            st.generation
        };
        let loaded: Option<Arc<[u8]>> = match kind {
            SignalRecordKind::Session => backend.get_session(address).await?,
            SignalRecordKind::Identity => backend.load_identity(address).await?,
            SignalRecordKind::SenderKey => backend.get_sender_key(address).await?,
        }
        .map(Arc::from);
        let mut st = lock(self.state(kind));
        if let Some(v) = st.cache.get(address) {
            // Written while we loaded: the write is newer.
            return Ok(v.clone());
        }
        if st.generation == generation {
            self.make_room(&mut st);
            st.cache.insert(Arc::from(address), loaded.clone());
        }
        Ok(loaded)
    }

    fn set(&self, kind: SignalRecordKind, address: &str, value: Option<Arc<[u8]>>) {
        let version = self.version.fetch_add(1, Ordering::Relaxed);
        let mut st = lock(self.state(kind));
        let key = match st.cache.get_key_value(address) {
            Some((k, _)) => Arc::clone(k),
            None => {
                self.make_room(&mut st);
                Arc::from(address)
            }
        };
        st.cache.insert(Arc::clone(&key), value);
        st.dirty.insert(key, version);
    }

    /// Drops the clean entries when the domain is full (dirty ones must stay until flushed).
    fn make_room(&self, st: &mut StoreState) {
        if st.cache.len() < self.capacity {
            return;
        }
        let StoreState {
            cache,
            dirty,
            generation,
        } = st;
        cache.retain(|k, _| dirty.contains_key(k));
        *generation += 1;
    }

    /// The session record of `address`, loading it from `backend` on a miss.
    pub async fn get_session(
        &self,
        address: &str,
        backend: &dyn SignalStore,
    ) -> Result<Option<Arc<[u8]>>> {
        self.get(SignalRecordKind::Session, address, backend).await
    }

    /// Whether a session record exists for `address` (loads and caches it on a miss).
    pub async fn has_session(&self, address: &str, backend: &dyn SignalStore) -> Result<bool> {
        Ok(self.get_session(address, backend).await?.is_some())
    }

    /// Stores a session record in memory (written on the next flush).
    pub async fn put_session(&self, address: &str, data: &[u8]) {
        self.set(SignalRecordKind::Session, address, Some(Arc::from(data)));
    }

    /// Deletes a session record (deleted from the backend on the next flush).
    pub async fn delete_session(&self, address: &str) {
        self.set(SignalRecordKind::Session, address, None);
    }

    /// The stored identity key of `address`, loading it from `backend` on a miss.
    pub async fn get_identity(
        &self,
        address: &str,
        backend: &dyn SignalStore,
    ) -> Result<Option<Arc<[u8]>>> {
        self.get(SignalRecordKind::Identity, address, backend).await
    }

    /// Stores an identity key in memory (written on the next flush).
    pub async fn put_identity(&self, address: &str, key: &[u8]) {
        self.set(SignalRecordKind::Identity, address, Some(Arc::from(key)));
    }

    /// Deletes an identity key (deleted from the backend on the next flush).
    pub async fn delete_identity(&self, address: &str) {
        self.set(SignalRecordKind::Identity, address, None);
    }

    /// A sender-key record, loading it from `backend` on a miss.
    pub async fn get_sender_key(
        &self,
        address: &str,
        backend: &dyn SignalStore,
    ) -> Result<Option<Arc<[u8]>>> {
        self.get(SignalRecordKind::SenderKey, address, backend)
            .await
    }

    /// Stores a sender-key record in memory (written on the next flush).
    pub async fn put_sender_key(&self, address: &str, record: &[u8]) {
        self.set(
            SignalRecordKind::SenderKey,
            address,
            Some(Arc::from(record)),
        );
    }

    /// Deletes a sender-key record (deleted from the backend on the next flush).
    pub async fn delete_sender_key(&self, address: &str) {
        self.set(SignalRecordKind::SenderKey, address, None);
    }

    /// Whether some change has not been flushed yet.
    pub fn is_dirty(&self) -> bool {
        [&self.sessions, &self.identities, &self.sender_keys]
            .into_iter()
            .any(|m| !lock(m).dirty.is_empty())
            || !lock(&self.sent).is_empty()
    }

    /// Writes every unflushed change to `backend` in one batch. The dirty marks are cleared
    /// only after the whole batch succeeded (and only for keys not changed again meanwhile);
    /// on failure everything stays dirty for the next flush. Flushes run one at a time, so
    /// `Ok` means every change made before this call is persisted.
    pub async fn flush(&self, backend: &dyn SignalStore) -> Result<()> {
        self.flush_inner(backend, None).await
    }

    /// [`SignalStoreCache::flush`] that also stores the queued sent messages, in the same
    /// transaction when the backend supports it
    /// ([`SignalStore::write_signal_batch_and_sent`]), else right after the Signal batch.
    pub(crate) async fn flush_with_sent(
        &self,
        signal: &dyn SignalStore,
        protocol: &dyn ProtocolStore,
    ) -> Result<()> {
        self.flush_inner(signal, Some(protocol)).await
    }

    /// Queues a sent message to be stored by the next [`SignalStoreCache::flush_with_sent`].
    pub(crate) fn queue_sent_message(&self, message: SentMessageWrite) {
        lock(&self.sent).push(message);
    }

    /// Removes and returns the newest queued (not yet stored) sent message with this key.
    pub(crate) fn take_queued_sent(&self, chat_jid: &str, message_id: &str) -> Option<Arc<[u8]>> {
        let mut q = lock(&self.sent);
        let pos = q
            .iter()
            .rposition(|m| &*m.chat_jid == chat_jid && &*m.message_id == message_id)?;
        let payload = q.remove(pos).payload;
        q.retain(|m| !(&*m.chat_jid == chat_jid && &*m.message_id == message_id));
        Some(payload)
    }

    /// Puts sent messages whose write failed back in front of the queue.
    fn requeue_sent(&self, failed: Vec<SentMessageWrite>) {
        if failed.is_empty() {
            return;
        }
        let mut q = lock(&self.sent);
        let newer = std::mem::replace(&mut *q, failed);
        q.extend(newer);
    }

    async fn flush_inner(
        &self,
        backend: &dyn SignalStore,
        protocol: Option<&dyn ProtocolStore>,
    ) -> Result<()> {
        if !self.is_dirty() {
            return Ok(());
        }
        let _serialized = self.flush_lock.lock().await;
        let (writes, versions) = {
            // All three at once: one consistent snapshot.
            let states = [
                (SignalRecordKind::Session, lock(&self.sessions)),
                (SignalRecordKind::Identity, lock(&self.identities)),
                (SignalRecordKind::SenderKey, lock(&self.sender_keys)),
            ];
            let mut writes = Vec::new();
            let mut versions = Vec::new();
            for (kind, st) in &states {
                for (key, version) in &st.dirty {
                    writes.push(SignalWrite {
                        kind: *kind,
                        address: Arc::clone(key),
                        value: st.cache.get(key).cloned().flatten(),
                    });
                    versions.push(*version);
                }
            }
            (writes, versions)
        };
        let sent = match protocol {
            Some(_) => std::mem::take(&mut *lock(&self.sent)),
            None => Vec::new(),
        };
        if writes.is_empty() && sent.is_empty() {
            return Ok(());
        }
        let stored = if sent.is_empty() {
            backend.write_signal_batch(&writes).await.map(|()| true)
        } else {
            backend.write_signal_batch_and_sent(&writes, &sent).await
        };
        let sent_stored = match stored {
            Ok(done) => done,
            Err(e) => {
                self.requeue_sent(sent);
                return Err(e);
            }
        };
        for (w, version) in writes.iter().zip(versions) {
            let mut st = lock(self.state(w.kind));
            if st.dirty.get(&w.address) == Some(&version) {
                st.dirty.remove(&w.address);
            }
        }
        if let (false, Some(protocol)) = (sent_stored, protocol) {
            let mut rest = sent.into_iter();
            while let Some(m) = rest.next() {
                let r = protocol
                    .store_sent_message(&m.chat_jid, &m.message_id, &m.payload)
                    .await;
                if let Err(e) = r {
                    self.requeue_sent(std::iter::once(m).chain(rest).collect());
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Forgets the cached (clean) state, e.g. on reconnect; the next reads load from the
    /// backend. Unflushed changes are kept: dropping them could let an encrypted message
    /// leave without its ratchet step being stored.
    pub async fn clear(&self) {
        for m in [&self.sessions, &self.identities, &self.sender_keys] {
            let mut st = lock(m);
            let StoreState {
                cache,
                dirty,
                generation,
            } = &mut *st;
            cache.retain(|k, _| dirty.contains_key(k));
            *generation += 1;
        }
    }

    /// Drops the unflushed session and identity of `address` and their cached values, so the
    /// next read returns what the backend holds. For a caller whose flush failed while it held
    /// the session lock of `address` (its change must not be persisted by a later flush).
    pub(crate) fn discard(&self, address: &str) {
        for m in [&self.sessions, &self.identities] {
            let mut st = lock(m);
            st.dirty.remove(address);
            st.cache.remove(address);
            st.generation += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use wacore::store::{InMemoryBackend, ProtocolStore, StoreError};

    /// A backend that counts reads and can be told to fail batches.
    struct Probe {
        inner: InMemoryBackend,
        reads: AtomicUsize,
        batches: AtomicUsize,
        fail: AtomicBool,
    }

    impl Probe {
        fn new() -> Self {
            Self {
                inner: InMemoryBackend::new(),
                reads: AtomicUsize::new(0),
                batches: AtomicUsize::new(0),
                fail: AtomicBool::new(false),
            }
        }
    }

    #[async_trait]
    impl SignalStore for Probe {
        async fn put_identity(&self, a: &str, k: [u8; 32]) -> Result<()> {
            self.inner.put_identity(a, k).await
        }
        async fn load_identity(&self, a: &str) -> Result<Option<Vec<u8>>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.load_identity(a).await
        }
        async fn delete_identity(&self, a: &str) -> Result<()> {
            self.inner.delete_identity(a).await
        }
        async fn get_session(&self, a: &str) -> Result<Option<Vec<u8>>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get_session(a).await
        }
        async fn put_session(&self, a: &str, s: &[u8]) -> Result<()> {
            self.inner.put_session(a, s).await
        }
        async fn delete_session(&self, a: &str) -> Result<()> {
            self.inner.delete_session(a).await
        }
        async fn store_prekey(&self, id: u32, r: &[u8], u: bool) -> Result<()> {
            self.inner.store_prekey(id, r, u).await
        }
        async fn load_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
            self.inner.load_prekey(id).await
        }
        async fn remove_prekey(&self, id: u32) -> Result<()> {
            self.inner.remove_prekey(id).await
        }
        async fn get_max_prekey_id(&self) -> Result<u32> {
            self.inner.get_max_prekey_id().await
        }
        async fn store_signed_prekey(&self, id: u32, r: &[u8]) -> Result<()> {
            self.inner.store_signed_prekey(id, r).await
        }
        async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
            self.inner.load_signed_prekey(id).await
        }
        async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
            self.inner.load_all_signed_prekeys().await
        }
        async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
            self.inner.remove_signed_prekey(id).await
        }
        async fn put_sender_key(&self, a: &str, r: &[u8]) -> Result<()> {
            self.inner.put_sender_key(a, r).await
        }
        async fn get_sender_key(&self, a: &str) -> Result<Option<Vec<u8>>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get_sender_key(a).await
        }
        async fn delete_sender_key(&self, a: &str) -> Result<()> {
            self.inner.delete_sender_key(a).await
        }
        async fn write_signal_batch(&self, w: &[SignalWrite]) -> Result<()> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(StoreError::Database("disk on fire".into()));
            }
            self.batches.fetch_add(1, Ordering::SeqCst);
            self.inner.write_signal_batch(w).await
        }
    }

    #[tokio::test]
    async fn reads_hit_memory_and_absent_keys_are_remembered() {
        let b = Probe::new();
        b.inner.put_session("a.0", b"rec").await.unwrap();
        let c = SignalStoreCache::new();
        for _ in 0..3 {
            assert_eq!(
                c.get_session("a.0", &b).await.unwrap().as_deref(),
                Some(&b"rec"[..])
            );
            assert!(!c.has_session("missing.0", &b).await.unwrap());
        }
        assert_eq!(b.reads.load(Ordering::SeqCst), 2, "one load per key");
    }

    #[tokio::test]
    async fn writes_reach_the_backend_only_on_flush_in_one_batch() {
        let b = Probe::new();
        let c = SignalStoreCache::new();
        c.put_session("a.0", b"s1").await;
        c.put_identity("a.0", &[5; 32]).await;
        c.put_sender_key("g::a", b"sk").await;
        assert_eq!(b.inner.get_session("a.0").await.unwrap(), None);
        assert!(c.is_dirty());
        c.flush(&b).await.unwrap();
        assert!(!c.is_dirty());
        assert_eq!(b.batches.load(Ordering::SeqCst), 1);
        assert_eq!(
            b.inner.get_session("a.0").await.unwrap(),
            Some(b"s1".to_vec())
        );
        assert_eq!(
            b.inner.load_identity("a.0").await.unwrap(),
            Some(vec![5; 32])
        );
        assert_eq!(
            b.inner.get_sender_key("g::a").await.unwrap(),
            Some(b"sk".to_vec())
        );
        // Nothing dirty: no second batch.
        c.flush(&b).await.unwrap();
        assert_eq!(b.batches.load(Ordering::SeqCst), 1);
        c.delete_session("a.0").await;
        assert!(
            !c.has_session("a.0", &b).await.unwrap(),
            "delete visible at once"
        );
        c.flush(&b).await.unwrap();
        assert_eq!(b.inner.get_session("a.0").await.unwrap(), None);
    }

    #[tokio::test]
    async fn queued_sent_messages_ride_with_the_flush_and_survive_a_failed_one() {
        let b = Probe::new();
        let c = SignalStoreCache::new();
        let sent = |id: &str, p: &[u8]| SentMessageWrite {
            chat_jid: Arc::from("c@s.whatsapp.net"),
            message_id: Arc::from(id),
            payload: Arc::from(p),
        };
        c.queue_sent_message(sent("M1", b"one"));
        c.queue_sent_message(sent("M2", b"two"));
        assert!(c.is_dirty(), "a queued sent message is an unflushed change");
        assert_eq!(
            c.take_queued_sent("c@s.whatsapp.net", "M2").as_deref(),
            Some(&b"two"[..])
        );
        assert_eq!(c.take_queued_sent("c@s.whatsapp.net", "M2"), None);
        c.put_session("a.0", b"s1").await;
        b.fail.store(true, Ordering::SeqCst);
        assert!(c.flush_with_sent(&b, &b.inner).await.is_err());
        assert!(c.is_dirty());
        assert_eq!(
            b.inner
                .take_sent_message("c@s.whatsapp.net", "M1")
                .await
                .unwrap(),
            None,
            "nothing stored by a failed flush"
        );
        // The plain Signal flush leaves sent messages queued.
        b.fail.store(false, Ordering::SeqCst);
        c.flush(&b).await.unwrap();
        assert!(c.is_dirty());
        c.flush_with_sent(&b, &b.inner).await.unwrap();
        assert!(!c.is_dirty());
        assert_eq!(
            b.inner
                .take_sent_message("c@s.whatsapp.net", "M1")
                .await
                .unwrap(),
            Some(b"one".to_vec())
        );
        assert_eq!(
            b.inner.get_session("a.0").await.unwrap(),
            Some(b"s1".to_vec())
        );
    }

    #[tokio::test]
    async fn failed_flush_keeps_everything_dirty_for_the_next() {
        let b = Probe::new();
        let c = SignalStoreCache::new();
        c.put_session("a.0", b"s1").await;
        b.fail.store(true, Ordering::SeqCst);
        assert!(c.flush(&b).await.is_err());
        assert!(c.is_dirty());
        assert_eq!(b.inner.get_session("a.0").await.unwrap(), None);
        b.fail.store(false, Ordering::SeqCst);
        c.flush(&b).await.unwrap();
        assert!(!c.is_dirty());
        assert_eq!(
            b.inner.get_session("a.0").await.unwrap(),
            Some(b"s1".to_vec())
        );
    }

    #[tokio::test]
    async fn clear_and_eviction_keep_unflushed_changes() {
        let b = Probe::new();
        let c = SignalStoreCache::with_capacity(2);
        c.put_session("dirty.0", b"d").await;
        for i in 0..10 {
            let _ = c.get_session(&format!("clean{i}.0"), &b).await.unwrap();
        }
        c.clear().await;
        assert_eq!(
            c.get_session("dirty.0", &b).await.unwrap().as_deref(),
            Some(&b"d"[..])
        );
        c.flush(&b).await.unwrap();
        assert_eq!(
            b.inner.get_session("dirty.0").await.unwrap(),
            Some(b"d".to_vec())
        );
    }

    #[tokio::test]
    async fn discard_reverts_to_the_backend() {
        let b = Probe::new();
        b.inner.put_session("a.0", b"stored").await.unwrap();
        let c = SignalStoreCache::new();
        c.put_session("a.0", b"unflushed").await;
        c.discard("a.0");
        assert!(!c.is_dirty());
        assert_eq!(
            c.get_session("a.0", &b).await.unwrap().as_deref(),
            Some(&b"stored"[..])
        );
    }

    #[tokio::test]
    async fn a_write_after_the_flush_snapshot_stays_dirty() {
        let b = Arc::new(Probe::new());
        let c = Arc::new(SignalStoreCache::new());
        // Many writers and flushers at once: whatever interleaving, the last value written
        // before the final flush is what the backend ends with.
        let mut tasks = Vec::new();
        for i in 0..20u8 {
            let (b, c) = (Arc::clone(&b), Arc::clone(&c));
            tasks.push(tokio::spawn(async move {
                c.put_session("a.0", &[i]).await;
                c.flush(&*b).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        c.put_session("a.0", b"last").await;
        c.flush(&*b).await.unwrap();
        assert!(!c.is_dirty());
        assert_eq!(
            b.inner.get_session("a.0").await.unwrap(),
            Some(b"last".to_vec())
        );
    }
}
