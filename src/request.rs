//! IQ requests: ids, response routing, timeouts and typed errors; `execute` for
//! [`IqSpec`]s; and the handler for IQs the server sends us.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::oneshot;
use wacore::iq::IqSpec;
use wacore::request::InfoQuery;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use crate::client::Client;
use crate::error::IqError;

/// Removes a response waiter when the request is abandoned (timeout, drop).
struct WaiterGuard<'a> {
    client: &'a Client,
    id: String,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.client.response_waiters.lock() {
            w.remove(&self.id);
        }
        self.client.pending_iqs.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Client {
    /// Sends an IQ and waits for its `result` (returned) or `error` (as
    /// [`IqError::ServerError`]), at most the query's timeout (default: the
    /// configured IQ timeout, 75 s).
    pub async fn send_iq(&self, query: InfoQuery<'_>) -> Result<Node, IqError> {
        let id = query.id.clone().unwrap_or_else(|| self.next_request_id());
        let node = query.to_node(&id);
        let timeout = query.timeout.unwrap_or(self.config.timings.iq_timeout);
        let (tx, rx) = oneshot::channel();
        match self.response_waiters.lock() {
            Ok(mut w) => w.insert(id.clone(), tx),
            Err(_) => return Err(IqError::InternalChannelClosed),
        };
        self.pending_iqs.fetch_add(1, Ordering::AcqRel);
        let _guard = WaiterGuard {
            client: self,
            id: id.clone(),
        };
        log::debug!(target: "Client/IQ", "-> iq {id} xmlns={}", query.namespace);
        self.send_node(node).await?;
        let response = match tokio::time::timeout(timeout, rx).await {
            Err(_) => {
                log::warn!(target: "Client/IQ", "iq {id} timed out after {timeout:?}");
                return Err(IqError::Timeout);
            }
            Ok(Err(_)) => return Err(IqError::Disconnected),
            Ok(Ok(node)) => node,
        };
        if response
            .get_attr("type")
            .is_some_and(|t| t.as_str() == "error")
        {
            let err = response.get_optional_child("error");
            let code = err
                .and_then(|e| e.get_attr("code"))
                .and_then(|c| c.as_str().parse::<u16>().ok())
                .unwrap_or(0);
            let text = err
                .and_then(|e| e.get_attr("text"))
                .map(|t| t.as_str().into_owned())
                .unwrap_or_default();
            return Err(IqError::ServerError { code, text });
        }
        Ok(response)
    }

    /// Executes a typed IQ: builds it, sends it, parses the response.
    pub async fn execute<S: IqSpec>(&self, spec: S) -> Result<S::Response, IqError> {
        let response = self.send_iq(spec.build_iq()).await?;
        Ok(spec.parse_response(&response)?)
    }

    /// Hands an IQ response to its waiter; `false` if nobody waits for it.
    pub(crate) fn resolve_iq_response(&self, node: &Node) -> bool {
        let is_response = node
            .get_attr("type")
            .is_some_and(|t| t.as_str() == "result" || t.as_str() == "error");
        if !is_response {
            return false;
        }
        let Some(id) = node.get_attr("id").map(|v| v.as_str().into_owned()) else {
            return false;
        };
        let waiter = self
            .response_waiters
            .lock()
            .ok()
            .and_then(|mut w| w.remove(&id));
        match waiter {
            Some(tx) => {
                let _ = tx.send(node.clone());
                true
            }
            None => false,
        }
    }
}

/// IQs the server sends us: pings, `pair-device`, `pair-success`.
pub(crate) async fn handle_iq(client: &Arc<Client>, node: Node) {
    let ty = node
        .get_attr("type")
        .map(|t| t.as_str().into_owned())
        .unwrap_or_default();
    if ty == "result" || ty == "error" {
        log::debug!(target: "Client/IQ", "unsolicited iq {ty} (no waiter)");
        return;
    }
    let first_child = node
        .children()
        .and_then(|c| c.first())
        .map(|c| c.tag.clone());
    match first_child.as_deref() {
        Some("pair-device") => crate::pair::handle_pair_device(client, &node).await,
        Some("pair-success") => crate::pair::handle_pair_success(client, &node).await,
        Some("ping") => {
            if let (Some(id), Some(from)) = (node.get_attr("id"), node.get_attr("from")) {
                let pong = NodeBuilder::new("iq")
                    .attr("id", id.clone())
                    .attr("to", from.clone())
                    .attr("type", "result")
                    .build();
                if let Err(e) = client.send_node(pong).await {
                    log::warn!(target: "Client/IQ", "failed to answer server ping: {e}");
                }
            }
        }
        other => log::debug!(target: "Client/IQ", "unhandled server iq with child {other:?}"),
    }
}
