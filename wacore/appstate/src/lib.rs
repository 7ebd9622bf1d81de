//! App-state sync crypto: mutation keys, LTHash, index/value/snapshot/patch MACs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
