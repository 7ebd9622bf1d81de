//! Fuzzes the frame decoder: `unpack` (flag byte, zlib) then `unmarshal_ref` on whatever comes
//! out, and `unmarshal_ref` on the raw input. Decoding must return Ok or a typed error, never
//! panic; whatever decodes must re-encode and decode to an equal node.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run binary_unmarshal` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacore_binary::marshal::{marshal_ref, unmarshal_ref, unpack_with_limit};

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = unmarshal_ref(data) {
        if let Ok(frame) = marshal_ref(&node) {
            let again = unmarshal_ref(&frame[1..]).expect("our own output decodes");
            assert_eq!(again, node);
        }
        let _ = node.to_owned();
        let _ = node.to_string();
    }
    if let Ok(bytes) = unpack_with_limit(data, 1 << 20) {
        let _ = unmarshal_ref(&bytes);
    }
});
