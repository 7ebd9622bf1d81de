//! `usync` device-list queries: which devices a user has (and their LID).
//!
//! `<iq xmlns="usync" type="get"><usync sid mode="query" last="true" index="0" context="message">
//! <query><devices version="2"/><lid/></query><list><user jid="…"/>…</list></usync></iq>`; the
//! answer lists, per user, `<devices><device-list><device id key-index/>…` and `<lid val/>`.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};
use crate::store::DeviceInfo;

/// One user in a [`UsyncDevicesIq`] answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsyncUser {
    /// The user (no device).
    pub jid: Jid,
    /// Their devices (0 = primary). Hosted (Cloud API) devices are left out.
    pub devices: Vec<DeviceInfo>,
    /// Their LID, when asked for and known.
    pub lid: Option<Jid>,
    /// The server's error for this user (e.g. not on WhatsApp), if any.
    pub error: Option<String>,
}

impl UsyncUser {
    /// The device JIDs of this user (same server as [`UsyncUser::jid`]).
    pub fn device_jids(&self) -> Vec<Jid> {
        self.devices
            .iter()
            .filter_map(|d| u16::try_from(d.device_id).ok())
            .map(|d| self.jid.with_device(d))
            .collect()
    }
}

/// Asks for the device lists (and LIDs) of users.
#[derive(Debug, Clone)]
pub struct UsyncDevicesIq {
    /// The users (devices are ignored).
    pub users: Vec<Jid>,
    /// Also ask for each phone-number user's LID.
    pub with_lid: bool,
    /// The `context` attribute (`message` when sending, `interactive` otherwise).
    pub context: &'static str,
    /// The `sid` attribute (any unique string).
    pub sid: String,
}

impl UsyncDevicesIq {
    /// A device query for `users` in the `message` context, asking for LIDs.
    pub fn new(users: Vec<Jid>, sid: impl Into<String>) -> Self {
        Self {
            users,
            with_lid: true,
            context: "message",
            sid: sid.into(),
        }
    }
}

impl IqSpec for UsyncDevicesIq {
    type Response = Vec<UsyncUser>;

    fn build_iq(&self) -> InfoQuery<'static> {
        let mut query = vec![NodeBuilder::new("devices").attr("version", "2").build()];
        if self.with_lid {
            query.push(NodeBuilder::new("lid").build());
        }
        let list = self.users.iter().map(|u| {
            NodeBuilder::new("user")
                .jid_attr("jid", u.to_non_ad())
                .build()
        });
        let usync = NodeBuilder::new("usync")
            .attr("sid", self.sid.as_str())
            .attr("mode", "query")
            .attr("last", "true")
            .attr("index", "0")
            .attr("context", self.context)
            .children([
                NodeBuilder::new("query").children(query).build(),
                NodeBuilder::new("list").children(list).build(),
            ])
            .build();
        InfoQuery::get("usync", vec![usync])
    }

    fn parse_response(&self, response: &Node) -> Result<Vec<UsyncUser>, IqParseError> {
        let list = response
            .get_optional_child("usync")
            .and_then(|u| u.get_optional_child("list"))
            .ok_or(IqParseError::MissingChild {
                tag: "list",
                context: "usync response",
            })?;
        Ok(list
            .get_children_by_tag("user")
            .filter_map(parse_user)
            .collect())
    }
}

fn parse_user(user: &Node) -> Option<UsyncUser> {
    let jid = user.attrs().optional_jid("jid")?.into_non_ad();
    let mut devices = Vec::new();
    if let Some(list) = user
        .get_optional_child("devices")
        .and_then(|d| d.get_optional_child("device-list"))
    {
        for d in list.get_children_by_tag("device") {
            let mut a = d.attrs();
            let Some(id) = a.optional_u64("id").and_then(|v| u32::try_from(v).ok()) else {
                continue;
            };
            if id > u32::from(u16::MAX) || a.optional_bool("is_hosted").unwrap_or(false) {
                continue;
            }
            let key_index = a
                .optional_u64("key-index")
                .and_then(|v| u32::try_from(v).ok());
            devices.push(DeviceInfo {
                device_id: id,
                key_index,
            });
        }
    }
    let lid = user
        .get_optional_child("lid")
        .and_then(|l| l.attrs().optional_jid("val"))
        .filter(|l| l.is_lid());
    let error = user
        .get_optional_child("error")
        .or_else(|| {
            user.get_optional_child("devices")
                .and_then(|d| d.get_optional_child("error"))
        })
        .map(|e| {
            e.get_attr("code")
                .map(|c| c.as_str().into_owned())
                .unwrap_or_default()
        });
    Some(UsyncUser {
        jid,
        devices,
        lid,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_query_and_parses_devices_and_lid() {
        let iq = UsyncDevicesIq::new(vec![Jid::pn_device("111", 3), Jid::lid("77")], "s1");
        let node = iq.build_iq().to_node("id1");
        let usync = node.get_optional_child("usync").unwrap();
        assert_eq!(usync.get_attr("context").unwrap().as_str(), "message");
        let q = usync
            .get_optional_child("query")
            .unwrap()
            .children()
            .unwrap();
        assert_eq!(q[0].tag, "devices");
        assert_eq!(q[1].tag, "lid");
        let users = usync
            .get_optional_child("list")
            .unwrap()
            .children()
            .unwrap();
        assert_eq!(
            users[0].attrs().jid("jid"),
            Jid::pn("111"),
            "device stripped"
        );

        let resp = NodeBuilder::new("iq")
            .children([NodeBuilder::new("usync")
                .children([NodeBuilder::new("list")
                    .children([
                        NodeBuilder::new("user")
                            .attr("jid", "111@s.whatsapp.net")
                            .children([
                                NodeBuilder::new("devices")
                                    .children([NodeBuilder::new("device-list")
                                        .children([
                                            NodeBuilder::new("device").attr("id", "0").build(),
                                            NodeBuilder::new("device")
                                                .attr("id", "3")
                                                .attr("key-index", "2")
                                                .build(),
                                            NodeBuilder::new("device")
                                                .attr("id", "99")
                                                .attr("is_hosted", "true")
                                                .build(),
                                            NodeBuilder::new("device").attr("id", "zz").build(),
                                        ])
                                        .build()])
                                    .build(),
                                NodeBuilder::new("lid").attr("val", "77@lid").build(),
                            ])
                            .build(),
                        NodeBuilder::new("user")
                            .attr("jid", "222@s.whatsapp.net")
                            .children([NodeBuilder::new("error").attr("code", "404").build()])
                            .build(),
                        NodeBuilder::new("user").build(),
                    ])
                    .build()])
                .build()])
            .build();
        let users = iq.parse_response(&resp).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(
            users[0].device_jids(),
            vec![Jid::pn("111"), Jid::pn_device("111", 3)]
        );
        assert_eq!(users[0].devices[1].key_index, Some(2));
        assert_eq!(users[0].lid, Some(Jid::lid("77")));
        assert_eq!(users[1].error.as_deref(), Some("404"));
        assert!(users[1].devices.is_empty());
        assert!(iq.parse_response(&NodeBuilder::new("iq").build()).is_err());
    }
}
