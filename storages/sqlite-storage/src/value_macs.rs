//! The blob format of the `value_macs` column of `app_state_versions`: a collection's
//! index-MAC to value-MAC map.
//!
//! Version byte `1`, the entry count as little-endian `u32`, then the entries sorted by index
//! MAC, each 32 bytes of index MAC and 32 bytes of value MAC.

use std::collections::HashMap;

use wacore::store::StoreError;
use wacore::store::error::Result;

use crate::error::corrupt;

const VERSION: u8 = 1;

/// Encodes a map (sorted, so equal maps give equal blobs).
pub(crate) fn encode(map: &HashMap<[u8; 32], [u8; 32]>) -> Vec<u8> {
    let mut entries: Vec<(&[u8; 32], &[u8; 32])> = map.iter().collect();
    entries.sort_unstable();
    let mut out = Vec::with_capacity(5 + entries.len() * 64);
    out.push(VERSION);
    out.extend_from_slice(
        &u32::try_from(entries.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for (index, value) in entries {
        out.extend_from_slice(index);
        out.extend_from_slice(value);
    }
    out
}

/// Decodes a map, refusing anything malformed.
pub(crate) fn decode(blob: &[u8]) -> Result<Vec<([u8; 32], [u8; 32])>> {
    let bad = |why: &str| corrupt("app state value MACs", why);
    let (&version, rest) = blob.split_first().ok_or_else(|| bad("empty blob"))?;
    if version > VERSION {
        return Err(StoreError::UnsupportedVersion {
            kind: "app state value MACs",
            found: u64::from(version),
            supported: u64::from(VERSION),
        });
    }
    if version != VERSION {
        return Err(bad("unknown format version"));
    }
    let (count, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("truncated count"))?;
    let count = usize::try_from(u32::from_le_bytes(*count)).map_err(|_| bad("bad count"))?;
    if rest.len() != count.saturating_mul(64) {
        return Err(bad("length does not match the entry count"));
    }
    let mut entries = Vec::with_capacity(count);
    for chunk in rest.chunks_exact(64) {
        let (index, value) = chunk.split_at(32);
        let index: [u8; 32] = index.try_into().map_err(|_| bad("short entry"))?;
        let value: [u8; 32] = value.try_into().map_err(|_| bad("short entry"))?;
        entries.push((index, value));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_damage() {
        let map: HashMap<[u8; 32], [u8; 32]> = (0..10u8)
            .map(|i| ([i; 32], [i.wrapping_mul(3); 32]))
            .collect();
        let blob = encode(&map);
        let back: HashMap<_, _> = decode(&blob).unwrap().into_iter().collect();
        assert_eq!(back, map);
        assert!(decode(&encode(&HashMap::new())).unwrap().is_empty());
        for cut in 0..blob.len() {
            assert!(
                matches!(decode(&blob[..cut]), Err(StoreError::Serialization(_))),
                "{cut}"
            );
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(StoreError::Serialization(_))));
        assert!(matches!(
            decode(&[9]),
            Err(StoreError::UnsupportedVersion { .. })
        ));
    }
}
