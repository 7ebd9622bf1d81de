//! Fetching other devices' pre-key bundles (`<iq xmlns="encrypt" type="get"><key><user jid
//! reason="identity"/>…</key>`) and reading a bundle node, which also appears in the `<keys>` of
//! a retry receipt.
//!
//! A bundle node holds `<registration>` (4 bytes), `<type>` (`05`), `<identity>` (32 bytes), an
//! optional one-time `<key><id/><value/></key>` and the signed `<skey><id/><value/><signature/>`
//! (ids are 3 big-endian bytes), either directly or inside a `<keys>` child.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use wacore_libsignal::{IdentityKey, PreKeyBundle, PublicKey};

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// Why one device's bundle could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The server answered with an `<error>` for this device.
    #[error("server error {code} for the device's pre-keys")]
    Server {
        /// The error code (e.g. `404`).
        code: String,
    },
    /// A field is missing or has the wrong size.
    #[error("bad pre-key bundle: {0}")]
    Malformed(&'static str),
}

fn bytes_of<'a>(node: &'a Node, tag: &str) -> Option<&'a [u8]> {
    node.get_optional_child(tag).and_then(Node::content_bytes)
}

fn key_id(node: &Node) -> Result<u32, BundleError> {
    match bytes_of(node, "id") {
        Some(&[a, b, c]) => Ok(u32::from_be_bytes([0, a, b, c])),
        _ => Err(BundleError::Malformed("key id is not 3 bytes")),
    }
}

fn key_value(node: &Node) -> Result<PublicKey, BundleError> {
    bytes_of(node, "value")
        .filter(|v| v.len() == 32)
        .and_then(|v| PublicKey::from_djb_public_key_bytes(v).ok())
        .ok_or(BundleError::Malformed("key value is not 32 bytes"))
}

/// Reads a pre-key bundle from `node` (a `<user>` of a fetch answer or a retry receipt) for
/// Signal device id `device_id`.
pub fn parse_prekey_bundle(node: &Node, device_id: u32) -> Result<PreKeyBundle, BundleError> {
    if let Some(err) = node.get_optional_child("error") {
        return Err(BundleError::Server {
            code: err
                .get_attr("code")
                .map(|c| c.as_str().into_owned())
                .unwrap_or_default(),
        });
    }
    let registration = match bytes_of(node, "registration") {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => return Err(BundleError::Malformed("registration id is not 4 bytes")),
    };
    let keys = node.get_optional_child("keys").unwrap_or(node);
    let identity = bytes_of(keys, "identity")
        .filter(|v| v.len() == 32)
        .and_then(|v| PublicKey::from_djb_public_key_bytes(v).ok())
        .ok_or(BundleError::Malformed("identity is not 32 bytes"))?;
    let one_time = match keys.get_optional_child("key") {
        Some(k) => Some((key_id(k)?, key_value(k)?)),
        None => None,
    };
    let skey = keys
        .get_optional_child("skey")
        .ok_or(BundleError::Malformed("no signed pre-key"))?;
    let signature = bytes_of(skey, "signature")
        .filter(|s| s.len() == 64)
        .ok_or(BundleError::Malformed("signature is not 64 bytes"))?;
    Ok(PreKeyBundle::new(
        registration,
        device_id,
        one_time,
        key_id(skey)?,
        key_value(skey)?,
        signature.to_vec(),
        IdentityKey::new(identity),
    ))
}

/// A `<key>`/`<skey>` node for one of our pre-keys (3-byte id, 32-byte value, optional signature).
pub fn prekey_node(id: u32, public: &[u8; 32], signature: Option<&[u8; 64]>) -> Node {
    let id_bytes = id.to_be_bytes();
    let mut children = vec![
        NodeBuilder::new("id")
            .bytes(id_bytes.get(1..).unwrap_or_default().to_vec())
            .build(),
        NodeBuilder::new("value").bytes(public.to_vec()).build(),
    ];
    let tag = match signature {
        Some(sig) => {
            children.push(NodeBuilder::new("signature").bytes(sig.to_vec()).build());
            "skey"
        }
        None => "key",
    };
    NodeBuilder::new(tag).children(children).build()
}

/// Fetches the bundles of devices that we have no session with.
#[derive(Debug, Clone)]
pub struct FetchPreKeysIq {
    /// The device JIDs.
    pub devices: Vec<Jid>,
}

