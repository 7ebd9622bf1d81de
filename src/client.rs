//! The [`Client`]: connection state, outgoing stanzas, and the stanza router that
//! maps incoming tags to the feature files (a dispatch table, as in whatsmeow).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use tokio::sync::{oneshot, watch};
use wacore::net::{HttpClient, TransportFactory};
use wacore::types::events::{CoreEventBus, Event, EventHandler};
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::node_waiter::NodeWaiters;
use crate::offline::OfflineSync;
use crate::pair::PairingState;
use crate::socket::NoiseSocket;
use crate::store::PersistenceManager;

/// A handler in the stanza dispatch table.
pub(crate) type NodeHandler =
    for<'a> fn(&'a Arc<Client>, Node) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The stanza dispatch table: one entry per top-level tag, each pointing into the
/// file that owns that part of the protocol.
pub(crate) const NODE_HANDLERS: &[(&str, NodeHandler)] = &[
    ("success", |c, n| {
        Box::pin(crate::connect_events::handle_success(c, n))
    }),
    ("failure", |c, n| {
        Box::pin(crate::connect_events::handle_failure(c, n))
    }),
    ("stream:error", |c, n| {
        Box::pin(crate::connect_events::handle_stream_error(c, n))
    }),
    ("xmlstreamend", |c, n| {
        Box::pin(crate::connect_events::handle_stream_end(c, n))
    }),
    ("ib", |c, n| {
        Box::pin(crate::connect_events::handle_ib(c, n))
    }),
    ("iq", |c, n| Box::pin(crate::request::handle_iq(c, n))),
    ("message", |c, n| {
        Box::pin(crate::message::handle_message(c, n))
    }),
    ("receipt", |c, n| {
        Box::pin(crate::receipt::handle_receipt(c, n))
    }),
    ("notification", |c, n| {
        Box::pin(crate::stanzas::handle_notification(c, n))
    }),
    ("call", |c, n| Box::pin(crate::stanzas::handle_call(c, n))),
    ("ack", |c, n| Box::pin(crate::send::handle_server_ack(c, n))),
];

/// Connection progress, observable through [`Client::wait_for_socket`] and
/// [`Client::wait_for_connected`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConnState {
    pub(crate) socket_ready: bool,
    pub(crate) logged_in: bool,
    /// Post-login IQs done and `Connected` emitted.
    pub(crate) connected: bool,
    /// The offline sync of this connection completed (end marker, every previewed item,
    /// or the offline-sync timeout).
    pub(crate) offline_synced: bool,
}

/// One live connection.
#[derive(Clone)]
pub(crate) struct Connection {
    pub(crate) socket: Arc<NoiseSocket>,
    pub(crate) generation: u64,
}

/// The WhatsApp client. Create it with [`Client::new`] (or through
/// [`Bot`](crate::bot::Bot)); it is always used behind an `Arc`.
pub struct Client {
    pub(crate) persistence_manager: Arc<PersistenceManager>,
    pub(crate) transport_factory: Arc<dyn TransportFactory>,
    /// The HTTP client (version fetch, media).
    pub http_client: Arc<dyn HttpClient>,
    pub(crate) config: ClientConfig,
    pub(crate) event_bus: CoreEventBus,

    /// Whether the run loop reconnects after an unexpected disconnect (default true).
    pub enable_auto_reconnect: Arc<AtomicBool>,
    /// Consecutive reconnect failures, for the backoff. Reset on login.
    pub auto_reconnect_errors: Arc<AtomicU32>,
    /// When the last login succeeded.
    pub last_successful_connect: Arc<Mutex<Option<DateTime<Utc>>>>,
    pub(crate) expected_disconnect: AtomicBool,
    pub(crate) connection_generation: AtomicU64,
    pub(crate) is_connected: AtomicBool,
    pub(crate) is_logged_in: AtomicBool,
    pub(crate) connection: RwLock<Option<Connection>>,
    pub(crate) reader_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    pub(crate) state: watch::Sender<ConnState>,
    pub(crate) stop: watch::Sender<bool>,

