//! [`Bot`]: the builder that wires storage, transport, HTTP client and an async
//! event handler into a [`Client`], and runs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wacore::net::{HttpClient, TransportFactory};
use wacore::types::events::{Event, EventHandler};
use waproto::whatsapp::device_props::{AppVersion, PlatformType};

use crate::client::Client;
use crate::config::{CacheConfig, ClientConfig, Timings};
use crate::enc_handler::EncHandler;
use crate::pair_code::PairCodeOptions;
use crate::store::{Backend, DeviceCommand, PersistenceManager, StoreError};

/// Why a bot could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BotError {
    /// `with_backend` was not called.
    #[error("a storage backend is required (with_backend)")]
    MissingBackend,
    /// `with_transport_factory` was not called.
    #[error("a transport factory is required (with_transport_factory)")]
    MissingTransportFactory,
    /// `with_http_client` was not called.
    #[error("an HTTP client is required (with_http_client)")]
    MissingHttpClient,
    /// Loading or creating the device failed.
    #[error("backend initialisation failed: {0}")]
    Store(#[from] StoreError),
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type EventFn = Arc<dyn Fn(Event, Arc<Client>) -> BoxFuture + Send + Sync>;

/// Forwards events into the bot's channel, preserving order.
/// Forwards events to the bot's dispatcher task. Boxed: `Event` is large (~900 bytes) and
/// an unbounded channel allocates its slots 32 at a time, so unboxed events cost every idle
/// client a ~28 KiB block; boxed, a block is 256 bytes.
struct ChannelHandler(mpsc::UnboundedSender<Box<Event>>);

impl EventHandler for ChannelHandler {
    fn handle_event(&self, event: &Event) {
        let _ = self.0.send(Box::new(event.clone()));
    }
}

/// Configures a [`Bot`].
#[derive(Default)]
pub struct BotBuilder {
    backend: Option<Arc<dyn Backend>>,
    transport_factory: Option<Arc<dyn TransportFactory>>,
    http_client: Option<Arc<dyn HttpClient>>,
    handler: Option<EventFn>,
    config: ClientConfig,
    push_name: Option<String>,
    device_props: Option<(Option<String>, Option<AppVersion>, Option<PlatformType>)>,
    pair_code: Option<PairCodeOptions>,
    skip_history_sync: bool,
    enc_handlers: Vec<(String, Arc<dyn EncHandler>)>,
}

impl BotBuilder {
    /// Storage backend (required).
    #[must_use]
    pub fn with_backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Transport factory (required).
    #[must_use]
    pub fn with_transport_factory<F: TransportFactory + 'static>(mut self, factory: F) -> Self {
        self.transport_factory = Some(Arc::new(factory));
        self
    }

    /// HTTP client (required).
    #[must_use]
    pub fn with_http_client<C: HttpClient + 'static>(mut self, client: C) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }

    /// Async event handler, called with each event in order.
    #[must_use]
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Event, Arc<Client>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handler = Some(Arc::new(move |e, c| Box::pin(handler(e, c))));
        self
    }

    /// Pins the WhatsApp Web version (no fetch).
    #[must_use]
    pub fn with_version(mut self, version: (u32, u32, u32)) -> Self {
        self.config.version = Some(version);
        self
    }

    /// Overrides the device properties announced at registration.
    #[must_use]
    pub fn with_device_props(
        mut self,
        os_name: Option<String>,
        version: Option<AppVersion>,
        platform_type: Option<PlatformType>,
    ) -> Self {
        self.device_props = Some((os_name, version, platform_type));
        self
    }

    /// Push name sent in the `ClientPayload`.
    #[must_use]
    pub fn with_push_name(mut self, name: impl Into<String>) -> Self {
        self.push_name = Some(name.into());
        self
    }

    /// Also links by pair code once the socket is up (QR keeps running too).
    #[must_use]
    pub fn with_pair_code(mut self, options: PairCodeOptions) -> Self {
        self.pair_code = Some(options);
        self
    }

    /// Trusts a test server's Noise root key (explicit opt-in; the default is
    /// WhatsApp's root).
    #[must_use]
    pub fn with_server_root_key(mut self, key: [u8; 32]) -> Self {
        self.config.server_root_key = Some(key);
        self
    }

    /// Overrides timing constants (tests use short ones).
    #[must_use]
    pub fn with_timings(mut self, timings: Timings) -> Self {
        self.config.timings = timings;
        self
    }

    /// Cache TTLs and capacities (see [`CacheConfig`]).
    #[must_use]
    pub fn with_cache_config(mut self, config: CacheConfig) -> Self {
        self.config.cache = config;
        self
    }

    /// Registers a handler for `<enc type=enc_type>` payloads (e.g. `"frskmsg"`); see
    /// [`EncHandler`] for how it combines with the built-in decryption.
    #[must_use]
    pub fn with_enc_handler<H>(mut self, enc_type: impl Into<String>, handler: H) -> Self
    where
        H: EncHandler + 'static,
    {
        self.enc_handlers.push((enc_type.into(), Arc::new(handler)));
        self
    }

    /// Skips history sync (recorded; history sync arrives with messaging).
    #[must_use]
    pub fn skip_history_sync(mut self) -> Self {
        self.skip_history_sync = true;
        self
    }

    /// Builds the bot: loads (or creates) the device and the client.
    pub async fn build(self) -> Result<Bot, BotError> {
        let backend = self.backend.ok_or(BotError::MissingBackend)?;
        let transport_factory = self
            .transport_factory
            .ok_or(BotError::MissingTransportFactory)?;
        let http_client = self.http_client.ok_or(BotError::MissingHttpClient)?;
        let pm = Arc::new(PersistenceManager::new(backend).await?);
        if let Some((os, version, platform)) = self.device_props {
            pm.process_command(DeviceCommand::SetDeviceProps(os, version, platform))
                .await;
        }
        if let Some(name) = &self.push_name {
            pm.process_command(DeviceCommand::SetPushName(name.clone()))
                .await;
        }
        pm.flush().await?;
        let client = Client::build(
            pm,
            transport_factory,
            http_client,
            self.config,
            self.push_name,
        );
        client.set_skip_history_sync(self.skip_history_sync);
        for (enc_type, handler) in self.enc_handlers {
            client.register_enc_handler(enc_type, handler);
        }
        let events = self.handler.map(|h| {
            let (tx, rx) = mpsc::unbounded_channel();
            client.register_handler(Arc::new(ChannelHandler(tx)));
            (h, rx)
        });
        Ok(Bot {
            client,
            events,
            pair_code: self.pair_code,
            _skip_history_sync: self.skip_history_sync,
        })
    }
}

