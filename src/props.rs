//! Server properties (`Client::fetch_props`): `<iq xmlns="w" type="get"><props protocol="2"
//! hash=".."/></iq>`; the server answers `<props hash><prop config_code config_value/>...`
//! (only the changes since `hash`). The returned hash is stored for the next query.

use std::collections::HashMap;

use wacore::iq::spec::IqSpec;
use wacore::request::{InfoQuery, IqParseError};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use crate::client::Client;
use crate::error::IqError;
use crate::store::DeviceCommand;

/// The props query, with the hash of the props we already have.
#[derive(Debug, Clone, Default)]
pub(crate) struct PropsIq {
    pub(crate) hash: Option<String>,
}

/// The server's answer: its props hash and the (changed) props by config code.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Props {
    pub(crate) hash: Option<String>,
    pub(crate) values: HashMap<String, String>,
}

impl IqSpec for PropsIq {
    type Response = Props;

    fn build_iq(&self) -> InfoQuery<'static> {
        let mut props = NodeBuilder::new("props").attr("protocol", "2");
        if let Some(hash) = &self.hash {
            props = props.attr("hash", hash.as_str());
        }
        InfoQuery::get("w", vec![props.build()])
    }

    fn parse_response(&self, response: &Node) -> Result<Props, IqParseError> {
        let Some(props) = response.get_optional_child("props") else {
            return Ok(Props::default());
        };
        let values = props
            .get_children_by_tag("prop")
            .filter_map(|p| {
                let code = p.get_attr("config_code")?.as_str().into_owned();
                let value = p.get_attr("config_value")?.as_str().into_owned();
                Some((code, value))
            })
            .collect();
        Ok(Props {
            hash: props.get_attr("hash").map(|h| h.as_str().into_owned()),
            values,
        })
    }
}

impl Client {
    /// Fetches the account's server properties (A/B props) and remembers their hash, so
    /// the next fetch only returns changes.
    pub async fn fetch_props(&self) -> Result<(), IqError> {
        let hash = self
            .persistence_manager
            .get_device_snapshot()
            .await
            .props_hash;
        let props = self.execute(PropsIq { hash: hash.clone() }).await?;
        log::debug!(target: "Client", "server props: {} changed", props.values.len());
        if props.hash.is_some() && props.hash != hash {
            self.persistence_manager
                .process_command(DeviceCommand::SetPropsHash(props.hash))
                .await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_query_carries_the_known_hash_and_parses_props() {
        let node = PropsIq {
            hash: Some("h1".into()),
        }
        .build_iq()
        .to_node("x");
        assert_eq!(node.get_attr("xmlns").unwrap().as_str(), "w");
        assert_eq!(node.get_attr("type").unwrap().as_str(), "get");
        let props = node.get_optional_child("props").unwrap();
        assert_eq!(props.get_attr("hash").unwrap().as_str(), "h1");
        assert_eq!(props.get_attr("protocol").unwrap().as_str(), "2");

        let response = NodeBuilder::new("iq")
            .attr("type", "result")
            .children([NodeBuilder::new("props")
                .attr("hash", "h2")
                .children([
                    NodeBuilder::new("prop")
                        .attr("config_code", "10518")
                        .attr("config_value", "false")
                        .build(),
                    NodeBuilder::new("prop").attr("config_code", "1").build(),
                ])
                .build()])
            .build();
        let parsed = PropsIq::default().parse_response(&response).unwrap();
        assert_eq!(parsed.hash.as_deref(), Some("h2"));
        assert_eq!(parsed.values.len(), 1, "a prop without a value is skipped");
        assert_eq!(parsed.values["10518"], "false");
    }
}
