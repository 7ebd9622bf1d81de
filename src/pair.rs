//! QR pairing and logout: `pair-device` (QR refs, rotation with `PairingQrCode`
//! events), `pair-success` (ADV verification, storing the identity,
//! `pair-device-sign`), and [`Client::logout`].

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use wacore::iq::IqSpec;
use wacore::iq::logout::RemoveCompanionDeviceIq;
use wacore::pair::{do_pair_crypto, make_qr_data};
use wacore::types::events::{ConnectFailureReason, Event, LoggedOut, PairError, PairSuccess};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::{Jid, SERVER_JID};
use wacore_binary::node::Node;

use crate::client::Client;
use crate::error::IqError;
use crate::pair_code::PairCodeState;
use crate::store::{Device, DeviceCommand};

/// Pairing state shared by QR and pair-code flows.
#[derive(Default)]
pub(crate) struct PairingState {
    qr_stop: Mutex<Option<watch::Sender<bool>>>,
    pub(crate) pair_code: Mutex<PairCodeState>,
}

impl PairingState {
    /// Stops a running QR rotation.
    pub(crate) fn stop_qr(&self) {
        if let Ok(mut s) = self.qr_stop.lock()
            && let Some(tx) = s.take()
        {
            let _ = tx.send(true);
        }
    }
}

/// The platform field of the QR data, from the device props.
fn qr_platform(device: &Device) -> &'static str {
    use waproto::whatsapp::device_props::PlatformType as P;
    match device
        .device_props
        .platform_type
        .and_then(|p| P::try_from(p).ok())
    {
        Some(P::Chrome) | None => "1",
        Some(P::Edge) => "2",
        Some(P::Firefox) => "3",
        Some(P::Ie) => "4",
        Some(P::Opera) => "5",
        Some(P::Safari) => "6",
        Some(P::Uwp) => "8",
        Some(P::AndroidPhone) => "e",
        Some(_) => "9",
    }
}

fn iq_reply(to: &Node, ty: &str) -> NodeBuilder {
    let mut b = NodeBuilder::new("iq")
        .jid_attr("to", Jid::server_jid(SERVER_JID))
        .attr("type", ty);
    if let Some(id) = to.get_attr("id") {
        b = b.attr("id", id.clone());
    }
    b
}

