//! `JidRef`: a JID borrowing its parts, as the decoder produces it.

use std::borrow::Cow;
use std::fmt;

use super::fmt::{jid_display_eq, jid_to_string, write_jid};
use super::{DeviceKey, Jid, JidExt, intern_server};

/// A JID whose user and server borrow from elsewhere (the decoded frame, a string).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JidRef<'a> {
    /// User part.
    pub user: Cow<'a, str>,
    /// Server.
    pub server: Cow<'a, str>,
    /// Agent (0 = none).
    pub agent: u8,
    /// Device (0 = none).
    pub device: u16,
    /// Integrator (0 = none).
    pub integrator: u16,
}

impl JidRef<'_> {
    /// The owned JID (no allocation for a known server).
    pub fn to_owned(&self) -> Jid {
        Jid {
            user: self.user.as_ref().to_owned(),
            server: intern_server(&self.server),
            agent: self.agent,
            device: self.device,
            integrator: self.integrator,
        }
    }

    /// Whether the string form equals `other`, without allocating.
    pub fn display_eq(&self, other: &str) -> bool {
        jid_display_eq(
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
            other,
        )
    }

    /// The string form (same as `to_string()`, sized exactly).
    pub fn to_jid_string(&self) -> String {
        jid_to_string(
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
        )
    }

    /// A borrowing (user, server, device) key.
    pub fn device_key(&self) -> DeviceKey<'_> {
        DeviceKey {
            user: &self.user,
            server: &self.server,
            device: self.device,
        }
    }
}

impl JidExt for JidRef<'_> {
    fn user(&self) -> &str {
        &self.user
    }
    fn server(&self) -> &str {
        &self.server
    }
    fn device(&self) -> u16 {
        self.device
    }
    fn integrator(&self) -> u16 {
        self.integrator
    }
}

impl fmt::Display for JidRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_jid(
            f,
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
        )
    }
}

impl PartialEq<Jid> for JidRef<'_> {
    fn eq(&self, other: &Jid) -> bool {
        self.user == other.user.as_str()
            && self.server == other.server.as_ref()
            && self.agent == other.agent
            && self.device == other.device
            && self.integrator == other.integrator
    }
}

impl PartialEq<JidRef<'_>> for Jid {
    fn eq(&self, other: &JidRef<'_>) -> bool {
        other == self
    }
}

impl<'a> From<&'a Jid> for JidRef<'a> {
    fn from(jid: &'a Jid) -> Self {
        jid.as_jid_ref()
    }
}
