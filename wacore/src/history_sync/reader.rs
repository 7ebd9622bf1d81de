//! The streaming top-level field walker over an inflating reader.

use std::io::{self, Read};

use prost::Message as _;
use waproto::whatsapp as wa;

/// Field number of `HistorySync.conversations`.
pub const CONVERSATIONS_FIELD: u64 = 2;

/// Limits that keep a hostile payload from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistorySyncLimits {
    /// Most bytes the payload may inflate to (zip-bomb guard).
    pub max_decompressed: u64,
    /// Largest single conversation.
    pub max_conversation: u64,
    /// Largest total of the non-conversation fields kept for the remainder.
    pub max_remainder: u64,
}

impl Default for HistorySyncLimits {
    fn default() -> Self {
        Self {
            max_decompressed: 2 * 1024 * 1024 * 1024,
            max_conversation: 64 * 1024 * 1024,
            max_remainder: 32 * 1024 * 1024,
        }
    }
}

/// Why a history payload could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistorySyncError {
    /// The zlib stream is corrupt, or reading the source failed.
    #[error("history payload inflate/read failed: {0}")]
    Inflate(#[source] io::Error),
    /// The payload ended inside a field.
    #[error("history payload truncated inside field {field}")]
    Truncated {
        /// The field being read.
        field: u64,
    },
    /// A field uses a wire type the schema never produces here, or a varint is malformed.
    #[error("history payload malformed: {0}")]
    Malformed(&'static str),
    /// A limit was exceeded.
    #[error("history payload exceeds the {what} limit of {limit} bytes")]
    TooLarge {
        /// Which limit.
        what: &'static str,
        /// Its value.
        limit: u64,
    },
    /// The non-conversation fields do not decode as a `HistorySync`.
    #[error("history payload remainder does not decode: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// One streamed element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistorySyncItem {
    /// The encoded bytes of one `Conversation`.
    Conversation(Vec<u8>),
}

/// Inflates a zlib-compressed history payload lazily.
pub fn inflate<R: Read>(compressed: R) -> flate2::read::ZlibDecoder<R> {
    flate2::read::ZlibDecoder::new(compressed)
}

struct Counting<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.limit {
            return Err(io::Error::other(LimitHit));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LimitHit;
impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("decompressed size limit hit")
    }
}
impl std::error::Error for LimitHit {}

/// Walks a (decompressed) `HistorySync` protobuf from a reader: conversations one by one,
/// then the rest decoded by [`HistorySyncReader::finish`].
pub struct HistorySyncReader<R> {
    src: Counting<R>,
    limits: HistorySyncLimits,
    remainder: Vec<u8>,
    want_conversations: bool,
    conversations: usize,
    done: bool,
}

impl<R> std::fmt::Debug for HistorySyncReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistorySyncReader")
            .field("read", &self.src.read)
            .field("conversations", &self.conversations)
            .finish_non_exhaustive()
    }
}

enum Varint {
    Value(u64),
    Eof,
}

impl<R: Read> HistorySyncReader<R> {
    /// A reader over decompressed bytes (wrap compressed input in [`inflate`]).
    pub fn new(src: R, limits: HistorySyncLimits) -> Self {
        Self {
            src: Counting {
                inner: src,
                read: 0,
                limit: limits.max_decompressed,
            },
            limits,
            remainder: Vec::new(),
            want_conversations: true,
            conversations: 0,
            done: false,
        }
    }

    /// Skips conversations without buffering them (nobody listens for them).
    #[must_use]
    pub fn skip_conversations(mut self) -> Self {
        self.want_conversations = false;
        self
    }

    /// Conversations met so far (yielded or skipped).
    pub fn conversations_seen(&self) -> usize {
        self.conversations
    }

