//! End-to-end messaging through wacore's pure pipeline: two or three devices with their own
//! in-memory stores exchange real stanzas (built by `send`, read by `message`), 1:1 and in a
//! group, with a simulated server that only copies attributes and children as the real one does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::HashMap;
use std::sync::Arc;

use prost::Message as _;
use wacore::message::{DecryptOutcome, MessageExt, OwnIds, decrypt_message, parse_message_info};
use wacore::send::{
    DeviceTarget, EncAttrs, EncType, OutgoingStanza, encrypt_for_devices, encrypt_group_message,
    pad_message, prepare_distribution, record_distribution, skdm_plaintext,
};
use wacore::signal::SignalStoreAdapter;
use wacore::store::{Device, InMemoryBackend, SignalStore};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use wacore_libsignal::{IdentityKey, PreKeyBundle, generate_pre_keys};
use waproto::whatsapp as wa;

struct Party {
    jid: Jid,
    device: Device,
    store: Arc<InMemoryBackend>,
}

impl Party {
    async fn new(user: &str, device: u16) -> Party {
        let mut d = Device::new();
        d.pn = Some(Jid::lid_device(user, device).to_string().parse().unwrap());
        let store = Arc::new(InMemoryBackend::new());
        Party {
            jid: Jid::lid_device(user, device),
            device: d,
            store,
        }
    }

    fn stores(&self) -> SignalStoreAdapter {
        SignalStoreAdapter::new(self.store.clone(), &self.device)
    }

    fn own(&self) -> OwnIds {
        OwnIds {
            pn: Some(Jid::pn_device(
                format!("9{}", self.jid.user),
                self.jid.device,
            )),
            lid: Some(self.jid.clone()),
        }
    }

    /// Publishes one fresh one-time pre-key and returns the bundle a server would hand out.
    async fn bundle(&self, id: u32) -> PreKeyBundle {
        let pk = generate_pre_keys(id, 1, &mut rand::rng()).remove(0);
        self.store
            .store_prekey(pk.id(), &pk.serialize(), true)
            .await
            .unwrap();
        PreKeyBundle::new(
            self.device.registration_id,
            0,
            Some((pk.id(), *pk.public_key())),
            self.device.signed_pre_key_id,
            self.device.signed_pre_key.public_key,
            self.device.signed_pre_key_signature.to_vec(),
            IdentityKey::new(self.device.identity_key.public_key),
        )
    }
}

fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.into()),
        ..Default::default()
    }
}

/// What the server delivers to `to` for a DM stanza from `from`.
fn deliver_dm(stanza: &Node, from: &Jid, to: &Jid) -> Node {
    let to_nodes = stanza
        .get_optional_child("participants")
        .unwrap()
        .children()
        .unwrap();
    let mine = to_nodes
        .iter()
        .find(|t| t.attrs().jid("jid") == *to)
        .expect("addressed to the device");
    let mut kids = vec![mine.get_optional_child("enc").unwrap().clone()];
    if let Some(di) = stanza.get_optional_child("device-identity") {
        kids.push(di.clone());
    }
    NodeBuilder::new("message")
        .jid_attr("from", from.clone())
        .attr("id", stanza.get_attr("id").unwrap().clone())
        .attr("t", "1700000000")
        .attr("type", "text")
        .attr("notify", "Sender")
        .children(kids)
        .build()
}

/// What the server delivers to member `to` for a group stanza from `from`.
fn deliver_group(stanza: &Node, from: &Jid, to: &Jid) -> Node {
    let mut kids = Vec::new();
    if let Some(p) = stanza.get_optional_child("participants") {
        for t in p.children().unwrap() {
            if t.attrs().jid("jid") == *to {
                kids.push(t.get_optional_child("enc").unwrap().clone());
            }
        }
    }
    kids.push(
        stanza
            .get_children_by_tag("enc")
            .find(|e| e.get_attr("type").unwrap().as_str() == "skmsg")
            .unwrap()
            .clone(),
    );
    NodeBuilder::new("message")
        .jid_attr("from", stanza.attrs().jid("to"))
        .jid_attr("participant", from.clone())
        .attr("addressing_mode", "lid")
        .attr("id", stanza.get_attr("id").unwrap().clone())
        .attr("t", "1700000000")
        .children(kids)
        .build()
}

async fn send_dm(
    from: &Party,
    to: &Party,
    id: &str,
    msg: &wa::Message,
    bundle: Option<PreKeyBundle>,
) -> (Node, bool) {
    let mut stores = from.stores();
    let mut bundles = HashMap::new();
    if let Some(b) = bundle {
        bundles.insert(to.jid.clone(), b);
    }
    let targets = [DeviceTarget {
        wire: to.jid.clone(),
        session: to.jid.clone(),
        own: false,
    }];
    let nodes = encrypt_for_devices(
        &mut stores,
        &targets,
        &msg.encode_to_vec(),
        None,
        &bundles,
        &EncAttrs::default(),
    )
    .await
    .unwrap();
    assert!(nodes.failed.is_empty(), "{:?}", nodes.failed);
    let stanza = OutgoingStanza {
        id: id.into(),
        to: to.jid.to_non_ad(),
        msg_type: "text",
        participants: nodes.nodes,
        device_identity: nodes.includes_prekey.then(|| vec![1, 2, 3]),
        ..Default::default()
    }
    .build();
    (
        deliver_dm(&stanza, &from.jid, &to.jid),
        nodes.includes_prekey,
    )
}

