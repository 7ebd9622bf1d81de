//! Node -> bytes.
//!
//! Strings are written in the most compact form that reads back as the same string, in this
//! order (the same as WhatsApp Web, whatsmeow and Baileys): dictionary token, nibble-packed
//! number (`0-9 - .`, up to 127 chars), hex-packed upper-case hex (`0-9 A-F`), JID (a string with
//! `@` that is a canonical, wire-encodable JID), else raw UTF-8 bytes with a length prefix.
//! [`NodeValue::Jid`] attributes skip the classification and go straight to their JID form.

use crate::error::{BinaryError, Result};
use crate::jid::{WireForm, parse_parts, wire_form};
use crate::marshal::MAX_DEPTH;
use crate::node::{Node, NodeContent, NodeContentRef, NodeRef, NodeValue, ValueRef};
use crate::token::{self, Token};

/// Where encoded bytes go: a buffer, or a counter for sizing.
pub(crate) trait Sink {
    /// Appends one byte.
    fn put(&mut self, b: u8);
    /// Appends bytes.
    fn put_slice(&mut self, s: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline(always)]
    fn put(&mut self, b: u8) {
        self.push(b);
    }
    #[inline(always)]
    fn put_slice(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
}

/// Counts bytes instead of storing them.
#[derive(Debug, Default)]
pub(crate) struct Counter(pub usize);

impl Sink for Counter {
    #[inline(always)]
    fn put(&mut self, _b: u8) {
        self.0 += 1;
    }
    #[inline(always)]
    fn put_slice(&mut self, s: &[u8]) {
        self.0 += s.len();
    }
}

/// Character classes for the packing checks (high nibble of [`CHARS`]).
const NIBBLE: u8 = 1 << 4;
const HEX: u8 = 2 << 4;
const AT: u8 = 4 << 4;

/// Per byte: its class bits (high nibble) and its 4-bit packed value (low nibble: digits 0-9,
/// `-` 10 and `.` 11 for nibble packing, `A`-`F` 10-15 for hex packing; the classes never mix
/// within one packed string, so one table serves both).
// Evaluated at compile time: an out-of-range index would fail the build, not panic at run time.
#[allow(clippy::indexing_slicing)]
static CHARS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = match c {
            b'0'..=b'9' => NIBBLE | HEX | (c - b'0'),
            b'-' => NIBBLE | 10,
            b'.' => NIBBLE | 11,
            b'A'..=b'F' => HEX | (c - b'A' + 10),
            b'@' => AT,
            _ => 0,
        };
        i += 1;
    }
    t
};

#[inline(always)]
fn char_info(b: u8) -> u8 {
    // CHARS has 256 entries: every u8 is in range.
    CHARS.get(usize::from(b)).copied().unwrap_or(0)
}

/// Writes nodes into a [`Sink`].
pub(crate) struct Encoder<'s, S: Sink> {
    out: &'s mut S,
}

impl<'s, S: Sink> Encoder<'s, S> {
    pub(crate) fn new(out: &'s mut S) -> Self {
        Self { out }
    }

    #[inline]
    fn list_start(&mut self, len: usize) -> Result<()> {
        if len == 0 {
            self.out.put(token::LIST_EMPTY);
        } else if len < 256 {
            self.out.put_slice(&[token::LIST_8, len as u8]);
        } else if len <= usize::from(u16::MAX) {
            self.out.put(token::LIST_16);
            self.out.put_slice(&(len as u16).to_be_bytes());
        } else {
            return Err(BinaryError::ListTooLong(len));
        }
        Ok(())
    }

    #[inline]
    fn bytes_with_len(&mut self, b: &[u8]) -> Result<()> {
        let len = b.len();
        if len < 256 {
            self.out.put_slice(&[token::BINARY_8, len as u8]);
        } else if len < (1 << 20) {
            self.out.put_slice(&[
                token::BINARY_20,
                (len >> 16) as u8,
                (len >> 8) as u8,
                len as u8,
            ]);
        } else if let Ok(len32) = u32::try_from(len) {
            self.out.put(token::BINARY_32);
            self.out.put_slice(&len32.to_be_bytes());
        } else {
            return Err(BinaryError::DataTooLong(len));
        }
        self.out.put_slice(b);
        Ok(())
    }

    #[inline]
    fn token(&mut self, t: Token) {
        match t {
            Token::Single(i) => self.out.put(i),
            Token::Double { dict, index } => {
                self.out.put_slice(&[token::DICTIONARY_0 + dict, index])
            }
        }
    }

    /// Nibble- or hex-packs `s` (at most [`token::PACKED_MAX`] classified characters).
    #[inline]
    fn packed(&mut self, s: &[u8], tag: u8) {
        let mut buf = [0u8; 2 + (token::PACKED_MAX as usize).div_ceil(2)];
        let n = s.len().div_ceil(2);
        let [t, header, body @ ..] = &mut buf;
        *t = tag;
        *header = (n as u8) | (((s.len() % 2) as u8) << 7);
        let (pairs, rest) = s.as_chunks::<2>();
        let mut out = body.iter_mut();
        for ([a, b], o) in pairs.iter().zip(&mut out) {
            *o = ((char_info(*a) & 0x0F) << 4) | (char_info(*b) & 0x0F);
        }
        if let ([last], Some(o)) = (rest, out.next()) {
            *o = ((char_info(*last) & 0x0F) << 4) | 0x0F;
        }
        self.out.put_slice(buf.get(..2 + n).unwrap_or_default());
    }

    /// A string in a position where it cannot be a JID (JID parts): token, packed or raw.
    #[inline]
    fn plain_string(&mut self, s: &str) -> Result<()> {
        self.string_inner(s, false)
    }