    /// Decompressed bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.src.read
    }

    fn map_io(&self, e: io::Error, field: u64) -> HistorySyncError {
        if e.get_ref().is_some_and(|i| i.is::<LimitHit>()) {
            return HistorySyncError::TooLarge {
                what: "decompressed size",
                limit: self.limits.max_decompressed,
            };
        }
        match e.kind() {
            io::ErrorKind::UnexpectedEof => HistorySyncError::Truncated { field },
            _ => HistorySyncError::Inflate(e),
        }
    }

    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        let mut b = [0u8; 1];
        loop {
            match self.src.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(b[0])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads a varint, appending its raw bytes to `raw` when given.
    fn varint(
        &mut self,
        field: u64,
        mut raw: Option<&mut Vec<u8>>,
    ) -> Result<Varint, HistorySyncError> {
        let mut value = 0u64;
        for i in 0..10u32 {
            let b = match self.read_byte() {
                Ok(Some(b)) => b,
                Ok(None) if i == 0 => return Ok(Varint::Eof),
                Ok(None) => return Err(HistorySyncError::Truncated { field }),
                Err(e) => return Err(self.map_io(e, field)),
            };
            if let Some(r) = raw.as_deref_mut() {
                r.push(b);
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(Varint::Value(value));
            }
        }
        Err(HistorySyncError::Malformed("varint longer than 10 bytes"))
    }

    fn read_exact_into(
        &mut self,
        buf: &mut Vec<u8>,
        len: u64,
        field: u64,
    ) -> Result<(), HistorySyncError> {
        let got = (&mut self.src)
            .take(len)
            .read_to_end(buf)
            .map_err(|e| self.map_io(e, field))?;
        if (got as u64) < len {
            return Err(HistorySyncError::Truncated { field });
        }
        Ok(())
    }

    fn skip(&mut self, len: u64, field: u64) -> Result<(), HistorySyncError> {
        let got = io::copy(&mut (&mut self.src).take(len), &mut io::sink())
            .map_err(|e| self.map_io(e, field))?;
        if got < len {
            return Err(HistorySyncError::Truncated { field });
        }
        Ok(())
    }

    fn check_remainder(&self) -> Result<(), HistorySyncError> {
        if self.remainder.len() as u64 > self.limits.max_remainder {
            return Err(HistorySyncError::TooLarge {
                what: "non-conversation fields",
                limit: self.limits.max_remainder,
            });
        }
        Ok(())
    }

    /// The next conversation's bytes, or `None` at the end of the payload. Other fields are
    /// kept for [`HistorySyncReader::finish`].
    pub fn next_conversation(&mut self) -> Result<Option<HistorySyncItem>, HistorySyncError> {
        while !self.done {
            let mut tag_raw = Vec::with_capacity(4);
            let tag = match self.varint(0, Some(&mut tag_raw))? {
                Varint::Eof => {
                    self.done = true;
                    break;
                }
                Varint::Value(t) => t,
            };
            let field = tag >> 3;
            let wire = tag & 7;
            if field == 0 {
                return Err(HistorySyncError::Malformed("field number 0"));
            }
            match wire {
                2 => {
                    let mut len_raw = Vec::with_capacity(5);
                    let len = match self.varint(field, Some(&mut len_raw))? {
                        Varint::Value(l) => l,
                        Varint::Eof => return Err(HistorySyncError::Truncated { field }),
                    };
                    if field == CONVERSATIONS_FIELD {
                        self.conversations += 1;
                        if len > self.limits.max_conversation {
                            return Err(HistorySyncError::TooLarge {
                                what: "conversation",
                                limit: self.limits.max_conversation,
                            });
                        }
                        if !self.want_conversations {
                            self.skip(len, field)?;
                            continue;
                        }
                        let mut buf =
                            Vec::with_capacity(usize::try_from(len.min(64 * 1024)).unwrap_or(0));
                        self.read_exact_into(&mut buf, len, field)?;
                        return Ok(Some(HistorySyncItem::Conversation(buf)));
                    }
                    if (self.remainder.len() as u64).saturating_add(len) > self.limits.max_remainder
                    {
                        return Err(HistorySyncError::TooLarge {
                            what: "non-conversation fields",
                            limit: self.limits.max_remainder,
                        });
                    }
                    self.remainder.extend_from_slice(&tag_raw);
                    self.remainder.extend_from_slice(&len_raw);
                    let mut rem = std::mem::take(&mut self.remainder);
                    let res = self.read_exact_into(&mut rem, len, field);
                    self.remainder = rem;
                    res?;
                }
                0 => {
                    self.remainder.extend_from_slice(&tag_raw);
                    let mut raw = Vec::with_capacity(10);
                    match self.varint(field, Some(&mut raw))? {
                        Varint::Value(_) => self.remainder.extend_from_slice(&raw),
                        Varint::Eof => return Err(HistorySyncError::Truncated { field }),
                    }
                }
                1 | 5 => {
                    self.remainder.extend_from_slice(&tag_raw);
                    let n = if wire == 1 { 8 } else { 4 };
                    let mut rem = std::mem::take(&mut self.remainder);
                    let res = self.read_exact_into(&mut rem, n, field);
                    self.remainder = rem;
                    res?;
                }
                _ => return Err(HistorySyncError::Malformed("unsupported wire type")),
            }
            self.check_remainder()?;
        }
        Ok(None)
    }

    /// Reads to the end (skipping conversations not yet taken) and decodes everything that
    /// is not a conversation.
    pub fn finish(mut self) -> Result<wa::HistorySync, HistorySyncError> {
        self.want_conversations = false;
        while self.next_conversation()?.is_some() {}
        Ok(wa::HistorySync::decode(self.remainder.as_slice())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn sample(n: usize) -> wa::HistorySync {
        wa::HistorySync {
            sync_type: wa::history_sync::HistorySyncType::InitialBootstrap as i32,
            chunk_order: Some(3),
            progress: Some(50),
            conversations: (0..n)
                .map(|i| wa::Conversation {
                    id: format!("{i}@s.whatsapp.net"),
                    messages: vec![wa::HistorySyncMsg::default(); i % 3],
                    ..Default::default()
                })
                .collect(),
            pushnames: vec![wa::Pushname {
                id: Some("1@s.whatsapp.net".into()),
                pushname: Some("One".into()),
            }],
            ..Default::default()
        }
    }

    fn zlib(raw: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(raw).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn streams_conversations_and_keeps_the_rest() {
        let h = sample(25);
        let compressed = zlib(&h.encode_to_vec());
        let mut r = HistorySyncReader::new(inflate(&compressed[..]), HistorySyncLimits::default());
        let mut ids = Vec::new();
        while let Some(HistorySyncItem::Conversation(bytes)) = r.next_conversation().unwrap() {
            ids.push(wa::Conversation::decode(&bytes[..]).unwrap().id);
        }
        assert_eq!(ids.len(), 25);
        assert_eq!(ids[7], "7@s.whatsapp.net");
        let rest = r.finish().unwrap();
        assert!(rest.conversations.is_empty());
        assert_eq!(rest.chunk_order, Some(3));
        assert_eq!(rest.pushnames, h.pushnames);
        assert_eq!(rest.sync_type, h.sync_type);
    }

    #[test]
    fn skipping_counts_without_buffering() {
        let h = sample(10);
        let raw = h.encode_to_vec();
        let mut r =
            HistorySyncReader::new(&raw[..], HistorySyncLimits::default()).skip_conversations();
        assert!(r.next_conversation().unwrap().is_none());
        assert_eq!(r.conversations_seen(), 10);
        assert_eq!(r.finish().unwrap().progress, Some(50));
    }

    #[test]
    fn finish_mid_stream_drains() {
        let raw = sample(5).encode_to_vec();
        let mut r = HistorySyncReader::new(&raw[..], HistorySyncLimits::default());
        assert!(r.next_conversation().unwrap().is_some());
        assert_eq!(r.finish().unwrap().pushnames.len(), 1);
    }

    #[test]
    fn hostile_payloads_fail_cleanly() {
        let raw = sample(5).encode_to_vec();
        for cut in [1, raw.len() / 2, raw.len() - 1] {
            let mut r = HistorySyncReader::new(&raw[..cut], HistorySyncLimits::default());
            let mut res = Ok(None);
            for _ in 0..10 {
                res = r.next_conversation();
                if !matches!(res, Ok(Some(_))) {
                    break;
                }
            }
            let end = match res {
                Ok(None) => r.finish().map(|_| ()),
                Ok(Some(_)) => unreachable!(),
                Err(e) => Err(e),
            };
            assert!(end.is_err(), "cut at {cut} should fail");
        }
        // A conversation claiming 1 TiB.
        let mut huge = vec![0x12];
        huge.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        let mut r = HistorySyncReader::new(&huge[..], HistorySyncLimits::default());
        assert!(matches!(
            r.next_conversation(),
            Err(HistorySyncError::TooLarge { .. })
        ));
        // Group wire type.
        let mut r = HistorySyncReader::new(&[0x0b_u8][..], HistorySyncLimits::default());
        assert!(matches!(
            r.next_conversation(),
            Err(HistorySyncError::Malformed(_))
        ));
        // Corrupt zlib.
        let mut r = HistorySyncReader::new(
            inflate(&[0x78, 0x9c, 0xff, 0xff][..]),
            HistorySyncLimits::default(),
        );
        assert!(r.next_conversation().is_err());
        // Zip bomb guard.
        let big = sample(200).encode_to_vec();
        let limits = HistorySyncLimits {
            max_decompressed: 100,
            ..Default::default()
        };
        let z = zlib(&big);
        let mut r = HistorySyncReader::new(inflate(&z[..]), limits);
        let mut err = None;
        for _ in 0..300 {
            match r.next_conversation() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(matches!(err, Some(HistorySyncError::TooLarge { .. })));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut r = HistorySyncReader::new(&data[..], HistorySyncLimits::default());
            for _ in 0..64 {
                match r.next_conversation() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
            let _ = r.finish();
        }
    }
}
