//! Transport cipher throughput: frame+encrypt and decrypt of 200-byte and 64 KiB payloads,
//! reusing buffers as the client does.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wacore_noise::{FRAME_LENGTH_SIZE, NoiseCipher, NoiseReader, NoiseWriter};

const SIZES: [usize; 2] = [200, 64 * 1024];

fn bench_transport(c: &mut Criterion) {
    let key = [0x42u8; 32];
    let mut group = c.benchmark_group("noise_transport");
    for size in SIZES {
        let plaintext = vec![0xabu8; size];
        group.throughput(Throughput::Bytes(size as u64));

        // encrypt_frame: copy the plaintext into a reused output buffer, encrypt, frame.
        let mut writer = NoiseWriter::new(NoiseCipher::new(&key));
        let mut out = Vec::with_capacity(size + 64);
        group.bench_with_input(
            BenchmarkId::new("frame_encrypt", size),
            &plaintext,
            |b, pt| {
                b.iter(|| {
                    out.clear();
                    writer.encrypt_frame(black_box(pt), &mut out).unwrap();
                    black_box(&out);
                });
            },
        );

        // seal_frame_in_place: the payload is already after 3 reserved bytes (marshalled in place).
        let mut writer = NoiseWriter::new(NoiseCipher::new(&key));
        let mut buf = Vec::with_capacity(size + 64);
        group.bench_with_input(
            BenchmarkId::new("seal_in_place", size),
            &plaintext,
            |b, pt| {
                b.iter(|| {
                    buf.clear();
                    buf.resize(FRAME_LENGTH_SIZE, 0);
                    buf.extend_from_slice(black_box(pt));
                    writer.seal_frame_in_place(&mut buf).unwrap();
                    black_box(&buf);
                });
            },
        );

        // decrypt_frame in place: counters must line up, so each timed batch decrypts fresh
        // copies (made outside the timing) of frames encrypted with consecutive counters.
        let batch = if size > 4096 { 128 } else { 4096 };
        let cipher = NoiseCipher::new(&key);
        let frames: Vec<Vec<u8>> = (0..batch as u32)
            .map(|n| cipher.encrypt_with_counter(n, &plaintext).unwrap())
            .collect();
        group.bench_with_input(BenchmarkId::new("decrypt", size), &frames, |b, frames| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(batch as u64) as usize;
                    let mut copies: Vec<Vec<u8>> = frames[..n].to_vec();
                    let mut reader = NoiseReader::new(NoiseCipher::new(&key));
                    let start = std::time::Instant::now();
                    for frame in &mut copies {
                        black_box(
                            reader
                                .decrypt_frame(black_box(frame.as_mut_slice()))
                                .unwrap(),
                        );
                    }
                    total += start.elapsed();
                    left -= n as u64;
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_transport);
criterion_main!(benches);
