//! The WhatsApp binary node format: nodes, JIDs, the token dictionary, marshal and unmarshal.
//! No I/O, no async.
//!
//! ```
//! use wacore_binary::builder::NodeBuilder;
//! use wacore_binary::jid::Jid;
//! use wacore_binary::marshal::{marshal, unmarshal_ref, unpack};
//!
//! let node = NodeBuilder::new("message")
//!     .jid_attr("to", Jid::pn("15551234567"))
//!     .attr("type", "text")
//!     .attr("id", "3EB0ABCDEF012345")
//!     .children([NodeBuilder::new("enc").attr("v", "2").attr("type", "msg").bytes(vec![1, 2, 3]).build()])
//!     .build();
//! let frame = marshal(&node)?;            // flag byte + node bytes
//! let bytes = unpack(&frame)?;            // node bytes
//! let decoded = unmarshal_ref(&bytes)?;   // borrows from `bytes`
//! assert_eq!(decoded, node);
//! # Ok::<(), wacore_binary::BinaryError>(())
//! ```
//!
//! Modules follow the paths of the documented API (`wacore_binary::jid::Jid`,
//! `wacore_binary::marshal::unmarshal_ref`, ...); the main types are re-exported here too.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attrs;
pub mod builder;
mod decoder;
mod encoder;
pub mod error;
pub mod jid;
pub mod marshal;
pub mod node;
pub mod token;

/// Frame helpers under the name other code may know them by.
pub mod util {
    pub use crate::marshal::{FLAG_COMPRESSED, FLAG_PLAIN, pack, unpack, unpack_with_limit};
}

pub use attrs::{AttrParser, AttrParserRef};
pub use builder::NodeBuilder;
pub use error::{BinaryError, JidError, Result};
pub use jid::{
    BOT_SERVER, BROADCAST_SERVER, DEFAULT_USER_SERVER, DeviceKey, GROUP_SERVER, HIDDEN_USER_SERVER,
    HOSTED_LID_SERVER, HOSTED_SERVER, INTEROP_SERVER, Jid, JidExt, JidRef, LEGACY_USER_SERVER,
    MESSENGER_SERVER, NEWSLETTER_SERVER, SERVER_JID, STATUS_BROADCAST_USER,
};
pub use marshal::{
    marshal, marshal_auto, marshal_exact, marshal_ref, marshal_ref_to_vec, marshal_to_vec, pack,
    unmarshal, unmarshal_ref, unpack,
};
pub use node::{Attrs, AttrsRef, Node, NodeContent, NodeContentRef, NodeRef, NodeValue, ValueRef};
