//! Pairing results.

use wacore_binary::jid::Jid;

/// Pairing completed: the phone accepted this companion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairSuccess {
    /// Our new device JID (`phone:device@s.whatsapp.net`).
    pub id: Jid,
    /// Our LID device JID.
    pub lid: Jid,
    /// The account's business name (often empty).
    pub business_name: String,
    /// The primary's platform.
    pub platform: String,
}

/// Pairing failed after the phone answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairError {
    /// The device JID the server offered.
    pub id: Jid,
    /// The LID the server offered.
    pub lid: Jid,
    /// The account's business name.
    pub business_name: String,
    /// The primary's platform.
    pub platform: String,
    /// What went wrong.
    pub error: String,
}
