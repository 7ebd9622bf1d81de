//! The app-state collections ("patch names") and what lives in each.

/// An app-state collection. Each has its own version, LTHash and patch stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    /// `critical_block`: account settings such as the push name and locale.
    CriticalBlock,
    /// `critical_unblock_low`: the contact list.
    CriticalUnblockLow,
    /// `regular_high`: mute, star, delete/clear chat, delete-for-me.
    RegularHigh,
    /// `regular_low`: pin, archive, mark-as-read, the unarchive-chats setting.
    RegularLow,
    /// `regular`: labels and protocol bookkeeping such as key expiration.
    Regular,
}

impl Collection {
    /// Every collection, in the order WhatsApp Web syncs them.
    pub const ALL: [Collection; 5] = [
        Collection::CriticalBlock,
        Collection::CriticalUnblockLow,
        Collection::RegularHigh,
        Collection::Regular,
        Collection::RegularLow,
    ];

    /// The name used on the wire and in MACs.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::CriticalBlock => "critical_block",
            Collection::CriticalUnblockLow => "critical_unblock_low",
            Collection::RegularHigh => "regular_high",
            Collection::RegularLow => "regular_low",
            Collection::Regular => "regular",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Collection::ALL {
            assert_eq!(Collection::from_name(c.as_str()), Some(c));
        }
        assert_eq!(Collection::from_name("regular_medium"), None);
    }
}
