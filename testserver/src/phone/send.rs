//! What a phone sends: text and media messages, read receipts.

use super::{MediaKind, PhoneHandle};
use crate::error::{Error, Result};
use crate::jid::Jid;
use crate::stanza::Stanza;

/// Sends a text message.
pub(super) async fn send_text(phone: &PhoneHandle, to: &str, text: &str) -> Result<String> {
    let _ = (phone, text);
    Err(Error::Crypto(format!(
        "sending to {to} needs Signal sessions (not wired yet)"
    )))
}

/// Sends media.
pub(super) async fn send_media(
    phone: &PhoneHandle,
    to: &str,
    kind: MediaKind,
    data: &[u8],
    caption: Option<&str>,
) -> Result<String> {
    let _ = (phone, kind, data, caption);
    Err(Error::Crypto(format!(
        "sending to {to} needs Signal sessions (not wired yet)"
    )))
}

/// Sends a read receipt.
pub(super) fn mark_read(
    phone: &PhoneHandle,
    chat: &str,
    ids: &[String],
    sender: Option<&str>,
) -> Result<()> {
    let Some((first, rest)) = ids.split_first() else {
        return Ok(());
    };
    let chat_jid = Jid::parse(chat).ok_or_else(|| Error::InvalidJid(chat.to_owned()))?;
    let mut r = Stanza::new("receipt")
        .attr("id", first.clone())
        .attr("to", chat_jid.to_string())
        .attr("type", "read")
        .attr("t", crate::state::unix_now().to_string());
    if let Some(p) = sender {
        r.set("participant", p);
    }
    if !rest.is_empty() {
        r.push(
            Stanza::new("list").children(
                rest.iter()
                    .map(|id| Stanza::new("item").attr("id", id.clone()))
                    .collect::<Vec<_>>(),
            ),
        );
    }
    let session = phone.session()?;
    let mut w = phone.shared().world();
    crate::receipt::handle(&session, &mut w, &r);
    Ok(())
}
