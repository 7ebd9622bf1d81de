//! Media crypto throughput on 16 MiB: in-memory and streaming encryption and decryption.
//! Criterion reports MB/s (Throughput::Bytes).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wacore::media::{
    ExpectedMedia, MediaType, decrypt_media, decrypt_stream, encrypt_media_with_key,
    encrypt_stream_with_key,
};

const SIZE: usize = 16 * 1024 * 1024;

fn media(c: &mut Criterion) {
    let plain: Vec<u8> = (0..SIZE)
        .map(|i| (i as u32).wrapping_mul(2654435761) as u8)
        .collect();
    let key = [3u8; 32];
    let enc = encrypt_media_with_key(&plain, key, MediaType::Video);
    let expected = ExpectedMedia {
        file_sha256: enc.info.file_sha256,
        file_enc_sha256: enc.info.file_enc_sha256,
        file_length: Some(enc.info.file_length),
    };
    let mut out = Vec::with_capacity(enc.data.len());

    let mut g = c.benchmark_group("media_16MiB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(20);
    g.bench_function("encrypt_in_memory", |b| {
        b.iter(|| encrypt_media_with_key(&plain, key, MediaType::Video))
    });
    g.bench_function("encrypt_stream", |b| {
        b.iter(|| {
            out.clear();
            encrypt_stream_with_key(&plain[..], &mut out, key, MediaType::Video).unwrap()
        })
    });
    g.bench_function("decrypt_in_memory", |b| {
        b.iter(|| decrypt_media(&enc.data, &key, MediaType::Video, &expected).unwrap())
    });
    g.bench_function("decrypt_stream_two_pass", |b| {
        b.iter(|| {
            out.clear();
            decrypt_stream(
                Cursor::new(&enc.data),
                &mut out,
                &key,
                MediaType::Video,
                &expected,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, media);
criterion_main!(benches);
