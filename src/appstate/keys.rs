//! App-state sync keys: storing the phone's key shares, loading keys for decoding, and
//! asking our other devices for keys we miss (at most once a day per key, as whatsmeow).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use wacore::appstate_sync::{build_key_request, parse_key_share};
use waproto::whatsapp as wa;

use super::{AppStateSyncError, Collection, KEY_REQUEST_INTERVAL, hex};
use crate::client::Client;

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
        for (c, r) in self
            .sync_app_state_collections(&todo, super::fetch::SyncMode::Initial)
            .await
        {
            match r {
                Ok(v) => log::debug!(target: "Client/AppState", "{c} synced to v{v}"),
                Err(e) => log::warn!(target: "Client/AppState", "{c}: {e}"),
            }
        }
    }
}
