//! Naming Signal state after WhatsApp JIDs.
//!
//! WhatsApp folds the device into the address *name* and always uses Signal device id 0:
//! `15551234567:3@s.whatsapp.net` is the protocol address `15551234567:3@c.us` / `0`
//! (stored as `15551234567:3@c.us.0`). A group sender key is named by the group JID and the
//! sender's protocol address.

use wacore_binary::jid::Jid;
use wacore_libsignal::{ProtocolAddress, SenderKeyName};

/// The Signal protocol address of one device.
pub fn protocol_address(jid: &Jid) -> ProtocolAddress {
    ProtocolAddress::new(jid.to_signal_address_string(), 0)
}

/// The storage key of a device's session and identity (`user[:device]@server.0`).
pub fn address_key(jid: &Jid) -> String {
    jid.to_protocol_address_string()
}

/// The sender-key name of `sender` (a device JID) in `group`.
pub fn sender_key_name(group: &Jid, sender: &Jid) -> SenderKeyName {
    SenderKeyName::new(group.to_string(), protocol_address(sender))
}

/// The storage key of a sender key (`group::name::0`).
pub fn sender_key_key(name: &SenderKeyName) -> String {
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_whatsapp_web() {
        let pn = Jid::pn_device("5511999887766", 33);
        assert_eq!(protocol_address(&pn).name(), "5511999887766:33@c.us");
        assert_eq!(protocol_address(&pn).device_id(), 0);
        assert_eq!(address_key(&pn), "5511999887766:33@c.us.0");
        assert_eq!(address_key(&Jid::lid("123456789")), "123456789@lid.0");
        let name = sender_key_name(&Jid::group("120363"), &Jid::lid_device("42", 2));
        assert_eq!(sender_key_key(&name), "120363@g.us::42:2@lid::0");
    }
}
