//! Interop with baileys 6.17.16 / npm libsignal 6.0.0 (a separate process,
//! `interop/signal/node_peer.cjs`), in both directions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::interop::*;
use support::oracle::{Oracle, OracleKind};

#[test]
fn node_we_initiate_with_one_time_pre_key() {
    we_initiate(&mut Oracle::spawn(OracleKind::Node), true);
}

#[test]
fn node_we_initiate_without_one_time_pre_key() {
    we_initiate(&mut Oracle::spawn(OracleKind::Node), false);
}

#[test]
fn node_they_initiate_with_one_time_pre_key() {
    they_initiate(&mut Oracle::spawn(OracleKind::Node), true);
}

#[test]
fn node_they_initiate_without_one_time_pre_key() {
    they_initiate(&mut Oracle::spawn(OracleKind::Node), false);
}

#[test]
fn node_thousand_messages_out_of_order_we_start() {
    let mut rng = seeded_rng("node_thousand_messages_out_of_order_we_start");
    many_messages(&mut Oracle::spawn(OracleKind::Node), 1000, true, &mut rng);
}

#[test]
fn node_thousand_messages_out_of_order_they_start() {
    let mut rng = seeded_rng("node_thousand_messages_out_of_order_they_start");
    many_messages(&mut Oracle::spawn(OracleKind::Node), 1000, false, &mut rng);
}

#[test]
fn node_group_sender_keys_both_ways() {
    let mut rng = seeded_rng("node_group_sender_keys_both_ways");
    group_exchange(&mut Oracle::spawn(OracleKind::Node), &mut rng);
}
