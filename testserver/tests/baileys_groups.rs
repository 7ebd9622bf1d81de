//! Groups through an unmodified Baileys 7: create, metadata, subject, description, settings,
//! participants add/remove/promote/demote, invite links, leave — every change reaches the other
//! members as the `w:gp2` notification Baileys turns into its group events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::time::Duration;

use common::baileys::Baileys;
use serde_json::{Value, json};
use testserver::{Config, TestServer};

/// Generous: Baileys runs in node next to other tests on a 2-core CI machine.
const T: Duration = Duration::from_secs(45);
const A: &str = "15552220001";
const B: &str = "15552220002";
const C: &str = "15552220003";

fn pn(phone: &str) -> String {
    format!("{phone}@s.whatsapp.net")
}

fn participants_event(v: &Value, gid: &str, action: &str, who: &str) -> bool {
    v["event"] == "group-participants"
        && v["id"] == gid
        && v["action"] == action
        && v["participants"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p.as_str() == Some(who) || p["id"].as_str() == Some(who))
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_lifecycle_through_baileys() {
    let _ = env_logger::builder().is_test(true).try_init();
    let server = TestServer::start(Config::default()).await.unwrap();
    server.create_account(A).unwrap();
    let phone_b = server.create_account(B).unwrap();
    let phone_c = server.create_account(C).unwrap();
    let (b_lid, c_lid) = (phone_b.lid_jid(), phone_c.lid_jid());
    let dir = tempfile::tempdir().unwrap();
    let mut a = Baileys::spawn(&server, "A", A, &dir.path().join("a"), &[]).await;
    let mut b = Baileys::spawn(&server, "B", B, &dir.path().join("b"), &[]).await;
    a.ready().await;
    b.ready().await;

    // Create with B; both see it.
    let meta = a.call("groupCreate", json!(["Launch", [pn(B)]])).await;
    let gid = meta["id"].as_str().unwrap().to_owned();
    assert!(gid.ends_with("@g.us"));
    assert_eq!(meta["subject"], "Launch");
    assert_eq!(meta["participants"].as_array().unwrap().len(), 2);
    b.wait("create notification", T, |v| {
        v["event"] == "group" && v["id"] == gid.as_str()
    })
    .await;

    // Subject and description.
    a.call("groupUpdateSubject", json!([gid, "Launch v2"]))
        .await;
    b.wait("subject change", T, |v| {
        v["event"] == "message"
            && v["remoteJid"] == gid.as_str()
            && v["stubParams"][0] == "Launch v2"
    })
    .await;
    a.call(
        "groupUpdateDescription",
        json!([gid, "all about the launch"]),
    )
    .await;
    let m = b.call("groupMetadata", json!([gid])).await;
    assert_eq!(
        (m["subject"].as_str(), m["desc"].as_str()),
        (Some("Launch v2"), Some("all about the launch"))
    );
    assert!(m["descOwner"].as_str().is_some());

    // Participants: add C (phone only), promote B, demote B, remove C.
    let added = a
        .call("groupParticipantsUpdate", json!([gid, [pn(C)], "add"]))
        .await;
    assert_eq!(added[0]["status"], "200");
    b.wait("add", T, |v| participants_event(v, &gid, "add", &c_lid))
        .await;
    let dup = a
        .call("groupParticipantsUpdate", json!([gid, [pn(C)], "add"]))
        .await;
    assert_eq!(dup[0]["status"], "409", "already a member");
    a.call("groupParticipantsUpdate", json!([gid, [pn(B)], "promote"]))
        .await;
    b.wait("promote", T, |v| {
        participants_event(v, &gid, "promote", &b_lid)
    })
    .await;
    let m = a.call("groupMetadata", json!([gid])).await;
    let role = |m: &Value, who: &str| {
        m["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == who)
            .map(|p| p["admin"].clone())
    };
    assert_eq!(role(&m, &b_lid), Some(json!("admin")));
    a.call("groupParticipantsUpdate", json!([gid, [pn(B)], "demote"]))
        .await;
    b.wait("demote", T, |v| {
        participants_event(v, &gid, "demote", &b_lid)
    })
    .await;
    a.call("groupParticipantsUpdate", json!([gid, [pn(C)], "remove"]))
        .await;
    b.wait("remove", T, |v| {
        participants_event(v, &gid, "remove", &c_lid)
    })
    .await;

    // Settings: only admins may change info once locked; announcement mode stops members.
    a.call("groupSettingUpdate", json!([gid, "locked"])).await;
    b.wait("locked", T, |v| {
        v["event"] == "group-update" && v["id"] == gid.as_str() && v["restrict"] == true
    })
    .await;
    let err = b
        .call_err("groupUpdateSubject", json!([gid, "hijack"]))
        .await;
    assert!(
        err.contains("not-authorized") || err.contains("401"),
        "{err}"
    );
    a.call("groupSettingUpdate", json!([gid, "announcement"]))
        .await;
    b.wait("announce", T, |v| {
        v["event"] == "group-update" && v["id"] == gid.as_str() && v["announce"] == true
    })
    .await;
    let refused = b.send_text(&gid, "members cannot post now").await;
    b.wait("error status", T, |v| {
        v["event"] == "status" && v["id"] == refused.as_str() && v["status"].as_u64() == Some(0)
    })
    .await;
    a.call("groupSettingUpdate", json!([gid, "not_announcement"]))
        .await;
    b.wait("announce off", T, |v| {
        v["event"] == "group-update" && v["id"] == gid.as_str() && v["announce"] == false
    })
    .await;
    b.send_text(&gid, "members post again").await;
    a.wait_text("members post again").await;

    // Invite links: B leaves, rejoins with A's code; revoking changes the code.
    let code = a
        .call("groupInviteCode", json!([gid]))
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let info = b.call("groupGetInviteInfo", json!([code])).await;
    assert_eq!(info["id"], gid.as_str());
    b.call("groupLeave", json!([gid])).await;
    a.wait("leave", T, |v| {
        participants_event(v, &gid, "remove", &b_lid)
            || participants_event(v, &gid, "leave", &b_lid)
    })
    .await;
    let err = b.call_err("groupMetadata", json!([gid])).await;
    assert!(err.contains("forbidden") || err.contains("403"), "{err}");
    let joined = b.call("groupAcceptInvite", json!([code])).await;
    assert_eq!(joined, gid.as_str());
    a.wait("join", T, |v| participants_event(v, &gid, "add", &b_lid))
        .await;
    let new_code = a.call("groupRevokeInvite", json!([gid])).await;
    assert_ne!(new_code.as_str(), Some(code.as_str()));
    let err = b.call_err("groupAcceptInvite", json!([code])).await;
    assert!(
        err.contains("item-not-found") || err.contains("404"),
        "{err}"
    );
    let all = b.call("groupFetchAllParticipating", json!([])).await;
    assert!(all.get(&gid).is_some(), "{all}");

    // Messages still flow in the group after all that.
    a.send_text(&gid, "final word").await;
    b.wait_text("final word").await;
    // Routing is synchronous: had C still been a member, its phone would hold the message now.
    assert!(
        phone_c.received_messages().iter().all(|m| m.chat != gid),
        "C was removed"
    );
    a.kill().await;
    b.kill().await;
}
