//! Connection lifecycle: connect (transport + version in parallel under the connect
//! timeout), the Noise handshake, the frame reader, the `run` loop with
//! auto-reconnect, and `disconnect` / `reconnect`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use prost::Message as _;
use tokio::sync::watch;
use wacore::net::{Transport, TransportEvent};
use wacore::types::events::{Disconnected, Event};
use wacore_noise::framing::{FrameDecoder, build_handshake_header, encode_frame};
use wacore_noise::{AppVersion, CertVerifier, NoiseInitiator, NoiseReader, PayloadConfig};

use crate::backoff::{RECONNECT_BACKOFF_STEP, random_delay};
use crate::client::{Client, Connection, now_ms};
use crate::error::ClientError;
use crate::socket::NoiseSocket;
use crate::store::{Device, DeviceCommand};

impl Client {
    /// Connects: opens the transport and resolves the version in parallel (each under
    /// the connect timeout), performs the Noise handshake with a login or
    /// registration payload, and starts the frame reader.
    pub async fn connect(self: &Arc<Self>) -> Result<(), ClientError> {
        if self.is_connected() {
            return Err(ClientError::AlreadyConnected);
        }
        self.is_connected.store(false, Ordering::Relaxed);
        let t = self.config.timings.connect_timeout;
        let (version, transport) = tokio::join!(
            tokio::time::timeout(t, crate::version::resolve_version(self)),
            tokio::time::timeout(t, self.transport_factory.create_transport()),
        );
        let (transport, mut events) = transport.map_err(|_| ClientError::ConnectTimeout(t))??;
        let version = match version {
            Ok(v) => v,
            Err(_) => {
                transport.disconnect().await;
                return Err(ClientError::VersionTimeout(t));
            }
        };

        let device = self.persistence_manager.get_device_snapshot().await;
        let (writer, reader) = match self
            .handshake(&device, version, &transport, &mut events)
            .await
        {
            Ok(halves) => halves,
            Err(e) => {
                transport.disconnect().await;
                return Err(e);
            }
        };

        let generation = self.connection_generation.fetch_add(1, Ordering::AcqRel) + 1;
        // A new connection starts from what the store holds (unflushed changes are kept).
        self.persistence_manager.signal_cache().clear().await;
        let (closed_tx, closed_rx) = watch::channel(false);
        let socket = Arc::new(NoiseSocket::new(Arc::clone(&transport), writer));
        self.offline_sync.reset();
        self.last_data_received_ms.store(0, Ordering::Release);
        self.last_data_sent_ms.store(0, Ordering::Release);
        match self.connection.write() {
            Ok(mut c) => *c = Some(Connection { socket, generation }),
            Err(p) => *p.into_inner() = Some(Connection { socket, generation }),
        }
        self.is_connected.store(true, Ordering::Release);
        self.update_state(|s| {
            s.socket_ready = true;
            s.logged_in = false;
            s.connected = false;
            s.offline_synced = false;
        });
        log::info!(target: "Client", "Noise handshake complete (connection #{generation})");

        let client = Arc::clone(self);
        let task = tokio::spawn(async move {
            client.read_frames(reader, events, generation).await;
            let _ = closed_tx.send(true);
        });
        match self.reader_task.lock() {
            Ok(mut t) => *t = Some(task),
            Err(p) => *p.into_inner() = Some(task),
        }
        crate::keepalive::spawn(self, generation, closed_rx);
        if device.pn.is_some() {
            let limit = self.config.timings.handshake_timeout;
            crate::keepalive::spawn_login_watchdog(self, generation, limit);
        }
        Ok(())
    }

    async fn handshake(
        &self,
        device: &Device,
        version: (u32, u32, u32),
        transport: &Arc<dyn Transport>,
        events: &mut async_channel::Receiver<TransportEvent>,
    ) -> Result<(wacore_noise::NoiseWriter, NoiseReader), ClientError> {
        let hs = |e: &dyn std::fmt::Display| ClientError::Handshake(e.to_string());
        let noise_key =
            wacore_noise::KeyPair::from_private_bytes(device.noise_key.private_key.serialize());
        let (hello, expect) = NoiseInitiator::new(noise_key, &mut rand::rng()).client_hello();
        let (intro, _) = build_handshake_header(device.edge_routing_info.as_deref());
        let first = encode_frame(&hello, Some(&intro)).map_err(|e| hs(&e))?;
        transport.send(first).await?;

        let mut decoder = FrameDecoder::new();
        let deadline = self.config.timings.handshake_timeout;
        let server_hello = tokio::time::timeout(deadline, async {
            loop {
                match events.recv().await {
                    Ok(TransportEvent::DataReceived(data)) => {
                        decoder.feed(&data);
                        if let Some(frame) = decoder.decode_frame_owned().map_err(|e| hs(&e))? {
                            return Ok(frame);
                        }
                    }
                    Ok(TransportEvent::Disconnected) | Err(_) => {
                        return Err(ClientError::Handshake(
                            "transport closed during handshake".into(),
                        ));
                    }
                    Ok(_) => {}
                }
            }
        })
        .await
        .map_err(|_| ClientError::Handshake(format!("no server hello within {deadline:?}")))??;

        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        let verifier = match self.config.server_root_key {
            Some(root) => {
                log::warn!(target: "Client", "trusting a configured Noise root key (test server)");
                CertVerifier::with_root(root, now)
            }
            None => CertVerifier::whatsapp(now),
        };
        let authed = expect
            .read_server_hello(&server_hello, &verifier)
            .map_err(|e| hs(&e))?;

        let payload = build_client_payload(device, version, self.push_name_override.as_deref());
        let finished = authed
            .client_finish(&payload.encode_to_vec())
            .map_err(|e| hs(&e))?;
        transport
            .send(encode_frame(&finished.message, None).map_err(|e| hs(&e))?)
            .await?;
        let (writer, reader) = finished.transport.into_split();
        // Frames that arrived with the server hello belong to the transport phase.
        if decoder.buffered_len() > 0 {
            log::debug!(target: "Client", "{} bytes buffered after handshake", decoder.buffered_len());
        }
        Ok((writer, reader))
    }

