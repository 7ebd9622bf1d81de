//! Server state: accounts, devices and their queues, groups, media, live connections.
//!
//! Everything lives in one [`World`] behind a mutex held only for short, non-blocking sections;
//! connections receive what the world sends them through unbounded channels.

mod account;
mod group;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};

pub(crate) use account::{Account, ConnId, Device, Queued, SignedPreKey};
pub(crate) use group::{Group, Role};

use crate::config::Config;
use crate::faults::FaultState;
use crate::jid::{self, Jid};
use crate::pairing::Pending;
use crate::stanza::Stanza;

/// Something the world asks a connection to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Send this stanza.
    Stanza(Stanza),
    /// Send `<stream:error code=...>` and close.
    StreamError(u16),
    /// Send this stanza (a `<stream:error>` or `<failure>`), then close gracefully.
    Fatal(Stanza),
}

/// What the registry knows about one live connection.
#[derive(Debug)]
pub(crate) struct ConnEntry {
    /// Channel to the connection's writer.
    pub tx: mpsc::UnboundedSender<Outbound>,
    /// The device logged in on it (account phone, device number), once logged in.
    pub device: Option<(String, u16)>,
    /// Cuts the connection at once, abandoning whatever is still queued to it.
    pub kill: Arc<tokio::sync::Notify>,
}

/// All mutable server state.
#[derive(Debug, Default)]
pub(crate) struct World {
    /// Accounts by phone number.
    pub accounts: BTreeMap<String, Account>,
    /// LID user -> phone number.
    pub lid_to_phone: HashMap<String, String>,
    /// Groups by id.
    pub groups: BTreeMap<String, Group>,
    /// Live connections.
    pub conns: HashMap<ConnId, ConnEntry>,
    /// Unpaired companions waiting for a QR scan or pair code, by connection.
    pub pending: HashMap<ConnId, Pending>,
    /// Stored media blobs by direct path.
    pub media: HashMap<String, Vec<u8>>,
    /// Recently seen message ids per sender user, for de-duplication.
    pub seen_ids: HashMap<String, SeenIds>,
    /// Fault injection settings.
    pub faults: FaultState,
    /// Simulated phones by account phone number.
    pub phones: HashMap<String, Arc<crate::phone::PhoneCore>>,
    next_conn: ConnId,
    next_lid: u64,
    next_id: u64,
}

/// How many message ids per sender are remembered for de-duplication.
const SEEN_IDS_PER_SENDER: usize = 4096;

/// The last [`SEEN_IDS_PER_SENDER`] message ids of one sender: a set for the lookup (a linear
/// scan cost ~4,096 string compares per message under the world lock) and their order for
/// eviction.
#[derive(Debug, Default)]
pub(crate) struct SeenIds {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl World {
    /// Registers a connection, returning its id.
    pub fn add_conn(&mut self, tx: mpsc::UnboundedSender<Outbound>) -> ConnId {
        self.next_conn += 1;
        let id = self.next_conn;
        self.conns.insert(
            id,
            ConnEntry {
                tx,
                device: None,
                kill: Arc::new(tokio::sync::Notify::new()),
            },
        );
        id
    }

    /// Cuts a live connection immediately (frames still queued to it are not sent); false when
    /// it is gone.
    pub fn kill_conn(&self, conn: ConnId) -> bool {
        self.conns.get(&conn).map(|c| c.kill.notify_one()).is_some()
    }

    /// Forgets a connection (and detaches it from its device).
    pub fn remove_conn(&mut self, conn: ConnId) {
        self.pending.remove(&conn);
        if let Some(entry) = self.conns.remove(&conn)
            && let Some((phone, dev)) = entry.device
            && let Some(d) = self.device_mut(&phone, dev)
            && d.conn == Some(conn)
        {
            d.conn = None;
            d.active = false;
        }
    }

    /// Sends something to a live connection; false when it is gone.
    pub fn send_conn(&self, conn: ConnId, out: Outbound) -> bool {
        self.conns
            .get(&conn)
            .is_some_and(|c| c.tx.send(out).is_ok())
    }

