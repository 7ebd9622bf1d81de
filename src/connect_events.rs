//! Connection-level stanzas: `<success>` (login accepted: post-login tasks),
//! `<failure>`, `<stream:error>` (the reconnect policy table), `<xmlstreamend>` and
//! `<ib>` (offline-sync markers, edge routing).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use wacore::iq::passive::SetPassiveIq;
use wacore::stanza::connection::{
    IbEvent, StreamErrorKind, parse_failure, parse_ib, parse_stream_error, parse_success,
};
use wacore::types::events::{
    ClientOutdated, ConnectFailure, ConnectFailureReason, Connected, Event, LoggedOut,
    QrScannedWithoutMultidevice, StreamError, StreamReplaced, TempBanReason, TemporaryBan,
};
use wacore_binary::node::Node;

use crate::backoff::RATE_LIMIT_BACKOFF_STEPS;
use crate::client::Client;
use crate::error::IqError;
use crate::store::DeviceCommand;

pub(crate) async fn handle_success(client: &Arc<Client>, node: Node) {
    let success = parse_success(&node);
    log::info!(target: "Client", "login successful");
    client.is_logged_in.store(true, Ordering::Release);
    client.auto_reconnect_errors.store(0, Ordering::Release);
    if let Ok(mut t) = client.last_successful_connect.lock() {
        *t = Some(chrono::Utc::now());
    }
    if let Some(lid) = success.lid {
        let device = client.persistence_manager.get_device_snapshot().await;
        if device.lid.as_ref() != Some(&lid) {
            client
                .persistence_manager
                .process_command(DeviceCommand::SetLid(Some(lid)))
                .await;
        }
    }
    client.update_state(|s| s.logged_in = true);
    client.offline_sync.arm(client);
    // Post-login work awaits IQ answers, which this reader task delivers: run it apart.
    let c = Arc::clone(client);
    tokio::spawn(async move { post_login(c).await });
}

async fn post_login(client: Arc<Client>) {
    if let Err(e) = crate::prekeys::upload_pre_keys_if_needed(&client).await {
        log::warn!(target: "Client", "pre-key check failed: {e}");
    }
    if let Err(e) = client.set_passive(false).await {
        log::warn!(target: "Client", "failed to go active: {e}");
    }
    if !client.is_logged_in() {
        return;
    }
    client.update_state(|s| s.connected = true);
    client.dispatch_event(Event::Connected(Connected));
    background_init(&client).await;
}

/// Background queries WhatsApp Web sends once the offline backlog is delivered (props
/// first). They run after `Connected`, never block the login path, and a failure is only
/// logged.
async fn background_init(client: &Arc<Client>) {
    let generation = client.connection_generation.load(Ordering::Acquire);
    let mut state = client.state.subscribe();
    // The offline-sync timeout guarantees completion; a dropped connection resets the state.
    let synced = state
        .wait_for(|s| s.offline_synced || !s.logged_in)
        .await
        .is_ok_and(|s| s.offline_synced);
    if !synced || client.connection_generation.load(Ordering::Acquire) != generation {
        log::debug!(target: "Client", "connection gone before the offline sync ended: skipping background queries");
        return;
    }
    log::debug!(target: "Client", "offline sync done: background queries (props)");
    if let Err(e) = client.fetch_props().await {
        log::warn!(target: "Client", "background init: fetching server props failed: {e}");
    }
}

impl Client {
    /// Sets passive mode; `false` (active) lets the server deliver offline messages.
    pub async fn set_passive(&self, passive: bool) -> Result<(), IqError> {
        self.execute(SetPassiveIq { passive }).await
    }
}

