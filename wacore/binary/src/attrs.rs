//! Typed attribute reading that collects errors instead of failing on the first.
//!
//! ```
//! use wacore_binary::builder::NodeBuilder;
//! use wacore_binary::jid::Jid;
//!
//! let node = NodeBuilder::new("receipt")
//!     .attr("id", "ABC")
//!     .jid_attr("from", Jid::pn("15551234567"))
//!     .attr("t", "1700000000")
//!     .build();
//! let mut attrs = node.attrs();
//! let id = attrs.string("id");
//! let from = attrs.jid("from");
//! let t = attrs.u64("t");
//! let kind = attrs.optional_string("type");
//! attrs.finish().unwrap();
//! assert_eq!((id.as_ref(), from.user.as_str(), t, kind), ("ABC", "15551234567", 1_700_000_000, None));
//! ```
//!
//! Getters named after a type (`string`, `jid`, `u64`, ...) record an error when the attribute is
//! absent or malformed and return a default; `optional_*` return `None` when absent and record an
//! error only when present but malformed; `required_*` return the error instead of recording it.
//! [`AttrParser::finish`] reports everything recorded.

use std::borrow::Cow;

use crate::error::{BinaryError, Result};
use crate::jid::{Jid, JidRef};
use crate::node::{Attrs, AttrsRef, NodeValue, ValueRef};

/// Attribute reader over an owned or a decoded node (see the [module docs](self)).
#[derive(Debug)]
pub struct AttrParser<'a> {
    source: Source<'a>,
    errors: Vec<BinaryError>,
}

/// The same reader, under the name used for decoded nodes.
pub type AttrParserRef<'a> = AttrParser<'a>;

#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Owned(&'a Attrs),
    Borrowed(&'a AttrsRef<'a>),
}

