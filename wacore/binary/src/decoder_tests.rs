//! Bad input: every malformed frame is a typed error, never a panic.

use crate::builder::NodeBuilder;
use crate::error::BinaryError;
use crate::jid::Jid;
use crate::marshal::{MAX_DEPTH, marshal, unmarshal_ref, unpack, unpack_with_limit};
use crate::node::Node;
use crate::token::{self, BINARY_8, LIST_8, LIST_16};

const MESSAGE: u8 = 19;
const ID: u8 = 8;

fn stanza() -> Node {
    NodeBuilder::new("message")
        .jid_attr("to", Jid::pn_device("15551234567", 3))
        .attr("id", "3EB0ABCD")
        .attr("notify", "José")
        .children([NodeBuilder::new("enc")
            .attr("v", "2")
            .bytes(vec![7; 300])
            .build()])
        .build()
}

#[test]
fn token_and_tag_values_are_the_wire_ones() {
    assert_eq!(token::index_of_single_token("message"), Some(MESSAGE));
    assert_eq!(token::index_of_single_token("id"), Some(ID));
    let text = token::index_of_single_token("text").unwrap();
    let node = NodeBuilder::new("message").attr("type", "text").build();
    assert_eq!(marshal(&node).unwrap(), [0, LIST_8, 3, MESSAGE, 4, text]);
    let with_body = NodeBuilder::new("message")
        .attr("type", "text")
        .children([NodeBuilder::new("body").string_content("Hi").build()])
        .build();
    // "body" is a double-byte token (dictionary 1).
    let (dict, body) = token::index_of_double_byte_token("body").unwrap();
    assert_eq!(
        marshal(&with_body).unwrap(),
        [
            0,
            LIST_8,
            4,
            MESSAGE,
            4,
            text,
            LIST_8,
            1,
            LIST_8,
            2,
            token::DICTIONARY_0 + dict,
            body,
            BINARY_8,
            2,
            b'H',
            b'i'
        ]
    );
    assert_eq!(
        (
            token::AD_JID,
            token::HEX_8,
            token::NIBBLE_8,
            token::JID_PAIR
        ),
        (247, 251, 255, 250)
    );
}

#[test]
fn every_truncation_is_an_error() {
    let frame = marshal(&stanza()).unwrap();
    let bytes = &frame[1..];
    unmarshal_ref(bytes).unwrap();
    for len in 0..bytes.len() {
        match unmarshal_ref(&bytes[..len]) {
            Err(BinaryError::UnexpectedEof { .. } | BinaryError::LengthPastEnd { .. }) => {}
            other => panic!("prefix {len}: {other:?}"),
        }
    }
    assert!(matches!(
        unmarshal_ref(&[]),
        Err(BinaryError::UnexpectedEof {
            offset: 0,
            needed: 1
        })
    ));
}

#[test]
fn lengths_past_the_end() {
    // <message> with bytes content claiming 10 bytes, 2 present.
    let r = unmarshal_ref(&[LIST_8, 2, MESSAGE, BINARY_8, 10, 1, 2]);
    assert_eq!(
        r,
        Err(BinaryError::LengthPastEnd {
            offset: 3,
            len: 10,
            remaining: 2
        })
    );
    // BINARY_32 claiming 4 GiB.
    let r = unmarshal_ref(&[
        LIST_8,
        2,
        MESSAGE,
        token::BINARY_32,
        0xFF,
        0xFF,
        0xFF,
        0xFF,
        0,
    ]);
    assert!(matches!(
        r,
        Err(BinaryError::LengthPastEnd {
            len: 0xFFFF_FFFF,
            ..
        })
    ));
    // A node list of 65535 items in 3 bytes.
    let r = unmarshal_ref(&[LIST_16, 0xFF, 0xFF, MESSAGE]);
    assert!(matches!(
        r,
        Err(BinaryError::LengthPastEnd {
            offset: 0,
            len: 65535,
            ..
        })
    ));
    // 200 children declared, none present.
    let r = unmarshal_ref(&[LIST_8, 2, MESSAGE, LIST_8, 200]);
    assert!(matches!(
        r,
        Err(BinaryError::LengthPastEnd {
            offset: 3,
            len: 200,
            ..
        })
    ));
}