/// `<iq><pair-device><ref>..</ref>...</pair-device></iq>`: acknowledge and rotate QR codes.
pub(crate) async fn handle_pair_device(client: &Arc<Client>, node: &Node) {
    if let Err(e) = client.send_node(iq_reply(node, "result").build()).await {
        log::warn!(target: "Client/Pair", "failed to ack pair-device: {e}");
    }
    let refs: Vec<String> = node
        .get_optional_child("pair-device")
        .map(|pd| {
            pd.get_children_by_tag("ref")
                .filter_map(|r| r.content_bytes().or(r.content_str().map(str::as_bytes)))
                .filter_map(|b| std::str::from_utf8(b).ok().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if refs.is_empty() {
        log::warn!(target: "Client/Pair", "pair-device without refs");
        return;
    }
    let device = client.persistence_manager.get_device_snapshot().await;
    let codes: Vec<String> = refs
        .iter()
        .map(|r| {
            make_qr_data(
                r,
                device.noise_key.public_key.public_key_bytes(),
                device.identity_key.public_key.public_key_bytes(),
                &device.adv_secret_key,
                qr_platform(&device),
            )
        })
        .collect();
    let (stop_tx, mut stop_rx) = watch::channel(false);
    client.pairing.stop_qr();
    if let Ok(mut s) = client.pairing.qr_stop.lock() {
        *s = Some(stop_tx);
    }
    let c = Arc::clone(client);
    let (first, next) = (
        client.config.timings.qr_first_timeout,
        client.config.timings.qr_next_timeout,
    );
    tokio::spawn(async move {
        for (i, code) in codes.into_iter().enumerate() {
            let timeout = if i == 0 { first } else { next };
            log::info!(target: "Client/Pair", "new QR code (valid {timeout:?})");
            c.dispatch_event(Event::PairingQrCode { code, timeout });
            tokio::select! {
                _ = tokio::time::sleep(timeout) => {}
                _ = stop_rx.wait_for(|s| *s) => return,
            }
        }
        log::info!(target: "Client/Pair", "all QR codes for this session have expired");
        c.disconnect().await;
    });
}

fn attr_string(node: Option<&Node>, key: &str) -> String {
    node.and_then(|n| n.get_attr(key))
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default()
}

/// `<iq><pair-success>`: verify, store, sign, answer, expect the 515 restart.
pub(crate) async fn handle_pair_success(client: &Arc<Client>, node: &Node) {
    client.pairing.stop_qr();
    let Some(ps) = node.get_optional_child("pair-success") else {
        return;
    };
    let device_node = ps.get_optional_child("device");
    let jid = device_node
        .and_then(|d| d.get_attr("jid"))
        .and_then(|v| v.to_jid())
        .unwrap_or_default();
    let lid = device_node
        .and_then(|d| d.get_attr("lid"))
        .and_then(|v| v.to_jid())
        .unwrap_or_default();
    let business_name = attr_string(ps.get_optional_child("biz"), "name");
    let platform = attr_string(ps.get_optional_child("platform"), "name");
    let identity_bytes = ps
        .get_optional_child("device-identity")
        .and_then(Node::content_bytes)
        .unwrap_or_default()
        .to_vec();

    let fail = |error: String| {
        Event::PairError(PairError {
            id: jid.clone(),
            lid: lid.clone(),
            business_name: business_name.clone(),
            platform: platform.clone(),
            error,
        })
    };
    let device = client.persistence_manager.get_device_snapshot().await;
    let result = do_pair_crypto(
        &device.identity_key,
        &device.adv_secret_key,
        &identity_bytes,
        &mut rand::rng(),
    );
    let paired = match (result, jid.user.is_empty()) {
        (Ok(p), false) => p,
        (Ok(_), true) => {
            send_pair_error(client, node, 500, "internal-error").await;
            client.dispatch_event(fail("pair-success without a device jid".into()));
            client.disconnect().await;
            return;
        }
        (Err(e), _) => {
            log::error!(target: "Client/Pair", "pairing rejected: {e}");
            let (code, text) = e.wire_error();
            send_pair_error(client, node, code, text).await;
            client.dispatch_event(fail(e.to_string()));
            client.disconnect().await;
            return;
        }
    };

    let pm = &client.persistence_manager;
    pm.process_command(DeviceCommand::SetId(Some(jid.clone())))
        .await;
    pm.process_command(DeviceCommand::SetLid(Some(lid.clone())))
        .await;
    pm.process_command(DeviceCommand::SetAccount(Some(paired.account.clone())))
        .await;
    pm.process_command(DeviceCommand::SetPlatform(platform.clone()))
        .await;
    let mut primary_lid = lid.clone();
    primary_lid.device = 0;
    let stored = async {
        pm.backend()
            .put_identity(
                &primary_lid.to_signal_address_string(),
                paired.primary_identity_key,
            )
            .await?;
        pm.flush_signal().await?;
        pm.flush().await
    };
    if let Err(e) = stored.await {
        log::error!(target: "Client/Pair", "failed to store pairing: {e}");
        send_pair_error(client, node, 500, "internal-error").await;
        client.dispatch_event(fail(format!("store: {e}")));
        return;
    }

    // The server answers pair-device-sign with a 515 stream error: reconnect at once.
    client.expected_disconnect.store(true, Ordering::Release);
    let sign = iq_reply(node, "result")
        .children([NodeBuilder::new("pair-device-sign")
            .children([NodeBuilder::new("device-identity")
                .attr("key-index", paired.key_index.to_string())
                .bytes(paired.self_signed_identity.clone())
                .build()])
            .build()])
        .build();
    if let Err(e) = client.send_node(sign).await {
        log::error!(target: "Client/Pair", "failed to send pair-device-sign: {e}");
        client.dispatch_event(fail(e.to_string()));
        return;
    }
    if let Ok(mut s) = client.pairing.pair_code.lock() {
        *s = PairCodeState::Completed;
    }
    log::info!(target: "Client/Pair", "paired as {jid}");
    client.dispatch_event(Event::PairSuccess(PairSuccess {
        id: jid,
        lid,
        business_name,
        platform,
    }));
}

async fn send_pair_error(client: &Arc<Client>, to: &Node, code: u16, text: &str) {
    let node = iq_reply(to, "error")
        .children([NodeBuilder::new("error")
            .attr("code", code.to_string())
            .attr("text", text)
            .build()])
        .build();
    if let Err(e) = client.send_node(node).await {
        log::warn!(target: "Client/Pair", "failed to send pair error: {e}");
    }
}

impl Client {
    /// Logs out: asks the server to remove this companion, resets the stored device
    /// (fresh keys, unpaired: the next run must pair again), disconnects, and emits
    /// `LoggedOut`.
    pub async fn logout(self: &Arc<Self>) -> Result<(), IqError> {
        let device = self.persistence_manager.get_device_snapshot().await;
        let Some(jid) = device.pn.clone() else {
            return Err(IqError::NotConnected);
        };
        let query = RemoveCompanionDeviceIq { jid }
            .build_iq()
            .with_timeout(Duration::from_secs(10));
        let result = self.send_iq(query).await.map(|_| ());
        self.persistence_manager
            .modify_device(|d| *d = Device::new())
            .await;
        if let Err(e) = self.persistence_manager.flush().await {
            log::error!(target: "Client", "failed to save the reset device: {e}");
        }
        self.disconnect().await;
        self.dispatch_event(Event::LoggedOut(LoggedOut {
            on_connect: false,
            reason: ConnectFailureReason::LoggedOut,
        }));
        result
    }
}
