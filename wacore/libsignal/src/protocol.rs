//! Wire messages: `SignalMessage`, `PreKeySignalMessage`, `SenderKeyMessage`,
//! `SenderKeyDistributionMessage`.

/// The kinds of ciphertext message (libsignal's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CiphertextMessageType {
    /// A `SignalMessage` (WhatsApp `msg`).
    Whisper = 2,
    /// A `PreKeySignalMessage` (WhatsApp `pkmsg`).
    PreKey = 3,
    /// A `SenderKeyMessage` (WhatsApp `skmsg`).
    SenderKey = 7,
    /// A `SenderKeyDistributionMessage`.
    SenderKeyDistribution = 8,
}
