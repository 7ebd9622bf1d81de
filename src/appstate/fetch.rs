//! Fetching and applying collections.
//!
//! One `w:sync:app:state` IQ per round asks for every pending collection from its stored
//! version (or for a snapshot when it has none); each answer is verified completely
//! (snapshot, external blobs, every patch's MACs and LTHash) against an in-memory copy of the
//! state, and only then persisted (MAC rows first, the state last as the commit point) and
//! turned into events. A verification failure discards the round and retries the
//! collection once from a snapshot (a full resync); a missing key asks our other devices
//! for it. `has_more_patches` keeps the collection in the next round.

use std::collections::HashMap;

use wacore::appstate_sync::{
    SyncOutcome, outcome_for_mutation, resolve_external_mutations, snapshot_from_blob,
};
use wacore::iq::appstate::{
    AppStateSyncIq, CollectionError, CollectionRequest, CollectionResponse,
};
use wacore::store::commands::DeviceCommand;
use wacore::types::events::{Event, SelfPushNameUpdated};
use wacore_appstate::{
    AppStateError, DecodedPatch, HashState, process_patch, process_snapshot, referenced_key_ids,
};

use super::{AppStateSyncError, Collection, hex};
use crate::client::Client;

/// How many rounds one sync may take (guards against a server that always has more).
const MAX_ROUNDS: usize = 500;

struct Pending {
    collection: Collection,
    /// What the store holds (for cleaning MAC rows after a snapshot).
    stored: HashState,
    /// The state the next request builds on (may be a reset copy during a resync).
    state: HashState,
    want_snapshot: bool,
    tried_resync: bool,
    /// Events are reported as `from_full_sync`.
    full_sync: bool,
    /// `state` was reset to empty (a resync): stale MAC rows must go when it is stored.
    reset: bool,
}

/// Why a sync runs; decides whether its events are flagged `from_full_sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncMode {
    /// The first sync after the phone shared its keys: a bulk restore.
    Initial,
    /// Catching up with live changes (`server_sync`, before sending, on request).
    Incremental,
    /// Rebuilding from a snapshot after a failure (or on request).
    Resync,
}

/// The outcome of syncing one collection.
pub(crate) type CollectionResult = (Collection, Result<u64, AppStateSyncError>);

impl Client {
    /// Fetches and applies every app-state collection; returns the first error after
    /// trying them all.
    pub async fn sync_all_app_state(&self) -> Result<(), AppStateSyncError> {
        first_error(
            self.sync_app_state_collections(&Collection::ALL, SyncMode::Incremental)
                .await,
        )
    }

    /// Fetches and applies the given collections.
    pub async fn sync_app_state(
        &self,
        collections: &[Collection],
    ) -> Result<(), AppStateSyncError> {
        first_error(
            self.sync_app_state_collections(collections, SyncMode::Incremental)
                .await,
        )
    }

    /// Rebuilds the given collections from the server's snapshot (or from version 0),
    /// replacing the stored state once the new one verified.
    pub async fn resync_app_state(
        &self,
        collections: &[Collection],
    ) -> Result<(), AppStateSyncError> {
        first_error(
            self.sync_app_state_collections(collections, SyncMode::Resync)
                .await,
        )
    }

    /// The stored version of a collection (0 when never synced).
    pub async fn app_state_version(
        &self,
        collection: Collection,
    ) -> Result<u64, AppStateSyncError> {
        Ok(self
            .persistence_manager
            .backend()
            .get_version(collection.as_str())
            .await?
            .version)
    }

    /// Syncs collections, each to completion or failure.
    pub(crate) async fn sync_app_state_collections(
        &self,
        collections: &[Collection],
        mode: SyncMode,
    ) -> Vec<CollectionResult> {
        let _guard = self.app_state.lock.lock().await;
        self.sync_collections_locked(collections, mode).await
    }

