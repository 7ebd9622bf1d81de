//! A minimal WhatsApp Web client built from wacore-noise + wacore-binary, for driving the test
//! server from Rust integration tests: Noise handshake that verifies the server's certificate
//! chain against the server's root, login or registration payloads, node send/receive, and the
//! companion's side of QR pairing (ADV signature checks and the device signature).
#![allow(dead_code)]

pub mod baileys;

use std::collections::VecDeque;
use std::time::Duration;

use base64::Engine as _;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, KeyInit, Mac};
use prost::Message as _;
use sha2::Sha256;
use testserver::TestServer;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::marshal::{marshal, unmarshal, unpack};
use wacore_binary::node::{Node, NodeContent};
use wacore_libsignal::{IdentityKeyPair, PublicKey, SignedPreKeyRecord};
use wacore_noise::framing::{FrameDecoder, build_handshake_header, encode_frame};
use wacore_noise::{
    AppVersion, CertVerifier, KeyPair, NoiseInitiator, NoiseReader, NoiseWriter, PayloadConfig,
    Registration,
};
use waproto::whatsapp as wa;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One connection to the test server.
pub struct MiniClient {
    sink: SplitSink<Ws, Message>,
    stream: SplitStream<Ws>,
    writer: NoiseWriter,
    reader: NoiseReader,
    decoder: FrameDecoder,
    inbox: VecDeque<Node>,
    closed: bool,
}

/// The payload configuration every mini client uses.
pub fn payload_config() -> PayloadConfig {
    PayloadConfig::new(AppVersion {
        primary: 2,
        secondary: 3000,
        tertiary: 1_023_000_000,
    })
}

impl MiniClient {
    /// Connects, completes the handshake (verifying the chain against the server's root) and
    /// sends `payload`.
    pub async fn connect(
        server: &TestServer,
        noise_key: &KeyPair,
        payload: &wa::ClientPayload,
    ) -> MiniClient {
        Self::connect_to(server, &server.ws_url(), None, noise_key, payload).await
    }

    /// [`MiniClient::connect`] to `url` (`ws://` or `wss://`), through `connector` when given
    /// (e.g. rustls trusting the server's TLS CA).
    pub async fn connect_to(
        server: &TestServer,
        url: &str,
        connector: Option<tokio_tungstenite::Connector>,
        noise_key: &KeyPair,
        payload: &wa::ClientPayload,
    ) -> MiniClient {
        let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(url, None, false, connector)
            .await
            .expect("websocket connect");
        let (mut sink, mut stream) = ws.split();
        let mut rng = rand::rng();
        let (hello, expect) = NoiseInitiator::new(noise_key.clone(), &mut rng).client_hello();
        let (intro, _) = build_handshake_header(None);
        sink.send(Message::Binary(
            encode_frame(&hello, Some(&intro)).unwrap().into(),
        ))
        .await
        .unwrap();
        let mut decoder = FrameDecoder::new();
        let server_hello = loop {
            if let Some(f) = decoder.decode_frame_owned().unwrap() {
                break f;
            }
            match stream.next().await {
                Some(Ok(Message::Binary(b))) => decoder.feed(&b),
                other => panic!("no server hello: {other:?}"),
            }
        };
        let verifier = CertVerifier::with_root(server.root_public_key(), now());
        let authed = expect
            .read_server_hello(&server_hello, &verifier)
            .expect("server certificate chain verifies");
        let finished = authed.client_finish(&payload.encode_to_vec()).unwrap();
        sink.send(Message::Binary(
            encode_frame(&finished.message, None).unwrap().into(),
        ))
        .await
        .unwrap();
        let (writer, reader) = finished.transport.into_split();
        MiniClient {
            sink,
            stream,
            writer,
            reader,
            decoder,
            inbox: VecDeque::new(),
            closed: false,
        }
    }

    /// Sends a node.
    pub async fn send(&mut self, node: &Node) {
        let plain = marshal(node).unwrap();
        self.send_plaintext(&plain).await;
    }

    /// Encrypts and sends arbitrary frame plaintext (to test bad input).
    pub async fn send_plaintext(&mut self, plain: &[u8]) {
        let mut frame = Vec::new();
        self.writer.encrypt_frame(plain, &mut frame).unwrap();
        let _ = self.sink.send(Message::Binary(frame.into())).await;
    }

