//! App-state throughput: decoding (verify + decrypt + type) and encoding a patch of 1,000
//! mutations, and decoding a 1,000-record snapshot.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wacore_appstate::{
    HashState, MessageRef, MutationInput, Operation, SyncAction, WA_PATCH_INTEGRITY, encode_patch,
    encode_snapshot, expand_app_state_keys, index_mac, process_patch, process_snapshot, value_mac,
};

const N: usize = 1000;

fn inputs() -> Vec<MutationInput> {
    (0..N)
        .map(|i| {
            let jid = format!("1555{i:07}@s.whatsapp.net");
            let action = match i % 4 {
                0 => SyncAction::pin(jid, true),
                1 => SyncAction::archive(jid, true, Some(1_700_000_000)),
                2 => SyncAction::mark_chat_as_read(jid, true, None),
                _ => SyncAction::star(
                    MessageRef {
                        chat_jid: jid,
                        message_id: format!("3EB0{i:016X}"),
                        from_me: false,
                        participant: None,
                    },
                    true,
                ),
            };
            action.to_mutation(1_700_000_000_000).unwrap()
        })
        .collect()
}

fn appstate(c: &mut Criterion) {
    let keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::from([(b"kid".to_vec(), vec![7u8; 32])]);
    let inputs = inputs();
    let state = HashState::default();
    let patch = encode_patch("regular", &state, b"kid", &keys, &inputs)
        .unwrap()
        .patch;
    let (snapshot, _) = encode_snapshot("regular", 1, b"kid", &keys, &inputs).unwrap();

    let mut g = c.benchmark_group("appstate_1000_mutations");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("decode_patch", |b| {
        b.iter(|| process_patch("regular", &state, &patch, &keys).unwrap())
    });
    g.bench_function("decode_snapshot", |b| {
        b.iter(|| process_snapshot("regular", &snapshot, &keys).unwrap())
    });
    g.bench_function("encode_patch", |b| {
        b.iter(|| encode_patch("regular", &state, b"kid", &keys, &inputs).unwrap())
    });
    g.finish();

    // The per-mutation primitives, to see where decode time goes.
    let keys = expand_app_state_keys(&[7u8; 32]);
    let blob = vec![0x5Au8; 96];
    let mut g = c.benchmark_group("appstate_primitives");
    g.bench_function("value_mac_96B", |b| {
        b.iter(|| value_mac(&keys, Operation::Set, b"kid", &blob))
    });
    g.bench_function("index_mac", |b| b.iter(|| index_mac(&keys, &blob[..40])));
    g.bench_function("lthash_add_one", |b| {
        let mut h = [0u8; 128];
        b.iter(|| WA_PATCH_INTEGRITY.add(&mut h, [&blob[..32]]))
    });
    g.bench_function("expand_keys", |b| {
        b.iter(|| expand_app_state_keys(&[7u8; 32]))
    });
    g.finish();
}

criterion_group!(benches, appstate);
criterion_main!(benches);