async fn receive(party: &Party, node: &Node) -> DecryptOutcome {
    let info = parse_message_info(node, &party.own()).unwrap();
    let mut stores = party.stores();
    decrypt_message(&mut stores, node, &info, &info.source.sender)
        .await
        .unwrap_or_else(|f| panic!("decrypt failed: {:?}", f.error))
}

fn text_of(o: &DecryptOutcome) -> String {
    match o {
        DecryptOutcome::Decrypted {
            message: Some(m), ..
        } => m.text_content().unwrap().to_string(),
        other => panic!("no message: {other:?}"),
    }
}

#[tokio::test]
async fn one_to_one_both_ways_with_prekey_then_whisper() {
    let alice = Party::new("100", 1).await;
    let bob = Party::new("200", 0).await;

    let b = bob.bundle(31).await;
    let (n1, pk1) = send_dm(&alice, &bob, "M1", &text("hello bob"), Some(b)).await;
    assert!(pk1, "first message is a pkmsg");
    assert!(n1.get_optional_child("device-identity").is_some());
    assert_eq!(
        n1.get_optional_child("enc")
            .unwrap()
            .get_attr("type")
            .unwrap()
            .as_str(),
        "pkmsg"
    );
    assert_eq!(text_of(&receive(&bob, &n1).await), "hello bob");
    assert!(
        bob.store.load_prekey(31).await.unwrap().is_none(),
        "one-time pre-key consumed"
    );

    // Until Bob answers, Alice keeps sending pkmsg.
    let (n2, pk2) = send_dm(&alice, &bob, "M2", &text("again"), None).await;
    assert!(pk2);
    assert_eq!(text_of(&receive(&bob, &n2).await), "again");

    // Redelivery of an already processed message is recognised.
    assert_eq!(receive(&bob, &n2).await, DecryptOutcome::Duplicate);

    let (r1, rpk) = send_dm(&bob, &alice, "R1", &text("hi alice"), None).await;
    assert!(!rpk, "Bob answers on the established session");
    assert_eq!(text_of(&receive(&alice, &r1).await), "hi alice");
    let (n3, pk3) = send_dm(&alice, &bob, "M3", &text("now msg"), None).await;
    assert!(!pk3, "after the answer Alice sends msg");
    assert_eq!(text_of(&receive(&bob, &n3).await), "now msg");
    assert_eq!(receive(&bob, &n3).await, DecryptOutcome::Duplicate);
}

#[tokio::test]
async fn tampered_ciphertext_fails_without_touching_the_session() {
    let alice = Party::new("100", 1).await;
    let bob = Party::new("200", 0).await;
    let b = bob.bundle(5).await;
    let (n1, _) = send_dm(&alice, &bob, "M1", &text("one"), Some(b)).await;
    text_of(&receive(&bob, &n1).await);
    let (r1, _) = send_dm(&bob, &alice, "R1", &text("ack"), None).await;
    text_of(&receive(&alice, &r1).await);
    let (n2, pk) = send_dm(&alice, &bob, "M2", &text("two"), None).await;
    assert!(!pk, "a msg: its last 8 bytes are the MAC");
    let mut bad = n2.clone();
    if let Some(wacore_binary::node::NodeContent::Nodes(kids)) = bad.content.as_mut()
        && let Some(wacore_binary::node::NodeContent::Bytes(b)) = kids[0].content.as_mut()
    {
        let last = b.len() - 1;
        b[last] ^= 1;
    }
    let info = parse_message_info(&bad, &bob.own()).unwrap();
    let err = decrypt_message(&mut bob.stores(), &bad, &info, &info.source.sender)
        .await
        .unwrap_err();
    assert!(!err.error.is_duplicate());
    // The genuine message still decrypts.
    assert_eq!(text_of(&receive(&bob, &n2).await), "two");
}

