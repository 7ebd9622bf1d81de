//! A 256 MiB file encrypts and decrypts through the streaming API with peak heap use
//! under 32 MiB, measured by a counting global allocator (this binary holds only this
//! test, so no other test's allocations interfere). The plaintext is generated on the
//! fly; the ciphertext goes to a real temporary file, which decryption reads twice.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// The counting allocator below is the only unsafe code: it forwards to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};
use wacore::media::{ExpectedMedia, MediaType, decrypt_stream, encrypt_stream};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments, upholding the
// `GlobalAlloc` contract exactly as `System` does; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            note_alloc(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Starts a measurement window: the peak restarts from what is live now.
fn reset_peak() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

const SIZE: u64 = 256 * 1024 * 1024;
const LIMIT: usize = 32 * 1024 * 1024;

/// Deterministic pseudo-random plaintext, produced on demand (xorshift64).
struct Generated {
    left: u64,
    state: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Whole 8-byte words only (except at the very end), one xorshift step per word.
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = if n >= 8 { n - n % 8 } else { n };
        for word in buf[..n].chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            word.copy_from_slice(&self.state.to_le_bytes()[..word.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A sink that only hashes and counts what it is given.
#[derive(Default)]
struct HashingSink {
    hash: Sha256,
    len: u64,
}

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hash.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_256_mib_file_streams_both_ways_under_32_mib_of_heap() {
    let mut file = tempfile::tempfile().unwrap();

    let base = reset_peak();
    let source = Generated {
        left: SIZE,
        state: 0x9E37_79B9_7F4A_7C15,
    };
    let info = encrypt_stream(source, io::BufWriter::new(&mut file), MediaType::Video).unwrap();
    let enc_peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(info.file_length, SIZE);
    let upload_len = file.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(
        upload_len,
        SIZE + 16 + 10,
        "PKCS#7 adds a whole block, then the MAC"
    );

    let expected = ExpectedMedia {
        file_sha256: info.file_sha256,
        file_enc_sha256: info.file_enc_sha256,
        file_length: Some(info.file_length),
    };
    let base = reset_peak();
    let mut sink = HashingSink::default();
    let written = decrypt_stream(
        io::BufReader::new(&mut file),
        &mut sink,
        &info.media_key,
        MediaType::Video,
        &expected,
    )
    .unwrap();
    let dec_peak = PEAK.load(Ordering::Relaxed) - base;

    assert_eq!(written, SIZE);
    assert_eq!(sink.len, SIZE);
    assert_eq!(<[u8; 32]>::from(sink.hash.finalize()), info.file_sha256);
    eprintln!("peak heap: encrypt {enc_peak} B, decrypt {dec_peak} B");
    assert!(enc_peak < LIMIT, "encryption peaked at {enc_peak} bytes");
    assert!(dec_peak < LIMIT, "decryption peaked at {dec_peak} bytes");
    // The counter is live: allocating 40 MiB must register, or the limits above prove nothing.
    let base = reset_peak();
    let big = vec![1u8; 40 << 20];
    assert!(PEAK.load(Ordering::Relaxed) - base >= big.len());
}
