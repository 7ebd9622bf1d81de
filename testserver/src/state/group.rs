//! Groups: subject, description, settings, participants, invite code.

use std::collections::BTreeMap;

/// A participant's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Plain member.
    Member,
    /// Admin.
    Admin,
    /// The creator (super admin).
    SuperAdmin,
}

impl Role {
    /// The `type` attribute value, if any.
    pub fn attr(self) -> Option<&'static str> {
        match self {
            Role::Member => None,
            Role::Admin => Some("admin"),
            Role::SuperAdmin => Some("superadmin"),
        }
    }

    /// Admin or super admin.
    pub fn is_admin(self) -> bool {
        !matches!(self, Role::Member)
    }
}

/// One group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// Group id (the user part of `id@g.us`).
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Who set the subject (account phone) and when.
    pub subject_owner: String,
    /// When the subject was set.
    pub subject_time: u64,
    /// Creator (account phone).
    pub creator: String,
    /// Creation time.
    pub creation: u64,
    /// Description and its id.
    pub description: Option<(String, String)>,
    /// Who set the description (account phone) and when.
    pub description_set: (String, u64),
    /// Every member may add participants (`member_add_mode` `all_member_add`).
    pub member_add_all: bool,
    /// Participants by account phone.
    pub participants: BTreeMap<String, Role>,
    /// Only admins may send.
    pub announce: bool,
    /// Only admins may edit group info.
    pub locked: bool,
    /// Disappearing-message timer in seconds (0 = off).
    pub ephemeral: u32,
    /// Joining needs admin approval.
    pub membership_approval: bool,
    /// Current invite code.
    pub invite_code: String,
    /// Addressing mode (`lid` or `pn`).
    pub addressing_mode: String,
}
