//! SQLite store on a real file (tempfile): session put/get and an 812-key pre-key batch.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use wacore::store::traits::SignalStore;
use whatsapp_rust_sqlite_storage::{SqliteConfig, SqliteStore, Synchronous};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let normal = rt
        .block_on(SqliteStore::new(
            dir.path().join("bench.db").to_str().unwrap(),
        ))
        .unwrap();
    let full = rt
        .block_on(SqliteStore::open(
            dir.path().join("bench-full.db").to_str().unwrap(),
            1,
            SqliteConfig::default().with_synchronous(Synchronous::Full),
        ))
        .unwrap();
    // A realistic session record is 1-2 kB.
    let session = vec![0x5au8; 1500];
    rt.block_on(async {
        for i in 0..1000 {
            normal
                .put_session(&format!("peer{i}@c.us.0"), &session)
                .await
                .unwrap();
        }
    });

    let mut i = 0u64;
    c.bench_function("put_session 1.5kB (synchronous=NORMAL)", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let addr = format!("peer{}@c.us.0", i % 1000);
            let (store, session) = (&normal, &session);
            async move { store.put_session(&addr, session).await.unwrap() }
        })
    });
    c.bench_function("put_session 1.5kB (synchronous=FULL)", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let addr = format!("peer{}@c.us.0", i % 1000);
            let (store, session) = (&full, &session);
            async move { store.put_session(&addr, session).await.unwrap() }
        })
    });
    c.bench_function("get_session 1.5kB", |b| {
        b.to_async(&rt).iter(|| {
            i += 1;
            let addr = format!("peer{}@c.us.0", i % 1000);
            let store = &normal;
            async move { black_box(store.get_session(&addr).await.unwrap()) }
        })
    });

    let mut group = c.benchmark_group("prekeys");
    group.sample_size(30);
    let mut next_id = 1u32;
    group.bench_function("store_prekeys_batch 812 keys", |b| {
        b.to_async(&rt).iter_batched(
            || {
                let keys: Vec<(u32, Vec<u8>)> = (next_id..next_id + 812)
                    .map(|id| (id, vec![7u8; 70]))
                    .collect();
                next_id += 812;
                keys
            },
            |keys| {
                let store = &normal;
                async move { store.store_prekeys_batch(&keys, false).await.unwrap() }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
