//! Connection-level stanzas from the server: `<stream:error>`, the login answer
//! (`<success>` / `<failure>`) and `<ib>` (offline-sync markers, edge routing).

use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use crate::types::events::{ConnectFailureReason, OfflineSyncPreview};

/// What a `<stream:error>` asks of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamErrorKind {
    /// 401: the session is invalid (logged out).
    Unauthorized,
    /// 401 with `<conflict type="device_removed">`, or 516: this device was removed.
    DeviceRemoved,
    /// 409 or `<conflict type="replaced">`: another client took over.
    Replaced,
    /// 429: too many connections; back off longer.
    RateLimited,
    /// 503: service unavailable; reconnect with the normal backoff.
    ServiceUnavailable,
    /// 515: the server expects an immediate reconnect (e.g. after pairing).
    RestartRequired,
    /// Anything else.
    Unknown {
        /// The `code` attribute (may be empty).
        code: String,
    },
}

/// Classifies a `<stream:error>` node.
pub fn parse_stream_error(node: &Node) -> StreamErrorKind {
    let code = node
        .get_attr("code")
        .map(|c| c.as_str().into_owned())
        .unwrap_or_default();
    let conflict = node
        .get_optional_child("conflict")
        .and_then(|c| c.get_attr("type"))
        .map(|t| t.as_str().into_owned());
    match (code.as_str(), conflict.as_deref()) {
        (_, Some("replaced")) | ("409", _) => StreamErrorKind::Replaced,
        (_, Some("device_removed")) | ("516", _) => StreamErrorKind::DeviceRemoved,
        ("401", _) => StreamErrorKind::Unauthorized,
        ("429", _) => StreamErrorKind::RateLimited,
        ("503", _) => StreamErrorKind::ServiceUnavailable,
        ("515", _) => StreamErrorKind::RestartRequired,
        _ => StreamErrorKind::Unknown { code },
    }
}

/// The login was accepted (`<success>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginSuccess {
    /// Our LID, when the server tells it.
    pub lid: Option<Jid>,
    /// Server time (`t`, unix seconds).
    pub server_time: Option<i64>,
    /// Props hash (`props`).
    pub props: Option<String>,
}

/// Parses `<success>`.
pub fn parse_success(node: &Node) -> LoginSuccess {
    LoginSuccess {
        lid: node.get_attr("lid").and_then(|v| v.to_jid()),
        server_time: node.get_attr("t").and_then(|v| v.as_str().parse().ok()),
        props: node.get_attr("props").map(|v| v.as_str().into_owned()),
    }
}

/// Parses `<failure reason="...">` into a reason and message.
pub fn parse_failure(node: &Node) -> (ConnectFailureReason, String) {
    let code = node
        .get_attr("reason")
        .and_then(|v| v.as_str().parse::<i32>().ok())
        .unwrap_or(0);
    let message = node
        .get_attr("message")
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default();
    (ConnectFailureReason::from_code(code), message)
}

/// One child of an `<ib>` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IbEvent {
    /// `<offline_preview>`: how much offline data is coming.
    OfflinePreview(OfflineSyncPreview),
    /// `<offline count=N>`: offline delivery is complete.
    OfflineComplete {
        /// Items delivered.
        count: i32,
    },
    /// `<edge_routing><routing_info>`: routing info to send before the next handshake.
    EdgeRouting(Vec<u8>),
    /// `<downgrade_webclient>`: the phone lacks multi-device support.
    DowngradeWebclient,
    /// `<dirty type=.. timestamp=..>`.
    Dirty {
        /// Dirty type.
        dirty_type: String,
        /// Timestamp, if any.
        timestamp: Option<String>,
    },
    /// Anything else (tag kept for logging).
    Other(String),
}

fn int_attr(node: &Node, key: &str) -> i32 {
    node.get_attr(key)
        .and_then(|v| v.as_str().parse().ok())
        .unwrap_or(0)
}

