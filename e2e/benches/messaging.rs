//! Placeholder: the benchmark is being written.
#![allow(missing_docs)]

fn main() {}
