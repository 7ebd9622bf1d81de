//! Routing tests on the world directly: fan-out, queues, acks, de-duplication, errors.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::config::Config;
use crate::conn::dispatch::dispatch;
use crate::keys::ServerKeys;
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{Account, Device, Outbound, Shared};

struct Fixture {
    shared: Arc<Shared>,
}

impl Fixture {
    fn new() -> Fixture {
        let shared = Shared::new(
            Config::default(),
            ServerKeys::generate(Some([1; 32])),
            "127.0.0.1:1".parse().unwrap(),
            None,
        );
        Fixture { shared }
    }

    fn account(&self, phone: &str, devices: &[u16]) {
        let mut w = self.shared.world();
        let lid = format!("9{phone}");
        let mut a = Account::new(phone, &lid);
        for d in devices {
            a.devices
                .insert(*d, Device::new(*d, vec![*d as u8; 32], vec![1; 32], 1));
        }
        w.lid_to_phone.insert(lid, phone.to_owned());
        w.accounts.insert(phone.to_owned(), a);
    }

    /// Connects a device; returns its session and the receiving end of its channel.
    fn connect(&self, phone: &str, dev: u16) -> (Session, mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut w = self.shared.world();
        let conn = w.add_conn(tx);
        w.conns.get_mut(&conn).unwrap().device = Some((phone.to_owned(), dev));
        w.device_mut(phone, dev).unwrap().conn = Some(conn);
        let lid = w.account(phone).unwrap().lid.clone();
        let me = Me {
            phone: phone.to_owned(),
            lid,
            device: dev,
        };
        (
            Session {
                conn,
                shared: self.shared.clone(),
                me: Some(me),
            },
            rx,
        )
    }

    fn send(&self, s: &Session, node: Stanza) {
        let mut w = self.shared.world();
        dispatch(s, &mut w, &node);
    }

    fn queue_ids(&self, phone: &str, dev: u16) -> Vec<String> {
        let w = self.shared.world();
        w.account(phone).unwrap().devices[&dev]
            .queue
            .iter()
            .map(|q| q.id.clone())
            .collect()
    }
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Outbound>) -> Vec<Stanza> {
    let mut out = Vec::new();
    while let Ok(o) = rx.try_recv() {
        if let Outbound::Stanza(s) = o {
            out.push(s);
        }
    }
    out
}

fn enc(ty: &str, body: &[u8]) -> Stanza {
    Stanza::new("enc")
        .attr("v", "2")
        .attr("type", ty)
        .bytes(body.to_vec())
}

fn direct(id: &str, to: &str, targets: &[(&str, &[u8])]) -> Stanza {
    let tos: Vec<Stanza> = targets
        .iter()
        .map(|(j, b)| Stanza::new("to").attr("jid", *j).child(enc("msg", b)))
        .collect();
    Stanza::new("message")
        .attr("id", id)
        .attr("to", to)
        .attr("type", "text")
        .child(Stanza::new("participants").children(tos))
}

#[test]
fn direct_message_fans_out_to_recipient_and_own_devices_with_ack() {
    let f = Fixture::new();
    f.account("111", &[0, 1, 2]);
    f.account("222", &[0, 5]);
    let (alice, mut alice_rx) = f.connect("111", 1);
    let (_bob5, mut bob_rx) = f.connect("222", 5);
    let msg = direct(
        "M1",
        "222@s.whatsapp.net",
        &[
            ("222@s.whatsapp.net", b"b0"),
            ("222:5@s.whatsapp.net", b"b5"),
            ("111:2@s.whatsapp.net", b"a2"),
        ],
    );
    f.send(&alice, msg);
    let acks = drain(&mut alice_rx);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].tag, "ack");
    assert_eq!(acks[0].get("class"), Some("message"));
    assert!(acks[0].get("error").is_none());
    // Bob's online device got its own ciphertext, from Alice's device, with her LID alongside.
    let got = drain(&mut bob_rx);
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.get("from"), Some("111:1@s.whatsapp.net"));
    assert_eq!(m.get("sender_lid"), Some("9111@lid"));
    assert_eq!(m.first("enc").and_then(Stanza::data), Some(&b"b5"[..]));
    // Offline devices keep theirs queued; Alice's other device sees `recipient`.
    assert_eq!(f.queue_ids("222", 0), vec!["M1"]);
    assert_eq!(f.queue_ids("111", 2), vec!["M1"]);
    let w = f.shared.world();
    let q = &w.account("111").unwrap().devices[&2].queue[0].stanza;
    assert_eq!(q.get("recipient"), Some("222@s.whatsapp.net"));
    assert_eq!(q.first("enc").and_then(Stanza::data), Some(&b"a2"[..]));
}

