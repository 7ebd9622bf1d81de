//! XML-like rendering of nodes for logs: `<tag key="value">content</tag>`.
//!
//! `{}` renders on one line; `{:#}` indents children two spaces per level. Byte content that is
//! printable UTF-8 is shown as text; other bytes as hex, shortened past [`HEX_PREVIEW`] bytes to
//! `<!-- N bytes: 0a1b… -->`. Long text is cut at [`TEXT_PREVIEW`] characters.

use std::fmt::{self, Write as _};

use crate::node::borrowed::{NodeContentRef, NodeRef};
use crate::node::owned::{Node, NodeContent};

/// Bytes shown in hex before shortening.
const HEX_PREVIEW: usize = 32;
/// Characters of text shown before shortening.
const TEXT_PREVIEW: usize = 512;

/// Content as the renderer sees it.
enum View<'n, N> {
    None,
    Bytes(&'n [u8]),
    Text(&'n str),
    Nodes(&'n [N]),
}

/// What the renderer needs of a node.
trait XmlNode: Sized {
    fn tag(&self) -> &str;
    fn write_attrs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn view(&self) -> View<'_, Self>;
}

impl XmlNode for Node {
    fn tag(&self) -> &str {
        &self.tag
    }
    fn write_attrs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in self.attrs.iter() {
            f.write_char(' ')?;
            escape(f, k)?;
            f.write_str("=\"")?;
            escape(f, &v.as_str())?;
            f.write_char('"')?;
        }
        Ok(())
    }
    fn view(&self) -> View<'_, Self> {
        match &self.content {
            None => View::None,
            Some(NodeContent::Bytes(b)) => View::Bytes(b),
            Some(NodeContent::String(s)) => View::Text(s),
            Some(NodeContent::Nodes(n)) => View::Nodes(n),
        }
    }
}

impl XmlNode for NodeRef<'_> {
    fn tag(&self) -> &str {
        &self.tag
    }
    fn write_attrs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in self.attrs.iter() {
            f.write_char(' ')?;
            escape(f, k)?;
            f.write_str("=\"")?;
            escape(f, &v.as_str())?;
            f.write_char('"')?;
        }
        Ok(())
    }
    fn view(&self) -> View<'_, Self> {
        match &self.content {
            None => View::None,
            Some(NodeContentRef::Bytes(b)) => View::Bytes(b),
            Some(NodeContentRef::String(s)) => View::Text(s),
            Some(NodeContentRef::Nodes(n)) => View::Nodes(n),
        }
    }
}

fn escape(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '&' => f.write_str("&amp;")?,
            '<' => f.write_str("&lt;")?,
            '>' => f.write_str("&gt;")?,
            '"' => f.write_str("&quot;")?,
            c if c.is_control() && c != '\n' && c != '\t' => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}

fn write_text(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    match s.char_indices().nth(TEXT_PREVIEW) {
        Some((cut, _)) => {
            escape(f, s.get(..cut).unwrap_or_default())?;
            write!(f, "… ({} bytes)", s.len())
        }
        None => escape(f, s),
    }
}

fn write_bytes(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    if let Ok(s) = std::str::from_utf8(b)
        && !s.is_empty()
        && s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t')
    {
        return write_text(f, s);
    }
    write!(f, "<!-- {} bytes: ", b.len())?;
    for byte in b.iter().take(HEX_PREVIEW) {
        write!(f, "{byte:02x}")?;
    }
    if b.len() > HEX_PREVIEW {
        f.write_char('…')?;
    }
    f.write_str(" -->")
}

fn render<N: XmlNode>(node: &N, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    let pretty = f.alternate();
    let tag = node.tag();
    f.write_char('<')?;
    escape(f, tag)?;
    node.write_attrs(f)?;
    match node.view() {
        View::None => return f.write_str("/>"),
        View::Bytes(b) => {
            f.write_char('>')?;
            write_bytes(f, b)?;
        }
        View::Text(s) => {
            f.write_char('>')?;
            write_text(f, s)?;
        }
        View::Nodes(children) => {
            f.write_char('>')?;
            for child in children {
                if pretty {
                    f.write_char('\n')?;
                    for _ in 0..=depth {
                        f.write_str("  ")?;
                    }
                }
                render(child, f, depth + 1)?;
            }
            if pretty && !children.is_empty() {
                f.write_char('\n')?;
                for _ in 0..depth {
                    f.write_str("  ")?;
                }
            }
        }
    }
    f.write_str("</")?;
    escape(f, tag)?;
    f.write_char('>')
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render(self, f, 0)
    }
}

impl fmt::Display for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render(self, f, 0)
    }
}
