//! Pre-key count and upload (`xmlns="encrypt"`).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// Upload more pre-keys when the server holds fewer than this.
pub const MIN_PRE_KEY_COUNT: u32 = 5;
/// How many pre-keys a regular upload sends.
pub const WANTED_PRE_KEY_COUNT: u32 = 50;
/// How many pre-keys the first upload after pairing sends.
pub const INITIAL_PRE_KEY_COUNT: u32 = 812;

/// Signal's key-type byte for Curve25519 keys.
const DJB_TYPE: u8 = 0x05;

/// `<iq xmlns="encrypt" type="get"><count/></iq>` -> `<count value="N"/>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PreKeyCountIq;

impl IqSpec for PreKeyCountIq {
    type Response = u32;

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::get("encrypt", vec![NodeBuilder::new("count").build()])
    }

    fn parse_response(&self, response: &Node) -> Result<u32, IqParseError> {
        let count = response
            .get_optional_child("count")
            .ok_or(IqParseError::MissingChild {
                tag: "count",
                context: "pre-key count response",
            })?;
        let value = count
            .get_attr("value")
            .ok_or_else(|| IqParseError::BadAttribute {
                attr: "value",
                context: "count",
                reason: "missing".into(),
            })?;
        value
            .as_str()
            .parse::<u32>()
            .map_err(|e| IqParseError::BadAttribute {
                attr: "value",
                context: "count",
                reason: e.to_string(),
            })
    }
}

/// One public pre-key to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPreKey {
    /// Key id (sent as 3 big-endian bytes).
    pub id: u32,
    /// Public key (32 bytes, no type prefix).
    pub public: [u8; 32],
}

/// The signed pre-key to upload alongside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSignedPreKey {
    /// Key id.
    pub id: u32,
    /// Public key.
    pub public: [u8; 32],
    /// XEdDSA signature by the identity key.
    pub signature: [u8; 64],
}

/// `<iq xmlns="encrypt" type="set">` with registration id, identity, pre-key list and
/// signed pre-key.
#[derive(Debug, Clone)]
pub struct UploadPreKeysIq {
    /// Our Signal registration id.
    pub registration_id: u32,
    /// Our identity public key.
    pub identity: [u8; 32],
    /// The one-time pre-keys.
    pub pre_keys: Vec<UploadPreKey>,
    /// The signed pre-key.
    pub signed_pre_key: UploadSignedPreKey,
}

fn key_id_bytes(id: u32) -> Vec<u8> {
    id.to_be_bytes().get(1..).unwrap_or_default().to_vec()
}

impl IqSpec for UploadPreKeysIq {
    type Response = ();

    fn build_iq(&self) -> InfoQuery<'static> {
        let list = self
            .pre_keys
            .iter()
            .map(|k| {
                NodeBuilder::new("key")
                    .children([
                        NodeBuilder::new("id").bytes(key_id_bytes(k.id)).build(),
                        NodeBuilder::new("value").bytes(k.public.to_vec()).build(),
                    ])
                    .build()
            })
            .collect::<Vec<_>>();
        let skey = NodeBuilder::new("skey")
            .children([
                NodeBuilder::new("id")
                    .bytes(key_id_bytes(self.signed_pre_key.id))
                    .build(),
                NodeBuilder::new("value")
                    .bytes(self.signed_pre_key.public.to_vec())
                    .build(),
                NodeBuilder::new("signature")
                    .bytes(self.signed_pre_key.signature.to_vec())
                    .build(),
            ])
            .build();
        InfoQuery::set(
            "encrypt",
            vec![
                NodeBuilder::new("registration")
                    .bytes(self.registration_id.to_be_bytes().to_vec())
                    .build(),
                NodeBuilder::new("type").bytes(vec![DJB_TYPE]).build(),
                NodeBuilder::new("identity")
                    .bytes(self.identity.to_vec())
                    .build(),
                NodeBuilder::new("list").children(list).build(),
                skey,
            ],
        )
    }

    fn parse_response(&self, _response: &Node) -> Result<(), IqParseError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_parses_value_and_rejects_garbage() {
        let ok = NodeBuilder::new("iq")
            .children([NodeBuilder::new("count").attr("value", "42").build()])
            .build();
        assert_eq!(PreKeyCountIq.parse_response(&ok).unwrap(), 42);
        let missing = NodeBuilder::new("iq").build();
        assert!(matches!(
            PreKeyCountIq.parse_response(&missing),
            Err(IqParseError::MissingChild { tag: "count", .. })
        ));
        let bad = NodeBuilder::new("iq")
            .children([NodeBuilder::new("count").attr("value", "-x").build()])
            .build();
        assert!(matches!(
            PreKeyCountIq.parse_response(&bad),
            Err(IqParseError::BadAttribute { attr: "value", .. })
        ));
    }

    #[test]
    fn upload_has_the_wire_shape() {
        let iq = UploadPreKeysIq {
            registration_id: 0x0102_0304,
            identity: [9; 32],
            pre_keys: vec![UploadPreKey {
                id: 0x0a0b0c,
                public: [1; 32],
            }],
            signed_pre_key: UploadSignedPreKey {
                id: 1,
                public: [2; 32],
                signature: [3; 64],
            },
        }
        .build_iq();
        let node = iq.to_node("id1");
        let kids = node.children().unwrap();
        let tags: Vec<&str> = kids.iter().map(|n| n.tag.as_str()).collect();
        assert_eq!(tags, ["registration", "type", "identity", "list", "skey"]);
        assert_eq!(kids[0].content_bytes().unwrap(), &[1, 2, 3, 4]);
        assert_eq!(kids[1].content_bytes().unwrap(), &[5]);
        let key = &kids[3].children().unwrap()[0];
        assert_eq!(
            key.get_optional_child("id")
                .unwrap()
                .content_bytes()
                .unwrap(),
            &[0x0a, 0x0b, 0x0c]
        );
        let sig = kids[4].get_optional_child("signature").unwrap();
        assert_eq!(sig.content_bytes().unwrap().len(), 64);
    }
}