#[test]
fn ack_removes_from_queue_and_duplicates_are_not_redelivered() {
    let f = Fixture::new();
    f.account("111", &[0, 1]);
    f.account("222", &[0, 3]);
    let (alice, mut alice_rx) = f.connect("111", 1);
    let (bob, mut bob_rx) = f.connect("222", 3);
    let msg = direct(
        "D1",
        "222@s.whatsapp.net",
        &[("222:3@s.whatsapp.net", b"x")],
    );
    f.send(&alice, msg.clone());
    f.send(&alice, msg);
    assert_eq!(drain(&mut alice_rx).len(), 2, "both copies are acked");
    assert_eq!(
        drain(&mut bob_rx).len(),
        1,
        "the duplicate is not delivered"
    );
    assert_eq!(f.queue_ids("222", 3), vec!["D1"]);
    f.send(
        &bob,
        Stanza::new("ack")
            .attr("id", "D1")
            .attr("class", "message")
            .attr("to", "111:1@s.whatsapp.net"),
    );
    assert!(f.queue_ids("222", 3).is_empty());
}

#[test]
fn message_to_unknown_user_is_nacked_and_nothing_queued() {
    let f = Fixture::new();
    f.account("111", &[0, 1]);
    let (alice, mut rx) = f.connect("111", 1);
    f.send(
        &alice,
        direct("U1", "999@s.whatsapp.net", &[("999@s.whatsapp.net", b"x")]),
    );
    let out = drain(&mut rx);
    assert_eq!(out[0].get("error"), Some("404"));
    f.send(
        &alice,
        Stanza::new("message")
            .attr("id", "U2")
            .attr("to", "not a jid@@"),
    );
    assert_eq!(drain(&mut rx)[0].get("error"), Some("400"));
}

#[test]
fn delivery_receipt_reaches_every_sender_device() {
    let f = Fixture::new();
    f.account("111", &[0, 1, 2]);
    f.account("222", &[0, 3]);
    let (_alice, mut alice_rx) = f.connect("111", 1);
    let (bob, mut bob_rx) = f.connect("222", 3);
    f.send(
        &bob,
        Stanza::new("receipt")
            .attr("id", "M9")
            .attr("to", "111@s.whatsapp.net"),
    );
    let ack = drain(&mut bob_rx);
    assert_eq!(ack[0].get("class"), Some("receipt"));
    let got = drain(&mut alice_rx);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].tag, "receipt");
    assert_eq!(got[0].get("from"), Some("222:3@s.whatsapp.net"));
    assert_eq!(f.queue_ids("111", 0), vec!["M9"]);
    assert_eq!(f.queue_ids("111", 2), vec!["M9"]);
}

#[test]
fn group_message_reaches_all_member_devices_but_not_the_sender() {
    let f = Fixture::new();
    f.account("111", &[0, 1]);
    f.account("222", &[0, 3]);
    f.account("333", &[0]);
    let gid = {
        let mut w = f.shared.world();
        let g = crate::groups::create_group(&mut w, "111", "G", &["222".to_owned()]).unwrap();
        g.get_or_empty("id").to_owned()
    };
    let (alice, mut alice_rx) = f.connect("111", 1);
    let (_bob, mut bob_rx) = f.connect("222", 3);
    drain(&mut bob_rx);
    let to = format!("{gid}@g.us");
    let msg = Stanza::new("message")
        .attr("id", "G1")
        .attr("to", to.as_str())
        .attr("type", "text")
        .child(
            Stanza::new("participants").child(
                Stanza::new("to")
                    .attr("jid", "9222:3@lid")
                    .child(enc("pkmsg", b"skdm")),
            ),
        )
        .child(enc("skmsg", b"group"));
    f.send(&alice, msg);
    assert!(
        drain(&mut alice_rx)
            .iter()
            .any(|a| a.tag == "ack" && a.get("error").is_none())
    );
    let got = drain(&mut bob_rx);
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.get("from"), Some(to.as_str()));
    assert_eq!(m.get("participant"), Some("9111:1@lid"));
    assert_eq!(m.get("participant_pn"), Some("111@s.whatsapp.net"));
    let encs: Vec<&str> = m.all("enc").filter_map(|e| e.get("type")).collect();
    assert_eq!(encs, vec!["pkmsg", "skmsg"]);
    assert_eq!(f.queue_ids("111", 0).last().map(String::as_str), Some("G1"));
    assert!(f.queue_ids("333", 0).is_empty(), "non-members get nothing");
    // A non-member may not send to the group.
    let (carol, mut carol_rx) = f.connect("333", 0);
    f.send(
        &carol,
        Stanza::new("message")
            .attr("id", "G2")
            .attr("to", to.as_str())
            .child(enc("skmsg", b"x")),
    );
    assert_eq!(drain(&mut carol_rx)[0].get("error"), Some("403"));
}

