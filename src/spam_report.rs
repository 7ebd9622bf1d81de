//! Spam reports (`Client::send_spam_report`):
//! `<iq xmlns="spam" type="set"><spam_list spam_flow [jid subject]><message id t [from]
//! [participant]><raw v="3" [mediatype] [local_message_type]>bytes</raw></message>
//! </spam_list></iq>`; the server may answer with `<report_id>`.

use wacore::iq::spec::IqSpec;
use wacore::request::{InfoQuery, IqParseError};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::{Node, NodeContent};

use crate::client::Client;
use crate::error::IqError;

/// Where in the app a report was started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpamFlow {
    /// From a message's context menu.
    #[default]
    MessageMenu,
    /// From a group's info screen.
    GroupInfoReport,
    /// From a group's spam banner.
    GroupSpamBannerReport,
    /// From a contact's info screen.
    ContactInfo,
    /// From a status view.
    StatusReport,
}

impl SpamFlow {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageMenu => "MessageMenu",
            Self::GroupInfoReport => "GroupInfoReport",
            Self::GroupSpamBannerReport => "GroupSpamBannerReport",
            Self::ContactInfo => "ContactInfo",
            Self::StatusReport => "StatusReport",
        }
    }
}

impl std::fmt::Display for SpamFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpamReportRequest {
    /// The reported message's id.
    pub message_id: String,
    /// The reported message's timestamp (seconds).
    pub message_timestamp: u64,
    /// Its sender (or chat).
    pub from_jid: Option<Jid>,
    /// In groups, the participant who sent it.
    pub participant_jid: Option<Jid>,
    /// For group reports, the group.
    pub group_jid: Option<Jid>,
    /// For group reports, its subject.
    pub group_subject: Option<String>,
    /// Where the report was started.
    pub spam_flow: SpamFlow,
    /// The message, protobuf-encoded.
    pub raw_message: Option<Vec<u8>>,
    /// The message's media type, if any.
    pub media_type: Option<String>,
    /// The local message type, if any.
    pub local_message_type: Option<String>,
}

/// The server's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpamReportResult {
    /// The report id, when the server returns one.
    pub report_id: Option<String>,
}

/// The spam-report IQ.
#[derive(Debug, Clone)]
pub(crate) struct SpamReportIq(pub(crate) SpamReportRequest);

impl SpamReportIq {
    fn spam_list(&self) -> Node {
        let r = &self.0;
        let mut message = NodeBuilder::new("message")
            .attr("id", r.message_id.as_str())
            .attr("t", r.message_timestamp.to_string());
        if let Some(from) = &r.from_jid {
            message = message.attr("from", from.to_string());
        }
        if let Some(participant) = &r.participant_jid {
            message = message.attr("participant", participant.to_string());
        }
        if let Some(raw) = &r.raw_message {
            let mut node = NodeBuilder::new("raw").attr("v", "3");
            if let Some(t) = &r.media_type {
                node = node.attr("mediatype", t.as_str());
            }
            if let Some(t) = &r.local_message_type {
                node = node.attr("local_message_type", t.as_str());
            }
            message = message.children([node.bytes(raw.clone()).build()]);
        }
        let mut list = NodeBuilder::new("spam_list").attr("spam_flow", r.spam_flow.as_str());
        if let Some(group) = &r.group_jid {
            list = list.attr("jid", group.to_string());
        }
        if let Some(subject) = &r.group_subject {
            list = list.attr("subject", subject.as_str());
        }
        list.children([message.build()]).build()
    }
}

impl IqSpec for SpamReportIq {
    type Response = SpamReportResult;

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::set("spam", vec![self.spam_list()])
    }

    fn parse_response(&self, response: &Node) -> Result<SpamReportResult, IqParseError> {
        let report_id = response
            .get_optional_child("report_id")
            .and_then(|n| match &n.content {
                Some(NodeContent::String(s)) => Some(s.clone()),
                Some(NodeContent::Bytes(b)) => String::from_utf8(b.clone()).ok(),
                _ => None,
            });
        Ok(SpamReportResult { report_id })
    }
}

impl Client {
    /// Reports a message (or a group) as spam.
    pub async fn send_spam_report(
        &self,
        request: SpamReportRequest,
    ) -> Result<SpamReportResult, IqError> {
        self.execute(SpamReportIq(request)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_report_with_raw_message_has_the_wire_shape() {
        let iq = SpamReportIq(SpamReportRequest {
            message_id: "M1".into(),
            message_timestamp: 1_234_567_890,
            from_jid: Some("120363000000000001@g.us".parse().unwrap()),
            participant_jid: Some(Jid::pn("15550001111")),
            group_jid: Some("120363000000000001@g.us".parse().unwrap()),
            group_subject: Some("Spam group".into()),
            spam_flow: SpamFlow::GroupInfoReport,
            raw_message: Some(vec![1, 2, 3]),
            media_type: Some("image".into()),
            local_message_type: None,
        })
        .build_iq()
        .to_node("id1");
        assert_eq!(iq.get_attr("xmlns").unwrap().as_str(), "spam");
        assert_eq!(iq.get_attr("type").unwrap().as_str(), "set");
        let list = iq.get_optional_child("spam_list").unwrap();
        assert_eq!(
            list.get_attr("spam_flow").unwrap().as_str(),
            "GroupInfoReport"
        );
        assert_eq!(
            list.get_attr("jid").unwrap().as_str(),
            "120363000000000001@g.us"
        );
        assert_eq!(list.get_attr("subject").unwrap().as_str(), "Spam group");
        let msg = list.get_optional_child("message").unwrap();
        assert_eq!(msg.get_attr("id").unwrap().as_str(), "M1");
        assert_eq!(msg.get_attr("t").unwrap().as_str(), "1234567890");
        assert_eq!(
            msg.get_attr("participant").unwrap().as_str(),
            "15550001111@s.whatsapp.net"
        );
        let raw = msg.get_optional_child("raw").unwrap();
        assert_eq!(raw.get_attr("v").unwrap().as_str(), "3");
        assert_eq!(raw.get_attr("mediatype").unwrap().as_str(), "image");
        assert!(raw.get_attr("local_message_type").is_none());
        assert_eq!(raw.content, Some(NodeContent::Bytes(vec![1, 2, 3])));
    }

    #[test]
    fn report_id_is_read_from_the_answer() {
        let iq = SpamReportIq(SpamReportRequest::default());
        let answer = NodeBuilder::new("iq")
            .children([NodeBuilder::new("report_id").string_content("R-77").build()])
            .build();
        assert_eq!(
            iq.parse_response(&answer).unwrap().report_id.as_deref(),
            Some("R-77")
        );
        let empty = NodeBuilder::new("iq").build();
        assert_eq!(iq.parse_response(&empty).unwrap().report_id, None);
        assert_eq!(SpamFlow::default().to_string(), "MessageMenu");
    }
}
