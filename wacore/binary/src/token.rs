//! The binary token dictionary, version 3, and the wire tag bytes.
//!
//! Frequent protocol strings (tags, attribute names, common values) travel as one byte
//! (single-byte tokens 1..=235) or two bytes (a `DICTIONARY_n` byte and an index into one of four
//! 256-entry dictionaries). Index -> string is an array read; string -> index is a perfect-hash
//! lookup (one probe and one string compare), built at compile time by `build.rs` from
//! `data/tokens-v3.txt`.
//!
//! The tag values below are the wire's (they differ from some published tables: `AD_JID` is 247
//! and `HEX_8` is 251).

include!(concat!(env!("OUT_DIR"), "/token_tables.rs"));
include!("token_hash.rs");

/// Version of the token dictionary; the connection header carries it (`WA 06 03`).
pub const DICT_VERSION: u8 = 3;
/// Empty list; also an absent/empty string (e.g. the user of a server JID).
pub const LIST_EMPTY: u8 = 0;
/// Start of the single-byte token range (inclusive).
pub const SINGLE_BYTE_MIN: u8 = 1;
/// End of the single-byte token range (inclusive).
pub const SINGLE_BYTE_MAX: u8 = 235;
/// Double-byte dictionary 0: the next byte indexes dictionary 0.
pub const DICTIONARY_0: u8 = 236;
/// Double-byte dictionary 1.
pub const DICTIONARY_1: u8 = 237;
/// Double-byte dictionary 2.
pub const DICTIONARY_2: u8 = 238;
/// Double-byte dictionary 3.
pub const DICTIONARY_3: u8 = 239;
/// Interop JID: user, u16 device, u16 integrator, server.
pub const INTEROP_JID: u8 = 245;
/// Messenger (FB) JID: user, u16 device, server.
pub const FB_JID: u8 = 246;
/// Device ("AD") JID: domain type byte, device byte, user.
pub const AD_JID: u8 = 247;
/// List with a one-byte length.
pub const LIST_8: u8 = 248;
/// List with a two-byte (big-endian) length.
pub const LIST_16: u8 = 249;
/// JID pair: user (or `LIST_EMPTY`), server.
pub const JID_PAIR: u8 = 250;
/// Packed upper-case hex string.
pub const HEX_8: u8 = 251;
/// Bytes with a one-byte length.
pub const BINARY_8: u8 = 252;
/// Bytes with a 20-bit (three-byte, big-endian) length.
pub const BINARY_20: u8 = 253;
/// Bytes with a 32-bit (big-endian) length.
pub const BINARY_32: u8 = 254;
/// Packed numeric string (digits, `-`, `.`).
pub const NIBBLE_8: u8 = 255;
/// Longest string (in characters) that may be nibble- or hex-packed.
pub const PACKED_MAX: u8 = 127;

/// Longest token in the dictionary, in bytes; longer strings skip the lookup.
const MAX_TOKEN_LEN: usize = 48;

/// Where a string sits in the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// A single-byte token: its wire byte (1..=235).
    Single(u8),
    /// A double-byte token: dictionary 0..=3 and index in it.
    Double {
        /// Dictionary number (the wire byte is `DICTIONARY_0 + dict`).
        dict: u8,
        /// Index inside the dictionary.
        index: u8,
    },
}

/// The string of single-byte token `index` (1..=235), if assigned.
#[inline]
pub fn get_single_token(index: u8) -> Option<&'static str> {
    if index == 0 {
        return None;
    }
    SINGLE_BYTE_TOKENS.get(usize::from(index)).copied()
}

/// The string at `index` of double-byte dictionary `dict` (0..=3), if assigned.
#[inline]
pub fn get_double_token(dict: u8, index: u8) -> Option<&'static str> {
    DOUBLE_BYTE_TOKENS
        .get(usize::from(dict))
        .and_then(|table| table.get(usize::from(index)))
        .copied()
}