/// A configured client plus its event handler.
pub struct Bot {
    client: Arc<Client>,
    events: Option<(EventFn, mpsc::UnboundedReceiver<Box<Event>>)>,
    pair_code: Option<PairCodeOptions>,
    _skip_history_sync: bool,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Bot {
    /// Starts configuring a bot.
    pub fn builder() -> BotBuilder {
        BotBuilder::default()
    }

    /// The client.
    pub fn client(&self) -> Arc<Client> {
        Arc::clone(&self.client)
    }

    /// Starts the event dispatcher and the connection loop; the handle finishes when
    /// the client stops (disconnect, logout, fatal stream error).
    pub async fn run(&mut self) -> Result<JoinHandle<()>, BotError> {
        if let Some((handler, mut rx)) = self.events.take() {
            let client = Arc::clone(&self.client);
            tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    handler(*event, Arc::clone(&client)).await;
                }
            });
        }
        if let Some(options) = self.pair_code.clone() {
            let client = Arc::clone(&self.client);
            tokio::spawn(async move {
                if client
                    .wait_for_socket(Duration::from_secs(60))
                    .await
                    .is_err()
                {
                    return;
                }
                if client.get_pn().await.is_some() {
                    return;
                }
                match client.pair_with_code(options).await {
                    Ok(_) => log::info!(target: "Bot/PairCode", "pair code requested"),
                    Err(e) => log::error!(target: "Bot/PairCode", "pair code failed: {e}"),
                }
            });
        }
        let pm = self.client.persistence_manager();
        let saver = Arc::clone(&pm).run_background_saver(Duration::from_secs(1));
        let client = Arc::clone(&self.client);
        Ok(tokio::spawn(async move {
            client.run().await;
            // Stop the saver gracefully: aborting it could cut a save short after it took
            // the dirty flag, losing the last changes.
            if let Err(e) = pm.shutdown().await {
                log::error!(target: "Bot", "failed to save the device on shutdown: {e}");
            }
            if let Err(e) = saver.await {
                log::warn!(target: "Bot", "background saver ended abnormally: {e}");
            }
        }))
    }
}
