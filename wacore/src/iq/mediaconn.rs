//! `w:m` `media_conn`: the media hosts and the upload auth token.
//!
//! Wire (whatsmeow `mediaconn.go`): `<iq xmlns="w:m" type="set"><media_conn/></iq>` answers
//! `<media_conn auth=".." ttl="s" auth_ttl="s" max_buckets="n"><host hostname=".."
//! [type="primary|fallback"] [fallback_hostname=".."]/>...</media_conn>`.

use std::time::Duration;

use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// One media host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConnHost {
    /// `host[:port]`.
    pub hostname: String,
    /// Whether the server marked it as a fallback host (tried after the primaries).
    pub is_fallback: bool,
    /// An alternative name for the same host, tried right after it.
    pub fallback_hostname: Option<String>,
}

/// The parsed `media_conn`: auth token, lifetimes and hosts (primaries first).
#[derive(Clone, PartialEq, Eq)]
pub struct MediaConn {
    /// Upload auth token (`auth`).
    pub auth: String,
    /// How long the host list is valid.
    pub ttl: Duration,
    /// How long the auth token is valid (may be shorter than `ttl`).
    pub auth_ttl: Duration,
    /// `max_buckets`.
    pub max_buckets: u32,
    /// Hosts in the order to try them: primary hosts first, then fallbacks; each host's
    /// `fallback_hostname` follows it.
    pub hosts: Vec<MediaConnHost>,
}

impl std::fmt::Debug for MediaConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaConn")
            .field("auth", &"<redacted>")
            .field("ttl", &self.ttl)
            .field("auth_ttl", &self.auth_ttl)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

impl MediaConn {
    /// How long this connection may be used: the shorter of `ttl` and `auth_ttl` (a zero
    /// `auth_ttl` means "not given").
    pub fn lifetime(&self) -> Duration {
        if self.auth_ttl.is_zero() {
            self.ttl
        } else {
            self.ttl.min(self.auth_ttl)
        }
    }

    /// Every host name to try, in order (fallback host names right after their host).
    pub fn host_names(&self) -> Vec<&str> {
        let mut out = Vec::with_capacity(self.hosts.len() * 2);
        for h in &self.hosts {
            out.push(h.hostname.as_str());
            if let Some(f) = &h.fallback_hostname
                && !out.contains(&f.as_str())
            {
                out.push(f.as_str());
            }
        }
        out
    }
}

/// Asks for a media connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MediaConnIq;

fn secs(node: &Node, attr: &'static str) -> Result<Duration, IqParseError> {
    match node.get_attr(attr) {
        None => Ok(Duration::ZERO),
        Some(v) => v
            .as_str()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|e| IqParseError::BadAttribute {
                attr,
                context: "media_conn",
                reason: e.to_string(),
            }),
    }
}

impl IqSpec for MediaConnIq {
    type Response = MediaConn;

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::set("w:m", vec![NodeBuilder::new("media_conn").build()])
    }

    fn parse_response(&self, response: &Node) -> Result<MediaConn, IqParseError> {
        let mc = response
            .get_optional_child("media_conn")
            .ok_or(IqParseError::MissingChild {
                tag: "media_conn",
                context: "media_conn response",
            })?;
        let auth = mc
            .get_attr("auth")
            .map(|v| v.as_str().into_owned())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| IqParseError::BadAttribute {
                attr: "auth",
                context: "media_conn",
                reason: "missing".into(),
            })?;
        let ttl = secs(mc, "ttl")?;
        let auth_ttl = secs(mc, "auth_ttl")?;
        let max_buckets = mc
            .get_attr("max_buckets")
            .and_then(|v| v.as_str().parse().ok())
            .unwrap_or(0);
        let mut primary = Vec::new();
        let mut fallback = Vec::new();
        for h in mc.get_children_by_tag("host") {
            let Some(hostname) = h
                .get_attr("hostname")
                .map(|v| v.as_str().into_owned())
                .filter(|s| valid_host(s))
            else {
                log::warn!(target: "Client/Media", "media_conn host without a usable hostname skipped");
                continue;
            };
            let is_fallback = h.get_attr("type").is_some_and(|t| t.as_str() == "fallback");
            let fallback_hostname = h
                .get_attr("fallback_hostname")
                .map(|v| v.as_str().into_owned())
                .filter(|s| valid_host(s));
            let host = MediaConnHost {
                hostname,
                is_fallback,
                fallback_hostname,
            };
            if is_fallback {
                fallback.push(host);
            } else {
                primary.push(host);
            }
        }
        primary.extend(fallback);
        if primary.is_empty() {
            return Err(IqParseError::BadContent {
                context: "media_conn",
                reason: "no media hosts".into(),
            });
        }
        Ok(MediaConn {
            auth,
            ttl,
            auth_ttl,
            max_buckets,
            hosts: primary,
        })
    }
}