    /// [`Client::sync_app_state_collections`] with the app-state lock already held.
    pub(crate) async fn sync_collections_locked(
        &self,
        collections: &[Collection],
        mode: SyncMode,
    ) -> Vec<CollectionResult> {
        let force_snapshot = mode == SyncMode::Resync;
        let backend = self.persistence_manager.backend();
        let mut done: Vec<CollectionResult> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        for &c in collections {
            match backend.get_version(c.as_str()).await {
                Ok(stored) => {
                    let fresh = stored.version == 0 || force_snapshot;
                    pending.push(Pending {
                        collection: c,
                        state: if force_snapshot {
                            HashState::default()
                        } else {
                            stored.clone()
                        },
                        stored,
                        want_snapshot: fresh,
                        tried_resync: force_snapshot,
                        full_sync: mode != SyncMode::Incremental,
                        reset: force_snapshot,
                    });
                }
                Err(e) => done.push((c, Err(e.into()))),
            }
        }
        for _ in 0..MAX_ROUNDS {
            if pending.is_empty() {
                break;
            }
            let iq = AppStateSyncIq {
                collections: pending
                    .iter()
                    .map(|p| CollectionRequest {
                        name: p.collection.as_str().to_owned(),
                        version: p.state.version,
                        return_snapshot: p.want_snapshot,
                    })
                    .collect(),
            };
            let answers = match self.execute(iq).await {
                Ok(a) => a,
                Err(e) => {
                    let msg = e.to_string();
                    let mut first = Some(e);
                    for p in pending.drain(..) {
                        let err = match first.take() {
                            Some(e) => AppStateSyncError::Iq(e),
                            None => AppStateSyncError::Malformed {
                                collection: p.collection.as_str().to_owned(),
                                reason: format!("IQ failed: {msg}"),
                            },
                        };
                        done.push((p.collection, Err(err)));
                    }
                    break;
                }
            };
            let mut answers: HashMap<String, CollectionResponse> =
                answers.into_iter().map(|a| (a.name.clone(), a)).collect();
            let mut next = Vec::with_capacity(pending.len());
            for mut p in pending.drain(..) {
                let name = p.collection.as_str();
                let Some(answer) = answers.remove(name) else {
                    done.push((
                        p.collection,
                        Err(AppStateSyncError::Malformed {
                            collection: name.to_owned(),
                            reason: "collection missing from the answer".into(),
                        }),
                    ));
                    continue;
                };
                match self.apply_answer(&mut p, answer).await {
                    Ok(true) => next.push(p),
                    Ok(false) => done.push((p.collection, Ok(p.state.version))),
                    Err(AppStateSyncError::Verification { collection, source })
                        if !p.tried_resync =>
                    {
                        log::warn!(target: "Client/AppState", "{collection}: {source}; resyncing from a snapshot");
                        p.tried_resync = true;
                        p.want_snapshot = true;
                        p.full_sync = true;
                        p.reset = true;
                        p.state = HashState::default();
                        next.push(p);
                    }
                    Err(e) => {
                        log::warn!(target: "Client/AppState", "{name}: sync failed: {e}");
                        done.push((p.collection, Err(e)));
                    }
                }
            }
            pending = next;
        }
        for p in pending {
            done.push((
                p.collection,
                Err(AppStateSyncError::Malformed {
                    collection: p.collection.as_str().to_owned(),
                    reason: "too many rounds of has_more_patches".into(),
                }),
            ));
        }
        done
    }

