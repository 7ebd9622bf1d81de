//! Small IQ families: keepalive ping, passive/active, props, blocklist, privacy settings,
//! profile pictures, about text, `media_conn`, and IQs the server acknowledges without state.

use crate::jid::Jid;
use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::World;

/// Props the server advertises (`<props><prop config_code config_value/>`).
const PROPS: &[(&str, &str)] = &[
    ("1", "1"),
    ("10518", "false"),
    ("9666", "false"),
    ("14303", "false"),
];
/// How long a media_conn token lives, in seconds.
const MEDIA_CONN_TTL: u32 = 3600;

/// `w:p` ping: answers with a result.
pub(crate) fn ping(s: &Session, w: &mut World, iq: &Stanza) {
    s.iq_result(w, iq, vec![]);
}

/// `passive`: `<active/>` or `<passive/>`.
pub(crate) fn passive(s: &Session, w: &mut World, iq: &Stanza) {
    if let Some(me) = &s.me {
        let active = iq.first("active").is_some();
        if let Some(d) = w.device_mut(&me.phone, me.device) {
            d.active = active;
        }
    }
    s.iq_result(w, iq, vec![]);
}

/// `abt` / `w` props.
pub(crate) fn props(s: &Session, w: &mut World, iq: &Stanza) {
    let props: Vec<Stanza> = PROPS
        .iter()
        .map(|(k, v)| {
            Stanza::new("prop")
                .attr("config_code", *k)
                .attr("config_value", *v)
        })
        .collect();
    let node = Stanza::new("props")
        .attr("protocol", "1")
        .attr("hash", "testserver-1")
        .children(props);
    s.iq_result(w, iq, vec![node]);
}

/// `blocklist`: get the list or block/unblock an item.
pub(crate) fn blocklist(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    if iq.get("type") == Some("set") {
        let Some(item) = iq.first("item") else {
            return s.iq_error(w, iq, 400, "bad-request");
        };
        let Some(target) = item.get("jid").and_then(Jid::parse) else {
            return s.iq_error(w, iq, 400, "bad-request");
        };
        let block = item.get("action") == Some("block");
        if let Some(a) = w.account_mut(&me.phone) {
            let key = target.to_user().to_string();
            if block {
                a.blocklist.insert(key);
            } else {
                a.blocklist.remove(&key);
            }
        }
        return s.iq_result(w, iq, vec![]);
    }
    let items: Vec<Stanza> = w
        .account(&me.phone)
        .map(|a| {
            a.blocklist
                .iter()
                .map(|j| Stanza::new("item").attr("jid", j.as_str()))
                .collect()
        })
        .unwrap_or_default();
    s.iq_result(w, iq, vec![Stanza::new("list").children(items)]);
}

/// `privacy`: get or set privacy categories; a `<tokens>` set (privacy tokens) is accepted.
pub(crate) fn privacy(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    if iq.first("tokens").is_some() {
        return s.iq_result(w, iq, vec![]);
    }
    if iq.get("type") == Some("set") {
        let cats: Vec<(String, String)> = iq
            .first("privacy")
            .map(|p| {
                p.all("category")
                    .filter_map(|c| Some((c.get("name")?.to_owned(), c.get("value")?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(a) = w.account_mut(&me.phone) {
            for (k, v) in cats {
                a.privacy.insert(k, v);
            }
        }
        return s.iq_result(w, iq, vec![]);
    }
    let cats: Vec<Stanza> = w
        .account(&me.phone)
        .map(|a| {
            a.privacy
                .iter()
                .map(|(k, v)| {
                    Stanza::new("category")
                        .attr("name", k.as_str())
                        .attr("value", v.as_str())
                })
                .collect()
        })
        .unwrap_or_default();
    s.iq_result(w, iq, vec![Stanza::new("privacy").children(cats)]);
}

/// `w:profile:picture`: get a picture URL or set one's own picture.
pub(crate) fn picture(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    let target = iq.get("target").and_then(Jid::parse);
    if iq.get("type") == Some("set") {
        let Some(data) = iq.first("picture").and_then(Stanza::data) else {
            return s.iq_error(w, iq, 400, "bad-request");
        };
        let phone = match &target {
            Some(t) => match w.resolve_owned(t) {
                Some(p) => p,
                None => return s.iq_error(w, iq, 404, "item-not-found"),
            },
            None => me.phone.clone(),
        };
        let id = crate::state::unix_now().to_string();
        let data = data.to_vec();
        if let Some(a) = w.account_mut(&phone) {
            a.picture = Some((id.clone(), data));
        }
        return s.iq_result(w, iq, vec![Stanza::new("picture").attr("id", id)]);
    }
    let phone = target.as_ref().and_then(|t| w.resolve_owned(t));
    let pic = phone
        .as_deref()
        .and_then(|p| w.account(p))
        .and_then(|a| a.picture.clone());
    match (pic, target) {
        (Some((id, _)), Some(t)) => {
            let path = format!("/pp/{}/{id}", t.user);
            let url = format!("{}{path}", s.shared.media_url_base());
            let ty = iq
                .first("picture")
                .and_then(|p| p.get("type"))
                .unwrap_or("preview")
                .to_owned();
            s.iq_result(
                w,
                iq,
                vec![
                    Stanza::new("picture")
                        .attr("id", id)
                        .attr("type", ty)
                        .attr("url", url)
                        .attr("direct_path", path),
                ],
            );
        }
        _ => s.iq_error(w, iq, 404, "item-not-found"),
    }
}

/// `status`: set one's about text.
pub(crate) fn status(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    let text = iq
        .first("status")
        .and_then(Stanza::text)
        .unwrap_or("")
        .to_owned();
    if let Some(a) = w.account_mut(&me.phone) {
        a.status = text;
    }
    s.iq_result(w, iq, vec![]);
}

/// `w:m` media_conn: where and with which token to upload media.
pub(crate) fn media_conn(s: &Session, w: &mut World, iq: &Stanza) {
    let host = s.shared.media_host();
    let auth = format!("testserver-{}", w.next_stanza_id());
    let node = Stanza::new("media_conn")
        .attr("auth", auth)
        .attr("ttl", MEDIA_CONN_TTL.to_string())
        .attr("auth_ttl", MEDIA_CONN_TTL.to_string())
        .attr("max_buckets", "12")
        .child(
            Stanza::new("host")
                .attr("hostname", host)
                .attr("maxContentLengthBytes", "104857600"),
        );
    s.iq_result(w, iq, vec![node]);
}

/// IQs the server accepts without keeping anything (stats, dirty bits, disappearing mode).
pub(crate) fn accept(s: &Session, w: &mut World, iq: &Stanza) {
    s.iq_result(w, iq, vec![]);
}