    pub(crate) response_waiters: Mutex<HashMap<String, oneshot::Sender<Node>>>,
    pub(crate) node_waiters: NodeWaiters,
    id_prefix: String,
    id_counter: AtomicU64,

    pub(crate) last_data_received_ms: AtomicU64,
    pub(crate) last_data_sent_ms: AtomicU64,
    pub(crate) pending_iqs: AtomicUsize,
    pub(crate) server_time_offset_ms: std::sync::atomic::AtomicI64,
    pub(crate) offline_sync: OfflineSync,
    pub(crate) pairing: PairingState,
    pub(crate) push_name_override: Option<String>,
    pub(crate) media: crate::mediaconn::MediaState,
    pub(crate) app_state: crate::appstate::AppStateState,
    pub(crate) history: crate::history_sync::HistorySyncState,
    pub(crate) messaging: crate::messaging::MessagingState,
    /// Handlers for `<enc>` payload types (see [`EncHandler`](crate::EncHandler)); also
    /// registered through `BotBuilder::with_enc_handler`.
    pub custom_enc_handlers: crate::enc_handler::EncHandlers,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("is_connected", &self.is_connected())
            .field("is_logged_in", &self.is_logged_in())
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_ms() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0)
}

impl Client {
    /// Creates a client. `version` pins the WhatsApp Web version (no fetch).
    pub async fn new(
        persistence_manager: Arc<PersistenceManager>,
        transport_factory: Arc<dyn TransportFactory>,
        http_client: Arc<dyn HttpClient>,
        version: Option<(u32, u32, u32)>,
    ) -> Arc<Self> {
        let config = ClientConfig {
            version,
            ..ClientConfig::default()
        };
        Self::with_config(persistence_manager, transport_factory, http_client, config)
    }

    /// Creates a client with custom cache TTLs and capacities. `version` pins the
    /// WhatsApp Web version (no fetch).
    pub async fn new_with_cache_config(
        persistence_manager: Arc<PersistenceManager>,
        transport_factory: Arc<dyn TransportFactory>,
        http_client: Arc<dyn HttpClient>,
        version: Option<(u32, u32, u32)>,
        cache_config: crate::config::CacheConfig,
    ) -> Arc<Self> {
        let config = ClientConfig {
            version,
            cache: cache_config,
            ..ClientConfig::default()
        };
        Self::with_config(persistence_manager, transport_factory, http_client, config)
    }

    /// Creates a client with an explicit [`ClientConfig`] (timings, version, a test
    /// server's root key).
    pub fn with_config(
        persistence_manager: Arc<PersistenceManager>,
        transport_factory: Arc<dyn TransportFactory>,
        http_client: Arc<dyn HttpClient>,
        config: ClientConfig,
    ) -> Arc<Self> {
        Self::build(
            persistence_manager,
            transport_factory,
            http_client,
            config,
            None,
        )
    }

    pub(crate) fn build(
        persistence_manager: Arc<PersistenceManager>,
        transport_factory: Arc<dyn TransportFactory>,
        http_client: Arc<dyn HttpClient>,
        config: ClientConfig,
        push_name_override: Option<String>,
    ) -> Arc<Self> {
        let (state, _) = watch::channel(ConnState::default());
        let (stop, _) = watch::channel(false);
        let prefix: [u8; 2] = rand::random();
        let client = Arc::new(Self {
            persistence_manager,
            transport_factory,
            http_client,
            config,
            event_bus: CoreEventBus::new(),
            enable_auto_reconnect: Arc::new(AtomicBool::new(true)),
            auto_reconnect_errors: Arc::new(AtomicU32::new(0)),
            last_successful_connect: Arc::new(Mutex::new(None)),
            expected_disconnect: AtomicBool::new(false),
            connection_generation: AtomicU64::new(0),
            is_connected: AtomicBool::new(false),
            is_logged_in: AtomicBool::new(false),
            connection: RwLock::new(None),
            reader_task: Mutex::new(None),
            state,
            stop,
            response_waiters: Mutex::new(HashMap::new()),
            node_waiters: NodeWaiters::default(),
            id_prefix: format!("{}.{}", prefix[0], prefix[1]),
            id_counter: AtomicU64::new(0),
            last_data_received_ms: AtomicU64::new(0),
            last_data_sent_ms: AtomicU64::new(0),
            pending_iqs: AtomicUsize::new(0),
            server_time_offset_ms: std::sync::atomic::AtomicI64::new(0),
            offline_sync: OfflineSync::default(),
            pairing: PairingState::default(),
            push_name_override,
            media: Default::default(),
            app_state: Default::default(),
            history: Default::default(),
            messaging: Default::default(),
            custom_enc_handlers: Default::default(),
        });
        crate::messaging::install(&client);
        crate::appstate::install(&client);
        client
    }

