//! JID string forms: `Display`, Signal addresses.

use std::fmt;

use super::{
    DEFAULT_USER_SERVER, HIDDEN_USER_SERVER, HOSTED_LID_SERVER, INTEROP_SERVER, Jid,
    LEGACY_USER_SERVER,
};

/// Writes the string form `[integrator-]user[.agent][:device]@server` (or `@server`).
pub(crate) fn write_jid<W: fmt::Write + ?Sized>(
    w: &mut W,
    user: &str,
    server: &str,
    agent: u8,
    device: u16,
    integrator: u16,
) -> fmt::Result {
    if !user.is_empty() {
        if integrator != 0 && server == INTEROP_SERVER {
            write_decimal(w, u32::from(integrator))?;
            w.write_char('-')?;
        }
        w.write_str(user)?;
        if agent != 0 && server != HIDDEN_USER_SERVER && server != HOSTED_LID_SERVER {
            w.write_char('.')?;
            write_decimal(w, u32::from(agent))?;
        }
        if device != 0 {
            w.write_char(':')?;
            write_decimal(w, u32::from(device))?;
        }
    }
    w.write_char('@')?;
    w.write_str(server)
}

/// Decimal without going through `fmt` machinery.
#[inline]
fn write_decimal<W: fmt::Write + ?Sized>(w: &mut W, mut n: u32) -> fmt::Result {
    let mut buf = [0u8; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    let digits = buf.get(start..).unwrap_or_default();
    // Only ASCII digits were written.
    w.write_str(std::str::from_utf8(digits).unwrap_or_default())
}

/// Length of the string form, for exact pre-allocation.
pub(crate) fn jid_string_len(
    user: &str,
    server: &str,
    agent: u8,
    device: u16,
    integrator: u16,
) -> usize {
    let digits = |n: u32| {
        if n >= 10_000 {
            5
        } else if n >= 1000 {
            4
        } else if n >= 100 {
            3
        } else if n >= 10 {
            2
        } else {
            1
        }
    };
    let mut len = 1 + server.len();
    if !user.is_empty() {
        len += user.len();
        if integrator != 0 && server == INTEROP_SERVER {
            len += digits(u32::from(integrator)) + 1;
        }
        if agent != 0 && server != HIDDEN_USER_SERVER && server != HOSTED_LID_SERVER {
            len += digits(u32::from(agent)) + 1;
        }
        if device != 0 {
            len += digits(u32::from(device)) + 1;
        }
    }
    len
}

/// The string form in a `String` allocated once at the exact size.
pub(crate) fn jid_to_string(
    user: &str,
    server: &str,
    agent: u8,
    device: u16,
    integrator: u16,
) -> String {
    let mut s = String::with_capacity(jid_string_len(user, server, agent, device, integrator));
    // Writing into a String cannot fail.
    let _ = write_jid(&mut s, user, server, agent, device, integrator);
    s
}

/// Whether the string form equals `other`, without allocating.
pub(crate) fn jid_display_eq(
    user: &str,
    server: &str,
    agent: u8,
    device: u16,
    integrator: u16,
    other: &str,
) -> bool {
    struct Cmp<'a> {
        rest: &'a [u8],
        equal: bool,
    }
    impl fmt::Write for Cmp<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.rest.strip_prefix(s.as_bytes()) {
                Some(rest) if self.equal => self.rest = rest,
                _ => self.equal = false,
            }
            Ok(())
        }
    }
    let mut cmp = Cmp {
        rest: other.as_bytes(),
        equal: true,
    };
    let _ = write_jid(&mut cmp, user, server, agent, device, integrator);
    cmp.equal && cmp.rest.is_empty()
}

impl fmt::Display for Jid {
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

impl From<Jid> for String {
    fn from(jid: Jid) -> Self {
        jid.to_string()
    }
}

impl Jid {
    /// Appends the string form to `buf` (no intermediate allocation).
    pub fn push_to(&self, buf: &mut String) {
        buf.reserve(jid_string_len(
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
        ));
        let _ = write_jid(
            buf,
            &self.user,
            &self.server,
            self.agent,
            self.device,
            self.integrator,
        );
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

    /// The Signal address name: `user[:device]@server`, with `s.whatsapp.net` written as
    /// `c.us` (WhatsApp Web's form). E.g. `5511999887766:33@c.us`, `123456789@lid`.
    pub fn to_signal_address_string(&self) -> String {
        let mut buf = String::with_capacity(self.user.len() + self.server.len() + 8);
        self.push_signal_address(&mut buf);
        buf
    }

    /// The full Signal protocol address, `{signal address}.0` (the Signal device id is always
    /// 0: the device is part of the name), e.g. `5511999887766@c.us.0`, `123456789:33@lid.0`.
    /// One allocation; used as the key of per-session locks.
    pub fn to_protocol_address_string(&self) -> String {
        let mut buf = String::with_capacity(self.user.len() + self.server.len() + 10);
        self.push_signal_address(&mut buf);
        buf.push_str(".0");
        buf
    }

    fn push_signal_address(&self, buf: &mut String) {
        buf.push_str(&self.user);
        if self.device != 0 {
            buf.push(':');
            let _ = write_decimal(buf, u32::from(self.device));
        }
        buf.push('@');
        buf.push_str(if self.server == DEFAULT_USER_SERVER {
            LEGACY_USER_SERVER
        } else {
            &self.server
        });
    }
}
