//! A session record: the current session state plus archived previous states.

use std::collections::VecDeque;

use prost::Message;

use crate::curve::PublicKey;
use crate::error::{Result, SignalProtocolError};
use crate::proto::storage::RecordStructure;

use super::session::SessionState;

/// At most this many archived states are kept (oldest dropped).
pub const ARCHIVED_STATES_MAX_LENGTH: usize = 40;

/// Everything we know about our sessions with one peer device.
///
/// Decryption tries the current state first, then the archived ones (most
/// recent first); a state that decrypts is promoted back to current.
#[derive(Clone, Debug, Default)]
pub struct SessionRecord {
    current_session: Option<SessionState>,
    previous_sessions: VecDeque<SessionState>,
}

impl SessionRecord {
    /// A record whose current state is `state`.
    pub fn new(state: SessionState) -> Self {
        Self {
            current_session: Some(state),
            previous_sessions: VecDeque::new(),
        }
    }

    /// An empty record (no state yet).
    pub fn new_fresh() -> Self {
        Self::default()
    }

    /// The current state, if any.
    pub fn session_state(&self) -> Option<&SessionState> {
        self.current_session.as_ref()
    }

    /// Mutable access to the current state.
    pub(crate) fn session_state_mut(&mut self) -> Option<&mut SessionState> {
        self.current_session.as_mut()
    }

    /// Whether there is a current state that can send.
    pub fn has_usable_sender_chain(&self) -> bool {
        self.current_session
            .as_ref()
            .is_some_and(SessionState::has_sender_chain)
    }

    /// The archived states, most recent first.
    pub fn previous_session_states(&self) -> impl Iterator<Item = &SessionState> {
        self.previous_sessions.iter()
    }

    /// Number of archived states.
    pub fn previous_session_count(&self) -> usize {
        self.previous_sessions.len()
    }

    /// Moves the current state (if any) to the archive.
    pub fn archive_current_state(&mut self) {
        if let Some(state) = self.current_session.take() {
            self.previous_sessions.push_front(state);
            self.previous_sessions.truncate(ARCHIVED_STATES_MAX_LENGTH);
        }
    }

    /// Archives the current state and makes `state` current.
    pub fn promote_state(&mut self, state: SessionState) {
        self.archive_current_state();
        self.current_session = Some(state);
    }

    /// Whether any state (current or archived) was set up with this base key.
    pub fn has_session_state(&self, version: u32, alice_base_key: &PublicKey) -> bool {
        let matches =
            |s: &SessionState| s.session_version == version && &s.alice_base_key == alice_base_key;
        self.current_session.as_ref().is_some_and(matches)
            || self.previous_sessions.iter().any(matches)
    }

    /// If a state was set up with this base key, makes it current (archiving the
    /// present one) and returns true.
    pub fn promote_matching_session(&mut self, version: u32, alice_base_key: &PublicKey) -> bool {
        let matches =
            |s: &SessionState| s.session_version == version && &s.alice_base_key == alice_base_key;
        if self.current_session.as_ref().is_some_and(matches) {
            return true;
        }
        match self.previous_sessions.iter().position(matches) {
            Some(i) => {
                if let Some(state) = self.previous_sessions.remove(i) {
                    self.promote_state(state);
                }
                true
            }
            None => false,
        }
    }

    /// Mutable access to archived state `i` (0 = most recent).
    pub(crate) fn previous_state_mut(&mut self, i: usize) -> Option<&mut SessionState> {
        self.previous_sessions.get_mut(i)
    }

    /// Makes archived state `i` current, archiving the present one.
    pub(crate) fn promote_previous(&mut self, i: usize) {
        if let Some(state) = self.previous_sessions.remove(i) {
            self.promote_state(state);
        }
    }

    /// The peer's registration id from the current state.
    pub fn remote_registration_id(&self) -> Result<u32> {
        self.current_session
            .as_ref()
            .map(SessionState::remote_registration_id)
            .ok_or_else(|| SignalProtocolError::NoSession("record has no current state".into()))
    }

    /// Serializes as libsignal's `RecordStructure` protobuf.
    pub fn serialize(&self) -> Vec<u8> {
        RecordStructure {
            current_session: self.current_session.as_ref().map(SessionState::to_proto),
            previous_sessions: self
                .previous_sessions
                .iter()
                .map(SessionState::to_proto)
                .collect(),
        }
        .encode_to_vec()
    }

    /// Parses a `RecordStructure` protobuf.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let r = RecordStructure::decode(bytes)?;
        let current_session = r
            .current_session
            .map(SessionState::from_proto)
            .transpose()?;
        let previous_sessions = r
            .previous_sessions
            .into_iter()
            .take(ARCHIVED_STATES_MAX_LENGTH)
            .map(SessionState::from_proto)
            .collect::<Result<VecDeque<_>>>()?;
        Ok(Self {
            current_session,
            previous_sessions,
        })
    }
}
