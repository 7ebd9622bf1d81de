//! JIDs: WhatsApp's addresses (`user[.agent][:device]@server`).
//!
//! Forms the protocol uses: `user@s.whatsapp.net` (phone number), `user:device@s.whatsapp.net`
//! (one device of a user), `user@lid` / `user:device@lid` (hidden-identity ids, whose user part
//! may hold dots), `id@g.us` (groups), `status@broadcast`, `id@newsletter`, `id@bot`,
//! `user@hosted` / `user@hosted.lid` (hosted, i.e. Cloud API, devices), `user:device@msgr`
//! (Messenger) and `integrator-user:device@interop` (interop), plus server-only JIDs such as
//! `@s.whatsapp.net` and `@g.us`.
//!
//! [`Jid`] owns its user part; the server is a `Cow<'static, str>` that borrows a static string
//! for every known server, so parsing and decoding those never allocate for it. [`JidRef`] is the
//! borrowed form the decoder produces.

mod fmt;
mod jid_ref;
mod parse;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use jid_ref::JidRef;
pub(crate) use parse::parse_parts;

/// Phone-number users (`@s.whatsapp.net`).
pub const DEFAULT_USER_SERVER: &str = "s.whatsapp.net";
/// The server's own JID (`@s.whatsapp.net`), the usual `to` of an `<iq>`.
pub const SERVER_JID: &str = "s.whatsapp.net";
/// Groups (`@g.us`).
pub const GROUP_SERVER: &str = "g.us";
/// Legacy phone-number server (`@c.us`), still used in Signal addresses.
pub const LEGACY_USER_SERVER: &str = "c.us";
/// Broadcast lists and status (`@broadcast`).
pub const BROADCAST_SERVER: &str = "broadcast";
/// Hidden-identity (LID) users (`@lid`).
pub const HIDDEN_USER_SERVER: &str = "lid";
/// Newsletters / channels (`@newsletter`).
pub const NEWSLETTER_SERVER: &str = "newsletter";
/// Hosted (Cloud API) phone-number devices (`@hosted`).
pub const HOSTED_SERVER: &str = "hosted";
/// Hosted (Cloud API) LID devices (`@hosted.lid`).
pub const HOSTED_LID_SERVER: &str = "hosted.lid";
/// Messenger users (`@msgr`).
pub const MESSENGER_SERVER: &str = "msgr";
/// Interop users (`@interop`).
pub const INTEROP_SERVER: &str = "interop";
/// Bots (`@bot`).
pub const BOT_SERVER: &str = "bot";
/// Calls (`@call`).
pub const CALL_SERVER: &str = "call";
/// The user of the status broadcast JID (`status@broadcast`).
pub const STATUS_BROADCAST_USER: &str = "status";
/// The user of the public service announcement account (`0@s.whatsapp.net`).
pub const PSA_USER: &str = "0";

/// AD_JID domain type of `@s.whatsapp.net`.
pub const WHATSAPP_DOMAIN: u8 = 0;
/// AD_JID domain type of `@lid`.
pub const LID_DOMAIN: u8 = 1;
/// AD_JID domain type of `@hosted`.
pub const HOSTED_DOMAIN: u8 = 128;
/// AD_JID domain type of `@hosted.lid`.
pub const HOSTED_LID_DOMAIN: u8 = 129;

/// The known servers, as static strings (so a `Jid` on one of them allocates nothing for it).
const KNOWN_SERVERS: [&str; 13] = [
    DEFAULT_USER_SERVER,
    GROUP_SERVER,
    LEGACY_USER_SERVER,
    BROADCAST_SERVER,
    HIDDEN_USER_SERVER,
    NEWSLETTER_SERVER,
    HOSTED_SERVER,
    HOSTED_LID_SERVER,
    MESSENGER_SERVER,
    INTEROP_SERVER,
    BOT_SERVER,
    CALL_SERVER,
    "server",
];

