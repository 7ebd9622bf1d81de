//! The admin API: JSON over HTTP for clients that are not Rust (the same operations as the
//! Rust API). Every route answers JSON; errors are `{"error": "..."}` with a 4xx status.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::{HttpResponse, json as reply};
use crate::error::Error;
use crate::faults::Faults;
use crate::phone::{PhoneHandle, ReceivedMessage};
use crate::state::Shared;

/// Handles `/admin/<rest>`.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    method: &Method,
    rest: &str,
    body: &Bytes,
) -> HttpResponse {
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("body is not JSON: {e}")),
        }
    };
    let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let result = route(shared, method, &parts, &body).await;
    match result {
        Ok(v) => reply(StatusCode::OK, &v),
        Err(e) => fail(status_of(&e), &e.to_string()),
    }
}

fn fail(status: StatusCode, msg: &str) -> HttpResponse {
    reply(status, &json!({ "error": msg }))
}

fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::UnknownAccount(_)
        | Error::UnknownQrRef(_)
        | Error::UnknownGroup(_)
        | Error::UnknownPairCode => StatusCode::NOT_FOUND,
        Error::AccountExists(_) => StatusCode::CONFLICT,
        Error::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn s<'a>(body: &'a Value, key: &str) -> Result<&'a str, Error> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidJid(format!("missing string field {key:?}")))
}

fn message_json(m: &ReceivedMessage) -> Value {
    json!({ "id": m.id, "chat": m.chat, "sender": m.sender, "text": m.text, "timestamp": m.timestamp })
}

async fn route(
    shared: &Arc<Shared>,
    method: &Method,
    parts: &[&str],
    body: &Value,
) -> Result<Value, Error> {
    let faults = Faults {
        shared: shared.clone(),
    };
    match (method, parts) {
        (&Method::GET, ["info"]) => {
            let tls = shared.tls.as_ref();
            Ok(json!({
                "ws_url": format!("ws://{}/ws/chat", shared.addr),
                "http_url": format!("http://{}", shared.addr),
                "root_public_key": crate::server::hex(&shared.keys.root_public),
                "wss_url": tls.map(|_| format!("wss://{}/ws/chat", shared.addr)),
                "https_url": tls.map(|_| format!("https://{}", shared.addr)),
                "tls_ca_pem": tls.map(crate::tls::TlsIdentity::ca_pem),
            }))
        }
        (&Method::GET, ["accounts"]) => {
            let w = shared.world();
            let list: Vec<Value> = w
                .accounts
                .values()
                .map(|a| json!({ "phone": a.phone, "pn_jid": a.pn_jid().to_string(), "lid_jid": a.lid_jid().to_string(),
                    "devices": a.devices.keys().copied().collect::<Vec<u16>>() }))
                .collect();
            Ok(Value::Array(list))
        }
        (&Method::POST, ["accounts"]) => {
            let p = PhoneHandle::create(shared.clone(), s(body, "phone")?)?;
            Ok(json!({ "phone": p.phone(), "pn_jid": p.pn_jid(), "lid_jid": p.lid_jid() }))
        }
        // Baileys' e2e harness shape: {"phone": "...", "qr": "..."}.
        (&Method::POST, ["mock-phone", "scan-qr"]) => {
            let p = PhoneHandle::existing(shared.clone(), s(body, "phone")?)?;
            let d = p.scan_qr(s(body, "qr")?).await?;
            Ok(json!({ "jid": d.jid, "lid": d.lid, "device": d.device }))
        }
        (&Method::POST, ["phones", phone, action]) => {
            let p = PhoneHandle::existing(shared.clone(), phone)?;
            phone_action(&p, action, body).await
        }
        (&Method::GET, ["phones", phone, "messages"]) => {
            let p = PhoneHandle::existing(shared.clone(), phone)?;
            Ok(Value::Array(
                p.received_messages().iter().map(message_json).collect(),
            ))
        }
        (&Method::GET, ["phones", phone, "companions"]) => {
            let p = PhoneHandle::existing(shared.clone(), phone)?;
            Ok(Value::Array(
                p.companions()
                    .iter()
                    .map(|d| json!({ "jid": d.jid, "lid": d.lid, "device": d.device }))
                    .collect(),
            ))
        }
        (&Method::POST, ["groups"]) => {
            let creator = s(body, "creator")?;
            let subject = s(body, "subject")?;
            let members: Vec<String> = body
                .get("members")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let mut w = shared.world();
            if w.account(creator).is_none() {
                return Err(Error::UnknownAccount(creator.to_owned()));
            }
            let node = crate::groups::create_group(&mut w, creator, subject, &members)
                .map_err(|(_, t)| Error::InvalidJid(format!("group create: {t}")))?;
            Ok(json!({ "jid": format!("{}@g.us", node.get_or_empty("id")) }))
        }
        (&Method::POST, ["faults", kind]) => fault(&faults, kind, body),
        (&Method::POST, ["restart"]) => {
            crate::server::restart_detached(shared.clone());
            Ok(json!({ "restarting": true }))
        }
        _ => Err(Error::InvalidJid(format!(
            "no admin route {method} /admin/{}",
            parts.join("/")
        ))),
    }
}

