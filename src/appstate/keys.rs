//! App-state sync keys: storing the phone's key shares, loading keys for decoding, and
//! asking our other devices for keys we miss (at most once a day per key, as whatsmeow).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use wacore::appstate_sync::{build_key_request, parse_key_share};
use waproto::whatsapp as wa;

use super::{AppStateSyncError, Collection, KEY_REQUEST_INTERVAL, hex};
use crate::client::Client;
use crate::error::IqError;

impl Client {
    /// Loads the given keys from the store (missing ones are simply absent).
    pub(crate) async fn load_sync_keys(
        &self,
        ids: &[Vec<u8>],
    ) -> Result<HashMap<Vec<u8>, Vec<u8>>, AppStateSyncError> {
        let backend = self.persistence_manager.backend();
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(k) = backend.get_sync_key(id).await? {
                out.insert(id.clone(), k.key_data);
            }
        }
        Ok(out)
    }

    /// Loads keys; if any is missing, asks our other devices for them and fails with
    /// [`AppStateSyncError::MissingKey`] (the collection syncs again when they arrive).
    pub(crate) async fn keys_or_request(
        &self,
        collection: &str,
        ids: &[Vec<u8>],
    ) -> Result<HashMap<Vec<u8>, Vec<u8>>, AppStateSyncError> {
        let keys = self.load_sync_keys(ids).await?;
        let missing: Vec<Vec<u8>> = ids
            .iter()
            .filter(|id| !keys.contains_key(*id))
            .cloned()
            .collect();
        let Some(first) = missing.first().cloned() else {
            return Ok(keys);
        };
        log::warn!(target: "Client/AppState", "{collection}: missing app-state key(s) {}", missing.iter().map(|m| hex(m)).collect::<Vec<_>>().join(","));
        self.request_app_state_keys(missing).await;
        Err(AppStateSyncError::MissingKey {
            collection: collection.to_owned(),
            key_id: hex(&first),
        })
    }

    /// Sends an `APP_STATE_SYNC_KEY_REQUEST` for keys not requested in the last day.
    pub(crate) async fn request_app_state_keys(&self, ids: Vec<Vec<u8>>) {
        let due: Vec<Vec<u8>> = {
            let mut map = match self.app_state.key_requests.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            let now = Instant::now();
            ids.into_iter()
                .filter(|id| {
                    let fresh = map
                        .get(id)
                        .is_some_and(|t| now.duration_since(*t) < KEY_REQUEST_INTERVAL);
                    if !fresh {
                        map.insert(id.clone(), now);
                    }
                    !fresh
                })
                .collect()
        };
        if due.is_empty() {
            return;
        }
        log::info!(target: "Client/AppState", "requesting {} app-state key(s) from our other devices", due.len());
        if let Err(e) = self.send_peer_message(build_key_request(&due)).await {
            log::warn!(target: "Client/AppState", "app-state key request failed: {e}");
        }
    }

    /// Whether a key was requested (and not yet received) recently.
    fn was_requested(&self, id: &[u8]) -> bool {
        match self.app_state.key_requests.lock() {
            Ok(m) => m.contains_key(id),
            Err(p) => p.into_inner().contains_key(id),
        }
    }

    /// Stores the keys of a share from our primary device, then syncs: every collection
    /// when a requested key arrived, otherwise only collections never synced.
    pub(crate) async fn handle_key_share(
        self: &Arc<Self>,
        share: &wa::message::AppStateSyncKeyShare,
    ) {
        let entries = parse_key_share(share);
        if entries.is_empty() {
            log::warn!(target: "Client/AppState", "key share without usable keys");
            return;
        }
        let backend = self.persistence_manager.backend();
        let mut requested = false;
        for e in &entries {
            requested |= self.was_requested(&e.key_id);
            if let Err(err) = backend.set_sync_key(&e.key_id, e.key.clone()).await {
                log::error!(target: "Client/AppState", "storing app-state key {} failed: {err}", hex(&e.key_id));
                continue;
            }
            log::debug!(target: "Client/AppState", "stored app-state key {} (ts {})", hex(&e.key_id), e.key.timestamp);
        }
        if requested {
            let mut map = match self.app_state.key_requests.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            for e in &entries {
                map.remove(&e.key_id);
            }
        }
        let mut todo = Vec::new();
        for c in Collection::ALL {
            let synced = backend
                .get_version(c.as_str())
                .await
                .map(|s| s.version > 0)
                .unwrap_or(false);
            if requested || !synced {
                todo.push(c);
            }
        }
        if todo.is_empty() {
            return;
        }
        let mut failed = self.initial_sync(&todo).await;
        // A transient failure (IQ error or timeout, a dropped connection, a blob download)
        // is retried with a bounded exponential backoff instead of waiting for the next
        // `server_sync`, which may not come for a long time.
        let t = &self.config.timings;
        for attempt in 1..=KEY_SHARE_SYNC_RETRIES {
            if failed.is_empty() {
                return;
            }
            let delay = t
                .backoff_unit
                .saturating_mul(1 << (attempt - 1))
                .min(t.backoff_max);
            let names: Vec<&str> = failed.iter().map(|c| c.as_str()).collect();
            log::info!(target: "Client/AppState", "first app-state sync of {names:?} failed; retrying in {delay:?} ({attempt}/{KEY_SHARE_SYNC_RETRIES})");
            tokio::time::sleep(delay).await;
            if self.wait_for_logged_in(RETRY_LOGIN_WAIT).await.is_err() {
                log::warn!(target: "Client/AppState", "not logged in: the first app-state sync of {names:?} waits for the next server_sync");
                return;
            }
            failed = self.initial_sync(&failed).await;
        }
        if !failed.is_empty() {
            let names: Vec<&str> = failed.iter().map(|c| c.as_str()).collect();
            log::warn!(target: "Client/AppState", "first app-state sync of {names:?} still failing after {KEY_SHARE_SYNC_RETRIES} retries; waiting for the next server_sync");
        }
    }

    /// One initial sync of `collections`; returns those that failed transiently.
    async fn initial_sync(&self, collections: &[Collection]) -> Vec<Collection> {
        let mut failed = Vec::new();
        for (c, r) in self
            .sync_app_state_collections(collections, super::fetch::SyncMode::Initial)
            .await
        {
            match r {
                Ok(v) => log::debug!(target: "Client/AppState", "{c} synced to v{v}"),
                Err(e) => {
                    log::warn!(target: "Client/AppState", "{c}: {e}");
                    if is_transient(&e) {
                        failed.push(c);
                    }
                }
            }
        }
        failed
    }
}