/// The static string of a known server, if `server` is one.
#[inline]
pub fn known_server(server: &str) -> Option<&'static str> {
    // Short-circuit on the most common servers before the scan.
    match server {
        DEFAULT_USER_SERVER => Some(DEFAULT_USER_SERVER),
        HIDDEN_USER_SERVER => Some(HIDDEN_USER_SERVER),
        GROUP_SERVER => Some(GROUP_SERVER),
        _ => KNOWN_SERVERS.iter().find(|s| **s == server).copied(),
    }
}

/// A server as a `Cow`, borrowing the static string when the server is known.
#[inline]
pub(crate) fn intern_server(server: &str) -> Cow<'static, str> {
    match known_server(server) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(server.to_owned()),
    }
}

/// A WhatsApp address: `user[.agent][:device]@server`.
///
/// Equality and hashing compare every field. `Display` and `FromStr` round-trip: the string
/// form renders the agent (where the server has one), the device when non-zero, the integrator
/// of interop JIDs (`integrator-user`), and a server-only JID as `@server`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    /// The user part: phone number, LID, group id, `status`, ... (empty for a server JID).
    pub user: String,
    /// The server (`s.whatsapp.net`, `lid`, `g.us`, ...); borrowed for known servers.
    pub server: Cow<'static, str>,
    /// The agent of the string form `user.agent@server` (0 = none). It has no wire form.
    pub agent: u8,
    /// The device (0 = the primary device / no device).
    pub device: u16,
    /// The integrator of interop JIDs (0 = none).
    pub integrator: u16,
}

impl Jid {
    /// A JID on any server; a known server string is stored borrowed even when passed owned.
    pub fn new(user: impl Into<String>, server: impl Into<Cow<'static, str>>) -> Self {
        let server = match server.into() {
            Cow::Owned(s) => intern_server(&s),
            borrowed => borrowed,
        };
        Self {
            user: user.into(),
            server,
            agent: 0,
            device: 0,
            integrator: 0,
        }
    }

    /// A JID on a static server string (no allocation for the server).
    #[inline]
    fn on(user: impl Into<String>, server: &'static str, device: u16) -> Self {
        Self {
            user: user.into(),
            server: Cow::Borrowed(server),
            agent: 0,
            device,
            integrator: 0,
        }
    }

    /// A phone-number user: `user@s.whatsapp.net`.
    pub fn pn(user: impl Into<String>) -> Self {
        Self::on(user, DEFAULT_USER_SERVER, 0)
    }

    /// One device of a phone-number user: `user:device@s.whatsapp.net`.
    pub fn pn_device(user: impl Into<String>, device: u16) -> Self {
        Self::on(user, DEFAULT_USER_SERVER, device)
    }

    /// A LID user: `user@lid`.
    pub fn lid(user: impl Into<String>) -> Self {
        Self::on(user, HIDDEN_USER_SERVER, 0)
    }

    /// One device of a LID user: `user:device@lid`.
    pub fn lid_device(user: impl Into<String>, device: u16) -> Self {
        Self::on(user, HIDDEN_USER_SERVER, device)
    }

    /// A group: `id@g.us`.
    pub fn group(id: impl Into<String>) -> Self {
        Self::on(id, GROUP_SERVER, 0)
    }

    /// A newsletter (channel): `id@newsletter`.
    pub fn newsletter(id: impl Into<String>) -> Self {
        Self::on(id, NEWSLETTER_SERVER, 0)
    }

    /// A bot: `id@bot`.
    pub fn bot(id: impl Into<String>) -> Self {
        Self::on(id, BOT_SERVER, 0)
    }

    /// A hosted (Cloud API) phone-number device: `user:device@hosted`.
    pub fn hosted(user: impl Into<String>, device: u16) -> Self {
        Self::on(user, HOSTED_SERVER, device)
    }

    /// A hosted (Cloud API) LID device: `user:device@hosted.lid`.
    pub fn hosted_lid(user: impl Into<String>, device: u16) -> Self {
        Self::on(user, HOSTED_LID_SERVER, device)
    }

    /// A Messenger user device: `user:device@msgr`.
    pub fn messenger(user: impl Into<String>, device: u16) -> Self {
        Self::on(user, MESSENGER_SERVER, device)
    }