async fn phone_action(p: &PhoneHandle, action: &str, body: &Value) -> Result<Value, Error> {
    match action {
        "scan-qr" => {
            let d = p.scan_qr(s(body, "qr")?).await?;
            Ok(json!({ "jid": d.jid, "lid": d.lid, "device": d.device }))
        }
        "pair-code" => {
            let d = p.enter_pair_code(s(body, "code")?).await?;
            Ok(json!({ "jid": d.jid, "lid": d.lid, "device": d.device }))
        }
        "send-text" => {
            let id = p.send_text(s(body, "to")?, s(body, "text")?).await?;
            Ok(json!({ "id": id }))
        }
        "mark-read" => {
            let ids: Vec<String> = body
                .get("ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let sender = body.get("sender").and_then(Value::as_str);
            p.mark_read(s(body, "chat")?, &ids, sender).await?;
            Ok(json!({ "ok": true }))
        }
        "wait-message" => {
            let ms = body
                .get("timeout_ms")
                .and_then(Value::as_u64)
                .unwrap_or(10_000);
            let text = body.get("text").and_then(Value::as_str).map(str::to_owned);
            let m = p
                .wait_for_message(Duration::from_millis(ms), |m| {
                    text.as_ref().is_none_or(|t| m.text.as_ref() == Some(t))
                })
                .await?;
            Ok(message_json(&m))
        }
        _ => Err(Error::InvalidJid(format!("no phone action {action:?}"))),
    }
}

fn fault(f: &Faults, kind: &str, body: &Value) -> Result<Value, Error> {
    let device = body.get("device").and_then(Value::as_str);
    let need_device =
        || device.ok_or_else(|| Error::InvalidJid("missing string field \"device\"".into()));
    match kind {
        "drop-connection" => f.drop_connection(need_device()?)?,
        "stream-error" => {
            let code = body
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(503);
            f.send_stream_error(need_device()?, code)?
        }
        "delay" => {
            let ms = body.get("ms").and_then(Value::as_u64).unwrap_or(0);
            f.delay_frames(device, Duration::from_millis(ms))?
        }
        "drop-frames" => {
            let n = body
                .get("count")
                .and_then(Value::as_u64)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(1);
            f.drop_frames(need_device()?, n)?
        }
        "refuse-logins" => {
            let reason = body
                .get("reason")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok());
            f.refuse_logins(body.get("phone").and_then(Value::as_str), reason)
        }
        "withhold-offline-end" => {
            let phone = body
                .get("phone")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::InvalidJid("missing string field \"phone\"".into()))?;
            let on = body.get("on").and_then(Value::as_bool).unwrap_or(true);
            f.withhold_offline_end(phone, on)
        }
        "offline-end" => {
            let count = body
                .get("count")
                .and_then(Value::as_u64)
                .and_then(|c| usize::try_from(c).ok())
                .unwrap_or(0);
            f.send_offline_end(need_device()?, count)?
        }
        "fail-app-state" => {
            let phone = body
                .get("phone")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::InvalidJid("missing string field \"phone\"".into()))?;
            let n = body
                .get("count")
                .and_then(Value::as_u64)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(1);
            f.fail_app_state_syncs(phone, n)
        }
        "clear" => f.clear(),
        _ => return Err(Error::InvalidJid(format!("no fault {kind:?}"))),
    }
    Ok(json!({ "ok": true }))
}
