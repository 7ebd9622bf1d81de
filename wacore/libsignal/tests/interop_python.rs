//! Interop with python-axolotl 0.2.3 (a separate process,
//! `interop/signal/axolotl_peer.py`), in both directions.
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
fn python_we_initiate_with_one_time_pre_key() {
    we_initiate(&mut Oracle::spawn(OracleKind::Python), true);
}

#[test]
fn python_we_initiate_without_one_time_pre_key() {
    we_initiate(&mut Oracle::spawn(OracleKind::Python), false);
}

#[test]
fn python_they_initiate_with_one_time_pre_key() {
    they_initiate(&mut Oracle::spawn(OracleKind::Python), true);
}

#[test]
fn python_they_initiate_without_one_time_pre_key() {
    they_initiate(&mut Oracle::spawn(OracleKind::Python), false);
}

#[test]
fn python_thousand_messages_out_of_order_we_start() {
    let mut rng = seeded_rng("python_thousand_messages_out_of_order_we_start");
    many_messages(&mut Oracle::spawn(OracleKind::Python), 1000, true, &mut rng);
}

#[test]
fn python_thousand_messages_out_of_order_they_start() {
    let mut rng = seeded_rng("python_thousand_messages_out_of_order_they_start");
    many_messages(
        &mut Oracle::spawn(OracleKind::Python),
        1000,
        false,
        &mut rng,
    );
}

#[test]
fn python_group_sender_keys_both_ways() {
    let mut rng = seeded_rng("python_group_sender_keys_both_ways");
    group_exchange(&mut Oracle::spawn(OracleKind::Python), &mut rng);
}
