//! Sending our own app-state mutations as a patch: catch up first, encode with the newest
//! sync key on top of the stored state, send, and on 409 (someone else's patch got in
//! first) catch up and try once more. The stored state advances only after the server
//! accepted the patch, and events for our own changes are dispatched like anyone else's.

use prost::Message as _;
use wacore::appstate_sync::outcome_for_mutation;
use wacore::iq::appstate::{AppStatePatchIq, CollectionError};
use wacore_appstate::{MutationInput, encode_patch, process_patch};

use super::{AppStateSyncError, Collection, SyncAction};

/// Attempts at sending one patch while other devices keep winning the race (409).
const MAX_SEND_ATTEMPTS: u32 = 6;
use crate::client::Client;

impl Client {
    /// Sends app-state actions; actions of the same collection go into one patch.
    pub async fn send_app_state_actions(
        &self,
        actions: &[SyncAction],
    ) -> Result<(), AppStateSyncError> {
        if !self.is_logged_in() {
            return Err(AppStateSyncError::NotLoggedIn);
        }
        let now = chrono::Utc::now().timestamp_millis();
        let mut groups: Vec<(Collection, Vec<MutationInput>)> = Vec::new();
        for a in actions {
            let collection = a.collection().ok_or_else(|| {
                AppStateSyncError::InvalidArgument(format!("{a:?} cannot be sent"))
            })?;
            let input = a.to_mutation(now).ok_or_else(|| {
                AppStateSyncError::InvalidArgument(format!("{a:?} has no known encoding"))
            })?;
            match groups.iter_mut().find(|(c, _)| *c == collection) {
                Some((_, v)) => v.push(input),
                None => groups.push((collection, vec![input])),
            }
        }
        for (collection, inputs) in groups {
            self.send_patch(collection, &inputs).await?;
        }
        Ok(())
    }

    async fn send_patch(
        &self,
        collection: Collection,
        inputs: &[MutationInput],
    ) -> Result<(), AppStateSyncError> {
        let _guard = self.app_state.lock.lock().await;
        let name = collection.as_str();
        let backend = self.persistence_manager.backend();
        for attempt in 0..MAX_SEND_ATTEMPTS {
            if attempt > 0 {
                // Another device got in first: back off a little before catching up.
                let ms = rand::random::<u64>() % (50 * u64::from(attempt)) + 20;
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            // Catch up so the patch builds on the latest version.
            for (_, r) in self
                .sync_collections_locked(&[collection], super::fetch::SyncMode::Incremental)
                .await
            {
                if let Err(e) = r {
                    log::warn!(target: "Client/AppState", "{name}: catching up before sending failed: {e}");
                    if matches!(e, AppStateSyncError::Iq(_)) {
                        return Err(e);
                    }
                }
            }
            let state = backend.get_version(name).await?;
            let key_id = backend
                .get_latest_sync_key_id()
                .await?
                .ok_or(AppStateSyncError::NoSyncKey)?;
            let keys = self.load_sync_keys(std::slice::from_ref(&key_id)).await?;
            let encoded = encode_patch(name, &state, &key_id, &keys, inputs)
                .map_err(AppStateSyncError::Encode)?;
            // Decode our own patch: checks the encoding and yields the events.
            let decoded = process_patch(name, &state, &encoded.patch, &keys)
                .map_err(AppStateSyncError::Encode)?;
            let iq = AppStatePatchIq {
                name: name.to_owned(),
                version: state.version,
                patch: encoded.patch.encode_to_vec(),
            };
            let answer = self.execute(iq).await?;
            match answer.error {
                None => {
                    if let Some(v) = answer.version
                        && v != decoded.state.version
                    {
                        log::warn!(target: "Client/AppState", "{name}: server put our patch at v{v}, expected v{}", decoded.state.version);
                    }
                    if !decoded.mac_changes.removed.is_empty() {
                        backend
                            .delete_mutation_macs(name, &decoded.mac_changes.removed)
                            .await?;
                    }
                    if !decoded.mac_changes.added.is_empty() {
                        backend
                            .put_mutation_macs(
                                name,
                                decoded.state.version,
                                &decoded.mac_changes.added,
                            )
                            .await?;
                    }
                    backend.set_version(name, decoded.state.clone()).await?;
                    log::debug!(target: "Client/AppState", "{name}: sent patch v{}", decoded.state.version);
                    for m in &decoded.mutations {
                        self.apply_outcome(outcome_for_mutation(m, false)).await;
                    }
                    return Ok(());
                }
                Some(CollectionError::Server { code: 409, .. })
                    if attempt + 1 < MAX_SEND_ATTEMPTS =>
                {
                    log::info!(target: "Client/AppState", "{name}: patch conflicted, catching up and retrying");
                }
                Some(CollectionError::Server { code: 409, .. }) => {
                    return Err(AppStateSyncError::Conflict {
                        collection: name.to_owned(),
                    });
                }
                Some(CollectionError::Server { code, text }) => {
                    return Err(AppStateSyncError::Server {
                        collection: name.to_owned(),
                        code,
                        text,
                    });
                }
                Some(CollectionError::Malformed(reason)) => {
                    return Err(AppStateSyncError::Malformed {
                        collection: name.to_owned(),
                        reason,
                    });
                }
            }
        }
        Err(AppStateSyncError::Conflict {
            collection: name.to_owned(),
        })
    }
}