#[test]
fn unknown_tags() {
    // A node must start with a list.
    assert_eq!(
        unmarshal_ref(&[5, 1, 2]),
        Err(BinaryError::InvalidListTag { tag: 5, offset: 0 })
    );
    // Bytes 240..=244 are unassigned.
    for tag in 240..=244u8 {
        let bytes = [LIST_8, 1, tag];
        let r = unmarshal_ref(&bytes);
        assert_eq!(r, Err(BinaryError::InvalidToken { tag, offset: 2 }));
    }
    // A list where a string must be.
    assert_eq!(
        unmarshal_ref(&[LIST_8, 1, LIST_8]),
        Err(BinaryError::InvalidToken {
            tag: LIST_8,
            offset: 2
        })
    );
}

#[test]
fn token_indexes_out_of_range() {
    // Every assigned index decodes; the table has no gaps the decoder could fall into.
    for i in token::SINGLE_BYTE_MIN..=token::SINGLE_BYTE_MAX {
        assert!(token::get_single_token(i).is_some());
    }
    assert_eq!(token::get_single_token(0), None);
    assert_eq!(token::get_single_token(token::SINGLE_BYTE_MAX + 1), None);
    assert_eq!(token::get_double_token(4, 0), None);
    // A double-byte dictionary byte with its index missing.
    let r = unmarshal_ref(&[LIST_8, 1, token::DICTIONARY_3]);
    assert_eq!(
        r,
        Err(BinaryError::UnexpectedEof {
            offset: 3,
            needed: 1
        })
    );
}

#[test]
fn invalid_utf8() {
    let r = unmarshal_ref(&[LIST_8, 1, BINARY_8, 3, b'a', 0xFF, 0xFE]);
    assert_eq!(r, Err(BinaryError::InvalidUtf8 { offset: 5 }));
    // In an attribute value, and in a JID user.
    let r = unmarshal_ref(&[LIST_8, 3, MESSAGE, ID, BINARY_8, 1, 0xC3]);
    assert!(matches!(r, Err(BinaryError::InvalidUtf8 { .. })));
    let r = unmarshal_ref(&[
        LIST_8,
        3,
        MESSAGE,
        ID,
        token::JID_PAIR,
        BINARY_8,
        1,
        0x80,
        3,
    ]);
    assert!(matches!(r, Err(BinaryError::InvalidUtf8 { .. })));
    // Byte content is not text: any bytes are fine there.
    assert!(unmarshal_ref(&[LIST_8, 2, MESSAGE, BINARY_8, 2, 0xFF, 0xFE]).is_ok());
}

fn nested(levels: usize) -> Vec<u8> {
    // `levels` nested <message> nodes, each holding the next as its only child.
    let mut out = Vec::new();
    for _ in 0..levels {
        out.extend_from_slice(&[LIST_8, 2, MESSAGE, LIST_8, 1]);
    }
    out.extend_from_slice(&[LIST_8, 1, MESSAGE]);
    out
}

#[test]
fn depth_bomb() {
    assert!(unmarshal_ref(&nested(MAX_DEPTH)).is_ok());
    assert_eq!(
        unmarshal_ref(&nested(MAX_DEPTH + 1)),
        Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH })
    );
    assert_eq!(
        unmarshal_ref(&nested(100_000)),
        Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH })
    );
    // The encoder refuses what the decoder would refuse.
    let deep = (0..=MAX_DEPTH).fold(NodeBuilder::new("leaf").build(), |inner, _| {
        NodeBuilder::new("n").children([inner]).build()
    });
    assert_eq!(
        marshal(&deep),
        Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH })
    );
}

