//! What the phone does with messages routed to it: decrypt, record, send a delivery receipt.

use super::PhoneHandle;
use crate::stanza::Stanza;

/// Handles a `<message>` delivered to the phone.
pub(super) async fn on_message(phone: &PhoneHandle, stanza: &Stanza) {
    let _ = (phone, stanza);
}
