//! Property tests: every encodable node round-trips, decoding arbitrary bytes never panics, JIDs
//! round-trip through their string form, the token lookup agrees with a linear scan.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use wacore_binary::jid::Jid;
use wacore_binary::marshal::{marshal, marshal_exact, marshal_ref, unmarshal_ref, unpack};
use wacore_binary::node::{Attrs, Node, NodeContent, NodeValue};
use wacore_binary::token;

fn any_token() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u8..=235).prop_map(|i| token::get_single_token(i).unwrap().to_owned()),
        (0u8..4, any::<u8>()).prop_map(|(d, i)| token::get_double_token(d, i).unwrap().to_owned()),
    ]
}

fn any_jid() -> impl Strategy<Value = Jid> {
    let user = "[0-9]{1,20}";
    prop_oneof![
        user.prop_map(Jid::pn),
        (user, 1u16..=255).prop_map(|(u, d)| Jid::pn_device(u, d)),
        ("[0-9.]{1,20}", 0u16..=255).prop_map(|(u, d)| Jid::lid_device(u, d)),
        "[0-9-]{1,30}".prop_map(Jid::group),
        user.prop_map(Jid::newsletter),
        user.prop_map(Jid::bot),
        (user, 0u16..=255).prop_map(|(u, d)| Jid::hosted(u, d)),
        (user, 0u16..=255).prop_map(|(u, d)| Jid::hosted_lid(u, d)),
        (user, any::<u16>()).prop_map(|(u, d)| Jid::messenger(u, d)),
        (user, any::<u16>(), any::<u16>()).prop_map(|(u, d, i)| Jid::interop(u, d, i)),
        Just(Jid::status_broadcast()),
        prop::sample::select(vec!["s.whatsapp.net", "g.us", "lid", "call"])
            .prop_map(Jid::server_jid),
        ("[a-z]{1,8}", "[a-z]{1,8}\\.[a-z]{2,3}").prop_map(|(u, s)| Jid::new(u, s)),
    ]
}

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any_token(),
        "[0-9.-]{1,140}",
        "[0-9A-F]{1,140}",
        any::<String>(),
        "[a-z0-9:._@-]{0,30}",
        any_jid().prop_map(|j| j.to_string()),
        Just(String::new()),
    ]
}

fn any_node() -> impl Strategy<Value = Node> {
    let leaf_content = prop_oneof![
        Just(None),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(|b| Some(NodeContent::Bytes(b))),
        any_string().prop_map(|s| Some(NodeContent::String(s))),
    ];
    let attrs: BoxedStrategy<Attrs> = prop::collection::vec(
        (
            any_string(),
            prop_oneof![
                any_string().prop_map(NodeValue::String),
                any_jid().prop_map(NodeValue::Jid)
            ],
        ),
        0..6,
    )
    .prop_map(|pairs| pairs.into_iter().collect::<Attrs>())
    .boxed();
    let tag: BoxedStrategy<String> = any_string()
        .prop_filter("non-empty tag", |t| !t.is_empty())
        .boxed();
    let leaf = (tag.clone(), attrs.clone(), leaf_content).prop_map(|(tag, attrs, content)| Node {
        tag,
        attrs,
        content,
    });
    leaf.prop_recursive(4, 40, 6, move |inner| {
        (
            tag.clone(),
            attrs.clone(),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(tag, attrs, children)| Node {
                tag,
                attrs,
                content: Some(NodeContent::Nodes(children)),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn any_node_round_trips(node in any_node()) {
        let frame = marshal(&node).unwrap();
        prop_assert_eq!(&marshal_exact(&node).unwrap(), &frame);
        let bytes = unpack(&frame).unwrap();
        let decoded = unmarshal_ref(&bytes).unwrap();
        prop_assert_eq!(&decoded, &node);
        prop_assert_eq!(&decoded.to_owned(), &node);
        // Re-encoding what was decoded gives the same bytes.
        prop_assert_eq!(marshal_ref(&decoded).unwrap(), frame.clone());
        prop_assert_eq!(marshal(&decoded.to_owned()).unwrap(), frame);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = unmarshal_ref(&bytes);
        let _ = unpack(&bytes).map(|b| unmarshal_ref(&b).map(|n| n.to_owned()));
    }

    #[test]
    fn mutated_frames_never_panic(node in any_node(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut bytes = marshal(&node).unwrap().split_off(1);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Ok(n) = unmarshal_ref(&bytes) {
            // Whatever decodes must re-encode and decode to an equal node.
            if let Ok(again) = marshal_ref(&n) {
                prop_assert_eq!(unmarshal_ref(&again[1..]).unwrap(), n);
            }
        }
        let _ = unmarshal_ref(&bytes[..cut.index(bytes.len() + 1)]);
    }

    #[test]
    fn jids_round_trip_through_strings(jid in any_jid()) {
        let s = jid.to_string();
        prop_assert_eq!(s.parse::<Jid>().unwrap(), jid.clone());
        prop_assert!(jid.display_eq(&s));
        prop_assert_eq!(jid.as_jid_ref().to_owned(), jid);
    }

    #[test]
    fn jid_parsing_never_panics(s in any::<String>(), t in "[0-9a-z:.@_-]{0,24}") {
        for input in [&s, &t] {
            if let Ok(jid) = input.parse::<Jid>() {
                // Parsing what we print gives the same JID back.
                prop_assert_eq!(jid.to_string().parse::<Jid>().unwrap(), jid);
            }
        }
    }

    #[test]
    fn token_lookup_matches_a_scan(s in prop_oneof![any_token(), "[a-z_:.-]{1,12}", any::<String>()]) {
        let scan = (1u8..=235).find(|&i| token::get_single_token(i) == Some(s.as_str())).map(token::Token::Single).or_else(|| {
            (0u8..4).flat_map(|d| (0u8..=255).map(move |i| (d, i)))
                .find(|&(d, i)| token::get_double_token(d, i) == Some(s.as_str()))
                .map(|(dict, index)| token::Token::Double { dict, index })
        });
        prop_assert_eq!(token::index_of_token(&s), scan);
    }
}