    /// An interop user: `integrator-user:device@interop`.
    pub fn interop(user: impl Into<String>, device: u16, integrator: u16) -> Self {
        Self {
            integrator,
            ..Self::on(user, INTEROP_SERVER, device)
        }
    }

    /// The status broadcast: `status@broadcast`.
    pub fn status_broadcast() -> Self {
        Self::on(STATUS_BROADCAST_USER, BROADCAST_SERVER, 0)
    }

    /// A server JID with no user, e.g. `@s.whatsapp.net` (the `to` of most `<iq>`s).
    pub fn server_jid(server: &'static str) -> Self {
        Self::on(String::new(), server, 0)
    }

    /// Whether this is a phone-number JID (`@s.whatsapp.net`).
    #[inline]
    pub fn is_pn(&self) -> bool {
        self.server == DEFAULT_USER_SERVER
    }

    /// Whether this is a LID JID (`@lid`).
    #[inline]
    pub fn is_lid(&self) -> bool {
        self.server == HIDDEN_USER_SERVER
    }

    /// The user part without a `:device` suffix (for user strings that still carry one).
    #[inline]
    pub fn user_base(&self) -> &str {
        self.user
            .split_once(':')
            .map_or(self.user.as_str(), |(base, _)| base)
    }

    /// The same user on another device.
    pub fn with_device(&self, device: u16) -> Self {
        Self {
            device,
            ..self.clone()
        }
    }

    /// The user itself: agent and device cleared (integrator kept).
    pub fn to_non_ad(&self) -> Self {
        Self {
            user: self.user.clone(),
            server: self.server.clone(),
            agent: 0,
            device: 0,
            integrator: self.integrator,
        }
    }

    /// Consuming [`to_non_ad`](Self::to_non_ad): reuses the user string.
    pub fn into_non_ad(self) -> Self {
        Self {
            agent: 0,
            device: 0,
            ..self
        }
    }

    /// The AD_JID domain type of the server (0 `s.whatsapp.net`, 1 `lid`, 128 `hosted`,
    /// 129 `hosted.lid`), or None for servers without device JIDs on the wire.
    #[inline]
    pub fn domain_type(&self) -> Option<u8> {
        domain_type_of(&self.server)
    }

    /// A borrowing key of (user, server, device) for set lookups without cloning.
    #[inline]
    pub fn device_key(&self) -> DeviceKey<'_> {
        DeviceKey {
            user: &self.user,
            server: &self.server,
            device: self.device,
        }
    }

    /// A borrowed view of this JID.
    #[inline]
    pub fn as_jid_ref(&self) -> JidRef<'_> {
        JidRef {
            user: Cow::Borrowed(&self.user),
            server: Cow::Borrowed(&self.server),
            agent: self.agent,
            device: self.device,
            integrator: self.integrator,
        }
    }

    /// Whether the binary format can carry this JID exactly (see
    /// [`BinaryError::JidNotEncodable`](crate::BinaryError::JidNotEncodable)).
    pub fn is_wire_encodable(&self) -> bool {
        wire_form(
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
        )
        .is_ok()
    }
}

/// AD_JID domain type of a server name.
#[inline]
pub(crate) fn domain_type_of(server: &str) -> Option<u8> {
    match server {
        DEFAULT_USER_SERVER => Some(WHATSAPP_DOMAIN),
        HIDDEN_USER_SERVER => Some(LID_DOMAIN),
        HOSTED_SERVER => Some(HOSTED_DOMAIN),
        HOSTED_LID_SERVER => Some(HOSTED_LID_DOMAIN),
        _ => None,
    }
}

/// How a JID travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireForm {
    /// `JID_PAIR user server`.
    Pair,
    /// `AD_JID domain device user`.
    Ad {
        /// Domain type byte.
        domain: u8,
        /// Device byte.
        device: u8,
    },
    /// `FB_JID user device(u16) server`.
    Fb,
    /// `INTEROP_JID user device(u16) integrator(u16) server`.
    Interop,
}

