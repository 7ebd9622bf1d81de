//! JID strings as the server routes them: `user[.agent][:device]@server`.

use std::fmt;

/// The PN (phone number) user server.
pub(crate) const PN: &str = "s.whatsapp.net";
/// The LID user server.
pub(crate) const LID: &str = "lid";
/// The group server.
pub(crate) const GROUP: &str = "g.us";

/// A parsed JID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Jid {
    /// User part (phone digits, LID digits, group id); empty for the bare server.
    pub user: String,
    /// Device number (0 = primary).
    pub device: u16,
    /// Server part.
    pub server: String,
}

impl Jid {
    /// Parses a JID string; `None` when malformed.
    pub fn parse(s: &str) -> Option<Jid> {
        if s.len() > 256 {
            return None;
        }
        let (left, server) = match s.split_once('@') {
            Some((l, r)) => (l, r),
            None => ("", s),
        };
        if server.is_empty() || server.contains('@') {
            return None;
        }
        let (user_agent, device) = match left.split_once(':') {
            Some((u, d)) => (u, d.parse::<u16>().ok()?),
            None => (left, 0),
        };
        let user = match user_agent.split_once('.') {
            // `user.agent` form: the agent is a routing detail we drop.
            Some((u, agent)) if agent.parse::<u8>().is_ok() => u,
            _ => user_agent,
        };
        Some(Jid {
            user: user.to_owned(),
            device,
            server: server.to_owned(),
        })
    }

    /// A user JID (device 0) on a server.
    pub fn user(user: &str, server: &str) -> Jid {
        Jid {
            user: user.to_owned(),
            device: 0,
            server: server.to_owned(),
        }
    }

    /// A device JID.
    pub fn device(user: &str, device: u16, server: &str) -> Jid {
        Jid {
            user: user.to_owned(),
            device,
            server: server.to_owned(),
        }
    }

    /// True for a phone-number user JID.
    pub fn is_pn(&self) -> bool {
        self.server == PN && !self.user.is_empty()
    }

    /// True for a LID user JID.
    pub fn is_lid(&self) -> bool {
        self.server == LID && !self.user.is_empty()
    }

    /// True for a group JID.
    pub fn is_group(&self) -> bool {
        self.server == GROUP
    }

    /// The same JID without the device.
    pub fn to_user(&self) -> Jid {
        Jid {
            user: self.user.clone(),
            device: 0,
            server: self.server.clone(),
        }
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.user.is_empty() {
            return f.write_str(&self.server);
        }
        if self.device == 0 {
            write!(f, "{}@{}", self.user, self.server)
        } else {
            write!(f, "{}:{}@{}", self.user, self.device, self.server)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let j = Jid::parse("123:4@s.whatsapp.net").unwrap();
        assert_eq!(
            (j.user.as_str(), j.device, j.server.as_str()),
            ("123", 4, PN)
        );
        assert_eq!(j.to_string(), "123:4@s.whatsapp.net");
        let j = Jid::parse("123.1:2@lid").unwrap();
        assert_eq!((j.user.as_str(), j.device), ("123", 2));
        assert_eq!(
            Jid::parse("s.whatsapp.net").unwrap().to_string(),
            "s.whatsapp.net"
        );
        assert!(Jid::parse("a@b@c").is_none());
        assert!(Jid::parse("1:x@s.whatsapp.net").is_none());
        assert!(Jid::parse("1@").is_none());
    }
}