/// A raw attribute value.
enum Raw<'a> {
    Str(&'a str),
    Jid(&'a Jid),
    JidRef(&'a JidRef<'a>),
}

impl<'a> AttrParser<'a> {
    /// A reader over owned attributes.
    pub fn new(attrs: &'a Attrs) -> Self {
        Self {
            source: Source::Owned(attrs),
            errors: Vec::new(),
        }
    }

    /// A reader over decoded attributes.
    pub fn new_ref(attrs: &'a AttrsRef<'a>) -> Self {
        Self {
            source: Source::Borrowed(attrs),
            errors: Vec::new(),
        }
    }

    fn raw(&self, key: &str) -> Option<Raw<'a>> {
        match self.source {
            Source::Owned(attrs) => attrs.get(key).map(|v| match v {
                NodeValue::String(s) => Raw::Str(s),
                NodeValue::Jid(j) => Raw::Jid(j),
            }),
            Source::Borrowed(attrs) => attrs.get(key).map(|v| match v {
                ValueRef::String(s) => Raw::Str(s),
                ValueRef::Jid(j) => Raw::JidRef(j),
            }),
        }
    }

    fn record<T: Default>(&mut self, r: Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.errors.push(e);
            T::default()
        })
    }

    fn record_opt<T>(&mut self, r: Result<Option<T>>) -> Option<T> {
        r.unwrap_or_else(|e| {
            self.errors.push(e);
            None
        })
    }

    /// Whether no error was recorded.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors recorded so far.
    pub fn errors(&self) -> &[BinaryError] {
        &self.errors
    }

    /// `Ok` if nothing was recorded; else the one error, or [`BinaryError::AttrList`].
    pub fn finish(&self) -> Result<()> {
        match self.errors.as_slice() {
            [] => Ok(()),
            [one] => Err(one.clone()),
            many => Err(BinaryError::AttrList(many.to_vec())),
        }
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    /// The value as a string, or None when absent.
    pub fn optional_string(&mut self, key: &str) -> Option<Cow<'a, str>> {
        Some(match self.raw(key)? {
            Raw::Str(s) => Cow::Borrowed(s),
            Raw::Jid(j) => Cow::Owned(j.to_string()),
            Raw::JidRef(j) => Cow::Owned(j.to_jid_string()),
        })
    }

    /// The value as a string, or the error when absent.
    pub fn required_string(&mut self, key: &str) -> Result<Cow<'a, str>> {
        self.optional_string(key)
            .ok_or_else(|| BinaryError::MissingAttr(key.to_owned()))
    }

    /// The value as a string; records an error and returns "" when absent.
    pub fn string(&mut self, key: &str) -> Cow<'a, str> {
        let r = self.required_string(key);
        self.record(r)
    }

    fn parse_jid(&self, key: &str) -> Result<Option<Jid>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Raw::Jid(j)) => Ok(Some(j.clone())),
            Some(Raw::JidRef(j)) => Ok(Some(j.to_owned())),
            Some(Raw::Str(s)) => s.parse().map(Some).map_err(|e| BinaryError::AttrParse {
                key: key.to_owned(),
                reason: format!("{e}"),
            }),
        }
    }

    /// The value as a JID (a JID value, or a string parsed), None when absent.
    pub fn optional_jid(&mut self, key: &str) -> Option<Jid> {
        let r = self.parse_jid(key);
        self.record_opt(r)
    }

    /// The value as a JID, or the error.
    pub fn required_jid(&mut self, key: &str) -> Result<Jid> {
        self.parse_jid(key)?
            .ok_or_else(|| BinaryError::MissingAttr(key.to_owned()))
    }

    /// The value as a JID; records an error and returns an empty JID when absent or malformed.
    pub fn jid(&mut self, key: &str) -> Jid {
        let r = self.required_jid(key);
        self.record(r)
    }

    /// Like [`jid`](Self::jid) with agent and device cleared.
    pub fn non_ad_jid(&mut self, key: &str) -> Jid {
        self.jid(key).into_non_ad()
    }

    fn parse_num<T: std::str::FromStr>(&self, key: &str, what: &str) -> Result<Option<T>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Raw::Str(s)) => s.parse().map(Some).map_err(|_| BinaryError::AttrParse {
                key: key.to_owned(),
                reason: format!("{s:?} is not {what}"),
            }),
            Some(_) => Err(BinaryError::AttrParse {
                key: key.to_owned(),
                reason: format!("a JID is not {what}"),
            }),
        }
    }

    /// The value as a u64, None when absent.
    pub fn optional_u64(&mut self, key: &str) -> Option<u64> {
        let r = self.parse_num(key, "an unsigned integer");
        self.record_opt(r)
    }

    /// The value as a u64, or the error.
    pub fn required_u64(&mut self, key: &str) -> Result<u64> {
        self.parse_num(key, "an unsigned integer")?
            .ok_or_else(|| BinaryError::MissingAttr(key.to_owned()))
    }

    /// The value as a u64; records an error and returns 0 when absent or malformed.
    pub fn u64(&mut self, key: &str) -> u64 {
        let r = self.required_u64(key);
        self.record(r)
    }

    /// The value as an i64, None when absent.
    pub fn optional_i64(&mut self, key: &str) -> Option<i64> {
        let r = self.parse_num(key, "an integer");
        self.record_opt(r)
    }

    /// The value as an i64; records an error and returns 0 when absent or malformed.
    pub fn i64(&mut self, key: &str) -> i64 {
        let r = self
            .parse_num(key, "an integer")
            .and_then(|v| v.ok_or_else(|| BinaryError::MissingAttr(key.to_owned())));
        self.record(r)
    }

    /// A Unix timestamp in seconds, None when absent.
    pub fn optional_unix_time(&mut self, key: &str) -> Option<i64> {
        self.optional_i64(key)
    }

    /// A Unix timestamp in seconds; records an error and returns 0 when absent or malformed.
    pub fn unix_time(&mut self, key: &str) -> i64 {
        self.i64(key)
    }

    fn parse_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Raw::Str("true" | "1")) => Ok(Some(true)),
            Some(Raw::Str("false" | "0")) => Ok(Some(false)),
            Some(Raw::Str(s)) => Err(BinaryError::AttrParse {
                key: key.to_owned(),
                reason: format!("{s:?} is not a boolean"),
            }),
            Some(_) => Err(BinaryError::AttrParse {
                key: key.to_owned(),
                reason: "a JID is not a boolean".to_owned(),
            }),
        }
    }

    /// The value as a boolean (`true`/`1`, `false`/`0`), None when absent.
    pub fn optional_bool(&mut self, key: &str) -> Option<bool> {
        let r = self.parse_bool(key);
        self.record_opt(r)
    }

    /// The value as a boolean; records an error and returns false when absent or malformed.
    pub fn bool(&mut self, key: &str) -> bool {
        let r = self
            .parse_bool(key)
            .and_then(|v| v.ok_or_else(|| BinaryError::MissingAttr(key.to_owned())));
        self.record(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::NodeBuilder;
    use crate::marshal::{marshal, unmarshal_ref};

    fn sample() -> crate::node::Node {
        NodeBuilder::new("receipt")
            .attr("id", "ABC")
            .jid_attr("from", Jid::pn_device("15551234567", 2))
            .attr("participant", "123@lid")
            .attr("t", "1700000000")
            .attr("count", "-3")
            .attr("offline", "true")
            .attr("bad_num", "12x")
            .attr("bad_jid", "a@b@c")
            .build()
    }

    #[test]
    fn typed_getters_on_owned_and_decoded() {
        let node = sample();
        let bytes = marshal(&node).unwrap();
        let decoded = unmarshal_ref(&bytes[1..]).unwrap();
        for mut p in [node.attrs(), decoded.attrs()] {
            assert_eq!(p.string("id"), "ABC");
            assert_eq!(p.jid("from"), Jid::pn_device("15551234567", 2));
            assert_eq!(p.optional_jid("participant"), Some(Jid::lid("123")));
            assert_eq!(p.u64("t"), 1_700_000_000);
            assert_eq!(p.i64("count"), -3);
            assert_eq!(p.optional_bool("offline"), Some(true));
            assert_eq!(p.optional_string("missing"), None);
            assert_eq!(p.optional_u64("missing"), None);
            assert_eq!(
                p.optional_string("from").as_deref(),
                Some("15551234567:2@s.whatsapp.net")
            );
            assert!(p.ok(), "{:?}", p.errors());
            p.finish().unwrap();
        }
    }

    #[test]
    fn errors_are_collected_not_thrown() {
        let node = sample();
        let mut p = node.attrs();
        assert_eq!(p.u64("bad_num"), 0);
        assert_eq!(p.optional_jid("bad_jid"), None);
        assert_eq!(p.string("nope"), "");
        assert!(!p.bool("id"));
        assert_eq!(p.u64("from"), 0);
        assert_eq!(p.errors().len(), 5);
        match p.finish() {
            Err(BinaryError::AttrList(list)) => {
                assert_eq!(list.len(), 5);
                assert!(matches!(&list[2], BinaryError::MissingAttr(k) if k == "nope"));
                assert!(matches!(&list[0], BinaryError::AttrParse { key, .. } if key == "bad_num"));
            }
            other => panic!("{other:?}"),
        }
        let mut single = node.attrs();
        assert!(single.required_u64("missing").is_err());
        assert!(single.ok(), "required_* returns instead of recording");
        let _ = single.jid("missing");
        assert_eq!(
            single.finish(),
            Err(BinaryError::MissingAttr("missing".into()))
        );
    }
}