    /// Reads frames until the transport closes; then cleans the connection up.
    pub(crate) async fn read_frames(
        self: Arc<Self>,
        mut reader: NoiseReader,
        events: async_channel::Receiver<TransportEvent>,
        generation: u64,
    ) {
        let mut decoder = FrameDecoder::new();
        'outer: while let Ok(event) = events.recv().await {
            match event {
                TransportEvent::DataReceived(data) => {
                    self.last_data_received_ms
                        .store(now_ms(), Ordering::Release);
                    decoder.feed(&data);
                    loop {
                        let frame = match decoder.decode_frame() {
                            Ok(Some(frame)) => frame,
                            Ok(None) => break,
                            Err(e) => {
                                log::error!(target: "Client/Recv", "bad frame: {e}; dropping connection");
                                break 'outer;
                            }
                        };
                        let plaintext = match reader.decrypt_frame(frame) {
                            Ok(p) => p.to_vec(),
                            Err(e) => {
                                // The read counter is now out of step: the socket is unusable.
                                log::error!(target: "Client/Recv", "frame decryption failed: {e}; dropping connection");
                                break 'outer;
                            }
                        };
                        let node = match wacore_binary::unpack(&plaintext)
                            .and_then(|bytes| wacore_binary::unmarshal(&bytes))
                        {
                            Ok(node) => node,
                            Err(e) => {
                                log::warn!(target: "Client/Recv", "skipping malformed stanza ({} bytes): {e}", plaintext.len());
                                continue;
                            }
                        };
                        self.handle_node(node).await;
                        if self.connection_generation.load(Ordering::Acquire) != generation {
                            break 'outer;
                        }
                    }
                }
                TransportEvent::Disconnected => break,
                _ => {}
            }
        }
        self.cleanup_connection(generation).await;
    }

    /// Forgets the connection `generation` (if still current) and fails pending IQs.
    pub(crate) async fn cleanup_connection(&self, generation: u64) {
        let conn = {
            let mut guard = match self.connection.write() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            match guard.as_ref() {
                Some(c) if c.generation == generation => guard.take(),
                _ => None,
            }
        };
        let Some(conn) = conn else { return };
        self.is_connected.store(false, Ordering::Release);
        self.is_logged_in.store(false, Ordering::Release);
        self.update_state(|s| *s = Default::default());
        conn.socket.disconnect().await;
        // Dropping the senders wakes every waiter with "disconnected".
        match self.response_waiters.lock() {
            Ok(mut w) => w.clear(),
            Err(p) => p.into_inner().clear(),
        }
        self.pairing.stop_qr();
        log::info!(target: "Client", "connection #{generation} closed");
        self.dispatch_event(Event::Disconnected(Disconnected));
    }

    async fn drop_connection(&self) {
        if let Some(conn) = self.current_connection() {
            conn.socket.disconnect().await;
        }
    }

    /// Runs the connection loop until [`Client::disconnect`], a fatal stream error,
    /// or (with auto-reconnect off) the first disconnect.
    pub async fn run(self: &Arc<Self>) {
        let _ = self.stop.send(false);
        let mut stop = self.stop.subscribe();
        loop {
            if *stop.borrow() {
                break;
            }
            match self.connect().await {
                Ok(()) => {
                    let task = match self.reader_task.lock() {
                        Ok(mut t) => t.take(),
                        Err(p) => p.into_inner().take(),
                    };
                    if let Some(task) = task {
                        let _ = task.await;
                    }
                }
                Err(ClientError::AlreadyConnected) => {
                    log::warn!(target: "Client", "run(): already connected");
                    return;
                }
                Err(e) => log::warn!(target: "Client", "connect failed: {e}"),
            }
            if *stop.borrow() || !self.enable_auto_reconnect.load(Ordering::Acquire) {
                break;
            }
            if self.expected_disconnect.swap(false, Ordering::AcqRel) {
                log::info!(target: "Client", "expected disconnect: reconnecting now");
                continue;
            }
            let errors = self.auto_reconnect_errors.fetch_add(1, Ordering::AcqRel);
            let t = &self.config.timings;
            let delay = random_delay(errors.saturating_add(1), t.backoff_unit, t.backoff_max);
            log::info!(target: "Client", "reconnecting in {delay:?} (attempt {})", errors + 1);
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        log::info!(target: "Client", "run loop finished");
    }

    /// Disconnects and disables auto-reconnect; `run` returns.
    pub async fn disconnect(self: &Arc<Self>) {
        self.enable_auto_reconnect.store(false, Ordering::Release);
        let _ = self.stop.send(true);
        if let Some(conn) = self.current_connection() {
            conn.socket.disconnect().await;
            self.cleanup_connection(conn.generation).await;
        }
    }

    /// Drops the connection and lets the run loop reconnect after a deliberate ~5 s
    /// (Fibonacci step [`RECONNECT_BACKOFF_STEP`]) offline window.
    pub async fn reconnect(self: &Arc<Self>) {
        self.auto_reconnect_errors
            .fetch_add(RECONNECT_BACKOFF_STEP, Ordering::AcqRel);
        self.drop_connection().await;
    }

    /// Drops the connection and reconnects at once (no backoff).
    pub async fn reconnect_immediately(self: &Arc<Self>) {
        self.expected_disconnect.store(true, Ordering::Release);
        self.drop_connection().await;
    }

    /// Waits until the Noise socket is up (before login; used by pair-code flows).
    pub async fn wait_for_socket(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        let mut rx = self.state.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|s| s.socket_ready))
            .await
            .map_err(|_| WaitTimeout(timeout))?
            .map_err(|_| WaitTimeout(timeout))?;
        Ok(())
    }

    /// Waits for full connection and authentication, including the offline sync: logged
    /// in, `Connected` emitted, and the offline backlog delivered. The offline sync ends
    /// when the server sends its end marker, when every item its preview announced has
    /// arrived, or when the offline-sync timeout (60 s by default,
    /// [`Timings::offline_sync_timeout`](crate::Timings)) fires.
    pub async fn wait_for_connected(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_for_state(timeout, |s| s.connected && s.offline_synced)
            .await
    }

    /// Waits until logged in and `Connected` was emitted, without waiting for the offline
    /// sync (sending works during it; a handler answering a backlog message must not wait
    /// for the backlog's end).
    pub(crate) async fn wait_for_logged_in(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_for_state(timeout, |s| s.connected).await
    }

    async fn wait_for_state(
        &self,
        timeout: Duration,
        ready: impl FnMut(&crate::client::ConnState) -> bool,
    ) -> Result<(), WaitTimeout> {
        let mut rx = self.state.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(ready))
            .await
            .map_err(|_| WaitTimeout(timeout))?
            .map_err(|_| WaitTimeout(timeout))?;
        Ok(())
    }

    pub(crate) async fn set_edge_routing(&self, info: Vec<u8>) {
        self.persistence_manager
            .process_command(DeviceCommand::SetEdgeRoutingInfo(Some(info)))
            .await;
    }
}

