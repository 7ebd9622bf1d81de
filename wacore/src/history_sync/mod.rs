//! History-sync payloads, read in bounded memory.
//!
//! The phone sends history as zlib-compressed `HistorySync` protobufs (inline in the
//! notification for the first chunk, otherwise as an uploaded blob). A payload can hold
//! thousands of conversations; decoding it whole would need several times its size in
//! memory. [`HistorySyncReader`] instead walks the top-level protobuf fields straight off the
//! inflating reader: each conversation (field 2) comes out as its own byte buffer, and
//! everything else is collected into a small remainder decoded at the end (with no
//! conversations in it). Peak memory is one conversation plus the remainder, whatever the
//! payload size. Limits guard against hostile payloads (a huge length prefix, a zip bomb).
//!
//! Wire facts: whatsmeow `message.go` (`DownloadHistorySync`: zlib, then `HistorySync`),
//! field numbers from the schema (`conversations = 2`, `pushnames = 7`, ...).

mod reader;

pub use reader::{
    CONVERSATIONS_FIELD, HistorySyncError, HistorySyncItem, HistorySyncLimits, HistorySyncReader,
    inflate,
};

use waproto::whatsapp as wa;

/// The PN <-> LID pairs a history payload carries, as `(pn user, lid user)`.
pub fn lid_mappings(history: &wa::HistorySync) -> Vec<(String, String)> {
    history
        .phone_number_to_lid_mappings
        .iter()
        .filter_map(|m| {
            let pn = m.pn_jid.as_deref()?.split('@').next()?.split(':').next()?;
            let lid = m.lid_jid.as_deref()?.split('@').next()?.split(':').next()?;
            (!pn.is_empty() && !lid.is_empty()).then(|| (pn.to_owned(), lid.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_mappings() {
        let h = wa::HistorySync {
            phone_number_to_lid_mappings: vec![
                wa::PhoneNumberToLidMapping {
                    pn_jid: Some("15551234567@s.whatsapp.net".into()),
                    lid_jid: Some("99887766@lid".into()),
                },
                wa::PhoneNumberToLidMapping {
                    pn_jid: None,
                    lid_jid: Some("1@lid".into()),
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            lid_mappings(&h),
            vec![("15551234567".to_owned(), "99887766".to_owned())]
        );
    }
}
