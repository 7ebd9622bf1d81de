//! The blob format of the `devices` column of `device_lists`.
//!
//! Version byte `1`, the device count as little-endian `u32`, then per device: `device_id` as little-endian `u32`, a flag byte (0 = no
//! key index, 1 = key index follows) and, if flagged, the key index as little-endian `u32`.

use wacore::store::StoreError;
use wacore::store::error::Result;
use wacore::store::traits::DeviceInfo;

use crate::error::corrupt;

const VERSION: u8 = 1;

/// Encodes a device list.
pub(crate) fn encode(devices: &[DeviceInfo]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + devices.len() * 9);
    out.push(VERSION);
    out.extend_from_slice(
        &u32::try_from(devices.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for d in devices {
        out.extend_from_slice(&d.device_id.to_le_bytes());
        match d.key_index {
            Some(k) => {
                out.push(1);
                out.extend_from_slice(&k.to_le_bytes());
            }
            None => out.push(0),
        }
    }
    out
}

/// Decodes a device list, refusing anything malformed.
pub(crate) fn decode(blob: &[u8]) -> Result<Vec<DeviceInfo>> {
    let bad = |why: &str| corrupt("device list", why);
    let (&version, mut rest) = blob.split_first().ok_or_else(|| bad("empty blob"))?;
    if version > VERSION {
        return Err(StoreError::UnsupportedVersion {
            kind: "device list",
            found: u64::from(version),
            supported: u64::from(VERSION),
        });
    }
    if version != VERSION {
        return Err(bad("unknown format version"));
    }
    let count = take_u32(&mut rest).ok_or_else(|| bad("truncated count"))?;
    let mut devices = Vec::new();
    for _ in 0..count {
        let device_id = take_u32(&mut rest).ok_or_else(|| bad("truncated device id"))?;
        let (&flag, after) = rest.split_first().ok_or_else(|| bad("truncated flag"))?;
        rest = after;
        let key_index = match flag {
            0 => None,
            1 => Some(take_u32(&mut rest).ok_or_else(|| bad("truncated key index"))?),
            _ => return Err(bad("bad key-index flag")),
        };
        devices.push(DeviceInfo {
            device_id,
            key_index,
        });
    }
    if !rest.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(devices)
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let (head, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(u32::from_le_bytes(*head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_damage() {
        let devices = vec![
            DeviceInfo {
                device_id: 0,
                key_index: None,
            },
            DeviceInfo {
                device_id: 7,
                key_index: Some(u32::MAX),
            },
        ];
        let blob = encode(&devices);
        assert_eq!(decode(&blob).unwrap(), devices);
        assert_eq!(decode(&encode(&[])).unwrap(), vec![]);
        for cut in 0..blob.len() {
            let r = decode(&blob[..cut]);
            assert!(
                matches!(r, Err(StoreError::Serialization(_))),
                "cut {cut}: {r:?}"
            );
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(StoreError::Serialization(_))));
        let mut bad_flag = blob.clone();
        bad_flag[9] = 9;
        assert!(matches!(
            decode(&bad_flag),
            Err(StoreError::Serialization(_))
        ));
        assert!(matches!(
            decode(&[2]),
            Err(StoreError::UnsupportedVersion { .. })
        ));
    }
}