/// A wait (`wait_for_socket`, `wait_for_connected`) ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {0:?}")]
pub struct WaitTimeout(pub Duration);

/// The `ClientPayload` for `device`: login when paired, registration otherwise.
pub(crate) fn build_client_payload(
    device: &Device,
    version: (u32, u32, u32),
    push_name: Option<&str>,
) -> waproto::whatsapp::ClientPayload {
    let (p, s, t) = version;
    let config = PayloadConfig::new(AppVersion::new(p, s, t));
    let mut payload = match &device.pn {
        Some(pn) => {
            let username = pn.user.parse::<u64>().unwrap_or(0);
            config.login(username, u32::from(pn.device))
        }
        None => {
            let props = &device.device_props;
            let v = props.version.unwrap_or_default();
            let reg = wacore_noise::Registration {
                registration_id: device.registration_id,
                identity_key: *device.identity_key.public_key.public_key_bytes(),
                signed_pre_key_id: device.signed_pre_key_id,
                signed_pre_key: *device.signed_pre_key.public_key.public_key_bytes(),
                signed_pre_key_signature: device.signed_pre_key_signature,
                os: props.os.clone().unwrap_or_else(|| "whatsapp-rust".into()),
                os_version: AppVersion::new(
                    v.primary.unwrap_or(0),
                    v.secondary.unwrap_or(0),
                    v.tertiary.unwrap_or(0),
                ),
                platform_type: props
                    .platform_type
                    .and_then(|p| waproto::whatsapp::device_props::PlatformType::try_from(p).ok())
                    .unwrap_or(waproto::whatsapp::device_props::PlatformType::Chrome),
                require_full_sync: props.require_full_sync.unwrap_or(false),
            };
            config.registration(&reg)
        }
    };
    if let Some(name) = push_name.filter(|n| !n.is_empty()) {
        payload.push_name = Some(name.to_string());
    } else if !device.push_name.is_empty() {
        payload.push_name = Some(device.push_name.clone());
    }
    payload
}