#[test]
fn unknown_iq_namespace_and_unauthenticated_iq_get_errors() {
    let f = Fixture::new();
    f.account("111", &[0, 1]);
    let (alice, mut rx) = f.connect("111", 1);
    f.send(
        &alice,
        Stanza::new("iq")
            .attr("id", "q1")
            .attr("type", "get")
            .attr("xmlns", "nope"),
    );
    let out = drain(&mut rx);
    assert_eq!(out[0].get("type"), Some("error"));
    assert_eq!(
        out[0].first("error").and_then(|e| e.get("code")),
        Some("501")
    );
    let anon = Session {
        me: None,
        ..alice.clone()
    };
    f.send(
        &anon,
        Stanza::new("iq")
            .attr("id", "q2")
            .attr("type", "get")
            .attr("xmlns", "usync"),
    );
    assert_eq!(
        drain(&mut rx)[0].first("error").and_then(|e| e.get("code")),
        Some("401")
    );
}

#[test]
fn prekey_upload_count_and_fetch_consumes_one_key() {
    let f = Fixture::new();
    f.account("111", &[0, 1]);
    f.account("222", &[0, 3]);
    let (bob, mut bob_rx) = f.connect("222", 3);
    let keys: Vec<Stanza> = (1u32..=3)
        .map(|i| {
            Stanza::new("key").children([
                Stanza::new("id").bytes(crate::iq::prekeys::be_bytes(i, 3)),
                Stanza::new("value").bytes(vec![i as u8; 32]),
            ])
        })
        .collect();
    let upload = Stanza::new("iq")
        .attr("id", "u")
        .attr("type", "set")
        .attr("xmlns", "encrypt")
        .children([
            Stanza::new("registration").bytes(vec![0, 0, 1, 2]),
            Stanza::new("type").bytes(vec![5]),
            Stanza::new("identity").bytes(vec![7; 32]),
            Stanza::new("list").children(keys),
            Stanza::new("skey").children([
                Stanza::new("id").bytes(vec![0, 0, 1]),
                Stanza::new("value").bytes(vec![8; 32]),
                Stanza::new("signature").bytes(vec![9; 64]),
            ]),
        ]);
    f.send(&bob, upload);
    assert_eq!(drain(&mut bob_rx)[0].get("type"), Some("result"));
    f.send(
        &bob,
        Stanza::new("iq")
            .attr("id", "c")
            .attr("type", "get")
            .attr("xmlns", "encrypt")
            .child(Stanza::new("count")),
    );
    assert_eq!(
        drain(&mut bob_rx)[0]
            .first("count")
            .and_then(|c| c.get("value")),
        Some("3")
    );
    let (alice, mut alice_rx) = f.connect("111", 1);
    let fetch = Stanza::new("iq")
        .attr("id", "k")
        .attr("type", "get")
        .attr("xmlns", "encrypt")
        .child(
            Stanza::new("key")
                .child(Stanza::new("user").attr("jid", "9222:3@lid"))
                .child(Stanza::new("user").attr("jid", "222:77@s.whatsapp.net")),
        );
    f.send(&alice, fetch);
    let res = drain(&mut alice_rx);
    let list = res[0].first("list").unwrap();
    let users: Vec<&Stanza> = list.all("user").collect();
    assert_eq!(users[0].get("jid"), Some("9222:3@lid"));
    assert_eq!(
        users[0].first("identity").and_then(Stanza::data),
        Some(&[7u8; 32][..])
    );
    assert_eq!(
        users[0].first("registration").and_then(Stanza::data),
        Some(&[0u8, 0, 1, 2][..])
    );
    assert!(users[0].first("key").is_some());
    assert!(
        users[1].first("error").is_some(),
        "unknown device gets an error"
    );
    let w = f.shared.world();
    assert_eq!(w.account("222").unwrap().devices[&3].prekeys.len(), 2);
}
