//! Decoding a patch or a snapshot, one type per phase (as rustls' `Expect*` states); each
//! step consumes its phase and returns the next, so later steps cannot run on unchecked
//! input and nothing is decrypted before every MAC and the LTHash have been verified:
//!
//! 1. [`Received`]: structure checked (sizes, required fields, version order);
//! 2. [`Keyed`]: every key id resolved through the caller's [`KeySource`];
//! 3. [`MacVerified`]: patch MAC, then every value MAC verified;
//! 4. [`HashVerified`]: mutations applied to a copy of the state, the resulting LTHash
//!    checked against the (snapshot) MAC;
//! 5. [`HashVerified::decrypt`]: values decrypted, index MACs verified, indexes parsed.

use aes::Aes256;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use prost::Message;
use waproto::whatsapp::{SyncActionData, SyncdPatch, SyncdRecord, SyncdSnapshot};

use crate::keys::KeyTable;
use crate::{
    AppStateError, DecodedPatch, ExpandedAppStateKeys, HashState, KeySource, MacChanges, Mutation,
    Operation, Result, SyncAction, mac,
};

/// Length of the IV in front of every encrypted value.
const IV_LEN: usize = 16;

/// Collection name and version, carried into every error.
struct Ctx {
    collection: String,
    version: u64,
}

impl Ctx {
    fn malformed(&self, reason: impl Into<String>) -> AppStateError {
        AppStateError::Malformed {
            collection: self.collection.clone(),
            version: self.version,
            reason: reason.into(),
        }
    }
}

/// One mutation as received: MACs split off, borrowed from the protobuf.
struct EncMutation<'a> {
    operation: Operation,
    index_mac: [u8; 32],
    value_mac: [u8; 32],
    /// IV followed by the AES-256-CBC ciphertext.
    encrypted: &'a [u8],
    key_id: &'a [u8],
}

/// What seals the whole list: a patch's snapshot + patch MACs, or a snapshot's MAC.
enum Seal<'a> {
    Patch {
        snapshot_mac: &'a [u8],
        patch_mac: &'a [u8],
        key_id: &'a [u8],
    },
    Snapshot {
        mac: &'a [u8],
        key_id: &'a [u8],
    },
}

/// Phase 1: structurally valid, nothing verified yet.
pub(crate) struct Received<'a> {
    ctx: Ctx,
    seal: Seal<'a>,
    mutations: Vec<EncMutation<'a>>,
}

fn parse_mutation<'a>(
    ctx: &Ctx,
    i: usize,
    operation: Operation,
    record: Option<&'a SyncdRecord>,
) -> Result<EncMutation<'a>> {
    let record = record.ok_or_else(|| ctx.malformed(format!("mutation #{i} has no record")))?;
    let index = record.index.as_ref().and_then(|x| x.blob.as_deref());
    let index_mac = index
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| ctx.malformed(format!("mutation #{i}: index MAC is not 32 bytes")))?;
    let blob = record
        .value
        .as_ref()
        .and_then(|v| v.blob.as_deref())
        .unwrap_or_default();
    // IV, at least one block, and the 32-byte value MAC; ciphertext is whole blocks.
    if blob.len() < IV_LEN + 16 + 32 || !(blob.len() - 32).is_multiple_of(16) {
        return Err(ctx.malformed(format!("mutation #{i}: value of {} bytes", blob.len())));
    }
    let (encrypted, value_mac) = blob.split_at(blob.len() - 32);
    let value_mac = <[u8; 32]>::try_from(value_mac)
        .map_err(|_| ctx.malformed(format!("mutation #{i}: value MAC")))?;
    let key_id = record
        .key_id
        .as_ref()
        .and_then(|k| k.id.as_deref())
        .ok_or_else(|| ctx.malformed(format!("mutation #{i} has no key id")))?;
    Ok(EncMutation {
        operation,
        index_mac,
        value_mac,
        encrypted,
        key_id,
    })
}