    /// A fresh unique id for server-originated stanzas.
    pub fn next_stanza_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}.{}", unix_now(), self.next_id)
    }

    /// A fresh LID user for a new account.
    pub fn allocate_lid(&mut self) -> String {
        self.next_lid += 1;
        (100_000_000_000_000u64 + self.next_lid * 7_919).to_string()
    }

    /// The account a user JID (PN or LID) names.
    pub fn resolve(&self, jid: &Jid) -> Option<&str> {
        if jid.is_pn() {
            self.accounts.get(&jid.user).map(|a| a.phone.as_str())
        } else if jid.is_lid() {
            self.lid_to_phone.get(&jid.user).map(String::as_str)
        } else {
            None
        }
    }

    /// Owned version of [`World::resolve`].
    pub fn resolve_owned(&self, jid: &Jid) -> Option<String> {
        self.resolve(jid).map(str::to_owned)
    }

    /// An account by phone.
    pub fn account(&self, phone: &str) -> Option<&Account> {
        self.accounts.get(phone)
    }

    /// An account by phone, mutably.
    pub fn account_mut(&mut self, phone: &str) -> Option<&mut Account> {
        self.accounts.get_mut(phone)
    }

    /// A device, mutably.
    pub fn device_mut(&mut self, phone: &str, dev: u16) -> Option<&mut Device> {
        self.accounts
            .get_mut(phone)
            .and_then(|a| a.devices.get_mut(&dev))
    }

    /// Adds a stanza to a device's queue and sends it now when the device is online.
    pub fn deliver(&mut self, phone: &str, dev: u16, class: &str, id: &str, stanza: Stanza) {
        let Some(device) = self
            .accounts
            .get_mut(phone)
            .and_then(|a| a.devices.get_mut(&dev))
        else {
            return;
        };
        let conn = device.conn;
        device.queue.push_back(Queued {
            class: class.to_owned(),
            id: id.to_owned(),
            stanza: stanza.clone(),
        });
        if let Some(c) = conn {
            self.send_conn(c, Outbound::Stanza(stanza));
        }
    }

    /// Sends a stanza to a device only if it is online (presence, chatstate: never queued).
    pub fn send_live(&self, phone: &str, dev: u16, stanza: Stanza) {
        let conn = self
            .accounts
            .get(phone)
            .and_then(|a| a.devices.get(&dev))
            .and_then(|d| d.conn);
        if let Some(c) = conn {
            self.send_conn(c, Outbound::Stanza(stanza));
        }
    }

    /// Removes the first queued stanza matching an ack; true when one matched.
    pub fn ack(&mut self, phone: &str, dev: u16, class: &str, id: &str) -> bool {
        let Some(d) = self.device_mut(phone, dev) else {
            return false;
        };
        match d
            .queue
            .iter()
            .position(|q| q.id == id && (class.is_empty() || q.class == class))
        {
            Some(pos) => {
                d.queue.remove(pos);
                true
            }
            None => false,
        }
    }

    /// Records a message id from a sender; false when it was already seen.
    pub fn first_sighting(&mut self, sender: &str, id: &str) -> bool {
        let ids = self.seen_ids.entry(sender.to_owned()).or_default();
        if ids.set.contains(id) {
            return false;
        }
        if ids.order.len() >= SEEN_IDS_PER_SENDER
            && let Some(old) = ids.order.pop_front()
        {
            ids.set.remove(&old);
        }
        ids.set.insert(id.to_owned());
        ids.order.push_back(id.to_owned());
        true
    }

    /// Every device number of an account (primary first).
    pub fn device_ids(&self, phone: &str) -> Vec<u16> {
        self.accounts
            .get(phone)
            .map(|a| a.devices.keys().copied().collect())
            .unwrap_or_default()
    }

    /// A group by its JID.
    pub fn group_by_jid(&self, jid: &Jid) -> Option<&Group> {
        if jid.server != jid::GROUP {
            return None;
        }
        self.groups.get(&jid.user)
    }
}

/// State shared by the listener, every connection, the admin API and the phones.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Startup configuration.
    pub config: Config,
    /// The server's Noise keys and certificate chain.
    pub keys: crate::keys::ServerKeys,
    /// The bound address (kept across restarts).
    pub addr: SocketAddr,
    /// TLS certificate and acceptor, when [`Config::tls`] is on.
    pub tls: Option<crate::tls::TlsIdentity>,
    world: Mutex<World>,
    stop: Mutex<watch::Sender<bool>>,
    down: watch::Sender<bool>,
}

impl Shared {
    /// New shared state with an empty world.
    pub fn new(
        config: Config,
        keys: crate::keys::ServerKeys,
        addr: SocketAddr,
        tls: Option<crate::tls::TlsIdentity>,
    ) -> Arc<Shared> {
        let (stop, _) = watch::channel(false);
        let (down, _) = watch::channel(false);
        Arc::new(Shared {
            config,
            keys,
            addr,
            tls,
            world: Mutex::new(World::default()),
            stop: Mutex::new(stop),
            down,
        })
    }

    /// `http://host:port` for URLs the server hands out.
    pub fn http_base(&self) -> String {
        format!("http://{}", self.media_host())
    }

    /// Base of the media URLs the server hands out (upload answers, messages, profile
    /// pictures): `https://host:port` when TLS is on, as WhatsApp's CDN URLs are.
    pub fn media_url_base(&self) -> String {
        if self.tls.is_some() {
            format!("https://{}", self.media_host())
        } else {
            self.http_base()
        }
    }

    /// `host:port` written into `media_conn`.
    pub fn media_host(&self) -> String {
        self.config
            .media_host
            .clone()
            .unwrap_or_else(|| self.addr.to_string())
    }

    /// A receiver that fires when the whole server shuts down (phones stop then).
    pub fn down_signal(&self) -> watch::Receiver<bool> {
        self.down.subscribe()
    }

    /// Marks the server as shut down.
    pub fn shut_down(&self) {
        let _ = self.down.send(true);
    }

    /// Locks the world (recovering from a poisoned lock: state stays usable after a panic).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that fires when the current server generation stops.
    pub fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .subscribe()
    }

    /// Stops the current generation (listener and network connections) and starts a new one.
    pub fn stop_generation(&self) {
        let mut guard = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        let _ = guard.send(true);
        let (fresh, _) = watch::channel(false);
        *guard = fresh;
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_deduplicated_per_sender_within_the_window() {
        let mut w = World::default();
        assert!(w.first_sighting("a", "ID1"));
        assert!(!w.first_sighting("a", "ID1"), "a repeat is refused");
        assert!(w.first_sighting("b", "ID1"), "per sender");
        for i in 0..SEEN_IDS_PER_SENDER {
            assert!(w.first_sighting("a", &format!("X{i}")));
        }
        assert!(
            w.first_sighting("a", "ID1"),
            "the oldest id left the window"
        );
        assert!(!w.first_sighting("a", &format!("X{}", SEEN_IDS_PER_SENDER - 1)));
        let seen = w.seen_ids.get("a").unwrap();
        assert_eq!(seen.order.len(), SEEN_IDS_PER_SENDER);
        assert_eq!(seen.set.len(), SEEN_IDS_PER_SENDER);
    }
}
