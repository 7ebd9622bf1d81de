//! `w:sync:app:state`: fetching app-state collections and sending our own patches.
//!
//! Wire (whatsmeow `appstate.go`, Baileys `chats.ts`):
//! `<iq xmlns="w:sync:app:state" type="set"><sync><collection name=".." version="N"
//! return_snapshot="true|false"/>...</sync></iq>` answers one `<collection name version
//! [has_more_patches="true"]>` per request, holding an optional `<snapshot>` (an encoded
//! `ExternalBlobReference` to download) and `<patches><patch>SyncdPatch</patch>...</patches>`;
//! a failed collection is `<collection name type="error"><error code text/></collection>`.
//! Sending a patch is the same IQ with one `<collection name version="current"
//! return_snapshot="false"><patch>SyncdPatch</patch></collection>`; 409 means our version is
//! stale.

use prost::Message as _;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;
use waproto::whatsapp as wa;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// The IQ namespace.
pub const APP_STATE_NAMESPACE: &str = "w:sync:app:state";

/// One collection to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRequest {
    /// Collection name (`regular_low`, ...).
    pub name: String,
    /// Our current version (patches after it are returned).
    pub version: u64,
    /// Ask for the latest snapshot (when we have nothing, or to recover).
    pub return_snapshot: bool,
}

/// Fetches patches (and optionally snapshots) of one or more collections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStateSyncIq {
    /// The collections.
    pub collections: Vec<CollectionRequest>,
}

/// Sends one encoded patch of ours.
#[derive(Clone, PartialEq)]
pub struct AppStatePatchIq {
    /// Collection name.
    pub name: String,
    /// The version our patch builds on.
    pub version: u64,
    /// The encoded `SyncdPatch`.
    pub patch: Vec<u8>,
}

impl std::fmt::Debug for AppStatePatchIq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppStatePatchIq")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("patch_len", &self.patch.len())
            .finish()
    }
}

/// Why a collection in an answer is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectionError {
    /// The server refused it (`type="error"`); 409 = conflict (stale version), 404 = nothing
    /// stored, 400 = bad request.
    Server {
        /// Error code.
        code: u16,
        /// Error text.
        text: String,
    },
    /// The answer for it could not be decoded.
    Malformed(String),
}

/// One collection of an answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CollectionResponse {
    /// Collection name.
    pub name: String,
    /// The version the server reports (after the returned patches).
    pub version: Option<u64>,
    /// More patches wait: fetch again from the new version.
    pub has_more_patches: bool,
    /// Reference to the snapshot blob (download with `MediaType::AppState`).
    pub snapshot: Option<wa::ExternalBlobReference>,
    /// The patches, in order.
    pub patches: Vec<wa::SyncdPatch>,
    /// Set when the collection failed; the other fields are then empty.
    pub error: Option<CollectionError>,
}

fn collection_node(name: &str, version: u64, return_snapshot: bool) -> NodeBuilder {
    NodeBuilder::new("collection")
        .attr("name", name)
        .attr("version", version.to_string())
        .attr(
            "return_snapshot",
            if return_snapshot { "true" } else { "false" },
        )
}

impl IqSpec for AppStateSyncIq {
    type Response = Vec<CollectionResponse>;

    fn build_iq(&self) -> InfoQuery<'static> {
        let collections = self
            .collections
            .iter()
            .map(|c| collection_node(&c.name, c.version, c.return_snapshot).build());
        InfoQuery::set(
            APP_STATE_NAMESPACE,
            vec![NodeBuilder::new("sync").children(collections).build()],
        )
    }

    fn parse_response(&self, response: &Node) -> Result<Self::Response, IqParseError> {
        parse_sync_response(response)
    }
}

impl IqSpec for AppStatePatchIq {
    type Response = CollectionResponse;

    fn build_iq(&self) -> InfoQuery<'static> {
        let patch = NodeBuilder::new("patch").bytes(self.patch.clone()).build();
        let collection = collection_node(&self.name, self.version, false)
            .children([patch])
            .build();
        InfoQuery::set(
            APP_STATE_NAMESPACE,
            vec![NodeBuilder::new("sync").children([collection]).build()],
        )
    }

    fn parse_response(&self, response: &Node) -> Result<Self::Response, IqParseError> {
        let all = parse_sync_response(response)?;
        all.into_iter()
            .find(|c| c.name == self.name)
            .ok_or(IqParseError::MissingChild {
                tag: "collection",
                context: "app-state patch response",
            })
    }
}

/// Parses `<sync><collection/>...</sync>` from an IQ result.
pub fn parse_sync_response(response: &Node) -> Result<Vec<CollectionResponse>, IqParseError> {
    let sync = response
        .get_optional_child("sync")
        .ok_or(IqParseError::MissingChild {
            tag: "sync",
            context: "app-state response",
        })?;
    Ok(sync
        .get_children_by_tag("collection")
        .map(parse_collection)
        .collect())
}

