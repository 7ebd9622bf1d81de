//! External blobs: large patches carry their mutations in an uploaded blob
//! (`SyncdPatch.externalMutations`, an `ExternalBlobReference`), and snapshots always do. The
//! client downloads and decrypts the blob (`MediaType::AppState`); these functions decode it.

use prost::Message as _;
use waproto::whatsapp as wa;

/// Why a downloaded blob cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExternalBlobError {
    /// The blob is not the expected protobuf.
    #[error("external {what} blob does not decode: {reason}")]
    Decode {
        /// `"mutations"` or `"snapshot"`.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// A mutations blob with no mutations (whatsmeow refuses these too).
    #[error("external mutations blob is empty")]
    Empty,
}

/// Puts the mutations of a downloaded `SyncdMutations` blob into `patch`.
pub fn resolve_external_mutations(
    patch: &mut wa::SyncdPatch,
    blob: &[u8],
) -> Result<(), ExternalBlobError> {
    let decoded = wa::SyncdMutations::decode(blob).map_err(|e| ExternalBlobError::Decode {
        what: "mutations",
        reason: e.to_string(),
    })?;
    if decoded.mutations.is_empty() {
        return Err(ExternalBlobError::Empty);
    }
    patch.mutations = decoded.mutations;
    Ok(())
}

/// Decodes a downloaded snapshot blob.
pub fn snapshot_from_blob(blob: &[u8]) -> Result<wa::SyncdSnapshot, ExternalBlobError> {
    wa::SyncdSnapshot::decode(blob).map_err(|e| ExternalBlobError::Decode {
        what: "snapshot",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_rejects() {
        let m = wa::SyncdMutations {
            mutations: vec![wa::SyncdMutation::default()],
        };
        let mut p = wa::SyncdPatch {
            external_mutations: Some(wa::ExternalBlobReference::default()),
            ..Default::default()
        };
        resolve_external_mutations(&mut p, &m.encode_to_vec()).unwrap();
        assert_eq!(p.mutations.len(), 1);
        let mut q = wa::SyncdPatch::default();
        assert_eq!(
            resolve_external_mutations(&mut q, &[]),
            Err(ExternalBlobError::Empty)
        );
        assert!(matches!(
            resolve_external_mutations(&mut q, &[0xff, 0xff]),
            Err(ExternalBlobError::Decode { .. })
        ));
        let snap = wa::SyncdSnapshot {
            version: Some(wa::SyncdVersion { version: Some(3) }),
            ..Default::default()
        };
        assert_eq!(snapshot_from_blob(&snap.encode_to_vec()).unwrap(), snap);
        assert!(snapshot_from_blob(&[0xff]).is_err());
    }
}