    /// Sends raw bytes over the WebSocket, outside the Noise layer.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.sink.send(Message::Binary(bytes.to_vec().into())).await;
    }

    /// The next node, or `None` when the server closed the connection or `timeout` passed.
    pub async fn recv(&mut self, timeout: Duration) -> Option<Node> {
        if let Some(n) = self.inbox.pop_front() {
            return Some(n);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(frame) = self.decoder.decode_frame().unwrap() {
                let plain = self
                    .reader
                    .decrypt_frame(frame)
                    .expect("server frame decrypts");
                let bytes = unpack(plain).unwrap();
                return Some(unmarshal(&bytes).expect("server sends well-formed nodes"));
            }
            if self.closed {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Binary(b)))) => self.decoder.feed(&b),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => self.closed = true,
                Ok(Some(Ok(_))) => {}
                Err(_) => return None,
            }
        }
    }

    /// Waits for a node matching `pred`, keeping the others for later `recv` calls.
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&Node) -> bool) -> Node {
        let mut skipped = Vec::new();
        let found = loop {
            match self.recv(Duration::from_secs(10)).await {
                Some(n) if pred(&n) => break n,
                Some(n) => skipped.push(n),
                None => {
                    panic!("connection ended or timed out waiting for {what}; saw {skipped:#?}")
                }
            }
        };
        for n in skipped.into_iter().rev() {
            self.inbox.push_front(n);
        }
        found
    }

    /// True once the server has closed the connection (reads until then, up to `timeout`).
    pub async fn wait_closed(&mut self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.recv(Duration::from_millis(200)).await.is_none() && self.closed {
                return true;
            }
        }
        self.closed
    }

    /// Sends an IQ and waits for its answer.
    pub async fn iq(&mut self, id: &str, ty: &str, xmlns: &str, kids: Vec<Node>) -> Node {
        let node = NodeBuilder::new("iq")
            .attr("id", id)
            .attr("type", ty)
            .attr("xmlns", xmlns)
            .attr("to", "s.whatsapp.net")
            .children(kids)
            .build();
        self.send(&node).await;
        self.expect("iq answer", |n| n.tag == "iq" && attr(n, "id") == id)
            .await
    }
}

/// An attribute as a string ("" when absent).
pub fn attr(n: &Node, key: &str) -> String {
    n.get_attr(key)
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default()
}

/// A child by tag.
pub fn child<'a>(n: &'a Node, tag: &str) -> Option<&'a Node> {
    n.get_optional_child(tag)
}

