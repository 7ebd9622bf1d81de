//! Accounts and their devices: identity and pre-keys, offline queues, profile data.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::jid::{self, Jid};
use crate::stanza::Stanza;

/// Connection id handed out by the connection registry.
pub(crate) type ConnId = u64;

/// A signed pre-key as a device uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedPreKey {
    /// Key id (24-bit on the wire).
    pub id: u32,
    /// Public key (32 bytes).
    pub public: Vec<u8>,
    /// XEdDSA signature by the identity key (64 bytes).
    pub signature: Vec<u8>,
}

/// One stanza waiting in a device's queue until the device acks it.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    /// The ack class that removes it (`message`, `receipt`, `notification`, `call`).
    pub class: String,
    /// The stanza id the ack carries.
    pub id: String,
    /// The stanza.
    pub stanza: Stanza,
}

/// One device of an account (device 0 is the primary phone).
#[derive(Debug, Clone)]
pub(crate) struct Device {
    /// Device number.
    pub id: u16,
    /// Noise static public key the device registered with (login must present it).
    pub noise_key: Vec<u8>,
    /// Signal identity public key (32 bytes).
    pub identity: Vec<u8>,
    /// Signal registration id.
    pub registration_id: u32,
    /// Current signed pre-key.
    pub signed_prekey: Option<SignedPreKey>,
    /// One-time pre-keys on the server, by id.
    pub prekeys: BTreeMap<u32, Vec<u8>>,
    /// ADV key index.
    pub key_index: u32,
    /// Platform name reported at pairing (`Chrome`, `Ubuntu`, ...).
    pub platform: String,
    /// Stanzas not yet acked, in delivery order.
    pub queue: VecDeque<Queued>,
    /// The connection currently logged in as this device.
    pub conn: Option<ConnId>,
    /// Whether the device declared itself active (`passive/active`).
    pub active: bool,
    /// The signed device identity (ADVSignedDeviceIdentity bytes) the companion signed.
    pub adv_identity: Vec<u8>,
}

impl Device {
    /// A device with identity material and nothing else yet.
    pub fn new(id: u16, noise_key: Vec<u8>, identity: Vec<u8>, registration_id: u32) -> Device {
        Device {
            id,
            noise_key,
            identity,
            registration_id,
            signed_prekey: None,
            prekeys: BTreeMap::new(),
            key_index: 0,
            platform: String::new(),
            queue: VecDeque::new(),
            conn: None,
            active: false,
            adv_identity: Vec::new(),
        }
    }
}

/// One app-state collection: the server keeps every patch and its latest snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collection {
    /// Current version (number of patches applied).
    pub version: u64,
    /// Encoded `SyncdPatch` bytes by version.
    pub patches: BTreeMap<u64, Vec<u8>>,
    /// Latest encoded `SyncdSnapshot`, with its version.
    pub snapshot: Option<(u64, Vec<u8>)>,
}

/// An account: a phone number, its LID, its devices.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// Phone number (digits).
    pub phone: String,
    /// LID user (digits).
    pub lid: String,
    /// Push name.
    pub push_name: String,
    /// Devices by number.
    pub devices: BTreeMap<u16, Device>,
    /// Next companion device number to hand out.
    pub next_device: u16,
    /// Blocked user JIDs (as strings).
    pub blocklist: BTreeSet<String>,
    /// Privacy settings (`last`, `online`, `profile`, `status`, `readreceipts`, `groupadd`, ...).
    pub privacy: BTreeMap<String, String>,
    /// Profile picture bytes and id.
    pub picture: Option<(String, Vec<u8>)>,
    /// About text.
    pub status: String,
    /// App-state collections by name.
    pub app_state: BTreeMap<String, Collection>,
    /// Users whose presence this account subscribed to.
    pub presence_subs: BTreeSet<String>,
    /// Last presence (`available`/`unavailable`) and when.
    pub presence: (String, u64),
}

impl Account {
    /// A fresh account with default privacy settings and no devices.
    pub fn new(phone: &str, lid: &str) -> Account {
        let privacy = [
            ("last", "all"),
            ("online", "all"),
            ("profile", "all"),
            ("status", "all"),
            ("readreceipts", "all"),
            ("groupadd", "all"),
            ("calladd", "all"),
            ("messages", "all"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Account {
            phone: phone.to_owned(),
            lid: lid.to_owned(),
            push_name: String::new(),
            devices: BTreeMap::new(),
            next_device: 1,
            blocklist: BTreeSet::new(),
            privacy,
            picture: None,
            status: String::new(),
            app_state: BTreeMap::new(),
            presence_subs: BTreeSet::new(),
            presence: ("unavailable".to_owned(), 0),
        }
    }

    /// The PN user JID.
    pub fn pn_jid(&self) -> Jid {
        Jid::user(&self.phone, jid::PN)
    }

    /// The LID user JID.
    pub fn lid_jid(&self) -> Jid {
        Jid::user(&self.lid, jid::LID)
    }

    /// A device JID in PN or LID form.
    pub fn device_jid(&self, device: u16, lid: bool) -> Jid {
        if lid {
            Jid::device(&self.lid, device, jid::LID)
        } else {
            Jid::device(&self.phone, device, jid::PN)
        }
    }

    /// Hands out the next companion device number.
    pub fn allocate_device(&mut self) -> u16 {
        let id = self.next_device.max(1);
        self.next_device = id.saturating_add(1);
        id
    }
}
