//! Client unit tests over an in-memory transport: IQ id routing, timeouts, and
//! malformed stanzas skipped without dropping the connection.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;
use wacore::net::{Transport, TransportError, TransportEvent};
use wacore::request::InfoQuery;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;
use wacore_noise::{NoiseReader, NoiseTransport, NoiseWriter};

use crate::client::{Client, Connection};
use crate::config::ClientConfig;
use crate::error::IqError;
use crate::socket::NoiseSocket;
use crate::store::{InMemoryBackend, PersistenceManager};

struct MockTransport(mpsc::UnboundedSender<Vec<u8>>);

#[async_trait]
impl Transport for MockTransport {
    async fn send(&self, data: Vec<u8>) -> Result<(), TransportError> {
        self.0.send(data).map_err(|_| TransportError::Closed)
    }
    async fn disconnect(&self) {}
}

struct NoFactory;
#[async_trait]
impl wacore::net::TransportFactory for NoFactory {
    async fn create_transport(
        &self,
    ) -> Result<(Arc<dyn Transport>, async_channel::Receiver<TransportEvent>), TransportError> {
        Err(TransportError::Closed)
    }
}

struct NoHttp;
#[async_trait]
impl wacore::net::HttpClient for NoHttp {
    async fn execute(
        &self,
        _r: wacore::net::HttpRequest,
    ) -> Result<wacore::net::HttpResponse, wacore::net::HttpError> {
        Err(wacore::net::HttpError::StreamingUnsupported)
    }
}

/// The server's side of the fake connection.
struct Peer {
    sent: mpsc::UnboundedReceiver<Vec<u8>>,
    writer: NoiseWriter,
    reader: NoiseReader,
    events: async_channel::Sender<TransportEvent>,
    /// Bytes received but not yet split into frames (one write may carry several).
    buffered: Vec<u8>,
}

impl Peer {
    async fn next_node(&mut self) -> Node {
        let frame_len = |b: &[u8]| {
            (b.len() >= 3)
                .then(|| 3 + (usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2])))
        };
        while frame_len(&self.buffered).is_none_or(|n| self.buffered.len() < n) {
            let data = tokio::time::timeout(Duration::from_secs(5), self.sent.recv())
                .await
                .unwrap()
                .unwrap();
            self.buffered.extend_from_slice(&data);
        }
        let n = frame_len(&self.buffered).unwrap();
        let mut frame: Vec<u8> = self.buffered.drain(..n).collect();
        let plain = self.reader.decrypt_frame(&mut frame[3..]).unwrap().to_vec();
        wacore_binary::unmarshal(&wacore_binary::unpack(&plain).unwrap()).unwrap()
    }

    async fn send_plain(&mut self, plaintext: &[u8]) {
        let mut frame = Vec::new();
        self.writer.encrypt_frame(plaintext, &mut frame).unwrap();
        self.events
            .send(TransportEvent::DataReceived(frame.into()))
            .await
            .unwrap();
    }

    async fn send_node(&mut self, node: &Node) {
        let bytes = wacore_binary::marshal(node).unwrap();
        self.send_plain(&bytes).await;
    }
}

async fn connected_client() -> (Arc<Client>, Peer) {
    connected_client_with(ClientConfig::default()).await
}