/// Byte content.
pub fn bytes(n: &Node) -> Vec<u8> {
    match &n.content {
        Some(NodeContent::Bytes(b)) => b.clone(),
        Some(NodeContent::String(s)) => s.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A companion device's keys: what it registers with and signs with.
pub struct Companion {
    pub noise: KeyPair,
    pub identity: IdentityKeyPair,
    pub registration_id: u32,
    pub signed_prekey: SignedPreKeyRecord,
    pub adv_secret: [u8; 32],
    /// Set once paired: (phone, device).
    pub me: Option<(String, u16)>,
}

impl Companion {
    pub fn new() -> Companion {
        let mut rng = rand::rng();
        let identity = wacore_libsignal::generate_identity_key_pair(&mut rng);
        let signed_prekey = wacore_libsignal::generate_signed_pre_key(&identity, 1, &mut rng);
        let mut adv_secret = [0u8; 32];
        rand::fill(&mut adv_secret);
        Companion {
            noise: KeyPair::generate(&mut rng),
            registration_id: wacore_libsignal::generate_registration_id(&mut rng),
            identity,
            signed_prekey,
            adv_secret,
            me: None,
        }
    }

    pub fn identity_public(&self) -> [u8; 32] {
        *self.identity.public_key().public_key_bytes()
    }

    pub fn registration_payload(&self) -> wa::ClientPayload {
        let sig: [u8; 64] = self.signed_prekey.signature().try_into().unwrap();
        payload_config().registration(&Registration {
            registration_id: self.registration_id,
            identity_key: self.identity_public(),
            signed_pre_key_id: self.signed_prekey.id(),
            signed_pre_key: *self.signed_prekey.public_key().public_key_bytes(),
            signed_pre_key_signature: sig,
            os: "MiniClient".into(),
            os_version: AppVersion {
                primary: 0,
                secondary: 1,
                tertiary: 0,
            },
            platform_type: wa::device_props::PlatformType::Chrome,
            require_full_sync: false,
        })
    }

    pub fn login_payload(&self) -> wa::ClientPayload {
        let (phone, dev) = self.me.clone().expect("paired");
        payload_config().login(phone.parse().unwrap(), u32::from(dev))
    }

    /// The QR string for a ref.
    pub fn qr(&self, reference: &str) -> String {
        let b = base64::engine::general_purpose::STANDARD;
        format!(
            "{reference},{},{},{},1",
            b.encode(self.noise.public()),
            b.encode(self.identity_public()),
            b.encode(self.adv_secret)
        )
    }

    /// Checks `pair-success` as a real companion does and builds the `pair-device-sign` answer.
    pub fn answer_pair_success(&mut self, iq: &Node) -> Node {
        let ps = child(iq, "pair-success").expect("pair-success");
        let container = wa::AdvSignedDeviceIdentityHmac::decode(
            bytes(child(ps, "device-identity").unwrap()).as_slice(),
        )
        .unwrap();
        let details = container.details.unwrap();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.adv_secret).unwrap();
        mac.update(&details);
        assert_eq!(
            mac.finalize().into_bytes().to_vec(),
            container.hmac.unwrap(),
            "ADV HMAC"
        );
        let mut signed = wa::AdvSignedDeviceIdentity::decode(details.as_slice()).unwrap();
        let dev_details = signed.details.clone().unwrap();
        let account_key = signed.account_signature_key.clone().unwrap();
        let mut msg = vec![6, 0];
        msg.extend_from_slice(&dev_details);
        msg.extend_from_slice(&self.identity_public());
        let key = PublicKey::from_djb_public_key_bytes(&account_key).unwrap();
        assert!(
            key.verify_signature(&msg, signed.account_signature.as_ref().unwrap()),
            "account signature"
        );
        let mut dmsg = vec![6, 1];
        dmsg.extend_from_slice(&dev_details);
        dmsg.extend_from_slice(&self.identity_public());
        dmsg.extend_from_slice(&account_key);
        signed.device_signature = Some(
            self.identity
                .private_key()
                .calculate_signature(&dmsg, &mut rand::rng())
                .to_vec(),
        );
        signed.account_signature_key = None;
        let ident = wa::AdvDeviceIdentity::decode(dev_details.as_slice()).unwrap();
        let device = child(ps, "device").unwrap();
        let jid = attr(device, "jid");
        let (user, dev) = jid.split_once('@').unwrap().0.split_once(':').unwrap();
        self.me = Some((user.to_owned(), dev.parse().unwrap()));
        NodeBuilder::new("iq")
            .attr("to", "s.whatsapp.net")
            .attr("type", "result")
            .attr("id", attr(iq, "id"))
            .children([NodeBuilder::new("pair-device-sign")
                .children([NodeBuilder::new("device-identity")
                    .attr("key-index", ident.key_index.unwrap_or(0).to_string())
                    .bytes(signed.encode_to_vec())
                    .build()])
                .build()])
            .build()
    }
}

/// Registers `comp`, has `phone` scan its QR, answers pair-success and checks the 515.
pub async fn pair(
    server: &TestServer,
    phone: &testserver::PhoneHandle,
    comp: &mut Companion,
) -> testserver::PairedDevice {
    let mut c = MiniClient::connect(server, &comp.noise, &comp.registration_payload()).await;
    let pd = c
        .expect("pair-device", |n| {
            n.tag == "iq" && child(n, "pair-device").is_some()
        })
        .await;
    let first_ref = bytes(child(child(&pd, "pair-device").unwrap(), "ref").unwrap());
    let qr = comp.qr(std::str::from_utf8(&first_ref).unwrap());
    let scan = {
        let phone = phone.clone();
        tokio::spawn(async move { phone.scan_qr(&qr).await })
    };
    let success = c
        .expect("pair-success", |n| {
            n.tag == "iq" && child(n, "pair-success").is_some()
        })
        .await;
    let reply = comp.answer_pair_success(&success);
    c.send(&reply).await;
    let err = c
        .expect("stream:error 515", |n| n.tag == "stream:error")
        .await;
    assert_eq!(attr(&err, "code"), "515");
    assert!(
        c.wait_closed(Duration::from_secs(5)).await,
        "server closes after 515"
    );
    scan.await.unwrap().expect("scan_qr resolves")
}

/// Reads the offline flush up to `<ib><offline>`, acking every message in it; returns the
/// flushed stanzas.
pub async fn settle(c: &mut MiniClient) -> Vec<Node> {
    let mut flushed = Vec::new();
    loop {
        let n = c
            .recv(Duration::from_secs(10))
            .await
            .expect("the offline flush");
        if n.tag == "ib" && child(&n, "offline").is_some() {
            let count: usize = attr(child(&n, "offline").unwrap(), "count")
                .parse()
                .unwrap();
            assert_eq!(
                count,
                flushed.len(),
                "offline count matches the flushed stanzas"
            );
            return flushed;
        }
        if n.tag == "message" || n.tag == "notification" || n.tag == "receipt" {
            let ack = NodeBuilder::new("ack")
                .attr("id", attr(&n, "id"))
                .attr("class", n.tag.clone())
                .attr("to", attr(&n, "from"))
                .build();
            c.send(&ack).await;
        }
        flushed.push(n);
    }
}

/// Logs a paired companion in and waits for `<success>`; returns the client and the success node.
pub async fn login(server: &TestServer, comp: &Companion) -> (MiniClient, Node) {
    let mut c = MiniClient::connect(server, &comp.noise, &comp.login_payload()).await;
    let first = c
        .recv(Duration::from_secs(10))
        .await
        .expect("an answer to login");
    assert_eq!(first.tag, "success", "login answered with {first:?}");
    (c, first)
}
