//! Seeded random nodes for the interop corpus, drawn from the shapes the wire uses. Stays clear
//! of the documented baileys quirks (integer-like keys, non-canonical JID-looking strings,
//! Messenger/interop device JIDs, names of `Object.prototype` members).

use wacore_binary::jid::Jid;
use wacore_binary::node::{Attrs, Node, NodeContent, NodeValue};
use wacore_binary::token;

/// xorshift64*.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Decimal digits, between `min` and `min + spread - 1` of them.
    fn digits(&mut self, min: usize, spread: usize) -> String {
        let len = min + self.below(spread);
        (0..len)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const WORDS: &[&str] = &[
    "alpha",
    "bravo_1",
    "x-y",
    "keyA",
    "Zed",
    "q9",
    "name_with_underscores",
    "k.v",
    "a b c",
];
const UNICODE: &[&str] = &[
    "héllo",
    "日本語テキスト",
    "emoji 🎉🔥",
    "Ελληνικά",
    "עברית",
    "a\u{0}b",
    "tab\tnew\nline",
    "\"quotes\" & <tags>",
];

fn token_string(rng: &mut Rng) -> String {
    if rng.below(3) == 0 {
        let dict = rng.below(4) as u8;
        token::get_double_token(dict, rng.below(256) as u8)
            .unwrap()
            .to_owned()
    } else {
        token::get_single_token(1 + rng.below(235) as u8)
            .unwrap()
            .to_owned()
    }
}

pub fn jid(rng: &mut Rng) -> Jid {
    let user = rng.digits(8, 8);
    match rng.below(13) {
        0 => Jid::pn(user),
        1 => Jid::pn_device(user, 1 + rng.below(255) as u16),
        2 => Jid::lid(user),
        3 => Jid::lid_device(user, 1 + rng.below(255) as u16),
        4 => Jid::group(format!("120363{user}")),
        5 => Jid::group(format!("{user}-{}", rng.digits(10, 1))),
        6 => Jid::status_broadcast(),
        7 => Jid::newsletter(user),
        8 => Jid::bot(user),
        9 => Jid::hosted(user, rng.below(256) as u16),
        10 => Jid::hosted_lid(user, 1 + rng.below(255) as u16),
        11 => {
            const SERVERS: [&str; 5] = ["s.whatsapp.net", "g.us", "lid", "broadcast", "call"];
            Jid::server_jid(SERVERS[rng.below(SERVERS.len())])
        }
        _ => Jid::new(user, "c.us"),
    }
}

pub fn string(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 | 1 => token_string(rng),
        2 => rng.digits(1, 20),
        3 => {
            let len = 1 + rng.below(40);
            (0..len)
                .map(|_| *rng.pick(&['0', '1', '5', '9', '-', '.']))
                .collect()
        }
        4 => {
            let len = 1 + rng.below(40);
            (0..len)
                .map(|_| *rng.pick(&['0', '7', 'A', 'B', 'C', 'F']))
                .collect()
        }
        5 => jid(rng).to_string(),
        6 => rng.pick(UNICODE).to_string(),
        7 => String::new(),
        8 => {
            let word = rng.pick(WORDS);
            format!("{word}{}", rng.digits(0, 4))
        }
        _ => rng.pick(WORDS).repeat(1 + rng.below(40)),
    }
}

fn key(rng: &mut Rng, i: usize) -> String {
    if rng.below(2) == 0 {
        token_string(rng)
    } else {
        format!("{}_{i}", rng.pick(WORDS))
    }
}

pub fn node(rng: &mut Rng, depth: usize) -> Node {
    let tag = if rng.below(3) == 0 {
        format!("t_{}", rng.pick(WORDS))
    } else {
        token_string(rng)
    };
    let mut attrs = Attrs::new();
    for i in 0..rng.below(7) {
        let k = key(rng, i);
        // A token key that looks like an integer would be reordered by baileys' JS object.
        if k.bytes().all(|b| b.is_ascii_digit()) || k.is_empty() || attrs.contains_key(&k) {
            continue;
        }
        let v = if rng.below(4) == 0 {
            NodeValue::Jid(jid(rng))
        } else {
            NodeValue::String(string(rng))
        };
        attrs.insert(k, v);
    }
    let content = match rng.below(if depth >= 4 { 3 } else { 5 }) {
        0 => None,
        1 => {
            let len = *rng.pick(&[0usize, 1, 16, 32, 100, 255, 256, 1000, 5000]);
            Some(NodeContent::Bytes(super::corpus::bytes(
                len,
                rng.below(256) as u8,
            )))
        }
        2 => Some(NodeContent::String(string(rng))),
        _ => Some(NodeContent::Nodes(
            (0..rng.below(6)).map(|_| node(rng, depth + 1)).collect(),
        )),
    };
    Node {
        tag,
        attrs,
        content,
    }
}

/// `n` random nodes from `seed`.
pub fn nodes(seed: u64, n: usize) -> Vec<Node> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| node(&mut rng, 0)).collect()
}
