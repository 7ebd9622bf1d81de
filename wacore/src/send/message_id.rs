//! Message ids as WhatsApp Web makes them: `3EB0` followed by the first 9 bytes (18 uppercase
//! hex digits) of SHA-256(unix seconds as 8 big-endian bytes || own user || `@c.us` || 16
//! random bytes).

use sha2::{Digest, Sha256};

/// The prefix of every WhatsApp Web message id.
pub const WEB_MESSAGE_ID_PREFIX: &str = "3EB0";

/// A message id for `own_user` (our phone number, if logged in) at `unix_seconds`, mixing in
/// `random`.
pub fn generate_message_id(own_user: Option<&str>, unix_seconds: u64, random: &[u8; 16]) -> String {
    let mut h = Sha256::new();
    h.update(unix_seconds.to_be_bytes());
    if let Some(user) = own_user.filter(|u| !u.is_empty()) {
        h.update(user.as_bytes());
        h.update(b"@c.us");
    }
    h.update(random);
    let digest = h.finalize();
    let mut id = String::with_capacity(22);
    id.push_str(WEB_MESSAGE_ID_PREFIX);
    for b in digest.iter().take(9) {
        id.push(hex_digit(b >> 4));
        id.push(hex_digit(b & 0x0f));
    }
    id
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 })
}

/// Whether `id` has the shape of a WhatsApp Web id (`3EB0` + 18 uppercase hex digits).
pub fn is_web_message_id(id: &str) -> bool {
    id.len() == 22
        && id.starts_with(WEB_MESSAGE_ID_PREFIX)
        && id
            .bytes()
            .skip(4)
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_web_shape_and_depend_on_inputs() {
        let a = generate_message_id(Some("15551234567"), 1_700_000_000, &[1; 16]);
        assert!(is_web_message_id(&a), "{a}");
        assert_eq!(
            a,
            generate_message_id(Some("15551234567"), 1_700_000_000, &[1; 16])
        );
        assert_ne!(
            a,
            generate_message_id(Some("15551234567"), 1_700_000_000, &[2; 16])
        );
        assert_ne!(
            a,
            generate_message_id(Some("15551234568"), 1_700_000_000, &[1; 16])
        );
        assert_ne!(a, generate_message_id(None, 1_700_000_000, &[1; 16]));
        // Known answer: SHA-256 of the concatenation, first 9 bytes.
        let mut h = Sha256::new();
        h.update(1_700_000_000u64.to_be_bytes());
        h.update(b"15551234567@c.us");
        h.update([1u8; 16]);
        let d = h.finalize();
        let hex: String = d.iter().take(9).map(|b| format!("{b:02X}")).collect();
        assert_eq!(a, format!("3EB0{hex}"));
        assert!(!is_web_message_id("3EB0abc"));
    }
}
