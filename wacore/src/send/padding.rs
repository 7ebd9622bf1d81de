//! WhatsApp's plaintext padding: before Signal encryption the serialized `Message` gets `n`
//! bytes of value `n` appended, with `n` random in 1..=15 (whatsmeow; Baileys uses 1..=16, which
//! [`unpad_message`] accepts too).

use rand::{Rng, RngExt};

/// Why a decrypted plaintext could not be unpadded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaddingError {
    /// The plaintext was empty.
    #[error("plaintext is empty")]
    Empty,
    /// The last byte claims more padding than there is data, or the padding bytes differ.
    #[error("invalid padding: last byte {pad} on {len} bytes")]
    Invalid {
        /// The last byte.
        pad: u8,
        /// The plaintext length.
        len: usize,
    },
}

/// Appends 1 to 15 random padding bytes (each equal to the count) to `plaintext`.
pub fn pad_message<R: Rng + ?Sized>(mut plaintext: Vec<u8>, rng: &mut R) -> Vec<u8> {
    let mut n: u8 = rng.random::<u8>() & 0x0f;
    if n == 0 {
        n = 0x0f;
    }
    plaintext.resize(plaintext.len() + usize::from(n), n);
    plaintext
}

/// Strips the padding [`pad_message`] adds. The last byte `n` must be at most the length and
/// the last `n` bytes must all equal `n` (`n = 0` means no padding).
pub fn unpad_message(plaintext: &[u8]) -> Result<&[u8], PaddingError> {
    let (&pad, _) = plaintext.split_last().ok_or(PaddingError::Empty)?;
    let n = usize::from(pad);
    let invalid = PaddingError::Invalid {
        pad,
        len: plaintext.len(),
    };
    let keep = plaintext.len().checked_sub(n).ok_or(invalid)?;
    let (body, tail) = plaintext.split_at(keep);
    if tail.iter().all(|&b| b == pad) {
        Ok(body)
    } else {
        Err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pads_between_one_and_fifteen() {
        let mut rng = rand::rng();
        let mut seen = [false; 16];
        for _ in 0..2000 {
            let padded = pad_message(b"hello".to_vec(), &mut rng);
            let n = padded.len() - 5;
            assert!((1..=15).contains(&n));
            assert!(padded[5..].iter().all(|&b| usize::from(b) == n));
            seen[n] = true;
        }
        assert!(seen[1..].iter().all(|s| *s), "every length occurs");
    }

    #[test]
    fn rejects_bad_padding() {
        assert_eq!(unpad_message(&[]), Err(PaddingError::Empty));
        assert!(matches!(
            unpad_message(&[1, 2, 9]),
            Err(PaddingError::Invalid { pad: 9, len: 3 })
        ));
        assert!(
            unpad_message(&[7, 3, 2, 3]).is_err(),
            "padding bytes differ"
        );
        assert!(unpad_message(&[5, 16]).is_err());
        // Baileys pads with up to 16 bytes.
        let mut b = vec![1u8, 2];
        b.extend([16u8; 16]);
        assert_eq!(unpad_message(&b).unwrap(), &[1, 2]);
        assert_eq!(unpad_message(&[4, 0]).unwrap(), &[4, 0]);
    }

    proptest! {
        #[test]
        fn pad_unpad_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let padded = pad_message(data.clone(), &mut rand::rng());
            prop_assert_eq!(unpad_message(&padded).unwrap(), data.as_slice());
        }

        #[test]
        fn unpad_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = unpad_message(&data);
        }
    }
}