/// Looks `s` up in the dictionary: O(1), no allocation. One hash, one probe; the slot holds
/// the token's length and key word, so only tokens longer than 8 bytes compare further.
#[inline]
pub fn index_of_token(s: &str) -> Option<Token> {
    let bytes = s.as_bytes();
    let len = bytes.len();
    if len == 0 || len > MAX_TOKEN_LEN {
        return None;
    }
    let key_word = token_key_word(bytes);
    let h = token_hash_with(bytes, key_word, PHF_SEED);
    let (bucket, f) = token_hash_parts(h, PHF_BUCKET_BITS);
    let disp = u32::from(PHF_DISP.get(bucket).copied().unwrap_or(0));
    let slot = ((f ^ disp) & (PHF_META.len() as u32 - 1)) as usize;
    let meta = PHF_META.get(slot).copied().unwrap_or(0);
    if meta >> 16 != len as u32 || PHF_KEYS.get(slot).copied() != Some(key_word) {
        return None;
    }
    let code = (meta & 0xFFFF) as u16;
    let token = if code < 256 {
        Token::Single(code as u8)
    } else {
        Token::Double {
            dict: ((code - 256) >> 8) as u8,
            index: (code & 0xFF) as u8,
        }
    };
    if len > 8 {
        let (_, candidate) = decode_code(code)?;
        if !token_tail_eq(candidate.as_bytes(), bytes) {
            return None;
        }
    }
    Some(token)
}

/// The single-byte token index of `s`, if it is one.
#[inline]
pub fn index_of_single_token(s: &str) -> Option<u8> {
    match index_of_token(s)? {
        Token::Single(i) => Some(i),
        Token::Double { .. } => None,
    }
}

/// The `(dictionary, index)` of `s`, if it is a double-byte token.
#[inline]
pub fn index_of_double_byte_token(s: &str) -> Option<(u8, u8)> {
    match index_of_token(s)? {
        Token::Double { dict, index } => Some((dict, index)),
        Token::Single(_) => None,
    }
}

/// Token code (as stored in the hash table) -> token and its string.
#[inline]
fn decode_code(code: u16) -> Option<(Token, &'static str)> {
    if code < 256 {
        let index = code as u8;
        Some((Token::Single(index), get_single_token(index)?))
    } else {
        let dict = ((code - 256) >> 8) as u8;
        let index = (code & 0xFF) as u8;
        Some((
            Token::Double { dict, index },
            get_double_token(dict, index)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(index_of_single_token("message"), Some(19));
        assert_eq!(index_of_single_token("iq"), Some(25));
        assert_eq!(get_single_token(19), Some("message"));
        assert_eq!(index_of_single_token("s.whatsapp.net"), Some(3));
        assert_eq!(index_of_double_byte_token("read-self"), Some((0, 0)));
        assert_eq!(get_double_token(3, 255), Some("1961"));
    }

    #[test]
    fn every_token_maps_both_ways() {
        for i in SINGLE_BYTE_MIN..=SINGLE_BYTE_MAX {
            let s = get_single_token(i).unwrap();
            assert_eq!(index_of_token(s), Some(Token::Single(i)), "{s}");
        }
        for dict in 0..4u8 {
            for index in 0..=255u8 {
                let s = get_double_token(dict, index).unwrap();
                assert_eq!(
                    index_of_token(s),
                    Some(Token::Double { dict, index }),
                    "{s}"
                );
            }
        }
    }

    #[test]
    fn out_of_range_and_non_tokens() {
        assert_eq!(get_single_token(0), None);
        assert_eq!(get_single_token(236), None);
        assert_eq!(get_single_token(255), None);
        assert_eq!(get_double_token(4, 0), None);
        for s in [
            "",
            "messages",
            "Message",
            "15551234567",
            "s.whatsapp.ne",
            "x".repeat(60).as_str(),
        ] {
            assert_eq!(index_of_token(s), None, "{s}");
        }
    }
}