/// A host name must be `name[:port]`: no scheme, path or whitespace.
fn valid_host(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(hosts: Vec<Node>, attrs: &[(&str, &str)]) -> Node {
        let mut mc = NodeBuilder::new("media_conn");
        for (k, v) in attrs {
            mc = mc.attr(*k, *v);
        }
        NodeBuilder::new("iq")
            .attr("type", "result")
            .children([mc.children(hosts).build()])
            .build()
    }

    fn host(name: &str, ty: Option<&str>, fb: Option<&str>) -> Node {
        let mut b = NodeBuilder::new("host").attr("hostname", name);
        if let Some(t) = ty {
            b = b.attr("type", t);
        }
        if let Some(f) = fb {
            b = b.attr("fallback_hostname", f);
        }
        b.build()
    }

    #[test]
    fn builds_the_request() {
        let node = MediaConnIq.build_iq().to_node("1");
        assert_eq!(node.get_attr("xmlns").unwrap().as_str(), "w:m");
        assert_eq!(node.get_attr("type").unwrap().as_str(), "set");
        assert_eq!(node.children().unwrap()[0].tag, "media_conn");
    }

    #[test]
    fn parses_hosts_primary_first() {
        let resp = response(
            vec![
                host("fb.example", Some("fallback"), None),
                host("mmg.example", Some("primary"), Some("mmg2.example")),
                host("bad/host", None, None),
            ],
            &[
                ("auth", "tok"),
                ("ttl", "300"),
                ("auth_ttl", "60"),
                ("max_buckets", "12"),
            ],
        );
        let mc = MediaConnIq.parse_response(&resp).unwrap();
        assert_eq!(mc.auth, "tok");
        assert_eq!(mc.lifetime(), Duration::from_secs(60));
        assert_eq!(mc.max_buckets, 12);
        assert_eq!(
            mc.host_names(),
            vec!["mmg.example", "mmg2.example", "fb.example"]
        );
        assert!(!format!("{mc:?}").contains("tok"));
    }

    #[test]
    fn rejects_bad_answers() {
        let no_hosts = response(vec![], &[("auth", "a"), ("ttl", "1")]);
        assert!(matches!(
            MediaConnIq.parse_response(&no_hosts),
            Err(IqParseError::BadContent { .. })
        ));
        let no_auth = response(vec![host("h", None, None)], &[("ttl", "1")]);
        assert!(MediaConnIq.parse_response(&no_auth).is_err());
        let bad_ttl = response(vec![host("h", None, None)], &[("auth", "a"), ("ttl", "x")]);
        assert!(MediaConnIq.parse_response(&bad_ttl).is_err());
        let empty = NodeBuilder::new("iq").build();
        assert!(MediaConnIq.parse_response(&empty).is_err());
        let no_auth_ttl = response(
            vec![host("h:1", None, None)],
            &[("auth", "a"), ("ttl", "5")],
        );
        assert_eq!(
            MediaConnIq.parse_response(&no_auth_ttl).unwrap().lifetime(),
            Duration::from_secs(5)
        );
    }
}
