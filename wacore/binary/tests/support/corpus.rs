//! Hand-written stanzas of every kind the protocol uses, for the interop corpus.

use wacore_binary::builder::NodeBuilder as B;
use wacore_binary::jid::{Jid, SERVER_JID};
use wacore_binary::node::Node;

/// Deterministic pseudo-random bytes.
pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn server() -> Jid {
    Jid::server_jid(SERVER_JID)
}

fn enc(kind: &str, len: usize, seed: u8) -> Node {
    B::new("enc")
        .attr("v", "2")
        .attr("type", kind)
        .bytes(bytes(len, seed))
        .build()
}

fn iq(id: &str, kind: &str, xmlns: &str, children: Vec<Node>) -> Node {
    B::new("iq")
        .attr("id", id)
        .attr("xmlns", xmlns)
        .attr("type", kind)
        .jid_attr("to", server())
        .children(children)
        .build()
}

/// Realistic stanzas (named).
pub fn stanzas() -> Vec<(&'static str, Node)> {
    let me = Jid::pn_device("15551234567", 12);
    let peer = Jid::pn("5511999887766");
    let lid = Jid::lid("123456789012345");
    let group = Jid::group("120363025246125486");
    let mut v: Vec<(&'static str, Node)> = Vec::new();

    v.push((
        "dm message with enc",
        B::new("message")
            .jid_attr("to", peer.clone())
            .attr("id", "3EB0C431D2A9E7F0B5A2")
            .attr("type", "text")
            .children([enc("msg", 120, 1)])
            .build(),
    ));
    v.push((
        "pkmsg with device identity",
        B::new("message")
            .jid_attr("to", peer.clone())
            .attr("id", "3EB0AAAA0000BBBB")
            .attr("type", "text")
            .children([
                B::new("participants")
                    .children([
                        B::new("to")
                            .jid_attr("jid", Jid::pn_device("5511999887766", 1))
                            .children([enc("pkmsg", 300, 2)])
                            .build(),
                        B::new("to")
                            .jid_attr("jid", Jid::pn_device("15551234567", 3))
                            .children([enc("msg", 90, 3)])
                            .build(),
                    ])
                    .build(),
                B::new("device-identity").bytes(bytes(150, 4)).build(),
            ])
            .build(),
    ));
    v.push((
        "group skmsg",
        B::new("message")
            .jid_attr("to", group.clone())
            .attr("id", "3EB0123456789ABC")
            .attr("type", "media")
            .attr("phash", "2:AbCdEf12")
            .attr("addressing_mode", "lid")
            .children([B::new("enc")
                .attr("v", "2")
                .attr("type", "skmsg")
                .attr("mediatype", "image")
                .bytes(bytes(200, 5))
                .build()])
            .build(),
    ));
    v.push((
        "incoming lid message",
        B::new("message")
            .jid_attr("from", group.clone())
            .jid_attr("participant", Jid::lid_device("123456789012345", 7))
            .attr("participant_pn", "15551234567@s.whatsapp.net")
            .attr("addressing_mode", "lid")
            .attr("id", "AC5F0D1C2B3A")
            .attr("t", "1718035200")
            .attr("notify", "Ana Lúcia 🌸")
            .attr("offline", "1")
            .attr("type", "text")
            .children([enc("skmsg", 64, 6)])
            .build(),
    ));
    v.push((
        "status broadcast",
        B::new("message")
            .jid_attr("to", Jid::status_broadcast())
            .attr("id", "3EB0FFEE")
            .attr("type", "text")
            .children([enc("skmsg", 40, 7)])
            .build(),
    ));
    v.push((
        "newsletter message",
        B::new("message")
            .jid_attr("to", Jid::newsletter("120363144038483540"))
            .attr("id", "3EB0AB12")
            .attr("type", "text")
            .children([B::new("plaintext").bytes(bytes(33, 8)).build()])
            .build(),
    ));
    v.push((
        "bot message",
        B::new("message")
            .jid_attr("to", Jid::bot("867051314767696"))
            .attr("id", "3EB0B0B0")
            .attr("type", "text")
            .children([
                enc("msg", 50, 9),
                B::new("bot").attr("biz_bot", "1").build(),
            ])
            .build(),
    ));
    v.push((
        "hosted devices",
        B::new("message")
            .jid_attr("to", Jid::hosted("15551234567", 99))
            .attr("id", "3EB0C0DE")
            .children([B::new("participants")
                .children([
                    B::new("to")
                        .jid_attr("jid", Jid::hosted_lid("123456789012345", 99))
                        .children([enc("msg", 30, 10)])
                        .build(),
                    B::new("to")
                        .jid_attr("jid", Jid::hosted("15551234567", 0))
                        .children([enc("msg", 30, 11)])
                        .build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "read receipt with list",
        B::new("receipt")
            .attr("id", "3EB0A1")
            .jid_attr("to", peer.clone())
            .attr("type", "read")
            .attr("t", "1718035201")
            .children([B::new("list")
                .children((0..5).map(|i| B::new("item").attr("id", format!("3EB0A{i}F")).build()))
                .build()])
            .build(),
    ));
    v.push((
        "delivery receipt group",
        B::new("receipt")
            .attr("id", "ABCDEF0123")
            .jid_attr("to", group.clone())
            .jid_attr("participant", me.clone())
            .build(),
    ));
    v.push((
        "retry receipt",
        B::new("receipt")
            .attr("id", "3EB0DEAD")
            .jid_attr("to", Jid::lid_device("123456789012345", 2))
            .attr("type", "retry")
            .children([
                B::new("retry")
                    .attr("count", "1")
                    .attr("id", "3EB0DEAD")
                    .attr("t", "1718035202")
                    .attr("v", "1")
                    .build(),
                B::new("registration").bytes(vec![0, 0, 0x30, 0x39]).build(),
            ])
            .build(),
    ));
    v.push((
        "receipt server-error list of 300",
        B::new("receipt")
            .attr("id", "X")
            .attr("type", "server-error")
            .children([B::new("list")
                .children((0..300).map(|i| B::new("item").attr("id", format!("{i}")).build()))
                .build()])
            .build(),
    ));
    v.push((
        "ack",
        B::new("ack")
            .attr("class", "message")
            .attr("id", "3EB0A1B2")
            .jid_attr("to", peer.clone())
            .jid_attr("participant", lid.clone())
            .attr("type", "read")
            .build(),
    ));
    v.push((
        "devices notification",
        B::new("notification")
            .jid_attr("from", Jid::pn("15551234567"))
            .attr("type", "devices")
            .attr("id", "1234567890")
            .attr("t", "1718035203")
            .children([B::new("add")
                .attr("device_hash", "2:AbC123xyz")
                .children([
                    B::new("device")
                        .jid_attr("jid", Jid::pn_device("15551234567", 20))
                        .attr("key-index", "5")
                        .build(),
                    B::new("key-index-list")
                        .attr("ts", "1718035100")
                        .bytes(bytes(70, 12))
                        .build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "w:gp2 add participants",
        B::new("notification")
            .jid_attr("from", group.clone())
            .jid_attr("participant", me.to_non_ad())
            .attr("type", "w:gp2")
            .attr("id", "2815661957")
            .attr("t", "1718035204")
            .attr("notify", "Bob")
            .children([B::new("add")
                .attr("reason", "invite")
                .children([
                    B::new("participant")
                        .jid_attr("jid", lid.clone())
                        .attr("phone_number", "5511999887766@s.whatsapp.net")
                        .build(),
                    B::new("participant")
                        .jid_attr("jid", Jid::lid("99887766554433"))
                        .build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "encrypt count notification",
        B::new("notification")
            .jid_attr("from", server())
            .attr("type", "encrypt")
            .attr("id", "42")
            .attr("t", "1718035205")
            .children([B::new("count").attr("value", "5").build()])
            .build(),
    ));
    v.push((
        "server_sync notification",
        B::new("notification")
            .jid_attr("from", Jid::pn("15551234567"))
            .attr("type", "server_sync")
            .attr("id", "77")
            .children(
                [
                    "regular_high",
                    "regular_low",
                    "critical_block",
                    "critical_unblock_low",
                    "regular",
                ]
                .map(|c| {
                    B::new("collection")
                        .attr("name", c)
                        .attr("version", "12")
                        .build()
                }),
            )
            .build(),
    ));
    v.push((
        "picture notification",
        B::new("notification")
            .jid_attr("from", peer.clone())
            .attr("type", "picture")
            .children([B::new("set")
                .jid_attr("jid", peer.clone())
                .attr("id", "1718035206")
                .build()])
            .build(),
    ));
    v.push((
        "mediaretry notification",
        B::new("notification")
            .jid_attr("from", me.clone())
            .attr("type", "mediaretry")
            .children([
                B::new("rmr")
                    .jid_attr("jid", peer.clone())
                    .attr("from_me", "true")
                    .attr("participant", "")
                    .build(),
                enc("msg", 80, 13),
            ])
            .build(),
    ));
    v.extend(super::corpus_control::stanzas(&peer, &lid, &group, &me));
    v
}
