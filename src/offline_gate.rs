//! The message-processing gate of the offline sync. From login until the offline backlog
//! has been processed, messages bypass the per-chat queues and go through one sequential
//! queue, so they are processed one at a time in the order the server sent them (across
//! chats). Afterwards the per-chat queues run in parallel, at most [`PARALLEL_PERMITS`]
//! messages at once.
//!
//! The server's end-of-backlog marker is read long before the backlog is processed, so the
//! gate only widens once every message that went through the sequential queue has been
//! processed (no message of a chat can then overtake an earlier one), or when the
//! offline-sync timeout forces it.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use wacore_binary::node::Node;

/// Messages processed at once after the offline sync.
pub(crate) const PARALLEL_PERMITS: usize = 64;

#[derive(Default)]
struct GateState {
    /// The sequential queue while the gate is narrow.
    sequential: Option<mpsc::UnboundedSender<Node>>,
    widen_requested: bool,
    /// Messages in the sequential queue not processed yet.
    pending: usize,
    /// Bumped by every `narrow` (a new connection).
    generation: u64,
}

impl GateState {
    fn widen(&mut self) {
        if self.sequential.take().is_some() {
            log::debug!(target: "Client/OfflineSync", "message processing: up to {PARALLEL_PERMITS} in parallel");
        }
    }
}

/// See the module documentation.
pub(crate) struct MessageGate {
    state: Mutex<GateState>,
    parallel: Arc<Semaphore>,
}

impl Default for MessageGate {
    fn default() -> Self {
        // Before any login (e.g. unit tests driving the router directly) nothing is gated.
        Self {
            state: Mutex::default(),
            parallel: Arc::new(Semaphore::new(PARALLEL_PERMITS)),
        }
    }
}

impl MessageGate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Narrows the gate (a new connection): returns the generation and the sequential
    /// queue, whose consumer calls [`Self::processed_one`] after each message.
    pub(crate) fn narrow(&self) -> (u64, mpsc::UnboundedReceiver<Node>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut s = self.lock();
        let generation = s.generation.wrapping_add(1);
        *s = GateState {
            sequential: Some(tx),
            widen_requested: false,
            pending: 0,
            generation,
        };
        (generation, rx)
    }

    /// While narrow, takes the message into the sequential queue (`None`); otherwise hands
    /// it back for its chat queue.
    pub(crate) fn try_sequential(&self, node: Node) -> Option<Node> {
        let mut s = self.lock();
        let Some(tx) = &s.sequential else {
            return Some(node);
        };
        match tx.send(node) {
            Ok(()) => {
                s.pending = s.pending.saturating_add(1);
                None
            }
            Err(mpsc::error::SendError(node)) => {
                s.sequential = None;
                Some(node)
            }
        }
    }

    /// One message of the sequential queue of `generation` is processed.
    pub(crate) fn processed_one(&self, generation: u64) {
        let mut s = self.lock();
        if s.generation != generation || s.pending == 0 {
            return;
        }
        s.pending -= 1;
        if s.pending == 0 && s.widen_requested {
            s.widen();
        }
    }

    /// The offline sync completed: widen once the sequential queue is drained.
    pub(crate) fn request_widen(&self) {
        let mut s = self.lock();
        s.widen_requested = true;
        if s.pending == 0 {
            s.widen();
        }
    }

    /// Widens now (timeout fallback), unless a newer connection narrowed the gate again.
    pub(crate) fn force_widen(&self, generation: u64) -> bool {
        let mut s = self.lock();
        if s.generation != generation || s.sequential.is_none() {
            return false;
        }
        s.widen();
        true
    }

    /// Whether messages go through the sequential queue.
    #[cfg(test)]
    pub(crate) fn is_sequential(&self) -> bool {
        self.lock().sequential.is_some()
    }

    /// Waits for one of the [`PARALLEL_PERMITS`] (per-chat queues; hold it while
    /// processing one message).
    pub(crate) async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.parallel).acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    fn msg(id: &str) -> Node {
        NodeBuilder::new("message").attr("id", id).build()
    }

    fn id(n: &Node) -> String {
        n.get_attr("id").unwrap().as_str().into_owned()
    }

    #[test]
    fn narrow_gate_queues_in_order_and_widens_after_the_backlog() {
        let gate = MessageGate::default();
        assert!(
            gate.try_sequential(msg("before")).is_some(),
            "wide before login"
        );
        let (g, mut rx) = gate.narrow();
        for i in 0..3 {
            assert!(gate.try_sequential(msg(&format!("m{i}"))).is_none());
        }
        gate.request_widen();
        assert!(gate.is_sequential(), "3 backlog messages still to process");
        // A live message after the end marker still queues behind the backlog.
        assert!(gate.try_sequential(msg("live")).is_none());
        let order: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|n| id(&n))
            .collect();
        assert_eq!(order, ["m0", "m1", "m2", "live"]);
        for _ in 0..3 {
            gate.processed_one(g);
            assert!(gate.is_sequential());
        }
        gate.processed_one(g);
        assert!(!gate.is_sequential(), "drained: parallel from now on");
        assert!(gate.try_sequential(msg("after")).is_some());
        assert!(!gate.force_widen(g), "already wide");
    }

    #[test]
    fn a_new_connection_narrows_again_and_stale_completions_do_not_count() {
        let gate = MessageGate::default();
        let (old, _rx_old) = gate.narrow();
        assert!(gate.try_sequential(msg("a")).is_none());
        let (new, _rx) = gate.narrow();
        assert_ne!(old, new);
        assert!(gate.try_sequential(msg("b")).is_none());
        gate.processed_one(old);
        gate.request_widen();
        assert!(gate.is_sequential(), "the stale completion did not count");
        assert!(!gate.force_widen(old), "an old timer does nothing");
        assert!(gate.force_widen(new), "the timeout fallback widens");
        assert!(!gate.is_sequential());
    }

    #[tokio::test]
    async fn at_most_64_parallel_permits() {
        let gate = MessageGate::default();
        let mut held = Vec::new();
        for _ in 0..PARALLEL_PERMITS {
            held.push(gate.permit().await.unwrap());
        }
        let more = tokio::time::timeout(std::time::Duration::from_millis(30), gate.permit()).await;
        assert!(more.is_err());
        drop(held);
        assert!(gate.permit().await.is_some());
    }
}