impl IqSpec for FetchPreKeysIq {
    /// Each answered device with its bundle or why it is unusable.
    type Response = Vec<(Jid, Result<PreKeyBundle, BundleError>)>;

    fn build_iq(&self) -> InfoQuery<'static> {
        let users = self.devices.iter().map(|d| {
            NodeBuilder::new("user")
                .jid_attr("jid", d.clone())
                .attr("reason", "identity")
                .build()
        });
        InfoQuery::get(
            "encrypt",
            vec![NodeBuilder::new("key").children(users).build()],
        )
    }

    fn parse_response(&self, response: &Node) -> Result<Self::Response, IqParseError> {
        let list = response
            .get_optional_child("list")
            .ok_or(IqParseError::MissingChild {
                tag: "list",
                context: "pre-key fetch response",
            })?;
        Ok(list
            .get_children_by_tag("user")
            .filter_map(|u| {
                let jid = u.attrs().optional_jid("jid")?;
                let bundle = parse_prekey_bundle(u, 0);
                Some((jid, bundle))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_node(with_one_time: bool, wrap: bool) -> Node {
        let mut keys = vec![
            NodeBuilder::new("type").bytes(vec![5]).build(),
            NodeBuilder::new("identity").bytes(vec![9; 32]).build(),
            prekey_node(0x010203, &[7; 32], Some(&[1; 64])),
        ];
        if with_one_time {
            keys.push(prekey_node(42, &[8; 32], None));
        }
        let reg = NodeBuilder::new("registration")
            .bytes(vec![0, 0, 1, 2])
            .build();
        let kids = if wrap {
            vec![reg, NodeBuilder::new("keys").children(keys).build()]
        } else {
            let mut v = vec![reg];
            v.extend(keys);
            v
        };
        NodeBuilder::new("user")
            .attr("jid", "111:2@s.whatsapp.net")
            .children(kids)
            .build()
    }

    #[test]
    fn parses_bundles_flat_and_wrapped() {
        for wrap in [false, true] {
            let b = parse_prekey_bundle(&bundle_node(true, wrap), 0).unwrap();
            assert_eq!(b.registration_id(), 258);
            assert_eq!(b.pre_key_id(), Some(42));
            assert_eq!(b.signed_pre_key_id(), 0x010203);
            assert_eq!(b.signed_pre_key_signature(), &[1; 64]);
            assert_eq!(b.identity_key().public_key().public_key_bytes(), &[9; 32]);
        }
        let b = parse_prekey_bundle(&bundle_node(false, false), 0).unwrap();
        assert_eq!(b.pre_key_id(), None);
    }

    #[test]
    fn rejects_bad_bundles() {
        let err = NodeBuilder::new("user")
            .children([NodeBuilder::new("error").attr("code", "404").build()])
            .build();
        assert_eq!(
            parse_prekey_bundle(&err, 0),
            Err(BundleError::Server { code: "404".into() })
        );
        let short = NodeBuilder::new("user")
            .children([NodeBuilder::new("registration").bytes(vec![1]).build()])
            .build();
        assert!(matches!(
            parse_prekey_bundle(&short, 0),
            Err(BundleError::Malformed(_))
        ));
        let no_skey = NodeBuilder::new("user")
            .children([
                NodeBuilder::new("registration")
                    .bytes(vec![0, 0, 0, 1])
                    .build(),
                NodeBuilder::new("identity").bytes(vec![1; 32]).build(),
            ])
            .build();
        assert!(parse_prekey_bundle(&no_skey, 0).is_err());
    }

    #[test]
    fn fetch_builds_and_parses() {
        let iq = FetchPreKeysIq {
            devices: vec![Jid::pn_device("111", 2)],
        };
        let node = iq.build_iq().to_node("x");
        let user = &node.get_optional_child("key").unwrap().children().unwrap()[0];
        assert_eq!(user.get_attr("reason").unwrap().as_str(), "identity");
        let resp = NodeBuilder::new("iq")
            .children([NodeBuilder::new("list")
                .children([bundle_node(true, false)])
                .build()])
            .build();
        let parsed = iq.parse_response(&resp).unwrap();
        assert_eq!(parsed[0].0, Jid::pn_device("111", 2));
        assert!(parsed[0].1.is_ok());
    }
}
