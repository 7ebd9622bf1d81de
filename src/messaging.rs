//! Shared state of the messaging features (send, receive, receipts, retries): per-device
//! session locks, per-chat ordered queues, pending message acks, device-list, group-member and
//! LID caches, the recent-sent cache for retries and the recently-processed ids.
//!
//! Everything starts empty (an idle client allocates nothing here) and is filled on demand.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedMutexGuard, mpsc, oneshot};
use wacore::message::OwnIds;
use wacore::send::GroupMembers;
use wacore::store::{Device, LidPnMappingEntry};
use wacore::types::events::{Event, EventHandler};
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;
use waproto::whatsapp as wa;

use crate::cache_store;
use crate::client::Client;
use wacore::store::cache::{NS_DEVICE, NS_GROUP, NS_LID_PN_BY_LID, NS_LID_PN_BY_PN};

/// How long a chat queue's worker waits for more messages before exiting.
const QUEUE_IDLE: Duration = Duration::from_secs(30);
/// Processed message ids remembered to drop redeliveries Signal cannot recognise.
const RECENT_PROCESSED: usize = 4096;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Our keys and identities, cached per connection.
pub(crate) struct OwnKeys {
    pub(crate) device: Device,
    pub(crate) ids: OwnIds,
}

struct Timed<T> {
    value: T,
    at: Instant,
}

