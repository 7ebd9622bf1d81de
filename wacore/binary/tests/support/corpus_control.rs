//! Hand-written stanzas, part 2: IQs, connection control, presence, calls and encoding edge
//! cases.

use wacore_binary::builder::NodeBuilder as B;
use wacore_binary::jid::{Jid, SERVER_JID};
use wacore_binary::node::{Node, NodeContent};

use super::corpus::bytes;

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

/// Stanzas (named) using the shared JIDs of part 1.
pub fn stanzas(peer: &Jid, lid: &Jid, group: &Jid, me: &Jid) -> Vec<(&'static str, Node)> {
    let (peer, lid, group, me) = (peer.clone(), lid.clone(), group.clone(), me.clone());
    let mut v: Vec<(&'static str, Node)> = Vec::new();
    v.push((
        "usync query",
        iq(
            "3EB0.1",
            "get",
            "usync",
            vec![
                B::new("usync")
                    .attr("sid", "3EB0ABCD1234")
                    .attr("mode", "query")
                    .attr("last", "true")
                    .attr("index", "0")
                    .attr("context", "message")
                    .children([
                        B::new("query")
                            .children([
                                B::new("devices").attr("version", "2").build(),
                                B::new("lid").build(),
                            ])
                            .build(),
                        B::new("list")
                            .children(
                                [peer.clone(), lid.clone(), Jid::pn("14155550123")]
                                    .map(|j| B::new("user").jid_attr("jid", j).build()),
                            )
                            .build(),
                    ])
                    .build(),
            ],
        ),
    ));
    v.push((
        "prekey upload",
        iq("3EB0.2", "set", "encrypt", {
            let mut c = vec![
                B::new("registration").bytes(vec![0, 0, 0x12, 0x34]).build(),
                B::new("type").bytes(vec![5]).build(),
                B::new("identity").bytes(bytes(32, 14)).build(),
            ];
            c.push(
                B::new("list")
                    .children((0..30u32).map(|i| {
                        B::new("key")
                            .children([
                                B::new("id").bytes(i.to_be_bytes()[1..].to_vec()).build(),
                                B::new("value").bytes(bytes(32, i as u8)).build(),
                            ])
                            .build()
                    }))
                    .build(),
            );
            c.push(
                B::new("skey")
                    .children([
                        B::new("id").bytes(vec![0, 0, 1]).build(),
                        B::new("value").bytes(bytes(32, 15)).build(),
                        B::new("signature").bytes(bytes(64, 16)).build(),
                    ])
                    .build(),
            );
            c
        }),
    ));
    v.push((
        "group info result",
        B::new("iq")
            .jid_attr("from", group.clone())
            .attr("id", "3EB0.3")
            .attr("type", "result")
            .children([B::new("group")
                .attr("id", "120363025246125486")
                .jid_attr("creator", Jid::pn("5511999887766"))
                .attr("creation", "1600000000")
                .attr("subject", "Família 👨‍👩‍👧 & friends <3")
                .attr("s_t", "1600000001")
                .jid_attr("s_o", peer.clone())
                .attr("size", "3")
                .children([
                    B::new("participant")
                        .jid_attr("jid", peer.clone())
                        .attr("type", "superadmin")
                        .build(),
                    B::new("participant")
                        .jid_attr("jid", lid.clone())
                        .attr("type", "admin")
                        .build(),
                    B::new("participant")
                        .jid_attr("jid", Jid::pn("14155550123"))
                        .build(),
                    B::new("description")
                        .attr("id", "ABCDEF")
                        .children([B::new("body")
                            .string_content("Regras do grupo:\n1. Respeito\n2. Sem spam ✅")
                            .build()])
                        .build(),
                    B::new("announcement").build(),
                    B::new("ephemeral").attr("expiration", "604800").build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "pair-device",
        B::new("iq")
            .jid_attr("from", server())
            .attr("id", "1")
            .attr("type", "set")
            .attr("xmlns", "md")
            .children([B::new("pair-device")
                .children((0..6).map(|i| {
                    B::new("ref")
                        .string_content(format!("2@{}+abc/def==,{}", "Xy9".repeat(10), i))
                        .build()
                }))
                .build()])
            .build(),
    ));
    v.push((
        "pair-success",
        B::new("iq")
            .jid_attr("from", server())
            .attr("id", "2")
            .attr("type", "set")
            .attr("xmlns", "md")
            .children([B::new("pair-success")
                .children([
                    B::new("device-identity").bytes(bytes(180, 17)).build(),
                    B::new("platform").attr("name", "smba").build(),
                    B::new("device")
                        .jid_attr("jid", me.clone())
                        .jid_attr("lid", Jid::lid_device("123456789012345", 12))
                        .build(),
                    B::new("biz").attr("name", "Loja São João").build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "success",
        B::new("success")
            .attr("t", "1718035207")
            .attr("props", "34")
            .attr("creation", "1600000000")
            .attr("location", "frc")
            .jid_attr("lid", Jid::lid_device("123456789012345", 12))
            .attr("display_name", "Me")
            .build(),
    ));
    v.push((
        "stream error 515",
        B::new("stream:error").attr("code", "515").build(),
    ));
    v.push((
        "stream error conflict",
        B::new("stream:error")
            .children([B::new("conflict").attr("type", "replaced").build()])
            .build(),
    ));
    v.push((
        "ib offline",
        B::new("ib")
            .children([B::new("offline").attr("count", "3").build()])
            .build(),
    ));
    v.push((
        "ib dirty",
        B::new("ib")
            .children([B::new("dirty")
                .attr("type", "account_sync")
                .attr("timestamp", "1718035208")
                .build()])
            .build(),
    ));
    v.push((
        "ib edge routing",
        B::new("ib")
            .children([B::new("edge_routing")
                .children([B::new("routing_info").bytes(bytes(12, 18)).build()])
                .build()])
            .build(),
    ));
    v.push((
        "presence available",
        B::new("presence")
            .attr("type", "available")
            .attr("name", "Zoë")
            .build(),
    ));
    v.push((
        "presence unavailable",
        B::new("presence")
            .jid_attr("from", peer.clone())
            .attr("type", "unavailable")
            .attr("last", "deny")
            .build(),
    ));
    v.push((
        "chatstate composing",
        B::new("chatstate")
            .jid_attr("from", peer.clone())
            .children([B::new("composing").build()])
            .build(),
    ));
    v.push((
        "chatstate audio",
        B::new("chatstate")
            .jid_attr("to", group.clone())
            .children([B::new("composing").attr("media", "audio").build()])
            .build(),
    ));
    v.push((
        "call offer",
        B::new("call")
            .jid_attr("from", peer.clone())
            .attr("id", "1718035209")
            .attr("t", "1718035209")
            .children([B::new("offer")
                .attr("call-id", "8D5C1A2B3C4D5E6F7A8B9C0D1E2F3A4B")
                .jid_attr("call-creator", Jid::pn_device("5511999887766", 1))
                .children([
                    B::new("audio")
                        .attr("enc", "opus")
                        .attr("rate", "16000")
                        .build(),
                    B::new("audio")
                        .attr("enc", "opus")
                        .attr("rate", "8000")
                        .build(),
                    enc("pkmsg", 120, 19),
                    B::new("net").attr("medium", "3").build(),
                    B::new("capability")
                        .attr("ver", "1")
                        .bytes(vec![1, 4, 255, 131, 207, 4])
                        .build(),
                ])
                .build()])
            .build(),
    ));
    v.push((
        "app state patch 300B",
        iq(
            "3EB0.4",
            "set",
            "w:sync:app:state",
            vec![
                B::new("sync")
                    .children([B::new("collection")
                        .attr("name", "regular_high")
                        .attr("version", "5")
                        .attr("return_snapshot", "false")
                        .children([B::new("patch").bytes(bytes(300, 20)).build()])
                        .build()])
                    .build(),
            ],
        ),
    ));
    v.push((
        "media 70KB",
        B::new("message")
            .jid_attr("to", peer.clone())
            .attr("id", "3EB0BIG")
            .children([enc("msg", 70_000, 21)])
            .build(),
    ));
    v.push((
        "binary 1 MiB + 1",
        B::new("iq")
            .attr("id", "big")
            .children([B::new("blob").bytes(bytes((1 << 20) + 1, 22)).build()])
            .build(),
    ));
    v.push((
        "binary length edges",
        B::new("edges")
            .children([0usize, 1, 255, 256, (1 << 20) - 1, 1 << 20].map(|n| {
                B::new("b")
                    .attr("len", n.to_string())
                    .bytes(bytes(n, n as u8))
                    .build()
            }))
            .build(),
    ));
    v.push((
        "unicode text",
        B::new("message")
            .jid_attr("to", peer.clone())
            .children([
                B::new("body")
                    .string_content("Olá, mundo! 你好，世界 مرحبا بالعالم 🎉🇧🇷 naïve café")
                    .build(),
                B::new("body").string_content("x".repeat(300)).build(),
            ])
            .build(),
    ));
    v.push((
        "packed strings",
        B::new("packed")
            .attr("digits", "5511999887766")
            .attr("dash", "123-456")
            .attr("dot", "1.2.3")
            .attr("odd", "12345")
            .attr("one", "7")
            .attr("neg", "-1")
            .attr("max", "9".repeat(127))
            .attr("over", "9".repeat(128))
            .attr("hex", "ABCDEF0123456789")
            .attr("hexodd", "ABC")
            .attr("lower", "abcdef")
            .attr("hexmax", "F".repeat(127))
            .attr("hexover", "A".repeat(128))
            .attr("mixed", "12AB-")
            .string_content("1234567890")
            .build(),
    ));
    v.push((
        "double-byte tokens",
        B::new("iq")
            .attr("xmlns", "w:gp2")
            .attr("type", "read-self")
            .attr("tz", "America/Sao_Paulo")
            .attr("zone", "Asia/Kolkata")
            .attr("reason", "transaction-id")
            .string_content("business_profile")
            .build(),
    ));
    v.push((
        "jid strings of every form",
        B::new("jids")
            .attr("pn", "15551234567@s.whatsapp.net")
            .attr("dev", "15551234567:2@s.whatsapp.net")
            .attr("lid", "123456789012345@lid")
            .attr("liddev", "123456789012345:45@lid")
            .attr("g", "120363025246125486@g.us")
            .attr("old_group", "15551234567-1609459200@g.us")
            .attr("st", "status@broadcast")
            .attr("bl", "1234567@broadcast")
            .attr("nl", "120363144038483540@newsletter")
            .attr("bot", "867051314767696@bot")
            .attr("hosted", "15551234567:99@hosted")
            .attr("hosted0", "15551234567@hosted")
            .attr("hlid", "123456789012345:99@hosted.lid")
            .attr("msgr", "100012345678@msgr")
            .attr("interop", "5551234@interop")
            .attr("srv", "@s.whatsapp.net")
            .attr("gsrv", "@g.us")
            .attr("call", "ABC123@call")
            .attr("legacy", "15551234567@c.us")
            .attr("other", "hello world@example.org")
            .attr("lid_dots", "100000000000001.1:75@lid")
            .build(),
    ));
    v.push((
        "jid in tag, key and content",
        B::new("15551234567@s.whatsapp.net")
            .attr("123@lid", "x")
            .string_content("120363025246125486@g.us")
            .build(),
    ));
    v.push((
        "empties",
        B::new("empties")
            .attr("e", "")
            .children([
                B::new("nolist").children(Vec::new()).build(),
                B::new("nostr").string_content("").build(),
                B::new("nobytes").bytes(Vec::new()).build(),
            ])
            .build(),
    ));
    v.push((
        "256 attributes",
        (0..200)
            .fold(B::new("wide"), |b, i| {
                b.attr(format!("k_{i}"), format!("v{i}x"))
            })
            .build(),
    ));
    v.push((
        "255 and 256 children",
        B::new("lists")
            .children([
                B::new("l255")
                    .children((0..255).map(|_| B::new("i").build()))
                    .build(),
                B::new("l256")
                    .children((0..256).map(|_| B::new("i").build()))
                    .build(),
            ])
            .build(),
    ));
    v.push((
        "deep nesting",
        (0..40).fold(B::new("leaf").bytes(vec![1]).build(), |inner, i| {
            B::new(if i % 2 == 0 { "list" } else { "item" })
                .children([inner])
                .build()
        }),
    ));
    v.push((
        "apply content",
        B::new("x")
            .apply_content(Some(NodeContent::String("body".into())))
            .build(),
    ));
    v
}
