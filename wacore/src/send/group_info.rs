//! The group member list a group send fans out to: `<iq xmlns="w:g2" type="get" to="<group>">
//! <query request="interactive"/></iq>` answered with `<group addressing_mode>` and its
//! `<participant jid [phone_number|lid] [type]/>` children.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use crate::iq::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    /// The JID the group addresses them by (LID in LID-addressed groups).
    pub jid: Jid,
    /// The other form (phone number in LID groups, LID in phone-number groups), if given.
    pub alt: Option<Jid>,
    /// Whether they are an admin (or the super admin).
    pub is_admin: bool,
}

/// The members and addressing of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMembers {
    /// The group.
    pub jid: Jid,
    /// `lid` or `pn`.
    pub addressing_mode: String,
    /// Members.
    pub members: Vec<GroupMember>,
    /// The disappearing-messages timer (seconds; 0 = off).
    pub ephemeral: u32,
}

impl GroupMembers {
    /// Whether members are addressed by LID.
    pub fn is_lid(&self) -> bool {
        self.addressing_mode == "lid"
    }
}

/// Asks for a group's members.
#[derive(Debug, Clone)]
pub struct GroupMembersIq {
    /// The group.
    pub group: Jid,
}

impl IqSpec for GroupMembersIq {
    type Response = GroupMembers;

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::get(
            "w:g2",
            vec![
                NodeBuilder::new("query")
                    .attr("request", "interactive")
                    .build(),
            ],
        )
        .with_to(self.group.clone())
    }

    fn parse_response(&self, response: &Node) -> Result<GroupMembers, IqParseError> {
        let g = response
            .get_optional_child("group")
            .ok_or(IqParseError::MissingChild {
                tag: "group",
                context: "group query response",
            })?;
        let mut a = g.attrs();
        let addressing_mode = a
            .optional_string("addressing_mode")
            .map(|s| s.into_owned())
            .unwrap_or_else(|| "pn".to_string());
        let members = g
            .get_children_by_tag("participant")
            .filter_map(|p| {
                let mut a = p.attrs();
                let jid = a.optional_jid("jid")?;
                let alt = a
                    .optional_jid("phone_number")
                    .or_else(|| a.optional_jid("lid"));
                let is_admin = a
                    .optional_string("type")
                    .is_some_and(|t| t == "admin" || t == "superadmin");
                Some(GroupMember { jid, alt, is_admin })
            })
            .collect();
        let ephemeral = g
            .get_optional_child("ephemeral")
            .and_then(|e| e.attrs().optional_u64("expiration"))
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0);
        Ok(GroupMembers {
            jid: self.group.clone(),
            addressing_mode,
            members,
            ephemeral,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members() {
        let iq = GroupMembersIq {
            group: Jid::group("1203"),
        };
        let node = iq.build_iq().to_node("q1");
        assert_eq!(node.get_attr("to").unwrap().as_str(), "1203@g.us");
        assert_eq!(node.get_attr("xmlns").unwrap().as_str(), "w:g2");
        let resp = NodeBuilder::new("iq")
            .children([NodeBuilder::new("group")
                .attr("id", "1203")
                .attr("addressing_mode", "lid")
                .children([
                    NodeBuilder::new("participant")
                        .attr("jid", "11@lid")
                        .attr("phone_number", "111@s.whatsapp.net")
                        .attr("type", "superadmin")
                        .build(),
                    NodeBuilder::new("participant")
                        .attr("jid", "22@lid")
                        .build(),
                    NodeBuilder::new("participant").build(),
                    NodeBuilder::new("ephemeral")
                        .attr("expiration", "86400")
                        .build(),
                ])
                .build()])
            .build();
        let g = iq.parse_response(&resp).unwrap();
        assert!(g.is_lid());
        assert_eq!(g.members.len(), 2);
        assert_eq!(g.members[0].alt, Some(Jid::pn("111")));
        assert!(g.members[0].is_admin && !g.members[1].is_admin);
        assert_eq!(g.ephemeral, 86400);
    }
}