/// The wire form that carries these JID fields exactly, or why none does.
#[inline]
pub(crate) fn wire_form(
    user: &str,
    server: &str,
    agent: u8,
    device: u16,
    integrator: u16,
) -> Result<WireForm, &'static str> {
    if agent != 0 {
        return Err("the agent has no wire form");
    }
    if server == INTEROP_SERVER && (integrator != 0 || device != 0) {
        return Ok(WireForm::Interop);
    }
    if integrator != 0 {
        return Err("an integrator outside @interop has no wire form");
    }
    if device == 0 {
        return Ok(WireForm::Pair);
    }
    if user.is_empty() {
        return Err("a server JID cannot carry a device");
    }
    if let Some(domain) = domain_type_of(server) {
        return match u8::try_from(device) {
            Ok(device) => Ok(WireForm::Ad { domain, device }),
            Err(_) => Err("AD_JID devices are at most 255"),
        };
    }
    if server == MESSENGER_SERVER {
        return Ok(WireForm::Fb);
    }
    Err("this server has no device JIDs on the wire")
}

/// Queries shared by [`Jid`] and [`JidRef`].
pub trait JidExt {
    /// The user part.
    fn user(&self) -> &str;
    /// The server.
    fn server(&self) -> &str;
    /// The device (0 = none).
    fn device(&self) -> u16;
    /// The integrator (0 = none).
    fn integrator(&self) -> u16;

    /// A device JID on a server with device JIDs (`s.whatsapp.net`, `lid`, hosted).
    fn is_ad(&self) -> bool {
        self.device() > 0 && domain_type_of(self.server()).is_some()
    }
    /// An interop JID with an integrator.
    fn is_interop(&self) -> bool {
        self.server() == INTEROP_SERVER && self.integrator() > 0
    }
    /// A Messenger device JID.
    fn is_messenger(&self) -> bool {
        self.server() == MESSENGER_SERVER && self.device() > 0
    }
    /// A group (`@g.us`).
    fn is_group(&self) -> bool {
        self.server() == GROUP_SERVER
    }
    /// A broadcast list other than the status broadcast.
    fn is_broadcast_list(&self) -> bool {
        self.server() == BROADCAST_SERVER && self.user() != STATUS_BROADCAST_USER
    }
    /// The status broadcast (`status@broadcast`).
    fn is_status_broadcast(&self) -> bool {
        self.server() == BROADCAST_SERVER && self.user() == STATUS_BROADCAST_USER
    }
    /// The public service announcement account (`0@s.whatsapp.net` or `0@c.us`).
    fn is_psa(&self) -> bool {
        (self.server() == DEFAULT_USER_SERVER || self.server() == LEGACY_USER_SERVER)
            && self.user() == PSA_USER
    }
    /// A bot: `@bot`, or the bot number ranges `1313555xxxx` / `131655500xx` on
    /// `@s.whatsapp.net` without a device.
    fn is_bot(&self) -> bool {
        if self.server() == BOT_SERVER {
            return true;
        }
        let u = self.user().as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        self.server() == DEFAULT_USER_SERVER
            && self.device() == 0
            && ((u.len() == 11 && u.starts_with(b"1313555") && digits(u))
                || (u.len() == 11 && u.starts_with(b"131655500") && digits(u)))
    }
    /// A newsletter (`@newsletter`).
    fn is_newsletter(&self) -> bool {
        self.server() == NEWSLETTER_SERVER
    }
    /// A hosted (Cloud API) device: `@hosted`, `@hosted.lid`, or device 99.
    fn is_hosted(&self) -> bool {
        self.device() == 99 || self.server() == HOSTED_SERVER || self.server() == HOSTED_LID_SERVER
    }
    /// No user part (a server JID, or the default value).
    fn is_empty(&self) -> bool {
        self.user().is_empty()
    }
    /// Same user part (ignores server and device).
    fn is_same_user_as(&self, other: &impl JidExt) -> bool {
        self.user() == other.user()
    }
}

impl JidExt for Jid {
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

/// A borrowing (user, server, device) key, for `HashSet` lookups of devices without cloning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceKey<'a> {
    /// User part.
    pub user: &'a str,
    /// Server.
    pub server: &'a str,
    /// Device.
    pub device: u16,
}
