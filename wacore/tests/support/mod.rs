//! Helpers shared by wacore's integration tests.
#![allow(dead_code)]

pub mod node_peer;