#[test]
fn malformed_nodes_and_jids() {
    assert_eq!(
        unmarshal_ref(&[0]),
        Err(BinaryError::InvalidNode {
            offset: 0,
            reason: "empty list"
        })
    );
    assert_eq!(
        unmarshal_ref(&[LIST_8, 0]),
        Err(BinaryError::InvalidNode {
            offset: 0,
            reason: "empty list"
        })
    );
    assert_eq!(
        unmarshal_ref(&[LIST_8, 1, BINARY_8, 0]),
        Err(BinaryError::InvalidNode {
            offset: 0,
            reason: "empty tag"
        })
    );
    assert_eq!(
        unmarshal_ref(&[LIST_8, 1, MESSAGE, 0]),
        Err(BinaryError::LeftoverData(1))
    );
    // Nibble digit 12 is not in the alphabet.
    let r = unmarshal_ref(&[LIST_8, 1, token::NIBBLE_8, 1, 0x1C]);
    assert_eq!(
        r,
        Err(BinaryError::InvalidPacked {
            digit: 12,
            offset: 4
        })
    );
    // AD_JID with an unknown domain type.
    let r = unmarshal_ref(&[
        LIST_8,
        3,
        MESSAGE,
        ID,
        token::AD_JID,
        2,
        1,
        BINARY_8,
        1,
        b'1',
    ]);
    assert!(matches!(
        r,
        Err(BinaryError::InvalidWireJid {
            reason: "unknown AD_JID domain type",
            ..
        })
    ));
    // A JID whose user is itself a JID.
    let r = unmarshal_ref(&[
        LIST_8,
        3,
        MESSAGE,
        ID,
        token::JID_PAIR,
        token::JID_PAIR,
        0,
        3,
        3,
    ]);
    assert!(matches!(
        r,
        Err(BinaryError::InvalidWireJid {
            reason: "a JID inside a JID",
            ..
        })
    ));
    // JID_PAIR with an empty server.
    let r = unmarshal_ref(&[LIST_8, 3, MESSAGE, ID, token::JID_PAIR, 0, 0]);
    assert!(matches!(
        r,
        Err(BinaryError::InvalidWireJid {
            reason: "empty server",
            ..
        })
    ));
    // FB_JID must be on msgr.
    let r = unmarshal_ref(&[
        LIST_8,
        3,
        MESSAGE,
        ID,
        token::FB_JID,
        BINARY_8,
        1,
        b'1',
        0,
        1,
        3,
    ]);
    assert!(matches!(
        r,
        Err(BinaryError::InvalidWireJid {
            reason: "FB_JID server is not msgr",
            ..
        })
    ));
}

#[test]
fn encoder_errors() {
    assert_eq!(
        marshal(&NodeBuilder::new("").build()),
        Err(BinaryError::EmptyTag)
    );
    let bad = NodeBuilder::new("iq")
        .jid_attr("to", Jid::pn_device("1", 300))
        .build();
    assert!(matches!(
        marshal(&bad),
        Err(BinaryError::JidNotEncodable {
            reason: "AD_JID devices are at most 255",
            ..
        })
    ));
    let bad = NodeBuilder::new("iq")
        .jid_attr(
            "to",
            Jid {
                device: 2,
                ..Jid::group("1")
            },
        )
        .build();
    assert!(matches!(
        marshal(&bad),
        Err(BinaryError::JidNotEncodable { .. })
    ));
    let wide = NodeBuilder::new("l")
        .children((0..65_536).map(|_| NodeBuilder::new("i").build()))
        .build();
    assert_eq!(marshal(&wide), Err(BinaryError::ListTooLong(65_536)));
    // marshal_to_vec leaves the buffer as it was on error.
    let mut buf = vec![9, 9];
    assert!(crate::marshal::marshal_to_vec(&bad, &mut buf).is_err());
    assert_eq!(buf, [9, 9]);
}

#[test]
fn unpack_frames() {
    assert_eq!(unpack(&[]), Err(BinaryError::EmptyData));
    let frame = marshal(&stanza()).unwrap();
    assert_eq!(unpack(&frame).unwrap().as_ref(), &frame[1..]);
    // A compressed frame.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &frame[1..]).unwrap();
    let mut compressed = vec![2u8];
    compressed.extend(z.finish().unwrap());
    let inflated = unpack(&compressed).unwrap();
    assert_eq!(unmarshal_ref(&inflated).unwrap(), stanza());
    // Corrupt zlib.
    assert!(matches!(
        unpack(&[2, 1, 2, 3, 4]),
        Err(BinaryError::Decompress(_))
    ));
    // A zlib bomb: 1 MiB of zeros in ~1 KiB, with a 64 KiB limit.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![0u8; 1 << 20]).unwrap();
    let mut bomb = vec![2u8];
    bomb.extend(z.finish().unwrap());
    assert!(bomb.len() < 4096);
    assert_eq!(
        unpack_with_limit(&bomb, 64 << 10),
        Err(BinaryError::DecompressedTooLarge { limit: 64 << 10 })
    );
}

#[test]
fn packed_alphabets() {
    // Every nibble and hex digit, odd and even lengths, decode back.
    for len in [3, 5, 126, 127] {
        let digits: String = (0..len).map(|i| ['9', '5', '-', '.', '0'][i % 5]).collect();
        let hex: String = (0..len).map(|i| ['F', 'A', '7', 'C', '0'][i % 5]).collect();
        let node = NodeBuilder::new("n")
            .attr("d", digits.as_str())
            .attr("h", hex.as_str())
            .build();
        let frame = marshal(&node).unwrap();
        assert!(frame.contains(&token::NIBBLE_8) && frame.contains(&token::HEX_8));
        assert_eq!(unmarshal_ref(&frame[1..]).unwrap(), node);
    }
}
