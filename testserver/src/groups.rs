//! `w:g2` groups: create, metadata, participants, subject, description, settings, invite links,
//! leave; every change is announced to members with a `w:gp2` notification.

use std::collections::BTreeMap;

use crate::jid::{self, Jid};
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{Group, Role, World, unix_now};

/// Longest subject accepted.
const MAX_SUBJECT: usize = 100;

/// Handles a `w:g2` IQ.
pub(crate) fn handle(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    let Some(op) = iq.nodes().first().cloned() else {
        return s.iq_error(w, iq, 400, "bad-request");
    };
    let to = iq.get("to").and_then(Jid::parse);
    let res = match (op.tag.as_str(), to.as_ref().filter(|t| !t.user.is_empty())) {
        ("create", _) => create(w, &me, &op).map(|g| vec![g]),
        ("participating", _) => Ok(participating(w, &me)),
        ("leave", _) => leave(w, &me, &op),
        ("invite", None) => join_or_info(w, &me, &op, iq.get("type") == Some("set")),
        (_, Some(g)) => on_group(w, &me, g, &op, iq.get("type") == Some("set")),
        _ => Err((400, "bad-request")),
    };
    match res {
        Ok(kids) => s.iq_result(w, iq, kids),
        Err((code, text)) => s.iq_error(w, iq, code, text),
    }
}

type GResult = Result<Vec<Stanza>, (u16, &'static str)>;

/// Creates a group on behalf of an account; returns its `<group>` node.
pub(crate) fn create_group(
    w: &mut World,
    creator: &str,
    subject: &str,
    members: &[String],
) -> Result<Stanza, (u16, &'static str)> {
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err((406, "not-acceptable"));
    }
    let now = unix_now();
    let id = format!(
        "120363{:012}",
        w.next_stanza_id().len() as u64 * 1_000_003 + now % 1_000_000 + w.groups.len() as u64 * 7
    );
    let id = unique_group_id(w, id);
    let mut participants = BTreeMap::new();
    participants.insert(creator.to_owned(), Role::SuperAdmin);
    for m in members {
        if w.accounts.contains_key(m) {
            participants.entry(m.clone()).or_insert(Role::Member);
        }
    }
    let group = Group {
        id: id.clone(),
        subject: subject.to_owned(),
        subject_owner: creator.to_owned(),
        subject_time: now,
        creator: creator.to_owned(),
        creation: now,
        description: None,
        description_set: (String::new(), 0),
        member_add_all: false,
        participants,
        announce: false,
        locked: false,
        ephemeral: 0,
        membership_approval: false,
        invite_code: invite_code(w),
        addressing_mode: "lid".to_owned(),
    };
    w.groups.insert(id.clone(), group);
    let meta = metadata(w, &id).ok_or((500, "internal-server-error"))?;
    let create = Stanza::new("create")
        .attr("reason", "create")
        .child(meta.clone());
    notify(w, &id, creator, create, None);
    Ok(meta)
}

fn unique_group_id(w: &World, mut id: String) -> String {
    while w.groups.contains_key(&id) {
        id.push('1');
    }
    id
}

fn invite_code(w: &mut World) -> String {
    let n = w.next_stanza_id();
    let mut code: String = n.chars().filter(char::is_ascii_alphanumeric).collect();
    code.insert_str(0, "TS");
    code
}

fn create(w: &mut World, me: &Me, op: &Stanza) -> Result<Stanza, (u16, &'static str)> {
    let subject = op.get_or_empty("subject").to_owned();
    let members: Vec<String> = op
        .all("participant")
        .filter_map(|p| p.get("jid").and_then(Jid::parse))
        .filter_map(|j| w.resolve_owned(&j.to_user()))
        .collect();
    create_group(w, &me.phone, &subject, &members)
}

