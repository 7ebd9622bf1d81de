//! Builds a realistic `<message>` stanza, marshals it, prints its size, hex and XML-like form,
//! unmarshals it and checks the result equals the original.
//!
//! Run: `cargo run -p wacore-binary --example node_roundtrip`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::marshal::{marshal, unmarshal_ref, unpack};

fn main() -> Result<(), wacore_binary::BinaryError> {
    // A 1:1 text message as the client sends it: one <enc> per recipient device, plus our own
    // device identity, all inside <message>.
    let ciphertext: Vec<u8> = (0..96u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let node = NodeBuilder::new("message")
        .jid_attr("to", Jid::pn("5511999887766"))
        .attr("id", "3EB0C431D2A9E7F0B5A2")
        .attr("type", "text")
        .attr("t", "1718035200")
        .children([
            NodeBuilder::new("participants")
                .children([NodeBuilder::new("to")
                    .jid_attr("jid", Jid::pn_device("5511999887766", 2))
                    .children([NodeBuilder::new("enc")
                        .attr("v", "2")
                        .attr("type", "msg")
                        .bytes(ciphertext.clone())
                        .build()])
                    .build()])
                .build(),
            NodeBuilder::new("enc")
                .attr("v", "2")
                .attr("type", "pkmsg")
                .bytes(ciphertext)
                .build(),
            NodeBuilder::new("device-identity")
                .bytes(vec![0x0a, 0x12, 0x08, 0x01])
                .build(),
        ])
        .build();

    let frame = marshal(&node)?;
    println!(
        "marshalled: {} bytes (flag byte + {} node bytes)",
        frame.len(),
        frame.len() - 1
    );
    let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
    println!("hex: {hex}");
    println!("node:\n{node:#}");

    let bytes = unpack(&frame)?;
    let decoded = unmarshal_ref(&bytes)?;
    assert_eq!(decoded, node, "decoded node differs from the original");
    assert_eq!(decoded.to_owned(), node);
    println!(
        "unmarshalled: equal to the original ({} attributes, {} children)",
        decoded.attrs.len(),
        decoded.children().map_or(0, <[_]>::len)
    );
    Ok(())
}
