//! Fault injection: refused logins, delayed or dropped frames, forced stream errors and drops.
//!
//! The settings live in the world ([`FaultState`]); [`Faults`] is the public handle tests use,
//! and the admin API calls the same methods.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::jid::Jid;
use crate::state::{Outbound, Shared};

/// Stream error codes the server can be told to send, with their meaning.
pub const STREAM_ERROR_CODES: [u16; 6] = [401, 409, 429, 503, 515, 516];

/// Fault settings (part of the world).
#[derive(Debug, Default, Clone)]
pub(crate) struct FaultState {
    /// Refuse every login with this `<failure reason>`.
    pub refuse_all: Option<u16>,
    /// Refuse logins of one account (phone) with this reason.
    pub refuse: HashMap<String, u16>,
    /// Delay before each outgoing frame, by device key (`phone:device`) or `*` for all.
    pub delay: HashMap<String, Duration>,
    /// Number of outgoing frames still to drop, by device key.
    pub drop_frames: HashMap<String, u32>,
    /// Accounts (phones) whose logins get no `<ib><offline/>` end marker after the queue.
    pub withhold_offline_end: HashSet<String>,
    /// Number of `w:sync:app:state` IQs still to refuse with a 500, by account (phone).
    pub fail_app_state: HashMap<String, u32>,
}

impl FaultState {
    /// The login refusal reason for an account, if any.
    pub fn refusal(&self, phone: &str) -> Option<u16> {
        self.refuse.get(phone).copied().or(self.refuse_all)
    }

    /// The delay to apply before a frame to this device.
    pub fn delay_for(&self, key: &str) -> Option<Duration> {
        self.delay.get(key).or_else(|| self.delay.get("*")).copied()
    }

    /// Whether to refuse this account's app-state IQ (consumes one failure).
    pub fn take_app_state_failure(&mut self, phone: &str) -> bool {
        match self.fail_app_state.get_mut(phone) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Whether to drop the next frame to this device (consumes one drop).
    pub fn take_drop(&mut self, key: &str) -> bool {
        match self.drop_frames.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The key fault maps use for a device.
pub(crate) fn device_key(phone: &str, device: u16) -> String {
    format!("{phone}:{device}")
}

/// Handle for injecting faults into a running server.
#[derive(Debug, Clone)]
pub struct Faults {
    pub(crate) shared: Arc<Shared>,
}

impl Faults {
    /// Resolves a device JID (PN or LID, with device) to `(phone, device)`.
    fn device(&self, device_jid: &str) -> Result<(String, u16)> {
        let jid = Jid::parse(device_jid).ok_or_else(|| Error::InvalidJid(device_jid.to_owned()))?;
        let world = self.shared.world();
        let phone = world
            .resolve_owned(&jid)
            .ok_or_else(|| Error::InvalidJid(device_jid.to_owned()))?;
        Ok((phone, jid.device))
    }

    /// Closes a device's connection abruptly, at once (no stream error, and frames the server
    /// had queued but not yet written are not sent): the client sees the socket drop. Stanzas it
    /// had not acked stay queued and are delivered again when it logs back in.
    pub fn drop_connection(&self, device_jid: &str) -> Result<()> {
        let (phone, dev) = self.device(device_jid)?;
        let world = self.shared.world();
        let conn = world
            .account(&phone)
            .and_then(|a| a.devices.get(&dev))
            .and_then(|d| d.conn)
            .ok_or_else(|| Error::NotConnected(device_jid.to_owned()))?;
        if world.kill_conn(conn) {
            Ok(())
        } else {
            Err(Error::NotConnected(device_jid.to_owned()))
        }
    }

    /// Sends `<stream:error code=...>` to a device and closes its connection.
    pub fn send_stream_error(&self, device_jid: &str, code: u16) -> Result<()> {
        self.send(device_jid, Outbound::StreamError(code))
    }

    fn send(&self, device_jid: &str, out: Outbound) -> Result<()> {
        let (phone, dev) = self.device(device_jid)?;
        let world = self.shared.world();
        let conn = world
            .account(&phone)
            .and_then(|a| a.devices.get(&dev))
            .and_then(|d| d.conn)
            .ok_or_else(|| Error::NotConnected(device_jid.to_owned()))?;
        if world.send_conn(conn, out) {
            Ok(())
        } else {
            Err(Error::NotConnected(device_jid.to_owned()))
        }
    }

    /// Delays every frame the server sends to a device (`None` = every device) by `delay`.
    /// `Duration::ZERO` removes the delay.
    pub fn delay_frames(&self, device_jid: Option<&str>, delay: Duration) -> Result<()> {
        let key = match device_jid {
            Some(j) => {
                let (p, d) = self.device(j)?;
                device_key(&p, d)
            }
            None => "*".to_owned(),
        };
        let mut world = self.shared.world();
        if delay.is_zero() {
            world.faults.delay.remove(&key);
        } else {
            world.faults.delay.insert(key, delay);
        }
        Ok(())
    }

    /// Drops the next `count` frames the server would send to a device. Queued stanzas in those
    /// frames stay queued (unacked) and are delivered again when the device reconnects.
    pub fn drop_frames(&self, device_jid: &str, count: u32) -> Result<()> {
        let (p, d) = self.device(device_jid)?;
        self.shared
            .world()
            .faults
            .drop_frames
            .insert(device_key(&p, d), count);
        Ok(())
    }

    /// Refuses logins with `<failure reason=...>`: of one account (`Some(phone)`) or of all.
    /// `reason = None` lifts the refusal.
    pub fn refuse_logins(&self, phone: Option<&str>, reason: Option<u16>) {
        let mut world = self.shared.world();
        match (phone, reason) {
            (Some(p), Some(r)) => {
                world.faults.refuse.insert(p.to_owned(), r);
            }
            (Some(p), None) => {
                world.faults.refuse.remove(p);
            }
            (None, r) => world.faults.refuse_all = r,
        }
    }

    /// Withholds (`true`) or restores (`false`) the `<ib><offline count/>` end-of-backlog
    /// marker the server sends after flushing a login's offline queue, for one account's
    /// devices. Send it later with [`Faults::send_offline_end`].
    pub fn withhold_offline_end(&self, phone: &str, withhold: bool) {
        let mut world = self.shared.world();
        if withhold {
            world.faults.withhold_offline_end.insert(phone.to_owned());
        } else {
            world.faults.withhold_offline_end.remove(phone);
        }
    }

    /// Sends `<ib><offline count="count"/></ib>` (the end-of-backlog marker) to a connected
    /// device now.
    pub fn send_offline_end(&self, device_jid: &str, count: usize) -> Result<()> {
        let marker = crate::stanza::Stanza::new("ib")
            .child(crate::stanza::Stanza::new("offline").attr("count", count.to_string()));
        self.send(device_jid, Outbound::Stanza(marker))
    }

    /// Answers the next `count` `w:sync:app:state` IQs of an account (any of its devices) with
    /// an IQ error 500; `0` lifts it.
    pub fn fail_app_state_syncs(&self, phone: &str, count: u32) {
        let mut world = self.shared.world();
        if count == 0 {
            world.faults.fail_app_state.remove(phone);
        } else {
            world.faults.fail_app_state.insert(phone.to_owned(), count);
        }
    }

    /// Clears every fault setting.
    pub fn clear(&self) {
        self.shared.world().faults = FaultState::default();
    }
}
