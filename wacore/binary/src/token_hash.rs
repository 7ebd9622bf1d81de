// The hash behind the token dictionary's perfect-hash table. Shared by build.rs (which searches
// the table's displacements) and src/token.rs (which looks strings up), through `include!`, so the
// two can never disagree. Plain `//` comments only: this file is included inside other items.

/// Multiplier of the per-word mixing step (the 64-bit golden ratio).
const TOKEN_HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;
/// Multiplier of the final avalanche step.
const TOKEN_HASH_K2: u64 = 0xBF58_476D_1CE4_E5B9;

/// Hashes `bytes` with `seed`: 8 bytes at a time (little endian), then a final avalanche so
/// every output bit depends on every input bit.
#[inline]
fn token_hash(bytes: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(TOKEN_HASH_K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(TOKEN_HASH_K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        for (dst, src) in word.iter_mut().zip(rest) {
            *dst = *src;
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(TOKEN_HASH_K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(TOKEN_HASH_K2);
    h ^ (h >> 32)
}

/// Splits a hash into (bucket, f1, f2) for the displacement table: the bucket comes from the
/// top bits, f1 from the low 32 bits, f2 (odd) from the bits in between.
#[inline]
fn token_hash_parts(h: u64, bucket_bits: u32) -> (usize, u32, u32) {
    let bucket = (h >> (64 - bucket_bits)) as usize;
    let f1 = h as u32;
    let f2 = ((h >> 24) as u32) | 1;
    (bucket, f1, f2)
}
