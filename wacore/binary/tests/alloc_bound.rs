//! `unmarshal_ref` on hostile bytes allocates at most a constant times the input length: every
//! list size and length is checked against the bytes left before anything is reserved for it.
//! Measured with a counting global allocator, on worst cases built for each allocation site
//! and on random and mutated frames.
//!
//! The allocator is the only `unsafe` in the crate's tests: it forwards to `System` unchanged.
#![allow(
    unsafe_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use support::random;
use wacore_binary::marshal::{marshal, unmarshal_ref};
use wacore_binary::token::{self, BINARY_8, JID_PAIR, LIST_8, LIST_16, NIBBLE_8};

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments; the only addition is
// a thread-local counter that does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated (in total, not net) by decoding `input`.
fn allocated_by_decoding(input: &[u8]) -> usize {
    let before = ALLOCATED.with(Cell::get);
    let result = unmarshal_ref(input);
    let after = ALLOCATED.with(Cell::get);
    drop(result);
    after - before
}

/// Allowed: 64 bytes per input byte plus a small constant.
const PER_BYTE: usize = 64;
const SLACK: usize = 512;

fn check(name: &str, input: &[u8]) -> usize {
    let used = allocated_by_decoding(input);
    assert!(
        used <= PER_BYTE * input.len() + SLACK,
        "{name}: decoding {} bytes allocated {used} bytes",
        input.len()
    );
    if !name.contains(" frame ") && !name.starts_with("noise") {
        eprintln!(
            "{name}: {} bytes in, {used} allocated ({:.1}x)",
            input.len(),
            used as f64 / input.len() as f64
        );
    }
    used
}

/// The longest token (48 bytes) and its wire bytes.
fn longest_token() -> Vec<u8> {
    let (bytes, _) = (0u8..4)
        .flat_map(|d| (0u8..=255).map(move |i| (d, i)))
        .map(|(d, i)| {
            (
                vec![token::DICTIONARY_0 + d, i],
                token::get_double_token(d, i).unwrap().len(),
            )
        })
        .chain((1u8..=235).map(|i| (vec![i], token::get_single_token(i).unwrap().len())))
        .max_by_key(|(_, len)| *len)
        .unwrap();
    bytes
}

#[test]
fn decoding_allocates_in_proportion_to_the_input() {
    // Declared sizes far beyond the input must not be reserved.
    check(
        "list of 65535 nodes, no bytes",
        &[LIST_8, 2, 19, LIST_16, 0xFF, 0xFF],
    );
    check("65535 attributes", &[LIST_16, 0xFF, 0xFF, 19, 8]);
    check(
        "4 GiB string",
        &[LIST_8, 1, token::BINARY_32, 0xFF, 0xFF, 0xFF, 0xFF],
    );

    // Worst cases per allocation site, at full size.
    let long = longest_token();
    let node_with_attrs = |n: usize, attr: &[u8]| {
        let size = u16::try_from(1 + 2 * n).unwrap().to_be_bytes();
        let mut v = vec![LIST_16, size[0], size[1], 19];
        for _ in 0..n {
            v.extend(attr);
        }
        v
    };
    // key: a JID of two 48-byte tokens (formatted into a 97-byte string); value: 1 byte.
    let jid_key: Vec<u8> = [&[JID_PAIR][..], &long, &long, &[8]].concat();
    let used = check("JID keys", &node_with_attrs(20_000, &jid_key));
    assert!(
        used > 20_000 * 97,
        "the worst case must really decode ({used})"
    );
    // key: token; value: 127 packed bytes -> 254 characters.
    let packed: Vec<u8> = [&[8, NIBBLE_8, 0x7F][..], &[0x12; 127]].concat();
    check("packed values", &node_with_attrs(400, &packed));
    // key and value: one byte each.
    check("one-byte attributes", &node_with_attrs(30_000, &[8, 8]));

    let mut children = vec![LIST_8, 2, 19, LIST_16, 0x4E, 0x20];
    for _ in 0..0x4E20 {
        children.extend([LIST_8, 1, 19]);
    }
    check("tiny children", &children);

    let mut nested = Vec::new();
    for _ in 0..60 {
        nested.extend([LIST_8, 4, 19, 8, BINARY_8, 1, b'x', LIST_8, 1]);
    }
    nested.extend([LIST_8, 1, 19]);
    check("nested", &nested);

    // Random and mutated frames.
    let mut rng = random::Rng::new(7);
    for i in 0..300 {
        let frame = marshal(&random::node(&mut rng, 0)).unwrap();
        let mut bytes = frame[1..].to_vec();
        check(&format!("valid frame {i}"), &bytes);
        for _ in 0..4 {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        check(&format!("mutated frame {i}"), &bytes);
        let noise: Vec<u8> = (0..rng.below(2048)).map(|_| rng.next() as u8).collect();
        check(&format!("noise {i}"), &noise);
    }

    // The counter sees the decoder's allocations (the test is not vacuous).
    assert!(
        check(
            "a real frame",
            &marshal(&support::corpus::stanzas()[1].1).unwrap()[1..]
        ) > 0
    );
}