async fn connected_client_with(config: ClientConfig) -> (Arc<Client>, Peer) {
    let pm = Arc::new(
        PersistenceManager::new(Arc::new(InMemoryBackend::new()))
            .await
            .unwrap(),
    );
    let client = Client::with_config(pm, Arc::new(NoFactory), Arc::new(NoHttp), config);
    let (k1, k2) = ([1u8; 32], [2u8; 32]);
    let (writer, reader) = NoiseTransport::new(&k1, &k2).into_split();
    let (peer_writer, peer_reader) = NoiseTransport::new(&k2, &k1).into_split();
    let (sent_tx, sent_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = async_channel::unbounded();
    let socket = Arc::new(NoiseSocket::new(Arc::new(MockTransport(sent_tx)), writer));
    *client.connection.write().unwrap() = Some(Connection {
        socket,
        generation: 1,
    });
    client.connection_generation.store(1, Ordering::Release);
    client.is_connected.store(true, Ordering::Release);
    tokio::spawn(Arc::clone(&client).read_frames(reader, ev_rx, 1));
    let peer = Peer {
        sent: sent_rx,
        writer: peer_writer,
        reader: peer_reader,
        events: ev_tx,
        buffered: Vec::new(),
    };
    (client, peer)
}

fn result_for(id: &str) -> Node {
    NodeBuilder::new("iq")
        .attr("id", id)
        .attr("type", "result")
        .attr("from", "s.whatsapp.net")
        .children([NodeBuilder::new("pong").build()])
        .build()
}

#[tokio::test]
async fn iq_responses_route_by_id_and_garbage_is_skipped() {
    let (client, mut peer) = connected_client().await;
    let c = Arc::clone(&client);
    let a = tokio::spawn(async move {
        c.send_iq(InfoQuery::get(
            "w:p",
            vec![NodeBuilder::new("ping").build()],
        ))
        .await
    });
    let c = Arc::clone(&client);
    let b = tokio::spawn(async move { c.send_iq(InfoQuery::get("w:p", vec![])).await });
    let first = peer.next_node().await;
    let second = peer.next_node().await;
    let id = |n: &Node| n.get_attr("id").unwrap().as_str().into_owned();
    let (id1, id2) = (id(&first), id(&second));
    assert_ne!(id1, id2, "ids are unique");

    // Malformed stanzas: logged and skipped, the connection stays up.
    peer.send_plain(&[0x00, 0xf8, 0xff, 0xff]).await;
    peer.send_plain(&[0x02, 0x01, 0x02]).await;
    // A response nobody waits for is ignored.
    peer.send_node(&result_for("not-a-pending-id")).await;
    // Answer out of order: each task gets its own response.
    peer.send_node(&result_for(&id2)).await;
    peer.send_node(
        &NodeBuilder::new("iq")
            .attr("id", id1.as_str())
            .attr("type", "error")
            .children([NodeBuilder::new("error")
                .attr("code", "404")
                .attr("text", "item-not-found")
                .build()])
            .build(),
    )
    .await;
    let rb = b.await.unwrap().unwrap();
    assert_eq!(rb.get_attr("id").unwrap().as_str(), id2);
    match a.await.unwrap() {
        Err(IqError::ServerError { code, text }) => {
            assert_eq!(code, 404);
            assert_eq!(text, "item-not-found");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert!(
        client.is_connected(),
        "garbage must not drop the connection"
    );
    assert!(client.response_waiters.lock().unwrap().is_empty());
    assert_eq!(client.pending_iqs.load(Ordering::Acquire), 0);
}

#[tokio::test]
async fn unanswered_iq_times_out_and_forgets_its_waiter() {
    let (client, mut peer) = connected_client().await;
    let q = InfoQuery::get("w:p", vec![]).with_timeout(Duration::from_millis(100));
    let err = client.send_iq(q).await.unwrap_err();
    assert!(matches!(err, IqError::Timeout), "{err:?}");
    let sent = peer.next_node().await;
    // A late answer is harmless.
    peer.send_node(&result_for(&sent.get_attr("id").unwrap().as_str()))
        .await;
    assert!(client.response_waiters.lock().unwrap().is_empty());
    assert_eq!(client.pending_iqs.load(Ordering::Acquire), 0);
}

#[tokio::test]
async fn disconnect_fails_pending_iqs() {
    let (client, mut peer) = connected_client().await;
    let c = Arc::clone(&client);
    let pending = tokio::spawn(async move { c.send_iq(InfoQuery::get("w:p", vec![])).await });
    let _ = peer.next_node().await;
    peer.events
        .send(TransportEvent::Disconnected)
        .await
        .unwrap();
    let err = pending.await.unwrap().unwrap_err();
    assert!(matches!(err, IqError::Disconnected), "{err:?}");
    assert!(!client.is_connected());
    let err = client
        .send_iq(InfoQuery::get("w:p", vec![]))
        .await
        .unwrap_err();
    assert!(matches!(err, IqError::NotConnected), "{err:?}");
}

#[tokio::test]
async fn server_stanzas_are_acked() {
    let (client, mut peer) = connected_client().await;
    peer.send_node(
        &NodeBuilder::new("receipt")
            .attr("id", "R1")
            .attr("from", "15550001111@s.whatsapp.net")
            .attr("type", "read")
            .build(),
    )
    .await;
    let ack = peer.next_node().await;
    assert_eq!(ack.tag, "ack");
    assert_eq!(ack.get_attr("class").unwrap().as_str(), "receipt");
    assert_eq!(ack.get_attr("type").unwrap().as_str(), "read");
    assert!(client.is_connected());
}

/// Records what a custom `<enc>` handler was given.
struct RecordingEncHandler(mpsc::UnboundedSender<(String, Vec<u8>, String)>);

#[async_trait]
impl crate::EncHandler for RecordingEncHandler {
    async fn handle(
        &self,
        _client: Arc<Client>,
        enc_node: &Node,
        info: &wacore::types::message::MessageInfo,
    ) -> Result<(), crate::EncHandlerError> {
        let ty = enc_node.get_attr("type").unwrap().as_str().into_owned();
        let bytes = match &enc_node.content {
            Some(wacore_binary::node::NodeContent::Bytes(b)) => b.clone(),
            _ => Vec::new(),
        };
        let _ = self.0.send((ty, bytes, info.id.clone()));
        Err("handler errors are logged, the message is still acked".into())
    }
}

#[tokio::test]
async fn custom_enc_handler_gets_its_payload_and_the_message_is_acked() {
    let (client, mut peer) = connected_client().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    client.register_enc_handler("frskmsg", Arc::new(RecordingEncHandler(tx)));
    client
        .persistence_manager
        .process_command(crate::store::DeviceCommand::SetId(Some(
            wacore_binary::jid::Jid::pn_device("15550009999", 3),
        )))
        .await;
    client.offline_sync.arm(&client);
    peer.send_node(
        &NodeBuilder::new("message")
            .attr("id", "CUSTOM1")
            .attr("from", "15550001111@s.whatsapp.net")
            .attr("type", "text")
            .attr("t", "1700000000")
            .attr("notify", "Friend")
            .children([NodeBuilder::new("enc")
                .attr("v", "2")
                .attr("type", "frskmsg")
                .bytes(vec![1, 2, 3])
                .build()])
            .build(),
    )
    .await;
    let (ty, bytes, id) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ty.as_str(), bytes, id.as_str()),
        ("frskmsg", vec![1, 2, 3], "CUSTOM1")
    );
    // The delivery receipt and the ack go out; no retry receipt (nothing failed to decrypt).
    let mut sent = Vec::new();
    loop {
        let n = peer.next_node().await;
        let done = n.tag == "ack";
        sent.push(n);
        if done {
            break;
        }
    }
    let ack = sent.last().unwrap();
    assert_eq!(ack.get_attr("class").unwrap().as_str(), "message");
    assert_eq!(ack.get_attr("id").unwrap().as_str(), "CUSTOM1");
    assert!(ack.get_attr("error").is_none(), "not a nack: {ack}");
    assert!(
        !sent
            .iter()
            .any(|n| n.get_attr("type").is_some_and(|t| t.as_str() == "retry")),
        "{sent:?}"
    );
}

#[tokio::test]
async fn offline_sync_is_sequential_until_the_end_marker() {
    let (client, mut peer) = connected_client().await;
    assert!(
        !client.offline_sync.is_sequential(),
        "nothing gated before login"
    );
    client.offline_sync.arm(&client);
    assert!(
        client.offline_sync.is_sequential(),
        "login narrows the gate"
    );
    peer.send_node(
        &NodeBuilder::new("ib")
            .children([NodeBuilder::new("offline").attr("count", "0").build()])
            .build(),
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while client.offline_sync.is_sequential() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the end marker widens the gate"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A new login starts sequential again.
    client.offline_sync.arm(&client);
    assert!(client.offline_sync.is_sequential(), "reset on reconnect");
}

#[tokio::test]
async fn offline_gate_opens_after_the_timeout_without_an_end_marker() {
    let mut config = ClientConfig::default();
    config.timings.offline_sync_timeout = Duration::from_millis(100);
    let (client, _peer) = connected_client_with(config).await;
    client.offline_sync.arm(&client);
    assert!(client.offline_sync.is_sequential());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !client.offline_sync.is_sequential(),
        "the fallback timeout widens the gate"
    );
}

fn device_list(user: &str) -> Vec<wacore_binary::jid::Jid> {
    vec![wacore_binary::jid::Jid::pn(user)]
}

#[tokio::test]
async fn cache_config_sets_ttls_and_capacities_of_the_messaging_caches() {
    use crate::config::{CacheConfig, CacheEntryConfig};
    use wacore_binary::jid::Jid;

    // Defaults: device lists and sent messages are kept.
    let (client, _peer) = connected_client().await;
    let alice = Jid::pn("15550000001");
    client
        .cache_devices(&alice, device_list("15550000001"))
        .await;
    assert!(client.cached_devices(&alice).await.is_some());
    let msg = Arc::new(waproto::whatsapp::Message::default());
    client.remember_sent(&alice, "M1", Arc::clone(&msg));
    assert!(client.recent_sent(&alice, "M1").is_some());

    let config = ClientConfig::default().with_cache_config(CacheConfig {
        device_cache: CacheEntryConfig::new(Some(Duration::ZERO), 10),
        group_cache: CacheEntryConfig::new(None, 2),
        recent_messages: CacheEntryConfig::new(None, 0),
        ..Default::default()
    });
    let (client, _peer) = connected_client_with(config).await;
    client
        .cache_devices(&alice, device_list("15550000001"))
        .await;
    assert!(
        client.cached_devices(&alice).await.is_none(),
        "TTL 0: never fresh"
    );
    client.remember_sent(&alice, "M1", msg);
    assert!(
        client.recent_sent(&alice, "M1").is_none(),
        "capacity 0: disabled"
    );
    let groups: Vec<Jid> = (1..=3)
        .map(|i| format!("12036300000{i}@g.us").parse().unwrap())
        .collect();
    for g in &groups {
        client
            .cache_group(wacore::send::GroupMembers {
                jid: g.clone(),
                addressing_mode: "lid".into(),
                members: Vec::new(),
                ephemeral: 0,
            })
            .await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        client.cached_group(&groups[0]).await.is_none(),
        "capacity 2: oldest evicted"
    );
    assert!(client.cached_group(&groups[1]).await.is_some());
    assert!(client.cached_group(&groups[2]).await.is_some());
}

/// A map store that counts calls, for the custom cache routing.
#[derive(Default)]
struct MapStore {
    map: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
    calls: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl wacore::store::cache::CacheStore for MapStore {
    async fn get(&self, ns: &str, key: &str) -> wacore::store::cache::Result<Option<Vec<u8>>> {
        self.calls.lock().unwrap().push(format!("get {ns}"));
        Ok(self
            .map
            .lock()
            .unwrap()
            .get(&format!("{ns}:{key}"))
            .cloned())
    }
    async fn set(
        &self,
        ns: &str,
        key: &str,
        value: &[u8],
        _ttl: Option<Duration>,
    ) -> wacore::store::cache::Result<()> {
        self.calls.lock().unwrap().push(format!("set {ns}"));
        self.map
            .lock()
            .unwrap()
            .insert(format!("{ns}:{key}"), value.to_vec());
        Ok(())
    }
    async fn delete(&self, ns: &str, key: &str) -> wacore::store::cache::Result<()> {
        self.calls.lock().unwrap().push(format!("delete {ns}"));
        self.map.lock().unwrap().remove(&format!("{ns}:{key}"));
        Ok(())
    }
    async fn clear(&self, _ns: &str) -> wacore::store::cache::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn custom_cache_stores_take_groups_devices_and_lid_mappings() {
    use crate::config::CacheConfig;
    use wacore_binary::jid::Jid;

    let store = Arc::new(MapStore::default());
    let config = ClientConfig::default().with_cache_config(CacheConfig {
        cache_stores: crate::CacheStores::all(store.clone()),
        ..Default::default()
    });
    let (client, _peer) = connected_client_with(config).await;
    let alice = Jid::pn("15550000001");
    client
        .cache_devices(&alice, device_list("15550000001"))
        .await;
    assert_eq!(
        client.cached_devices(&alice).await.unwrap().as_slice(),
        device_list("15550000001").as_slice()
    );
    assert!(
        store
            .calls
            .lock()
            .unwrap()
            .contains(&"get device".to_string()),
        "read from the store"
    );
    let group: Jid = "120363000000001@g.us".parse().unwrap();
    client
        .cache_group(wacore::send::GroupMembers {
            jid: group.clone(),
            addressing_mode: "lid".into(),
            members: Vec::new(),
            ephemeral: 7,
        })
        .await;
    assert_eq!(client.cached_group(&group).await.unwrap().ephemeral, 7);
    client
        .learn_lid("15550000001", "100000000000001", "test")
        .await;
    assert_eq!(
        client.lid_for_pn("15550000001").await.as_deref(),
        Some("100000000000001")
    );
    assert!(client.known_lid("15550000001").is_none(), "not in memory");

    client.invalidate_group_cache(&group);
    client.invalidate_device_cache(&alice);
    for _ in 0..100 {
        if client.cached_group(&group).await.is_none()
            && client.cached_devices(&alice).await.is_none()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(client.cached_group(&group).await.is_none());
    assert!(client.cached_devices(&alice).await.is_none());
    let calls = store.calls.lock().unwrap().clone();
    for ns in ["group", "device", "lid_pn_by_pn", "lid_pn_by_lid"] {
        assert!(calls.contains(&format!("set {ns}")), "{ns} set: {calls:?}");
    }
    assert!(calls.contains(&"delete device".to_string()));
    assert!(calls.contains(&"delete group".to_string()));
}
