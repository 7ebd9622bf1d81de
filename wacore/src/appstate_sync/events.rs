//! Turning verified, decrypted mutations into events (whatsmeow `appstate.go`
//! `dispatchAppState`): only SET mutations produce events; REMOVE ones only change state.

use chrono::{DateTime, Utc};
use wacore_appstate::{Mutation, Operation, SyncAction};
use wacore_binary::jid::Jid;

use crate::types::events::{
    ArchiveUpdate, ContactUpdate, Event, MarkChatAsReadUpdate, MuteUpdate, PinUpdate, StarUpdate,
};

/// What a mutation means for the client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SyncOutcome {
    /// Dispatch this event.
    Event(Box<Event>),
    /// Our own push name was set on another device (`setting_pushName`): store it and emit
    /// `SelfPushNameUpdated`.
    OwnPushName {
        /// The new name.
        name: String,
    },
    /// Nothing to report (REMOVE, an action without an event, or an unparsable JID).
    Ignored,
}

fn timestamp(m: &Mutation) -> DateTime<Utc> {
    m.timestamp()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_default()
}

fn jid(s: &str) -> Option<Jid> {
    match s.parse::<Jid>() {
        Ok(j) => Some(j),
        Err(_) => {
            log::warn!(target: "Client/AppState", "mutation with an unparsable JID ignored");
            None
        }
    }
}

/// The outcome of one mutation; `full_sync` is true while applying a snapshot or catching
/// up from version 0.
pub fn outcome_for_mutation(m: &Mutation, full_sync: bool) -> SyncOutcome {
    if m.operation != Operation::Set {
        return SyncOutcome::Ignored;
    }
    let ts = timestamp(m);
    let ev = |e: Event| SyncOutcome::Event(Box::new(e));
    let Some(out) = (match &m.action {
        SyncAction::Pin { jid: j, action } => jid(j).map(|jid| {
            ev(Event::PinUpdate(PinUpdate {
                jid,
                timestamp: ts,
                action: Box::new(*action),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::Mute { jid: j, action } => jid(j).map(|jid| {
            ev(Event::MuteUpdate(MuteUpdate {
                jid,
                timestamp: ts,
                action: Box::new(*action),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::Archive { jid: j, action } => jid(j).map(|jid| {
            ev(Event::ArchiveUpdate(ArchiveUpdate {
                jid,
                timestamp: ts,
                action: Box::new(action.clone()),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::MarkChatAsRead { jid: j, action } => jid(j).map(|jid| {
            ev(Event::MarkChatAsReadUpdate(MarkChatAsReadUpdate {
                jid,
                timestamp: ts,
                action: Box::new(action.clone()),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::Contact { jid: j, action } => jid(j).map(|jid| {
            ev(Event::ContactUpdate(ContactUpdate {
                jid,
                timestamp: ts,
                action: Box::new(action.clone()),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::Star { message, action } => jid(&message.chat_jid).map(|chat_jid| {
            ev(Event::StarUpdate(StarUpdate {
                chat_jid,
                participant_jid: message.participant.as_deref().and_then(jid),
                message_id: message.message_id.clone(),
                from_me: message.from_me,
                timestamp: ts,
                action: Box::new(*action),
                from_full_sync: full_sync,
            }))
        }),
        SyncAction::PushName { action } => action
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .map(|name| SyncOutcome::OwnPushName { name }),
        _ => None,
    }) else {
        return SyncOutcome::Ignored;
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_appstate::MessageRef;

    fn mutation(action: SyncAction, op: Operation) -> Mutation {
        let value = action.value();
        Mutation {
            operation: op,
            index: action.index(),
            value: value.map(|mut v| {
                v.timestamp = Some(1_700_000_000_123);
                v
            }),
            action,
            api_version: Some(1),
            index_mac: [0; 32],
            value_mac: [0; 32],
            patch_version: 1,
        }
    }

    fn event(o: SyncOutcome) -> Event {
        match o {
            SyncOutcome::Event(e) => *e,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn chat_actions_become_events() {
        let m = mutation(SyncAction::pin("1@s.whatsapp.net", true), Operation::Set);
        let Event::PinUpdate(p) = event(outcome_for_mutation(&m, false)) else {
            panic!()
        };
        assert_eq!(p.jid.to_string(), "1@s.whatsapp.net");
        assert_eq!(p.action.pinned, Some(true));
        assert_eq!(p.timestamp.timestamp_millis(), 1_700_000_000_123);
        assert!(!p.from_full_sync);

        let m = mutation(
            SyncAction::archive("2@s.whatsapp.net", true, None),
            Operation::Set,
        );
        assert!(matches!(
            event(outcome_for_mutation(&m, true)),
            Event::ArchiveUpdate(ArchiveUpdate {
                from_full_sync: true,
                ..
            })
        ));
        let m = mutation(SyncAction::mute("3@g.us", Some(5)), Operation::Set);
        assert!(matches!(
            event(outcome_for_mutation(&m, false)),
            Event::MuteUpdate(_)
        ));
        let m = mutation(
            SyncAction::mark_chat_as_read("3@g.us", true, None),
            Operation::Set,
        );
        assert!(matches!(
            event(outcome_for_mutation(&m, false)),
            Event::MarkChatAsReadUpdate(_)
        ));
        let m = mutation(
            SyncAction::contact("4@s.whatsapp.net", Some("A B".into()), Some("A".into())),
            Operation::Set,
        );
        assert!(matches!(
            event(outcome_for_mutation(&m, false)),
            Event::ContactUpdate(_)
        ));
    }

    #[test]
    fn stars_carry_the_message_reference() {
        let m = mutation(
            SyncAction::star(
                MessageRef {
                    chat_jid: "5@g.us".into(),
                    message_id: "ABC".into(),
                    from_me: false,
                    participant: Some("6@s.whatsapp.net".into()),
                },
                true,
            ),
            Operation::Set,
        );
        let Event::StarUpdate(s) = event(outcome_for_mutation(&m, false)) else {
            panic!()
        };
        assert_eq!(s.message_id, "ABC");
        assert_eq!(s.participant_jid.unwrap().to_string(), "6@s.whatsapp.net");
        assert!(!s.from_me);
    }

    #[test]
    fn push_name_removals_and_unknowns() {
        let m = mutation(SyncAction::push_name("Bot"), Operation::Set);
        assert!(matches!(
            outcome_for_mutation(&m, false),
            SyncOutcome::OwnPushName { name } if name == "Bot"
        ));
        let m = mutation(SyncAction::pin("1@s.whatsapp.net", true), Operation::Remove);
        assert!(matches!(
            outcome_for_mutation(&m, false),
            SyncOutcome::Ignored
        ));
        let m = mutation(
            SyncAction::delete_chat("1@s.whatsapp.net", None),
            Operation::Set,
        );
        assert!(matches!(
            outcome_for_mutation(&m, false),
            SyncOutcome::Ignored
        ));
        let m = mutation(SyncAction::pin("not a jid@@", true), Operation::Set);
        assert!(matches!(
            outcome_for_mutation(&m, false),
            SyncOutcome::Ignored
        ));
    }
}
