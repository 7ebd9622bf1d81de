//! `wait_for_node`: one-shot waiters for incoming nodes matching a [`NodeFilter`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::oneshot;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use crate::client::Client;

/// Matches incoming nodes by tag and attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFilter {
    tag: String,
    attrs: Vec<(String, String)>,
}

impl NodeFilter {
    /// Matches nodes with this tag.
    pub fn tag(tag: impl Into<String>) -> Self {
        Self {
            tag: tag.into(),
            attrs: Vec::new(),
        }
    }

    /// Also requires `key` to equal `value`.
    #[must_use]
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.push((key.into(), value.into()));
        self
    }

    /// Also requires `from` to be `jid`.
    #[must_use]
    pub fn from_jid(self, jid: &Jid) -> Self {
        self.attr("from", jid.to_string())
    }

    /// Whether `node` matches.
    pub fn matches(&self, node: &Node) -> bool {
        node.tag == self.tag
            && self
                .attrs
                .iter()
                .all(|(k, v)| node.get_attr(k).is_some_and(|a| a.as_str() == v.as_str()))
    }
}

/// The registered waiters; free when empty (one atomic load per node).
#[derive(Default)]
pub(crate) struct NodeWaiters {
    count: AtomicUsize,
    waiters: Mutex<Vec<(NodeFilter, oneshot::Sender<Node>)>>,
}

impl NodeWaiters {
    pub(crate) fn add(&self, filter: NodeFilter) -> oneshot::Receiver<Node> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiters.lock() {
            w.push((filter, tx));
            self.count.store(w.len(), Ordering::Release);
        }
        rx
    }

    pub(crate) fn offer(&self, node: &Node) {
        if self.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let Ok(mut w) = self.waiters.lock() else {
            return;
        };
        let mut i = 0;
        while i < w.len() {
            let closed = w.get(i).is_some_and(|(_, tx)| tx.is_closed());
            let hit = w.get(i).is_some_and(|(f, _)| f.matches(node));
            if closed || hit {
                let (_, tx) = w.swap_remove(i);
                if hit {
                    let _ = tx.send(node.clone());
                }
            } else {
                i += 1;
            }
        }
        self.count.store(w.len(), Ordering::Release);
    }
}

impl Client {
    /// Returns a receiver resolved by the next incoming node matching `filter`.
    /// Register it before triggering the node.
    pub fn wait_for_node(&self, filter: NodeFilter) -> oneshot::Receiver<Node> {
        self.node_waiters.add(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    #[test]
    fn filters_match_tag_and_attrs() {
        let n = NodeBuilder::new("notification")
            .attr("type", "w:gp2")
            .attr("from", "123@g.us")
            .build();
        assert!(NodeFilter::tag("notification").matches(&n));
        assert!(
            NodeFilter::tag("notification")
                .attr("type", "w:gp2")
                .matches(&n)
        );
        assert!(
            !NodeFilter::tag("notification")
                .attr("type", "devices")
                .matches(&n)
        );
        assert!(!NodeFilter::tag("message").matches(&n));
        assert!(
            NodeFilter::tag("notification")
                .from_jid(&Jid::group("123"))
                .matches(&n)
        );
    }

    #[test]
    fn waiters_fire_once_and_drop_closed_ones() {
        let w = NodeWaiters::default();
        let mut a = w.add(NodeFilter::tag("x"));
        let b = w.add(NodeFilter::tag("y"));
        drop(b);
        w.offer(&NodeBuilder::new("z").build());
        assert_eq!(w.count.load(Ordering::Acquire), 1, "closed waiter pruned");
        w.offer(&NodeBuilder::new("x").build());
        assert_eq!(a.try_recv().unwrap().tag, "x");
        assert_eq!(w.count.load(Ordering::Acquire), 0);
    }
}