impl<'a> Received<'a> {
    /// Checks a patch meant to follow `state_version`. A patch without a version (as
    /// clients send them) is taken to be `state_version + 1`.
    pub(crate) fn patch(
        collection: &str,
        state_version: u64,
        patch: &'a SyncdPatch,
    ) -> Result<Self> {
        let version = patch
            .version
            .as_ref()
            .and_then(|v| v.version)
            .unwrap_or(state_version.saturating_add(1));
        let ctx = Ctx {
            collection: collection.to_owned(),
            version,
        };
        if version <= state_version {
            return Err(AppStateError::StaleVersion {
                collection: ctx.collection,
                version,
                state_version,
            });
        }
        if patch.external_mutations.is_some() && patch.mutations.is_empty() {
            return Err(AppStateError::ExternalMutationsNotResolved {
                collection: ctx.collection,
                version,
            });
        }
        let snapshot_mac = patch
            .snapshot_mac
            .as_deref()
            .ok_or_else(|| ctx.malformed("no snapshot MAC"))?;
        let patch_mac = patch
            .patch_mac
            .as_deref()
            .ok_or_else(|| ctx.malformed("no patch MAC"))?;
        let key_id = patch
            .key_id
            .as_ref()
            .and_then(|k| k.id.as_deref())
            .ok_or_else(|| ctx.malformed("no key id"))?;
        let mutations = patch
            .mutations
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let op = Operation::from_proto(m.operation)
                    .ok_or_else(|| ctx.malformed(format!("mutation #{i}: unknown operation")))?;
                parse_mutation(&ctx, i, op, m.record.as_ref())
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Received {
            seal: Seal::Patch {
                snapshot_mac,
                patch_mac,
                key_id,
            },
            ctx,
            mutations,
        })
    }

    /// Checks a snapshot; its records are SET mutations on an empty state.
    pub(crate) fn snapshot(collection: &str, snapshot: &'a SyncdSnapshot) -> Result<Self> {
        let mut ctx = Ctx {
            collection: collection.to_owned(),
            version: 0,
        };
        ctx.version = snapshot
            .version
            .as_ref()
            .and_then(|v| v.version)
            .ok_or_else(|| ctx.malformed("snapshot has no version"))?;
        let mac = snapshot
            .mac
            .as_deref()
            .ok_or_else(|| ctx.malformed("no snapshot MAC"))?;
        let key_id = snapshot
            .key_id
            .as_ref()
            .and_then(|k| k.id.as_deref())
            .ok_or_else(|| ctx.malformed("no key id"))?;
        let mutations = snapshot
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| parse_mutation(&ctx, i, Operation::Set, Some(r)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Received {
            seal: Seal::Snapshot { mac, key_id },
            ctx,
            mutations,
        })
    }

    /// Phase 1 → 2: looks up (and expands once) every key the seal and mutations name.
    pub(crate) fn resolve_keys<K: KeySource + ?Sized>(self, source: &K) -> Result<Keyed<'a>> {
        let mut table = KeyTable::new(source);
        let seal_key_id = match self.seal {
            Seal::Patch { key_id, .. } | Seal::Snapshot { key_id, .. } => key_id,
        };
        let seal_key = table.slot(seal_key_id)?;
        let mutation_keys = self
            .mutations
            .iter()
            .map(|m| table.slot(m.key_id))
            .collect::<Result<Vec<_>>>()?;
        Ok(Keyed {
            keys: table.into_keys(),
            seal_key,
            mutation_keys,
            received: self,
        })
    }
}

/// Phase 2: every key present.
pub(crate) struct Keyed<'a> {
    received: Received<'a>,
    keys: Vec<ExpandedAppStateKeys>,
    seal_key: usize,
    mutation_keys: Vec<usize>,
}

impl<'a> Keyed<'a> {
    fn key(&self, slot: usize) -> Result<&ExpandedAppStateKeys> {
        self.keys.get(slot).ok_or_else(|| {
            self.received
                .ctx
                .malformed("internal: key slot out of range")
        })
    }

    /// Phase 2 → 3: verifies the patch MAC (patches only), then each value MAC.
    pub(crate) fn verify_macs(self) -> Result<MacVerified<'a>> {
        let ctx = &self.received.ctx;
        if let Seal::Patch {
            snapshot_mac,
            patch_mac,
            ..
        } = self.received.seal
        {
            let computed = mac::patch_mac(
                self.key(self.seal_key)?,
                snapshot_mac,
                self.received.mutations.iter().map(|m| &m.value_mac),
                ctx.version,
                &ctx.collection,
            );
            if !mac::macs_equal(&computed, patch_mac) {
                return Err(AppStateError::PatchMacMismatch {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                });
            }
        }
        for (i, (m, &slot)) in self
            .received
            .mutations
            .iter()
            .zip(&self.mutation_keys)
            .enumerate()
        {
            let computed = mac::value_mac(self.key(slot)?, m.operation, m.key_id, m.encrypted);
            if !mac::macs_equal(&computed, &m.value_mac) {
                return Err(AppStateError::ValueMacMismatch {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                    mutation: i,
                });
            }
        }
        Ok(MacVerified(self))
    }
}