/// The `<group>` metadata node.
pub(crate) fn metadata(w: &World, id: &str) -> Option<Stanza> {
    let g = w.groups.get(id)?;
    let lid = g.addressing_mode == "lid";
    let user_jid = |phone: &str| -> String {
        w.account(phone)
            .map(|a| if lid { a.lid_jid() } else { a.pn_jid() }.to_string())
            .unwrap_or_default()
    };
    let mut n = Stanza::new("group")
        .attr("id", g.id.clone())
        .attr("addressing_mode", g.addressing_mode.clone())
        .attr("subject", g.subject.clone())
        .attr("s_o", user_jid(&g.subject_owner))
        .attr("s_t", g.subject_time.to_string())
        .attr("creation", g.creation.to_string())
        .attr("creator", user_jid(&g.creator))
        .attr("size", g.participants.len().to_string());
    if lid {
        n.set("creator_pn", Jid::user(&g.creator, jid::PN).to_string());
        n.set("s_o_pn", Jid::user(&g.subject_owner, jid::PN).to_string());
    }
    if let Some((desc, did)) = &g.description {
        let (owner, t) = &g.description_set;
        n.push(
            Stanza::new("description")
                .attr("id", did.clone())
                .attr("participant", user_jid(owner))
                .attr("t", t.to_string())
                .child(Stanza::new("body").bytes(desc.as_bytes().to_vec())),
        );
    }
    let add_mode = if g.member_add_all {
        "all_member_add"
    } else {
        "admin_add"
    };
    n.push(Stanza::new("member_add_mode").bytes(add_mode.as_bytes().to_vec()));
    if g.announce {
        n.push(Stanza::new("announcement"));
    }
    if g.locked {
        n.push(Stanza::new("locked"));
    }
    if g.ephemeral > 0 {
        n.push(Stanza::new("ephemeral").attr("expiration", g.ephemeral.to_string()));
    }
    if g.membership_approval {
        n.push(
            Stanza::new("membership_approval_mode")
                .child(Stanza::new("group_join").attr("state", "on")),
        );
    }
    for (phone, role) in &g.participants {
        n.push(participant_node(w, phone, *role, lid));
    }
    Some(n)
}

fn participant_node(w: &World, phone: &str, role: Role, lid: bool) -> Stanza {
    let Some(a) = w.account(phone) else {
        return Stanza::new("participant");
    };
    let mut p = if lid {
        Stanza::new("participant")
            .attr("jid", a.lid_jid().to_string())
            .attr("phone_number", a.pn_jid().to_string())
    } else {
        Stanza::new("participant")
            .attr("jid", a.pn_jid().to_string())
            .attr("lid", a.lid_jid().to_string())
    };
    if let Some(t) = role.attr() {
        p.set("type", t);
    }
    p
}

fn participating(w: &World, me: &Me) -> Vec<Stanza> {
    let ids: Vec<String> = w
        .groups
        .values()
        .filter(|g| g.participants.contains_key(&me.phone))
        .map(|g| g.id.clone())
        .collect();
    let groups: Vec<Stanza> = ids.iter().filter_map(|id| metadata(w, id)).collect();
    vec![Stanza::new("groups").children(groups)]
}

fn leave(w: &mut World, me: &Me, op: &Stanza) -> GResult {
    let ids: Vec<String> = op
        .all("group")
        .filter_map(|g| g.get("id"))
        .map(|id| id.trim_end_matches("@g.us").to_owned())
        .collect();
    for id in &ids {
        let Some(g) = w.groups.get(id) else { continue };
        if !g.participants.contains_key(&me.phone) {
            continue;
        }
        let body = Stanza::new("remove")
            .attr("reason", "leave")
            .child(participant_node(
                w,
                &me.phone,
                Role::Member,
                g.addressing_mode == "lid",
            ));
        notify(w, id, &me.phone, body, None);
        if let Some(g) = w.groups.get_mut(id) {
            g.participants.remove(&me.phone);
        }
    }
    Ok(vec![Stanza::new("leave")])
}

fn join_or_info(w: &mut World, me: &Me, op: &Stanza, set: bool) -> GResult {
    let code = op.get_or_empty("code");
    let Some(id) = w
        .groups
        .values()
        .find(|g| g.invite_code == code)
        .map(|g| g.id.clone())
    else {
        return Err((404, "item-not-found"));
    };
    if !set {
        return Ok(metadata(w, &id).into_iter().collect());
    }
    add_members(w, &me.phone, &id, std::slice::from_ref(&me.phone), "invite");
    Ok(vec![
        Stanza::new("group").attr("jid", Jid::user(&id, jid::GROUP).to_string()),
    ])
}