/// Retries of a failed first sync after a key share (backoff: the reconnect backoff unit,
/// doubling, capped at the maximum backoff; 1 s to 16 s by default).
const KEY_SHARE_SYNC_RETRIES: u32 = 5;
/// How long a retry waits for the connection to come back.
const RETRY_LOGIN_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a sync failure may go away by itself (network, server trouble); a missing key
/// is handled by the key request, a verification failure by the resync.
fn is_transient(e: &AppStateSyncError) -> bool {
    match e {
        AppStateSyncError::Iq(IqError::ServerError { code, .. })
        | AppStateSyncError::Server { code, .. } => *code >= 500 || *code == 429,
        AppStateSyncError::Iq(IqError::Timeout | IqError::NotConnected | IqError::Disconnected)
        | AppStateSyncError::Download(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_and_server_trouble_is_retried() {
        let iq = |code| {
            AppStateSyncError::Iq(IqError::ServerError {
                code,
                text: String::new(),
            })
        };
        assert!(is_transient(&iq(500)));
        assert!(is_transient(&iq(429)));
        assert!(!is_transient(&iq(400)));
        assert!(is_transient(&AppStateSyncError::Iq(IqError::Timeout)));
        assert!(is_transient(&AppStateSyncError::Iq(IqError::Disconnected)));
        assert!(!is_transient(&AppStateSyncError::MissingKey {
            collection: "regular".into(),
            key_id: "00".into(),
        }));
        assert!(!is_transient(&AppStateSyncError::Server {
            collection: "regular".into(),
            code: 404,
            text: String::new(),
        }));
    }
}