    /// Verifies one collection's answer on a copy of the state, persists it, dispatches its
    /// events. Returns whether more patches wait.
    async fn apply_answer(
        &self,
        p: &mut Pending,
        answer: CollectionResponse,
    ) -> Result<bool, AppStateSyncError> {
        let name = p.collection.as_str();
        match answer.error {
            Some(CollectionError::Server { code: 404, .. }) if p.state.version == 0 => {
                log::debug!(target: "Client/AppState", "{name}: nothing stored on the server");
                return Ok(false);
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
            None => {}
        }
        let verify = |e: AppStateError| match e {
            AppStateError::KeyNotFound { key_id } => AppStateSyncError::MissingKey {
                collection: name.to_owned(),
                key_id: hex(&key_id),
            },
            other => AppStateSyncError::Verification {
                collection: name.to_owned(),
                source: other,
            },
        };
        let mut state = p.state.clone();
        let mut decoded: Vec<DecodedPatch> = Vec::new();
        let mut from_snapshot = false;
        if let Some(reference) = &answer.snapshot {
            let blob = self.download(reference).await?;
            let snapshot = snapshot_from_blob(&blob)?;
            drop(blob);
            let keys = self
                .keys_or_request(name, &referenced_key_ids(Some(&snapshot), &[]))
                .await?;
            let d = process_snapshot(name, &snapshot, &keys).map_err(verify)?;
            state = d.state.clone();
            decoded.push(d);
            from_snapshot = true;
        }
        let mut patches = answer.patches;
        for patch in &mut patches {
            if patch.mutations.is_empty()
                && let Some(reference) = patch.external_mutations.clone()
            {
                let blob = self.download(&reference).await?;
                resolve_external_mutations(patch, &blob)?;
            }
        }
        patches.retain(|patch| {
            let v = patch.version.as_ref().and_then(|v| v.version);
            let keep = v.is_none_or(|v| v > state.version);
            if !keep {
                log::debug!(target: "Client/AppState", "{name}: skipping already applied v{v:?}");
            }
            keep
        });
        let keys = self
            .keys_or_request(name, &referenced_key_ids(None, &patches))
            .await?;
        for patch in &patches {
            let d = process_patch(name, &state, patch, &keys).map_err(verify)?;
            state = d.state.clone();
            decoded.push(d);
        }
        drop(patches);
        if decoded.is_empty() && !from_snapshot {
            return Ok(answer.has_more_patches);
        }
        self.persist_collection(name, &p.stored, &state, &decoded, from_snapshot || p.reset)
            .await?;
        p.stored = state.clone();
        p.state = state;
        p.want_snapshot = false;
        p.reset = false;
        let full_sync = p.full_sync || from_snapshot;
        for d in &decoded {
            for m in &d.mutations {
                self.apply_outcome(outcome_for_mutation(m, full_sync)).await;
            }
        }
        if !answer.has_more_patches {
            p.full_sync = false;
        }
        Ok(answer.has_more_patches)
    }

    /// Writes MAC rows, then the state (the commit point).
    async fn persist_collection(
        &self,
        name: &str,
        stored: &HashState,
        state: &HashState,
        decoded: &[DecodedPatch],
        replaces: bool,
    ) -> Result<(), AppStateSyncError> {
        let backend = self.persistence_manager.backend();
        if replaces {
            let stale: Vec<Vec<u8>> = stored
                .index_value_map
                .keys()
                .filter(|k| !state.index_value_map.contains_key(*k))
                .map(|k| k.to_vec())
                .collect();
            if !stale.is_empty() {
                backend.delete_mutation_macs(name, &stale).await?;
            }
        }
        for d in decoded {
            if !d.mac_changes.removed.is_empty() {
                backend
                    .delete_mutation_macs(name, &d.mac_changes.removed)
                    .await?;
            }
            if !d.mac_changes.added.is_empty() {
                backend
                    .put_mutation_macs(name, d.state.version, &d.mac_changes.added)
                    .await?;
            }
        }
        backend.set_version(name, state.clone()).await?;
        log::debug!(target: "Client/AppState", "{name} now at v{}", state.version);
        Ok(())
    }

    pub(crate) async fn apply_outcome(&self, outcome: SyncOutcome) {
        match outcome {
            SyncOutcome::Event(e) => self.dispatch_event(*e),
            SyncOutcome::OwnPushName { name } => {
                let old = self.get_push_name().await;
                if old != name {
                    self.persistence_manager
                        .process_command(DeviceCommand::SetPushName(name.clone()))
                        .await;
                    self.dispatch_event(Event::SelfPushNameUpdated(SelfPushNameUpdated {
                        from_server: true,
                        old_name: old,
                        new_name: name,
                    }));
                }
            }
            _ => {}
        }
    }
}

fn first_error(results: Vec<CollectionResult>) -> Result<(), AppStateSyncError> {
    for (_, r) in results {
        r?;
    }
    Ok(())
}