/// Adds accounts to a group and announces it; returns the per-participant result nodes.
pub(crate) fn add_members(
    w: &mut World,
    actor: &str,
    id: &str,
    phones: &[String],
    reason: &str,
) -> Vec<Stanza> {
    let mut added = Vec::new();
    for p in phones {
        if let Some(g) = w.groups.get_mut(id)
            && w.accounts.contains_key(p)
            && !g.participants.contains_key(p)
        {
            g.participants.insert(p.clone(), Role::Member);
            added.push(p.clone());
        }
    }
    let lid = w.groups.get(id).is_some_and(|g| g.addressing_mode == "lid");
    let nodes: Vec<Stanza> = added
        .iter()
        .map(|p| participant_node(w, p, Role::Member, lid))
        .collect();
    if !nodes.is_empty() {
        notify(
            w,
            id,
            actor,
            Stanza::new("add")
                .attr("reason", reason)
                .children(nodes.clone()),
            None,
        );
    }
    nodes
}

fn on_group(w: &mut World, me: &Me, g: &Jid, op: &Stanza, set: bool) -> GResult {
    let id = g.user.clone();
    let Some(group) = w.groups.get(&id) else {
        return Err((404, "item-not-found"));
    };
    let Some(role) = group.participants.get(&me.phone).copied() else {
        return Err((403, "forbidden"));
    };
    let lid = group.addressing_mode == "lid";
    match (op.tag.as_str(), set) {
        ("query", false) => Ok(metadata(w, &id).into_iter().collect()),
        ("invite", false) => {
            if !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            Ok(vec![
                Stanza::new("invite").attr("code", group.invite_code.clone()),
            ])
        }
        ("invite", true) => {
            if !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            let code = invite_code(w);
            if let Some(g) = w.groups.get_mut(&id) {
                g.invite_code = code.clone();
            }
            notify(
                w,
                &id,
                &me.phone,
                Stanza::new("invite").attr("code", code.clone()),
                None,
            );
            Ok(vec![Stanza::new("invite").attr("code", code)])
        }
        (action @ ("add" | "remove" | "promote" | "demote"), true) => {
            if !(role.is_admin() || (action == "add" && group.member_add_all)) {
                return Err((401, "not-authorized"));
            }
            let targets: Vec<(String, Option<String>)> = op
                .all("participant")
                .map(|p| {
                    let raw = p.get_or_empty("jid").to_owned();
                    let phone = Jid::parse(&raw).and_then(|j| w.resolve_owned(&j.to_user()));
                    (raw, phone)
                })
                .collect();
            let mut result = Stanza::new(action);
            let mut changed = Vec::new();
            for (raw, phone) in targets {
                let mut node = Stanza::new("participant").attr("jid", raw.clone());
                let ok = match (&phone, action) {
                    (None, _) => Some("404"),
                    (Some(p), "add")
                        if w.groups
                            .get(&id)
                            .is_some_and(|g| g.participants.contains_key(p)) =>
                    {
                        Some("409")
                    }
                    (Some(p), "remove" | "promote" | "demote")
                        if !w
                            .groups
                            .get(&id)
                            .is_some_and(|g| g.participants.contains_key(p)) =>
                    {
                        Some("404")
                    }
                    _ => None,
                };
                if let Some(err) = ok {
                    node.set("error", err);
                } else if let Some(p) = phone {
                    changed.push(p);
                }
                result.push(node);
            }
            match action {
                "add" => {
                    add_members(w, &me.phone, &id, &changed, "add");
                }
                _ => {
                    let nodes: Vec<Stanza> = changed
                        .iter()
                        .map(|p| participant_node(w, p, Role::Member, lid))
                        .collect();
                    if !nodes.is_empty() {
                        notify(w, &id, &me.phone, Stanza::new(action).children(nodes), None);
                    }
                    if let Some(g) = w.groups.get_mut(&id) {
                        for p in &changed {
                            match action {
                                "remove" => {
                                    g.participants.remove(p);
                                }
                                "promote" => {
                                    g.participants.insert(p.clone(), Role::Admin);
                                }
                                _ => {
                                    if g.participants.get(p) == Some(&Role::Admin) {
                                        g.participants.insert(p.clone(), Role::Member);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Ok(vec![result])
        }
        ("subject", true) => {
            let subject = op.text().unwrap_or("").to_owned();
            if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
                return Err((406, "not-acceptable"));
            }
            if group.locked && !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            let now = unix_now();
            if let Some(g) = w.groups.get_mut(&id) {
                g.subject = subject.clone();
                g.subject_owner = me.phone.clone();
                g.subject_time = now;
            }
            notify(
                w,
                &id,
                &me.phone,
                Stanza::new("subject")
                    .attr("subject", subject)
                    .attr("s_t", now.to_string()),
                None,
            );
            Ok(vec![])
        }
        ("description", true) => {
            if group.locked && !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            let body = op.first("body").and_then(Stanza::text).map(str::to_owned);
            let new_id = op
                .get("id")
                .map(str::to_owned)
                .unwrap_or_else(|| w.next_stanza_id());
            let now = unix_now();
            if let Some(g) = w.groups.get_mut(&id) {
                g.description = body.clone().map(|b| (b, new_id.clone()));
                g.description_set = (me.phone.clone(), now);
            }
            let mut n = Stanza::new("description").attr("id", new_id);
            match body {
                Some(b) => n.push(Stanza::new("body").bytes(b.into_bytes())),
                None => n.push(Stanza::new("delete")),
            }
            notify(w, &id, &me.phone, n, None);
            Ok(vec![])
        }
        (
            setting @ ("announcement"
            | "not_announcement"
            | "locked"
            | "unlocked"
            | "ephemeral"
            | "not_ephemeral"
            | "membership_approval_mode"),
            true,
        ) => {
            if !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            let exp: u32 = op
                .get("expiration")
                .and_then(|e| e.parse().ok())
                .unwrap_or(0);
            let approval = op.first("group_join").and_then(|j| j.get("state")) == Some("on");
            if let Some(g) = w.groups.get_mut(&id) {
                match setting {
                    "announcement" => g.announce = true,
                    "not_announcement" => g.announce = false,
                    "locked" => g.locked = true,
                    "unlocked" => g.locked = false,
                    "ephemeral" => g.ephemeral = exp,
                    "not_ephemeral" => g.ephemeral = 0,
                    _ => g.membership_approval = approval,
                }
            }
            notify(w, &id, &me.phone, op.clone(), None);
            Ok(vec![])
        }
        ("member_add_mode", true) => {
            if !role.is_admin() {
                return Err((401, "not-authorized"));
            }
            let all = match op.text() {
                Some("all_member_add") => true,
                Some("admin_add") => false,
                _ => return Err((400, "bad-request")),
            };
            if let Some(g) = w.groups.get_mut(&id) {
                g.member_add_all = all;
            }
            notify(w, &id, &me.phone, op.clone(), None);
            Ok(vec![])
        }
        _ => Err((400, "bad-request")),
    }
}

/// Sends a `w:gp2` notification about a group to every member device (and `extra` accounts).
pub(crate) fn notify(w: &mut World, id: &str, actor: &str, body: Stanza, extra: Option<&[String]>) {
    let Some(g) = w.groups.get(id) else { return };
    let lid = g.addressing_mode == "lid";
    let mut members: Vec<String> = g.participants.keys().cloned().collect();
    if let Some(x) = extra {
        members.extend(x.iter().cloned());
    }
    let actor_jid = w
        .account(actor)
        .map(|a| if lid { a.lid_jid() } else { a.pn_jid() }.to_string())
        .unwrap_or_default();
    let nid = w.next_stanza_id();
    let mut n = Stanza::new("notification")
        .attr("from", Jid::user(id, jid::GROUP).to_string())
        .attr("type", "w:gp2")
        .attr("id", nid.clone())
        .attr("participant", actor_jid)
        .attr("t", unix_now().to_string());
    if lid {
        n.set("addressing_mode", "lid");
        n.set("participant_pn", Jid::user(actor, jid::PN).to_string());
    }
    let n = n.child(body);
    for m in members {
        for dev in w.device_ids(&m) {
            w.deliver(&m, dev, "notification", &nid, n.clone());
        }
    }
}
