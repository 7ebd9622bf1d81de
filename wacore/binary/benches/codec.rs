//! Codec benchmarks on the two stanzas of PERFORMANCE.md: a ~230-byte DM `<message>` with one
//! `<enc>`, and a ~1,625-byte group fan-out (10 `<to>` participants with enc payloads).
//!
//! Run: `cargo bench -p wacore-binary --bench codec`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::marshal::{marshal, marshal_to_vec, unmarshal_ref};
use wacore_binary::node::Node;

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// `<message to=user id type t><enc v=2 type=msg>…</enc></message>`.
fn dm_stanza() -> Node {
    NodeBuilder::new("message")
        .jid_attr("to", Jid::pn("5511999887766"))
        .attr("id", "3EB0C431D2A9E7F0B5A2")
        .attr("type", "text")
        .attr("t", "1718035200")
        .children([NodeBuilder::new("enc")
            .attr("v", "2")
            .attr("type", "msg")
            .bytes(payload(184, 7))
            .build()])
        .build()
}

/// `<message to=group …><participants>10 × <to jid=user:dev><enc …/></to></participants></message>`.
fn group_stanza() -> Node {
    let participants = (0..10u16).map(|i| {
        NodeBuilder::new("to")
            .jid_attr(
                "jid",
                Jid::pn_device(format!("55119998877{i:02}"), 1 + i % 3),
            )
            .children([NodeBuilder::new("enc")
                .attr("v", "2")
                .attr("type", "msg")
                .bytes(payload(130, i as u8))
                .build()])
            .build()
    });
    NodeBuilder::new("message")
        .jid_attr("to", Jid::group("120363025246125486"))
        .attr("id", "3EB0C431D2A9E7F0B5A2")
        .attr("type", "text")
        .attr("t", "1718035200")
        .children([NodeBuilder::new("participants")
            .children(participants)
            .build()])
        .build()
}

fn bench_stanza(c: &mut Criterion, name: &str, node: &Node) {
    let frame = marshal(node).unwrap();
    let bytes = &frame[1..];
    eprintln!("{name}: {} bytes marshalled", frame.len());
    let mut group = c.benchmark_group(name);
    group.bench_function("marshal", |b| b.iter(|| marshal(black_box(node)).unwrap()));
    let mut buf = Vec::with_capacity(4096);
    group.bench_function("marshal_to_vec", |b| {
        b.iter(|| {
            buf.clear();
            marshal_to_vec(black_box(node), &mut buf).unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function("unmarshal_ref", |b| {
        b.iter(|| unmarshal_ref(black_box(bytes)).unwrap())
    });
    group.bench_function("unmarshal_to_owned", |b| {
        b.iter(|| unmarshal_ref(black_box(bytes)).unwrap().to_owned())
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    bench_stanza(c, "dm_230B", &dm_stanza());
    bench_stanza(c, "group_1625B", &group_stanza());
}

criterion_group!(benches, codec);
criterion_main!(benches);