/// Parses one `<collection>`; problems are reported in [`CollectionResponse::error`] so that
/// one bad collection does not hide the others.
pub fn parse_collection(node: &Node) -> CollectionResponse {
    let name = node
        .get_attr("name")
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default();
    let mut out = CollectionResponse {
        name,
        ..Default::default()
    };
    if node.get_attr("type").is_some_and(|t| t.as_str() == "error") {
        let err = node.get_optional_child("error");
        let code = err
            .and_then(|e| e.get_attr("code"))
            .and_then(|c| c.as_str().parse().ok())
            .unwrap_or(0);
        let text = err
            .and_then(|e| e.get_attr("text"))
            .map(|t| t.as_str().into_owned())
            .unwrap_or_default();
        out.error = Some(CollectionError::Server { code, text });
        return out;
    }
    let malformed = |mut out: CollectionResponse, why: String| {
        out.error = Some(CollectionError::Malformed(why));
        out.patches.clear();
        out.snapshot = None;
        out
    };
    match node.get_attr("version") {
        None => {}
        Some(v) => match v.as_str().parse::<u64>() {
            Ok(v) => out.version = Some(v),
            Err(_) => return malformed(out, "bad version attribute".into()),
        },
    }
    out.has_more_patches = node
        .get_attr("has_more_patches")
        .is_some_and(|v| v.as_str() == "true");
    if let Some(snap) = node.get_optional_child("snapshot") {
        let bytes = snap.content_bytes().unwrap_or_default();
        match wa::ExternalBlobReference::decode(bytes) {
            Ok(r) => out.snapshot = Some(r),
            Err(e) => return malformed(out, format!("snapshot reference: {e}")),
        }
    }
    if let Some(patches) = node.get_optional_child("patches") {
        for (i, p) in patches.get_children_by_tag("patch").enumerate() {
            let bytes = p.content_bytes().unwrap_or_default();
            match wa::SyncdPatch::decode(bytes) {
                Ok(patch) => out.patches.push(patch),
                Err(e) => return malformed(out, format!("patch #{}: {e}", i + 1)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_fetch_and_patch_requests() {
        let iq = AppStateSyncIq {
            collections: vec![
                CollectionRequest {
                    name: "regular_low".into(),
                    version: 0,
                    return_snapshot: true,
                },
                CollectionRequest {
                    name: "regular".into(),
                    version: 7,
                    return_snapshot: false,
                },
            ],
        }
        .build_iq()
        .to_node("1");
        assert_eq!(iq.get_attr("xmlns").unwrap().as_str(), APP_STATE_NAMESPACE);
        assert_eq!(iq.get_attr("type").unwrap().as_str(), "set");
        let sync = iq.get_optional_child("sync").unwrap();
        let cols: Vec<_> = sync.get_children_by_tag("collection").collect();
        assert_eq!(cols.len(), 2);
        assert_eq!(
            cols[0].get_attr("return_snapshot").unwrap().as_str(),
            "true"
        );
        assert_eq!(cols[1].get_attr("version").unwrap().as_str(), "7");

        let p = AppStatePatchIq {
            name: "regular_high".into(),
            version: 3,
            patch: vec![1, 2, 3],
        };
        let node = p.build_iq().to_node("2");
        let col = node
            .get_optional_child_by_tag(&["sync", "collection"])
            .unwrap();
        assert_eq!(col.get_attr("version").unwrap().as_str(), "3");
        assert_eq!(
            col.get_optional_child("patch").unwrap().content_bytes(),
            Some(&[1u8, 2, 3][..])
        );
    }

    fn answer(collections: Vec<Node>) -> Node {
        NodeBuilder::new("iq")
            .attr("type", "result")
            .children([NodeBuilder::new("sync").children(collections).build()])
            .build()
    }

    #[test]
    fn parses_answers() {
        let patch = wa::SyncdPatch {
            version: Some(wa::SyncdVersion { version: Some(4) }),
            ..Default::default()
        };
        let snap = wa::ExternalBlobReference {
            direct_path: Some("/v/s".into()),
            ..Default::default()
        };
        let ok = NodeBuilder::new("collection")
            .attr("name", "regular")
            .attr("version", "4")
            .attr("has_more_patches", "true")
            .children([
                NodeBuilder::new("snapshot")
                    .bytes(snap.encode_to_vec())
                    .build(),
                NodeBuilder::new("patches")
                    .children([NodeBuilder::new("patch")
                        .bytes(patch.encode_to_vec())
                        .build()])
                    .build(),
            ])
            .build();
        let err = NodeBuilder::new("collection")
            .attr("name", "regular_low")
            .attr("type", "error")
            .children([NodeBuilder::new("error")
                .attr("code", "409")
                .attr("text", "conflict")
                .build()])
            .build();
        let bad = NodeBuilder::new("collection")
            .attr("name", "regular_high")
            .children([NodeBuilder::new("patches")
                .children([NodeBuilder::new("patch").bytes(vec![0xff, 0xff]).build()])
                .build()])
            .build();
        let got = AppStateSyncIq {
            collections: vec![],
        }
        .parse_response(&answer(vec![ok, err, bad]))
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].version, Some(4));
        assert!(got[0].has_more_patches);
        assert_eq!(got[0].patches, vec![patch]);
        assert_eq!(got[0].snapshot, Some(snap));
        assert_eq!(
            got[1].error,
            Some(CollectionError::Server {
                code: 409,
                text: "conflict".into()
            })
        );
        assert!(matches!(got[2].error, Some(CollectionError::Malformed(_))));
        assert!(got[2].patches.is_empty());
        assert!(parse_sync_response(&NodeBuilder::new("iq").build()).is_err());
        let p = AppStatePatchIq {
            name: "regular_low".into(),
            version: 1,
            patch: vec![],
        };
        assert!(p.parse_response(&answer(vec![])).is_err());
    }
}