    /// Registers an event handler.
    pub fn register_handler(&self, handler: Arc<dyn EventHandler>) {
        self.event_bus.add_handler(handler);
    }

    pub(crate) fn dispatch_event(&self, event: Event) {
        self.event_bus.dispatch(&event);
    }

    /// The persistence manager holding the device state.
    pub fn persistence_manager(&self) -> Arc<PersistenceManager> {
        Arc::clone(&self.persistence_manager)
    }

    /// Whether the Noise socket is established (lock-free).
    pub fn is_connected(&self) -> bool {
        self.is_connected.load(Ordering::Acquire)
    }

    /// Whether the server accepted our login.
    pub fn is_logged_in(&self) -> bool {
        self.is_logged_in.load(Ordering::Acquire)
    }

    /// Our phone-number JID, once paired.
    pub async fn get_pn(&self) -> Option<Jid> {
        self.persistence_manager.get_device_snapshot().await.pn
    }

    /// Our LID, once known.
    pub async fn get_lid(&self) -> Option<Jid> {
        self.persistence_manager.get_device_snapshot().await.lid
    }

    /// Our push name.
    pub async fn get_push_name(&self) -> String {
        self.persistence_manager
            .get_device_snapshot()
            .await
            .push_name
    }

    /// A fresh IQ/request id.
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.id_counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.id_prefix)
    }

    /// A WhatsApp-style message id (`3EB0` + 18 hex digits of a hash of time, our
    /// JID and randomness).
    pub async fn generate_message_id(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(Utc::now().timestamp().to_be_bytes());
        if let Some(pn) = self.get_pn().await {
            h.update(pn.user.as_bytes());
            h.update(b"@c.us");
        }
        h.update(rand::random::<[u8; 16]>());
        let digest = h.finalize();
        let hex: String = digest.iter().take(9).map(|b| format!("{b:02X}")).collect();
        format!("3EB0{hex}")
    }

    pub(crate) fn current_connection(&self) -> Option<Connection> {
        match self.connection.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn update_state(&self, f: impl FnOnce(&mut ConnState)) {
        self.state.send_modify(f);
    }

    /// Sends a node over the Noise socket.
    pub async fn send_node(&self, node: Node) -> Result<(), ClientError> {
        let conn = self.current_connection().ok_or(ClientError::NotConnected)?;
        log::debug!(target: "Client/Send", "{node}");
        let mut plaintext = Vec::with_capacity(256);
        wacore_binary::marshal_to_vec(&node, &mut plaintext)?;
        conn.socket.send_plaintext(&plaintext).await?;
        // Arm the dead-socket timer at the first send after the last receive only
        // (later sends must not push it back).
        let sent = self.last_data_sent_ms.load(Ordering::Acquire);
        let recv = self.last_data_received_ms.load(Ordering::Acquire);
        if sent == 0 || recv >= sent {
            self.last_data_sent_ms.store(now_ms(), Ordering::Release);
        }
        Ok(())
    }

    /// Routes one incoming node: IQ responses to their waiter, node waiters, then
    /// the dispatch table.
    pub(crate) async fn handle_node(self: &Arc<Self>, node: Node) {
        log::debug!(target: "Client/Recv", "{node}");
        if node.tag == "iq" && self.resolve_iq_response(&node) {
            return;
        }
        self.node_waiters.offer(&node);
        match NODE_HANDLERS.iter().find(|(tag, _)| *tag == node.tag) {
            Some((_, handler)) => handler(self, node).await,
            None => {
                log::debug!(target: "Client/Recv", "no handler for <{}>", node.tag);
            }
        }
    }
}
