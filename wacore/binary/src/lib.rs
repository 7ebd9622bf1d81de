//! The WhatsApp binary node format: nodes, JIDs, the token dictionary, marshal and unmarshal. No I/O, no async.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