/// A bounded insertion-ordered map.
struct Recent<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl LidMap {
    /// Keeps the in-memory map under `cap` entries (the store keeps every mapping).
    fn make_room(&mut self, cap: usize) {
        if self.unknown.len() >= cap {
            self.unknown.clear();
        }
        if self.pn_to_lid.len() >= cap {
            self.pn_to_lid.clear();
            self.lid_to_pn.clear();
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V> Recent<K, V> {
    fn new(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    fn insert(&mut self, k: K, v: V) -> bool {
        if self.map.insert(k.clone(), v).is_some() {
            return false;
        }
        self.order.push_back(k);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        true
    }

    fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }
}

#[derive(Default)]
struct LidMap {
    pn_to_lid: HashMap<String, String>,
    lid_to_pn: HashMap<String, String>,
    /// Phone users the store was asked about and had no LID for.
    unknown: HashSet<String>,
}

/// Sent messages by (chat, id).
type RecentSent = Recent<(String, String), (Arc<wa::Message>, Instant)>;

/// The messaging state of one client.
#[derive(Default)]
pub(crate) struct MessagingState {
    keys: Mutex<Option<(u64, Arc<OwnKeys>)>>,
    session_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    chat_queues: Mutex<HashMap<String, mpsc::UnboundedSender<Node>>>,
    acks: Mutex<HashMap<String, oneshot::Sender<Node>>>,
    devices: Mutex<HashMap<String, Timed<Arc<Vec<Jid>>>>>,
    groups: Mutex<HashMap<String, Timed<Arc<GroupMembers>>>>,
    lids: Mutex<LidMap>,
    migrated: Mutex<HashSet<String>>,
    recent_sent: Mutex<Option<RecentSent>>,
    processed: Mutex<Option<Recent<String, ()>>>,
    pub(crate) incoming_retries: Mutex<HashMap<String, u32>>,
    pub(crate) outgoing_retries: Mutex<HashMap<(String, String), u32>>,
    listener: AtomicBool,
}

impl Client {
    pub(crate) fn messaging(&self) -> &MessagingState {
        &self.messaging
    }

    /// Our device keys and identities (cached until the next connection).
    pub(crate) async fn own_keys(&self) -> Arc<OwnKeys> {
        let generation = self
            .connection_generation
            .load(std::sync::atomic::Ordering::Acquire);
        if let Some((g, k)) = lock(&self.messaging.keys).as_ref()
            && *g == generation
            && k.ids.pn.is_some()
        {
            return Arc::clone(k);
        }
        let device = self.persistence_manager.get_device_snapshot().await;
        let keys = Arc::new(OwnKeys {
            ids: OwnIds {
                pn: device.pn.clone(),
                lid: device.lid.clone(),
            },
            device,
        });
        *lock(&self.messaging.keys) = Some((generation, Arc::clone(&keys)));
        keys
    }

    /// Locks the Signal session of one device address (see
    /// [`Jid::to_protocol_address_string`]).
    pub(crate) async fn lock_session(&self, key: &str) -> OwnedMutexGuard<()> {
        let m = {
            let mut locks = lock(&self.messaging.session_locks);
            if locks.len() > self.config.cache.session_locks_capacity_usize() {
                locks.retain(|_, m| Arc::strong_count(m) > 1);
            }
            Arc::clone(locks.entry(key.to_string()).or_default())
        };
        m.lock_owned().await
    }

    /// Locks several sessions, in sorted order (no deadlock between senders).
    pub(crate) async fn lock_sessions(&self, mut keys: Vec<String>) -> Vec<OwnedMutexGuard<()>> {
        keys.sort_unstable();
        keys.dedup();
        let mut guards = Vec::with_capacity(keys.len());
        for k in &keys {
            guards.push(self.lock_session(k).await);
        }
        guards
    }

    /// Registers a waiter for the server's `<ack class="message" id>`.
    pub(crate) fn expect_message_ack(&self, id: &str) -> oneshot::Receiver<Node> {
        let (tx, rx) = oneshot::channel();
        lock(&self.messaging.acks).insert(id.to_string(), tx);
        rx
    }

    /// Forgets an ack waiter (send failed or timed out).
    pub(crate) fn forget_message_ack(&self, id: &str) {
        lock(&self.messaging.acks).remove(id);
    }

    /// Hands a message ack to its waiter; false if nobody waits.
    pub(crate) fn resolve_message_ack(&self, node: &Node) -> bool {
        let Some(id) = node.get_attr("id") else {
            return false;
        };
        let waiter = lock(&self.messaging.acks).remove(id.as_str().as_ref());
        match waiter {
            Some(tx) => tx.send(node.clone()).is_ok(),
            None => false,
        }
    }

    /// Queues an incoming message on its chat's ordered queue (one worker per active chat).
    pub(crate) fn enqueue_message(self: &Arc<Self>, key: String, node: Node) {
        let mut queues = lock(&self.messaging.chat_queues);
        let node = match queues.get(&key) {
            Some(tx) => match tx.send(node) {
                Ok(()) => return,
                Err(mpsc::error::SendError(node)) => node,
            },
            None => node,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        if tx.send(node).is_err() {
            return;
        }
        queues.insert(key.clone(), tx);
        drop(queues);
        let weak = Arc::downgrade(self);
        tokio::spawn(chat_worker(weak, key, rx));
    }

    /// Cached devices of a user (non-AD JID string key): in-process, or the custom
    /// device-cache store when one is configured.
    pub(crate) async fn cached_devices(&self, user: &Jid) -> Option<Arc<Vec<Jid>>> {
        let key = user.to_non_ad().to_string();
        if let Some(store) = &self.config.cache.cache_stores.device_cache {
            let stored: Vec<String> = cache_store::get(&**store, NS_DEVICE, &key).await?;
            return cache_store::decode_devices(&stored).map(Arc::new);
        }
        let map = lock(&self.messaging.devices);
        let e = map.get(&key)?;
        self.config
            .cache
            .device_cache
            .is_fresh(e.at.elapsed())
            .then(|| Arc::clone(&e.value))
    }

    pub(crate) async fn cache_devices(&self, user: &Jid, devices: Vec<Jid>) -> Arc<Vec<Jid>> {
        let key = user.to_non_ad().to_string();
        if let Some(store) = &self.config.cache.cache_stores.device_cache {
            let ttl = self.config.cache.device_cache.timeout;
            let stored = cache_store::encode_devices(&devices);
            cache_store::set(&**store, NS_DEVICE, &key, &stored, ttl).await;
            return Arc::new(devices);
        }
        let v = Arc::new(devices);
        let mut map = lock(&self.messaging.devices);
        crate::config::make_room(&mut map, &self.config.cache.device_cache, |e| e.at);
        map.insert(
            key,
            Timed {
                value: Arc::clone(&v),
                at: Instant::now(),
            },
        );
        v
    }

    pub(crate) async fn cached_group(&self, group: &Jid) -> Option<Arc<GroupMembers>> {
        let key = group.to_string();
        if let Some(store) = &self.config.cache.cache_stores.group_cache {
            let stored: cache_store::StoredGroup =
                cache_store::get(&**store, NS_GROUP, &key).await?;
            return stored.into_members().map(Arc::new);
        }
        let map = lock(&self.messaging.groups);
        let e = map.get(&key)?;
        self.config
            .cache
            .group_cache
            .is_fresh(e.at.elapsed())
            .then(|| Arc::clone(&e.value))
    }

    pub(crate) async fn cache_group(&self, members: GroupMembers) -> Arc<GroupMembers> {
        if let Some(store) = &self.config.cache.cache_stores.group_cache {
            let ttl = self.config.cache.group_cache.timeout;
            let stored = cache_store::StoredGroup::new(&members);
            cache_store::set(&**store, NS_GROUP, &members.jid.to_string(), &stored, ttl).await;
            return Arc::new(members);
        }
        let v = Arc::new(members);
        let mut map = lock(&self.messaging.groups);
        crate::config::make_room(&mut map, &self.config.cache.group_cache, |e| e.at);
        map.insert(
            v.jid.to_string(),
            Timed {
                value: Arc::clone(&v),
                at: Instant::now(),
            },
        );
        v
    }

    /// Drops cached group members (membership changed).
    pub fn invalidate_group_cache(&self, group: &Jid) {
        if let Some(store) = &self.config.cache.cache_stores.group_cache {
            cache_store::delete_later(store, NS_GROUP, group.to_string());
            return;
        }
        lock(&self.messaging.groups).remove(&group.to_string());
    }

    /// Drops a user's cached device list (their devices changed), under both its
    /// phone-number and LID forms when the other one is known.
    pub fn invalidate_device_cache(&self, user: &Jid) {
        let alt = if user.is_pn() {
            self.known_lid(&user.user).map(Jid::lid)
        } else {
            self.known_pn(&user.user).map(Jid::pn)
        };
        let keys = std::iter::once(user.to_non_ad())
            .chain(alt)
            .map(|j| j.to_string());
        if let Some(store) = &self.config.cache.cache_stores.device_cache {
            for key in keys {
                cache_store::delete_later(store, NS_DEVICE, key);
            }
            return;
        }
        let mut map = lock(&self.messaging.devices);
        for key in keys {
            map.remove(&key);
        }
    }

    /// The LID user of a phone-number user, if known in memory.
    pub(crate) fn known_lid(&self, pn_user: &str) -> Option<String> {
        lock(&self.messaging.lids).pn_to_lid.get(pn_user).cloned()
    }

    /// The phone-number user of a LID user, if known in memory.
    pub(crate) fn known_pn(&self, lid_user: &str) -> Option<String> {
        lock(&self.messaging.lids).lid_to_pn.get(lid_user).cloned()
    }

    /// Records a LID <-> phone-number mapping (users, no devices); persists new ones.
    pub(crate) async fn learn_lid(&self, pn_user: &str, lid_user: &str, source: &str) {
        if pn_user.is_empty() || lid_user.is_empty() {
            return;
        }
        if let Some(store) = &self.config.cache.cache_stores.lid_pn_cache {
            let ttl = self.config.cache.lid_pn_cache.timeout;
            if !cache_store::remember_lid(&**store, pn_user, lid_user, ttl).await {
                return;
            }
        } else {
            let mut map = lock(&self.messaging.lids);
            if map.pn_to_lid.get(pn_user).map(String::as_str) == Some(lid_user) {
                return;
            }
            map.make_room(self.config.cache.lid_pn_cache.cap());
            map.pn_to_lid
                .insert(pn_user.to_string(), lid_user.to_string());
            map.lid_to_pn
                .insert(lid_user.to_string(), pn_user.to_string());
            map.unknown.remove(pn_user);
        }
        let now = chrono::Utc::now().timestamp();
        let entry = LidPnMappingEntry {
            lid: lid_user.to_string(),
            phone_number: pn_user.to_string(),
            created_at: now,
            updated_at: now,
            learning_source: source.to_string(),
        };
        if let Err(e) = self
            .persistence_manager
            .backend()
            .put_lid_mapping(&entry)
            .await
        {
            log::warn!(target: "Client", "failed to store LID mapping: {e}");
        }
    }

    /// The LID user of a phone-number user: memory (or the custom LID/PN cache store), then
    /// the store.
    pub(crate) async fn lid_for_pn(&self, pn_user: &str) -> Option<String> {
        if let Some(store) = &self.config.cache.cache_stores.lid_pn_cache {
            if let Some(lid) = cache_store::get(&**store, NS_LID_PN_BY_PN, pn_user).await {
                return Some(lid);
            }
            let backend = self.persistence_manager.backend();
            let found = backend.get_pn_mapping(pn_user).await.ok().flatten()?;
            let ttl = self.config.cache.lid_pn_cache.timeout;
            cache_store::put_lid(&**store, pn_user, &found.lid, ttl).await;
            return Some(found.lid);
        }
        {
            let map = lock(&self.messaging.lids);
            if let Some(l) = map.pn_to_lid.get(pn_user) {
                return Some(l.clone());
            }
            if map.unknown.contains(pn_user) {
                return None;
            }
        }
        let found = self
            .persistence_manager
            .backend()
            .get_pn_mapping(pn_user)
            .await
            .ok()
            .flatten();
        let mut map = lock(&self.messaging.lids);
        map.make_room(self.config.cache.lid_pn_cache.cap());
        match found {
            Some(e) => {
                map.pn_to_lid.insert(pn_user.to_string(), e.lid.clone());
                map.lid_to_pn.insert(e.lid.clone(), pn_user.to_string());
                Some(e.lid)
            }
            None => {
                map.unknown.insert(pn_user.to_string());
                None
            }
        }
    }

    /// The JID whose Signal session and sender keys a device uses: its LID form when known
    /// (moving an existing phone-number session over the first time), else itself.
    pub(crate) async fn session_jid(&self, device: &Jid) -> Jid {
        if !device.is_pn() {
            return device.clone();
        }
        let Some(lid) = self.lid_for_pn(&device.user).await else {
            return device.clone();
        };
        let lid_jid = Jid::lid_device(lid, device.device);
        self.migrate_session(device, &lid_jid).await;
        lid_jid
    }

    async fn migrate_session(&self, pn: &Jid, lid: &Jid) {
        let pn_key = pn.to_protocol_address_string();
        if !lock(&self.messaging.migrated).insert(pn_key.clone()) {
            return;
        }
        let lid_key = lid.to_protocol_address_string();
        let _guards = self
            .lock_sessions(vec![pn_key.clone(), lid_key.clone()])
            .await;
        let store = self.persistence_manager.backend();
        let Ok(Some(session)) = store.get_session(&pn_key).await else {
            return;
        };
        if matches!(store.has_session(&lid_key).await, Ok(false)) {
            log::debug!(target: "Client", "moving session {pn_key} to {lid_key}");
            let _ = store.put_session(&lid_key, &session).await;
            if let Ok(Some(identity)) = store.load_identity(&pn_key).await
                && let Ok(key) = <[u8; 32]>::try_from(identity.as_slice())
            {
                let _ = store.put_identity(&lid_key, key).await;
            }
        }
        let _ = store.delete_session(&pn_key).await;
        if let Err(e) = self.persistence_manager.flush_signal().await {
            log::warn!(target: "Client", "storing the moved session {lid_key} failed: {e}");
        }
    }

    /// Remembers a sent message for retry receipts.
    pub(crate) fn remember_sent(&self, chat: &Jid, id: &str, message: Arc<wa::Message>) {
        let cap = self.config.cache.recent_messages.cap();
        if cap == 0 {
            return;
        }
        lock(&self.messaging.recent_sent)
            .get_or_insert_with(|| Recent::new(cap))
            .insert(
                (chat.to_string(), id.to_string()),
                (message, Instant::now()),
            );
    }

    /// A recently sent message.
    pub(crate) fn recent_sent(&self, chat: &Jid, id: &str) -> Option<Arc<wa::Message>> {
        let sent = lock(&self.messaging.recent_sent);
        let (message, at) = sent.as_ref()?.get(&(chat.to_string(), id.to_string()))?;
        self.config
            .cache
            .recent_messages
            .is_fresh(at.elapsed())
            .then(|| Arc::clone(message))
    }

    /// Records a processed message key; false when it was already processed.
    pub(crate) fn mark_processed(&self, key: String) -> bool {
        lock(&self.messaging.processed)
            .get_or_insert_with(|| Recent::new(RECENT_PROCESSED))
            .insert(key, ())
    }
}

/// Wires the messaging state into a new client (its cache invalidation listener).
pub(crate) fn install(client: &Arc<Client>) {
    if client.messaging.listener.swap(true, Ordering::AcqRel) {
        return;
    }
    client.register_handler(Arc::new(CacheInvalidator(Arc::downgrade(client))));
}

/// Drops cached device lists and group members when the server says they changed.
struct CacheInvalidator(Weak<Client>);

impl EventHandler for CacheInvalidator {
    fn handle_event(&self, event: &Event) {
        let Some(client) = self.0.upgrade() else {
            return;
        };
        match event {
            Event::Notification(node) => {
                let ty = node.get_attr("type").map(|t| t.as_str().into_owned());
                let from = node.attrs().optional_jid("from");
                match (ty.as_deref(), from) {
                    (Some("devices"), Some(from)) => client.invalidate_device_cache(&from),
                    (Some("w:gp2"), Some(from)) if from.is_group() => {
                        client.invalidate_group_cache(&from)
                    }
                    _ => {}
                }
            }
            Event::GroupUpdate(u) => client.invalidate_group_cache(&u.group_jid),
            Event::DeviceListUpdate(u) => client.invalidate_device_cache(&u.user),
            _ => {}
        }
        // With a custom LID/PN cache the other form of a user is not in memory: look it up
        // and invalidate that form too.
        let user = match event {
            Event::Notification(node)
                if node
                    .get_attr("type")
                    .is_some_and(|t| t.as_str() == "devices") =>
            {
                node.attrs().optional_jid("from")
            }
            Event::DeviceListUpdate(u) => Some(u.user.clone()),
            _ => None,
        };
        if let Some(user) = user
            && client.config.cache.cache_stores.lid_pn_cache.is_some()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let alt = if user.is_pn() {
                    client.lid_for_pn(&user.user).await.map(Jid::lid)
                } else {
                    let store = client.config.cache.cache_stores.lid_pn_cache.as_ref();
                    match store {
                        Some(s) => cache_store::get::<String>(&**s, NS_LID_PN_BY_LID, &user.user)
                            .await
                            .map(Jid::pn),
                        None => None,
                    }
                };
                if let Some(alt) = alt {
                    client.invalidate_device_cache(&alt);
                }
            });
        }
    }
}

async fn chat_worker(client: Weak<Client>, key: String, mut rx: mpsc::UnboundedReceiver<Node>) {
    loop {
        let node = match tokio::time::timeout(QUEUE_IDLE, rx.recv()).await {
            Ok(Some(node)) => node,
            Ok(None) => break,
            Err(_) => {
                let Some(c) = client.upgrade() else { break };
                let mut queues = lock(&c.messaging.chat_queues);
                match rx.try_recv() {
                    Ok(node) => {
                        drop(queues);
                        node
                    }
                    Err(_) => {
                        queues.remove(&key);
                        break;
                    }
                }
            }
        };
        let Some(c) = client.upgrade() else { break };
        // One message at a time during the offline sync, 64 afterwards.
        let _permit = c.offline_sync.message_permit().await;
        crate::message::process_message(&c, node).await;
    }
}