/// Phase 3: every MAC over the ciphertexts verified.
pub(crate) struct MacVerified<'a>(Keyed<'a>);

impl<'a> MacVerified<'a> {
    /// Phase 3 → 4: applies the mutations to `base` (a copy; the caller's state is left
    /// alone) and checks the LTHash it reaches against the seal.
    pub(crate) fn apply_to(self, base: HashState) -> Result<HashVerified<'a>> {
        let keyed = self.0;
        let ctx = &keyed.received.ctx;
        let mut state = base;
        state.version = ctx.version;
        let changes = state.apply(
            keyed
                .received
                .mutations
                .iter()
                .map(|m| (m.operation, &m.index_mac, &m.value_mac)),
        );
        let computed = state.snapshot_mac(keyed.key(keyed.seal_key)?, &ctx.collection);
        let (received, mismatch) = match keyed.received.seal {
            Seal::Patch { snapshot_mac, .. } => (
                snapshot_mac,
                AppStateError::LtHashMismatch {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                },
            ),
            Seal::Snapshot { mac, .. } => (
                mac,
                AppStateError::SnapshotMacMismatch {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                },
            ),
        };
        if !mac::macs_equal(&computed, received) {
            return Err(mismatch);
        }
        Ok(HashVerified {
            keyed,
            state,
            changes,
        })
    }
}

/// Phase 4: the whole patch is authentic and consistent with the state.
pub(crate) struct HashVerified<'a> {
    keyed: Keyed<'a>,
    state: HashState,
    changes: MacChanges,
}

impl HashVerified<'_> {
    /// Phase 4 → result: decrypts every value, verifies its index MAC and parses it.
    pub(crate) fn decrypt(self) -> Result<DecodedPatch> {
        let keyed = &self.keyed;
        let ctx = &keyed.received.ctx;
        let mut mutations = Vec::with_capacity(keyed.received.mutations.len());
        for (i, (m, &slot)) in keyed
            .received
            .mutations
            .iter()
            .zip(&keyed.mutation_keys)
            .enumerate()
        {
            let keys = keyed.key(slot)?;
            let data = decrypt_value(ctx, i, keys, m.encrypted)?;
            let index_bytes = data.index.as_deref().unwrap_or_default();
            if !mac::macs_equal(&mac::index_mac(keys, index_bytes), &m.index_mac) {
                return Err(AppStateError::IndexMacMismatch {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                    mutation: i,
                });
            }
            let index: Vec<String> =
                serde_json::from_slice(index_bytes).map_err(|_| AppStateError::InvalidIndex {
                    collection: ctx.collection.clone(),
                    version: ctx.version,
                    mutation: i,
                })?;
            mutations.push(Mutation {
                operation: m.operation,
                action: SyncAction::from_parts(&index, data.value.as_ref()),
                index,
                value: data.value,
                api_version: data.version,
                index_mac: m.index_mac,
                value_mac: m.value_mac,
                patch_version: ctx.version,
            });
        }
        Ok(DecodedPatch {
            collection: ctx.collection.clone(),
            state: self.state,
            mutations,
            mac_changes: self.changes,
        })
    }
}

fn decrypt_value(
    ctx: &Ctx,
    i: usize,
    keys: &ExpandedAppStateKeys,
    encrypted: &[u8],
) -> Result<SyncActionData> {
    let undecryptable = || AppStateError::Decrypt {
        collection: ctx.collection.clone(),
        version: ctx.version,
        mutation: i,
    };
    let (iv, ciphertext) = encrypted
        .split_at_checked(IV_LEN)
        .ok_or_else(undecryptable)?;
    let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&keys.value_encryption, iv)
        .map_err(|_| undecryptable())?;
    let mut buf = ciphertext.to_vec();
    let len = decryptor
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| undecryptable())?
        .len();
    buf.truncate(len);
    SyncActionData::decode(buf.as_slice()).map_err(|source| AppStateError::Protobuf {
        collection: ctx.collection.clone(),
        version: ctx.version,
        mutation: i,
        source,
    })
}