async fn send_group(
    from: &Party,
    group: &Jid,
    members: &[&Party],
    id: &str,
    msg: &wa::Message,
    bundles: &HashMap<Jid, PreKeyBundle>,
) -> (Node, Vec<Jid>) {
    let mut stores = from.stores();
    let current: Vec<Jid> = members.iter().map(|m| m.jid.clone()).collect();
    let dist = prepare_distribution(&mut stores, from.store.as_ref(), group, &from.jid, &current)
        .await
        .unwrap();
    let targets: Vec<DeviceTarget> = dist
        .plan
        .recipients
        .iter()
        .map(|j| DeviceTarget {
            wire: j.clone(),
            session: j.clone(),
            own: false,
        })
        .collect();
    let nodes = encrypt_for_devices(
        &mut stores,
        &targets,
        &skdm_plaintext(group, dist.skdm.clone()),
        None,
        bundles,
        &EncAttrs::default(),
    )
    .await
    .unwrap();
    assert!(nodes.failed.is_empty());
    let padded = pad_message(msg.encode_to_vec(), &mut rand::rng());
    let sk = encrypt_group_message(&mut stores, group, &from.jid, &padded)
        .await
        .unwrap();
    let stanza = OutgoingStanza {
        id: id.into(),
        to: group.clone(),
        msg_type: "text",
        participants: nodes.nodes,
        skmsg: Some(wacore::send::enc_node(
            EncType::SenderKey,
            sk,
            &EncAttrs::default(),
        )),
        ..Default::default()
    }
    .build();
    record_distribution(from.store.as_ref(), group, &dist.plan.recipients)
        .await
        .unwrap();
    (stanza, dist.plan.recipients)
}

#[tokio::test]
async fn group_sender_keys_distribution_and_rotation() {
    let alice = Party::new("100", 1).await;
    let bob = Party::new("200", 0).await;
    let carol = Party::new("300", 0).await;
    let group = Jid::group("120363000000000001");
    let mut bundles = HashMap::new();
    bundles.insert(bob.jid.clone(), bob.bundle(1).await);
    bundles.insert(carol.jid.clone(), carol.bundle(1).await);

    let (s1, r1) = send_group(
        &alice,
        &group,
        &[&bob, &carol],
        "G1",
        &text("hi all"),
        &bundles,
    )
    .await;
    assert_eq!(r1.len(), 2, "both get the SKDM");
    for p in [&bob, &carol] {
        let n = deliver_group(&s1, &alice.jid, &p.jid);
        assert_eq!(text_of(&receive(p, &n).await), "hi all");
    }

    // Second message: no SKDM needed, skmsg only.
    let (s2, r2) = send_group(
        &alice,
        &group,
        &[&bob, &carol],
        "G2",
        &text("second"),
        &HashMap::new(),
    )
    .await;
    assert!(r2.is_empty());
    assert!(s2.get_optional_child("participants").is_none());
    for p in [&bob, &carol] {
        let n = deliver_group(&s2, &alice.jid, &p.jid);
        assert_eq!(text_of(&receive(p, &n).await), "second");
        assert_eq!(receive(p, &n).await, DecryptOutcome::Duplicate);
    }

    // Carol leaves: the next message rotates the key and only Bob gets the new one.
    let (s3, r3) = send_group(
        &alice,
        &group,
        &[&bob],
        "G3",
        &text("carol is gone"),
        &HashMap::new(),
    )
    .await;
    assert_eq!(r3, vec![bob.jid.clone()]);
    let n = deliver_group(&s3, &alice.jid, &bob.jid);
    assert_eq!(text_of(&receive(&bob, &n).await), "carol is gone");
    // Even given the ciphertext, Carol's old sender key cannot read it.
    let stolen = deliver_group(&s3, &alice.jid, &carol.jid);
    let info = parse_message_info(&stolen, &carol.own()).unwrap();
    let err = decrypt_message(&mut carol.stores(), &stolen, &info, &info.source.sender)
        .await
        .unwrap_err();
    assert!(err.error.is_missing_sender_key(), "{:?}", err.error);
}

#[tokio::test]
async fn identity_change_is_accepted_reported_and_the_new_session_used() {
    let alice = Party::new("100", 1).await;
    let bob = Party::new("200", 0).await;
    let b = bob.bundle(1).await;
    let (n1, _) = send_dm(&alice, &bob, "M1", &text("hi"), Some(b)).await;
    text_of(&receive(&bob, &n1).await);
    let (r1, _) = send_dm(&bob, &alice, "R1", &text("hello"), None).await;
    match receive(&alice, &r1).await {
        DecryptOutcome::Decrypted {
            identity_changes, ..
        } => assert!(identity_changes.is_empty()),
        o => panic!("{o:?}"),
    }

    // Bob reinstalls: same address, new identity and store.
    let bob2 = Party::new("200", 0).await;
    let a = alice.bundle(9).await;
    let (n2, pk) = send_dm(&bob2, &alice, "R2", &text("new phone who dis"), Some(a)).await;
    assert!(pk);
    match receive(&alice, &n2).await {
        DecryptOutcome::Decrypted {
            message: Some(m),
            identity_changes,
            ..
        } => {
            assert_eq!(m.text_content(), Some("new phone who dis"));
            assert_eq!(identity_changes.len(), 1, "the change is reported");
            assert_eq!(identity_changes[0].name(), "200@lid");
        }
        o => panic!("{o:?}"),
    }
    // Alice now talks to the new installation.
    let (n3, _) = send_dm(&alice, &bob2, "M3", &text("welcome back"), None).await;
    assert_eq!(text_of(&receive(&bob2, &n3).await), "welcome back");
}
