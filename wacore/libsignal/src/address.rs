//! Addresses: who a session or sender key belongs to.

use std::fmt;

/// A remote party's device: a name (WhatsApp: the JID's signal address string,
/// e.g. `5511999887766@c.us`) and a device id (WhatsApp: always 0).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolAddress {
    name: String,
    device_id: u32,
}

impl ProtocolAddress {
    /// Makes an address.
    pub fn new(name: impl Into<String>, device_id: u32) -> Self {
        Self {
            name: name.into(),
            device_id,
        }
    }

    /// The name part.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device id.
    pub fn device_id(&self) -> u32 {
        self.device_id
    }
}

/// `name.device_id`, as libsignal prints addresses (the storage key format).
impl fmt::Display for ProtocolAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.name, self.device_id)
    }
}

/// A group sender's sender key: the group id and the sender's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SenderKeyName {
    group_id: String,
    sender: ProtocolAddress,
}

impl SenderKeyName {
    /// Makes a sender-key name.
    pub fn new(group_id: impl Into<String>, sender: ProtocolAddress) -> Self {
        Self {
            group_id: group_id.into(),
            sender,
        }
    }

    /// The group id (WhatsApp: the group JID).
    pub fn group_id(&self) -> &str {
        &self.group_id
    }

    /// The sender's address.
    pub fn sender(&self) -> &ProtocolAddress {
        &self.sender
    }
}

/// `group::name::device_id`, the storage key format of the JS/Python implementations.
impl fmt::Display for SenderKeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}::{}::{}",
            self.group_id,
            self.sender.name(),
            self.sender.device_id()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_formats() {
        let a = ProtocolAddress::new("123@lid", 0);
        assert_eq!(a.to_string(), "123@lid.0");
        let n = SenderKeyName::new("g@g.us", a);
        assert_eq!(n.to_string(), "g@g.us::123@lid::0");
    }
}
