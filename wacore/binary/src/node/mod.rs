//! Protocol nodes: the owned [`Node`] (built with [`NodeBuilder`](crate::builder::NodeBuilder),
//! marshalled) and the borrowed [`NodeRef`] (what [`unmarshal_ref`](crate::marshal::unmarshal_ref)
//! returns, pointing into the frame).
//!
//! Equality of nodes is **wire equality**: a string attribute equals a JID attribute whose string
//! form it is, and string content equals byte content with the same bytes, because the binary
//! format does not tell them apart (a raw string travels as bytes; a JID-shaped string travels as
//! a JID). So `unmarshal(marshal(n)) == n` for every encodable node.

mod borrowed;
mod display;
mod owned;

pub use borrowed::{AttrsRef, NodeContentRef, NodeRef, ValueRef};
pub use owned::{Attrs, Node, NodeContent, NodeValue};