/// Parses the children of an `<ib>` stanza.
pub fn parse_ib(node: &Node) -> Vec<IbEvent> {
    node.children()
        .unwrap_or_default()
        .iter()
        .map(|child| match child.tag.as_str() {
            "offline_preview" => IbEvent::OfflinePreview(OfflineSyncPreview {
                total: int_attr(child, "count"),
                app_data_changes: int_attr(child, "appdata"),
                messages: int_attr(child, "message"),
                notifications: int_attr(child, "notification"),
                receipts: int_attr(child, "receipt"),
            }),
            "offline" => IbEvent::OfflineComplete {
                count: int_attr(child, "count"),
            },
            "edge_routing" => match child
                .get_optional_child("routing_info")
                .and_then(Node::content_bytes)
            {
                Some(info) => IbEvent::EdgeRouting(info.to_vec()),
                None => IbEvent::Other("edge_routing".into()),
            },
            "downgrade_webclient" => IbEvent::DowngradeWebclient,
            "dirty" => IbEvent::Dirty {
                dirty_type: child
                    .get_attr("type")
                    .map(|v| v.as_str().into_owned())
                    .unwrap_or_default(),
                timestamp: child.get_attr("timestamp").map(|v| v.as_str().into_owned()),
            },
            other => IbEvent::Other(other.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    fn se(code: Option<&str>, conflict: Option<&str>) -> Node {
        let mut b = NodeBuilder::new("stream:error");
        if let Some(c) = code {
            b = b.attr("code", c);
        }
        if let Some(t) = conflict {
            b = b.children([NodeBuilder::new("conflict").attr("type", t).build()]);
        }
        b.build()
    }

    #[test]
    fn stream_errors_classify_per_the_table() {
        use StreamErrorKind::*;
        assert_eq!(parse_stream_error(&se(Some("401"), None)), Unauthorized);
        assert_eq!(
            parse_stream_error(&se(Some("401"), Some("device_removed"))),
            DeviceRemoved
        );
        assert_eq!(parse_stream_error(&se(Some("516"), None)), DeviceRemoved);
        assert_eq!(parse_stream_error(&se(Some("409"), None)), Replaced);
        assert_eq!(parse_stream_error(&se(None, Some("replaced"))), Replaced);
        assert_eq!(parse_stream_error(&se(Some("429"), None)), RateLimited);
        assert_eq!(
            parse_stream_error(&se(Some("503"), None)),
            ServiceUnavailable
        );
        assert_eq!(parse_stream_error(&se(Some("515"), None)), RestartRequired);
        assert_eq!(
            parse_stream_error(&se(Some("999"), None)),
            Unknown { code: "999".into() }
        );
        assert_eq!(
            parse_stream_error(&se(None, None)),
            Unknown {
                code: String::new()
            }
        );
    }

    #[test]
    fn ib_children_parse() {
        let ib = NodeBuilder::new("ib")
            .children([
                NodeBuilder::new("offline_preview")
                    .attr("count", "10")
                    .attr("message", "7")
                    .attr("notification", "2")
                    .attr("receipt", "1")
                    .attr("appdata", "0")
                    .build(),
                NodeBuilder::new("offline").attr("count", "10").build(),
                NodeBuilder::new("edge_routing")
                    .children([NodeBuilder::new("routing_info").bytes(vec![1, 2]).build()])
                    .build(),
                NodeBuilder::new("mystery").build(),
            ])
            .build();
        let ev = parse_ib(&ib);
        assert_eq!(
            ev[0],
            IbEvent::OfflinePreview(OfflineSyncPreview {
                total: 10,
                app_data_changes: 0,
                messages: 7,
                notifications: 2,
                receipts: 1
            })
        );
        assert_eq!(ev[1], IbEvent::OfflineComplete { count: 10 });
        assert_eq!(ev[2], IbEvent::EdgeRouting(vec![1, 2]));
        assert_eq!(ev[3], IbEvent::Other("mystery".into()));
    }

    #[test]
    fn success_and_failure_parse() {
        let s = NodeBuilder::new("success")
            .attr("t", "1700000000")
            .attr("lid", "123456.0:3@lid")
            .build();
        let parsed = parse_success(&s);
        assert_eq!(parsed.server_time, Some(1_700_000_000));
        let f = NodeBuilder::new("failure").attr("reason", "401").build();
        assert_eq!(parse_failure(&f).0, ConnectFailureReason::LoggedOut);
        let junk = NodeBuilder::new("failure").attr("reason", "x").build();
        assert_eq!(parse_failure(&junk).0, ConnectFailureReason::Unknown(0));
    }
}