    /// A string anywhere a JID may stand (tags, keys, values, content).
    #[inline]
    pub(crate) fn string(&mut self, s: &str) -> Result<()> {
        self.string_inner(s, true)
    }

    #[inline]
    fn string_inner(&mut self, s: &str, jid_allowed: bool) -> Result<()> {
        let b = s.as_bytes();
        if b.is_empty() {
            self.out.put_slice(&[token::BINARY_8, 0]);
            return Ok(());
        }
        if let Some(t) = token::index_of_token(s) {
            self.token(t);
            return Ok(());
        }
        self.non_token_string(s, jid_allowed)
    }

    /// The rest of [`string_inner`](Self::string_inner), out of line so the token path stays
    /// small.
    #[inline(never)]
    fn non_token_string(&mut self, s: &str, jid_allowed: bool) -> Result<()> {
        let b = s.as_bytes();
        let has_at = if b.len() <= usize::from(token::PACKED_MAX) {
            let (mut all, mut any) = (NIBBLE | HEX, 0u8);
            for &c in b {
                let class = char_info(c);
                all &= class;
                any |= class;
            }
            if all & NIBBLE != 0 {
                self.packed(b, token::NIBBLE_8);
                return Ok(());
            }
            if all & HEX != 0 {
                self.packed(b, token::HEX_8);
                return Ok(());
            }
            any & AT != 0
        } else {
            jid_allowed && b.contains(&b'@')
        };
        if jid_allowed
            && has_at
            && let Ok(p) = parse_parts(s)
            && p.canonical
            && let Ok(form) = wire_form(p.user, p.server, p.agent, p.device, p.integrator)
        {
            return self.jid_form(form, p.user, p.server, p.device, p.integrator);
        }
        self.bytes_with_len(b)
    }

    /// A JID from its fields; errors when the wire cannot carry it exactly.
    pub(crate) fn jid(
        &mut self,
        user: &str,
        server: &str,
        agent: u8,
        device: u16,
        integrator: u16,
    ) -> Result<()> {
        match wire_form(user, server, agent, device, integrator) {
            Ok(form) => self.jid_form(form, user, server, device, integrator),
            Err(reason) => Err(BinaryError::JidNotEncodable {
                jid: crate::jid::Jid {
                    user: user.to_owned(),
                    server: server.to_owned().into(),
                    agent,
                    device,
                    integrator,
                }
                .to_string(),
                reason,
            }),
        }
    }

    fn jid_form(
        &mut self,
        form: WireForm,
        user: &str,
        server: &str,
        device: u16,
        integrator: u16,
    ) -> Result<()> {
        match form {
            WireForm::Pair => {
                self.out.put(token::JID_PAIR);
                if user.is_empty() {
                    self.out.put(token::LIST_EMPTY);
                } else {
                    self.plain_string(user)?;
                }
                self.plain_string(server)
            }
            WireForm::Ad { domain, device } => {
                self.out.put_slice(&[token::AD_JID, domain, device]);
                self.plain_string(user)
            }
            WireForm::Fb => {
                self.out.put(token::FB_JID);
                self.plain_string(user)?;
                self.out.put_slice(&device.to_be_bytes());
                self.plain_string(server)
            }
            WireForm::Interop => {
                self.out.put(token::INTEROP_JID);
                self.plain_string(user)?;
                self.out.put_slice(&device.to_be_bytes());
                self.out.put_slice(&integrator.to_be_bytes());
                self.plain_string(server)
            }
        }
    }

    /// An owned node and its subtree.
    pub(crate) fn node(&mut self, node: &Node, depth: usize) -> Result<()> {
        if node.tag.is_empty() {
            return Err(BinaryError::EmptyTag);
        }
        if depth > MAX_DEPTH {
            return Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH });
        }
        self.list_start(1 + 2 * node.attrs.len() + usize::from(node.content.is_some()))?;
        self.string(&node.tag)?;
        for (k, v) in node.attrs.iter() {
            self.string(k)?;
            match v {
                NodeValue::String(s) => self.string(s)?,
                NodeValue::Jid(j) => {
                    self.jid(&j.user, &j.server, j.agent, j.device, j.integrator)?
                }
            }
        }
        match &node.content {
            None => Ok(()),
            Some(NodeContent::Bytes(b)) => self.bytes_with_len(b),
            Some(NodeContent::String(s)) => self.string(s),
            Some(NodeContent::Nodes(children)) => {
                self.list_start(children.len())?;
                for child in children {
                    self.node(child, depth + 1)?;
                }
                Ok(())
            }
        }
    }

    /// A borrowed node and its subtree.
    pub(crate) fn node_ref(&mut self, node: &NodeRef<'_>, depth: usize) -> Result<()> {
        if node.tag.is_empty() {
            return Err(BinaryError::EmptyTag);
        }
        if depth > MAX_DEPTH {
            return Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH });
        }
        self.list_start(1 + 2 * node.attrs.len() + usize::from(node.content.is_some()))?;
        self.string(&node.tag)?;
        for (k, v) in node.attrs.iter() {
            self.string(k)?;
            match v {
                ValueRef::String(s) => self.string(s)?,
                ValueRef::Jid(j) => {
                    self.jid(&j.user, &j.server, j.agent, j.device, j.integrator)?
                }
            }
        }
        match &node.content {
            None => Ok(()),
            Some(NodeContentRef::Bytes(b)) => self.bytes_with_len(b),
            Some(NodeContentRef::String(s)) => self.string(s),
            Some(NodeContentRef::Nodes(children)) => {
                self.list_start(children.len())?;
                for child in children {
                    self.node_ref(child, depth + 1)?;
                }
                Ok(())
            }
        }
    }
}
