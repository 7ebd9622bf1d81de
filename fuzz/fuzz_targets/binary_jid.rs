//! Fuzzes JID parsing: never panics, and a parsed JID prints to a string that parses back to
//! the same JID.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run binary_jid` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacore_binary::jid::Jid;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(jid) = s.parse::<Jid>() {
        let printed = jid.to_string();
        assert_eq!(printed.parse::<Jid>().as_ref(), Ok(&jid), "{s:?} -> {printed:?}");
        let _ = jid.to_protocol_address_string();
        let _ = jid.is_wire_encodable();
    }
});
