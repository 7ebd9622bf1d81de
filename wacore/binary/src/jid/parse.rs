//! JID string parsing: one scan, no allocation until the owned `Jid` is built.
//!
//! Grammar (`s` is the whole string):
//! - no `@`: a known server name alone (`s.whatsapp.net`) is a server JID; anything else is not
//!   a JID;
//! - `@server`: a server JID;
//! - `[integrator-]user[.agent][:device]@server`, where `integrator-` is read only on `@interop`
//!   and `.agent` (a decimal 1..=255 after the last dot) is read on every server except `@lid`
//!   and `@hosted.lid`, whose user parts may hold dots. The device is the decimal after the last
//!   `:` and must fit a u16.

use std::str::FromStr;

use super::{
    HIDDEN_USER_SERVER, HOSTED_LID_SERVER, INTEROP_SERVER, Jid, intern_server, known_server,
};
use crate::error::JidError;

/// A parsed JID borrowing from its string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JidParts<'a> {
    /// User part.
    pub user: &'a str,
    /// Server.
    pub server: &'a str,
    /// Agent (0 = none).
    pub agent: u8,
    /// Device (0 = none).
    pub device: u16,
    /// Integrator (0 = none).
    pub integrator: u16,
    /// Whether `Display` of the result reproduces the input exactly.
    pub canonical: bool,
}

/// A decimal number as the string form writes it: digits only, no sign, no leading zero.
/// Returns (value, canonical) or None when it is not a decimal that fits `max`.
#[inline]
fn parse_decimal(s: &str, max: u32) -> Option<(u32, bool)> {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 5 {
        return None;
    }
    let mut value: u32 = 0;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u32::from(digit);
    }
    if value > max {
        return None;
    }
    let canonical = value > 0 && bytes.first() != Some(&b'0');
    Some((value, canonical))
}

/// Parses `s` into borrowed parts, such that the string form of the result parses back to the
/// same parts. (A canonical input is its own string form; a non-canonical one, e.g. with `:0`
/// or `.0`, is checked by printing and re-reading it, and refused when the printed form would
/// read differently, as `a.5.0@bot` would.)
pub(crate) fn parse_parts(s: &str) -> Result<JidParts<'_>, JidError> {
    let parts = parse_raw(s)?;
    if !parts.canonical && !parts.user.is_empty() {
        let printed = super::fmt::jid_to_string(
            parts.user,
            parts.server,
            parts.agent,
            parts.device,
            parts.integrator,
        );
        let same = parse_raw(&printed).is_ok_and(|p| {
            (p.user, p.server, p.agent, p.device, p.integrator)
                == (
                    parts.user,
                    parts.server,
                    parts.agent,
                    parts.device,
                    parts.integrator,
                )
        });
        if !same {
            return Err(JidError::Ambiguous(s.to_owned()));
        }
    }
    Ok(parts)
}

/// The grammar, without the round-trip check.
fn parse_raw(s: &str) -> Result<JidParts<'_>, JidError> {
    if s.is_empty() {
        return Err(JidError::Empty);
    }
    let Some((user_part, server)) = s.split_once('@') else {
        return match known_server(s) {
            Some(_) => Ok(JidParts {
                user: "",
                server: s,
                agent: 0,
                device: 0,
                integrator: 0,
                canonical: false,
            }),
            None => Err(JidError::NoServer(s.to_owned())),
        };
    };
    if server.is_empty() || server.contains('@') {
        return Err(JidError::InvalidServer(s.to_owned()));
    }
    let mut parts = JidParts {
        user: "",
        server,
        agent: 0,
        device: 0,
        integrator: 0,
        canonical: true,
    };
    if user_part.is_empty() {
        return Ok(parts);
    }

    let mut rest = user_part;
    if server == INTEROP_SERVER
        && let Some((prefix, user)) = rest.split_once('-')
        && let Some((integrator, canonical)) = parse_decimal(prefix, u32::from(u16::MAX))
    {
        parts.integrator = integrator as u16;
        parts.canonical &= canonical;
        rest = user;
    }
    if let Some((user, device)) = rest.split_once(':') {
        let Some((device, canonical)) = parse_decimal(device, u32::from(u16::MAX)) else {
            return Err(JidError::InvalidDevice(s.to_owned()));
        };
        parts.device = device as u16;
        parts.canonical &= canonical;
        rest = user;
    }
    if server != HIDDEN_USER_SERVER
        && server != HOSTED_LID_SERVER
        && let Some((user, agent)) = rest.rsplit_once('.')
        && !user.is_empty()
        && let Some((agent, canonical)) = parse_decimal(agent, u32::from(u8::MAX))
    {
        parts.agent = agent as u8;
        parts.canonical &= canonical;
        rest = user;
    }
    if rest.is_empty() {
        return Err(JidError::DeviceOnServerJid(s.to_owned()));
    }
    parts.user = rest;
    Ok(parts)
}

impl JidParts<'_> {
    /// The owned JID (the server is borrowed static when known).
    pub(crate) fn to_jid(self) -> Jid {
        Jid {
            user: self.user.to_owned(),
            server: intern_server(self.server),
            agent: self.agent,
            device: self.device,
            integrator: self.integrator,
        }
    }
}

impl FromStr for Jid {
    type Err = JidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_parts(s).map(JidParts::to_jid)
    }
}

impl TryFrom<&str> for Jid {
    type Error = JidError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for Jid {
    type Error = JidError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