pub(crate) async fn handle_failure(client: &Arc<Client>, node: Node) {
    let (reason, message) = parse_failure(&node);
    log::warn!(target: "Client", "login refused: {reason:?} {message}");
    if !reason.should_reconnect() {
        client.enable_auto_reconnect.store(false, Ordering::Release);
    }
    let event = match reason {
        r if r.is_logged_out() => Event::LoggedOut(LoggedOut {
            on_connect: true,
            reason: r,
        }),
        ConnectFailureReason::ClientOutdated => Event::ClientOutdated(ClientOutdated),
        ConnectFailureReason::TempBanned => {
            let code = node
                .get_attr("code")
                .and_then(|v| v.as_str().parse::<i32>().ok())
                .unwrap_or(0);
            let expire = node
                .get_attr("expire")
                .and_then(|v| v.as_str().parse::<u64>().ok())
                .unwrap_or(0);
            Event::TemporaryBan(TemporaryBan {
                code: TempBanReason::from_code(code),
                expire: std::time::Duration::from_secs(expire),
            })
        }
        _ => Event::ConnectFailure(ConnectFailure {
            reason,
            message,
            raw: Some(node),
        }),
    };
    client.dispatch_event(event);
}

/// Applies the stream-error table: 401/516 log out, 409 is replaced, 429 backs off
/// longer, 503 backs off normally, 515 reconnects at once, anything else stops.
pub(crate) async fn handle_stream_error(client: &Arc<Client>, node: Node) {
    client.is_logged_in.store(false, Ordering::Release);
    let kind = parse_stream_error(&node);
    if kind == StreamErrorKind::RestartRequired {
        log::info!(target: "Client", "stream error 515: restart requested");
    } else {
        log::warn!(target: "Client", "stream error: {kind:?}");
    }
    match kind {
        StreamErrorKind::Unauthorized => {
            client.enable_auto_reconnect.store(false, Ordering::Release);
            client.dispatch_event(Event::LoggedOut(LoggedOut {
                on_connect: false,
                reason: ConnectFailureReason::LoggedOut,
            }));
        }
        StreamErrorKind::DeviceRemoved => {
            client.enable_auto_reconnect.store(false, Ordering::Release);
            client.dispatch_event(Event::LoggedOut(LoggedOut {
                on_connect: false,
                reason: ConnectFailureReason::LoggedOut,
            }));
        }
        StreamErrorKind::Replaced => {
            client.enable_auto_reconnect.store(false, Ordering::Release);
            client.dispatch_event(Event::StreamReplaced(StreamReplaced));
        }
        StreamErrorKind::RateLimited => {
            client
                .auto_reconnect_errors
                .fetch_add(RATE_LIMIT_BACKOFF_STEPS, Ordering::AcqRel);
        }
        StreamErrorKind::ServiceUnavailable => {}
        StreamErrorKind::RestartRequired => {
            client.expected_disconnect.store(true, Ordering::Release);
        }
        StreamErrorKind::Unknown { code } => {
            client.enable_auto_reconnect.store(false, Ordering::Release);
            client.dispatch_event(Event::StreamError(StreamError {
                code,
                raw: Some(node),
            }));
        }
    }
    // The server closes the socket after a stream error; close our side too.
    if let Some(conn) = client.current_connection() {
        conn.socket.disconnect().await;
    }
}

pub(crate) async fn handle_stream_end(client: &Arc<Client>, _node: Node) {
    log::info!(target: "Client", "server ended the stream");
    if let Some(conn) = client.current_connection() {
        conn.socket.disconnect().await;
    }
}

pub(crate) async fn handle_ib(client: &Arc<Client>, node: Node) {
    for ev in parse_ib(&node) {
        match ev {
            IbEvent::OfflinePreview(preview) => client.offline_sync.preview(client, preview),
            IbEvent::OfflineComplete { count } => client.offline_sync.complete(client, Some(count)),
            IbEvent::EdgeRouting(info) => client.set_edge_routing(info).await,
            IbEvent::DowngradeWebclient => client.dispatch_event(
                Event::QrScannedWithoutMultidevice(QrScannedWithoutMultidevice),
            ),
            IbEvent::Dirty { dirty_type, .. } => {
                log::debug!(target: "Client/AccountSync", "dirty: {dirty_type}")
            }
            IbEvent::Other(tag) => log::debug!(target: "Client", "unhandled <ib> child <{tag}>"),
        }
    }
}
