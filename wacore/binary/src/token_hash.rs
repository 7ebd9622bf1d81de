// The hash behind the token dictionary's perfect-hash table. Shared by build.rs (which searches
// the table's displacements) and src/token.rs (which looks strings up), through `include!`, so the
// two can never disagree. Plain `//` comments only: this file is included inside other items.

/// Multiplier of the first word (the 64-bit golden ratio).
const TOKEN_HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;
/// Multiplier of further words.
const TOKEN_HASH_K2: u64 = 0xBF58_476D_1CE4_E5B9;

/// Up to 8 bytes of `s` from `at`, little endian (missing bytes are zero).
#[inline(always)]
fn token_word(s: &[u8], at: usize) -> u64 {
    match s.get(at..at + 8) {
        Some(w) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            u64::from_le_bytes(a)
        }
        None => 0,
    }
}

/// Four bytes of `s` from `at`, little endian (zero if out of range).
#[inline(always)]
fn token_word4(s: &[u8], at: usize) -> u64 {
    match s.get(at..at + 4) {
        Some(w) => {
            let mut a = [0u8; 4];
            a.copy_from_slice(w);
            u64::from(u32::from_le_bytes(a))
        }
        None => 0,
    }
}

/// Folded multiply: the 128-bit product's halves xor-ed (one `mul`, well mixed in every bit).
#[inline(always)]
fn token_mix(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The key word of a string: for up to 8 bytes, a word that (with the length) identifies the
/// string exactly; for longer strings, its first 8 bytes.
#[inline(always)]
fn token_key_word(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if len >= 8 {
        token_word(bytes, 0)
    } else if len >= 4 {
        token_word4(bytes, 0) | (token_word4(bytes, len - 4) << 32)
    } else if len > 0 {
        let b = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
        b(0) | (b(len / 2) << 8) | (b(len - 1) << 16)
    } else {
        0
    }
}

/// Hashes `bytes` with `seed` given its key word: one folded multiply per 8-byte word (the
/// tail as one overlapping read).
#[inline(always)]
fn token_hash_with(bytes: &[u8], key_word: u64, seed: u64) -> u64 {
    let len = bytes.len();
    let mut h = token_mix(key_word ^ seed, TOKEN_HASH_K ^ (len as u64));
    if len > 8 {
        let mut at = 8;
        while at + 8 <= len {
            h = token_mix(h ^ token_word(bytes, at), TOKEN_HASH_K2);
            at += 8;
        }
        if at < len {
            h = token_mix(h ^ token_word(bytes, len - 8), TOKEN_HASH_K2);
        }
    }
    h
}

/// Hashes `bytes` with `seed`.
#[inline(always)]
#[allow(dead_code)] // build.rs hashes whole tokens; the lookup reuses its key word.
fn token_hash(bytes: &[u8], seed: u64) -> u64 {
    token_hash_with(bytes, token_key_word(bytes), seed)
}

/// Splits a hash into (bucket, f): the bucket from the top bits, f from the low 32 bits; the
/// slot is `(f ^ displacement[bucket]) & mask`.
#[inline(always)]
fn token_hash_parts(h: u64, bucket_bits: u32) -> (usize, u32) {
    ((h >> (64 - bucket_bits)) as usize, h as u32)
}

/// Whether bytes 8.. of `a` and `b` (both longer than 8, same length) are equal, by word
/// compares (no call into `memcmp`).
#[inline(always)]
fn token_tail_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    let mut at = 8;
    while at + 8 <= len {
        if token_word(a, at) != token_word(b, at) {
            return false;
        }
        at += 8;
    }
    at == len || token_word(a, len - 8) == token_word(b, len - 8)
}
