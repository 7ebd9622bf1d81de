//! Conversion between the server's [`Stanza`] and the binary node format of `wacore-binary`.
//!
//! Decoding turns every attribute value (JIDs included) into its string form and string content
//! into bytes; encoding hands string attributes to the encoder, which writes JID-shaped strings
//! in their compact JID form as the real server does.

use wacore_binary::marshal::{marshal, unmarshal_ref, unpack};
use wacore_binary::node::{Attrs, Node, NodeContent, NodeContentRef, NodeRef};

use crate::stanza::{Content, Stanza};

/// Decodes a decrypted frame (flag byte + node bytes, possibly zlib-compressed).
pub(crate) fn decode(frame: &[u8]) -> Result<Stanza, wacore_binary::BinaryError> {
    let bytes = unpack(frame)?;
    let node = unmarshal_ref(&bytes)?;
    Ok(from_node_ref(&node))
}

/// Encodes a stanza into a frame plaintext (flag byte + node bytes).
pub(crate) fn encode(stanza: &Stanza) -> Result<Vec<u8>, wacore_binary::BinaryError> {
    marshal(&to_node(stanza))
}

fn from_node_ref(n: &NodeRef<'_>) -> Stanza {
    let attrs = n
        .attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_str().into_owned()))
        .collect();
    let content = match &n.content {
        None => Content::None,
        Some(NodeContentRef::Bytes(b)) => Content::Bytes(b.to_vec()),
        Some(NodeContentRef::String(s)) => Content::Bytes(s.as_bytes().to_vec()),
        Some(NodeContentRef::Nodes(kids)) => {
            Content::Nodes(kids.iter().map(from_node_ref).collect())
        }
    };
    Stanza {
        tag: n.tag.to_string(),
        attrs,
        content,
    }
}

fn to_node(s: &Stanza) -> Node {
    let mut attrs = Attrs::with_capacity(s.attrs.len());
    for (k, v) in &s.attrs {
        attrs.push(k.clone(), v.clone());
    }
    let content = match &s.content {
        Content::None => None,
        Content::Bytes(b) => Some(NodeContent::Bytes(b.clone())),
        Content::Nodes(kids) => Some(NodeContent::Nodes(kids.iter().map(to_node).collect())),
    };
    Node::new(s.tag.clone(), attrs, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_attrs_jids_bytes_and_children() {
        let s = Stanza::new("message")
            .attr("to", "15550001111:3@s.whatsapp.net")
            .attr("participant", "123456789:2@lid")
            .attr("id", "3EB0ABCDEF")
            .attr("type", "text")
            .child(
                Stanza::new("enc")
                    .attr("v", "2")
                    .attr("type", "pkmsg")
                    .bytes(vec![0, 1, 2, 255]),
            )
            .child(Stanza::new("ref").bytes(b"2@abc".to_vec()));
        let frame = encode(&s).unwrap();
        assert_eq!(frame.first(), Some(&0));
        assert_eq!(decode(&frame).unwrap(), s);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[0, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[2, 1, 2, 3]).is_err(), "bad zlib");
    }
}
