//! Tuning knobs of [`SqliteStore`](crate::SqliteStore).

use std::time::Duration;

/// How hard SQLite works to make each commit durable (`PRAGMA synchronous`, in WAL mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Synchronous {
    /// `NORMAL`: a commit survives the process being killed at any point (it is in the WAL,
    /// handed to the OS) and the file is never corrupted; an OS crash or power loss may roll
    /// back the last few commits. The device record is still written with `FULL`.
    #[default]
    Normal,
    /// `FULL`: every commit is fsynced; it also survives power loss. Slower writes.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options for opening a [`SqliteStore`](crate::SqliteStore). Start from `default()`.
///
/// Stores opened on the same file in one process share one connection pool; the options of
/// the first one opened apply.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SqliteConfig {
    /// Commit durability. Default [`Synchronous::Normal`].
    pub synchronous: Synchronous,
    /// How long one statement waits inside SQLite for another process's lock. Default 5 s.
    pub busy_timeout: Duration,
    /// How many times an operation that still finds the database busy is retried, with
    /// exponential backoff (2 ms doubling to 500 ms). Default 8.
    pub busy_attempts: u32,
    /// How many read connections the pool opens at most. Default: the number of CPUs, between
    /// 2 and 8. Writes go through one dedicated connection, which also serves reads while it
    /// is free and no read connection is idle, so read connections are only opened when reads
    /// overlap other work.
    pub max_readers: usize,
    /// The most page cache each connection may hold, in KiB (`PRAGMA cache_size = -N`).
    /// Default 2,000 (SQLite's default). The cache only grows as pages are read; a client that
    /// just logged in and idles uses far less (its connections are closed after
    /// [`SqliteConfig::idle_timeout`] anyway). Lower it to bound the memory of busy clients.
    pub cache_size_kib: u32,
    /// How long a pool may go unused before all its connections are closed, freeing their
    /// memory (~100-200 KiB each: page cache, lookaside buffer, parsed schema); the next call
    /// reopens them (well under a millisecond). `None` keeps them open. Default 10 s. One
    /// process-wide thread checks the pools every second.
    pub idle_timeout: Option<Duration>,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            busy_attempts: 8,
            max_readers: cpus.clamp(2, 8),
            cache_size_kib: 2000,
            idle_timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl SqliteConfig {
    /// Sets [`SqliteConfig::synchronous`].
    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets [`SqliteConfig::busy_timeout`].
    pub fn with_busy_timeout(mut self, busy_timeout: Duration) -> Self {
        self.busy_timeout = busy_timeout;
        self
    }

    /// Sets [`SqliteConfig::busy_attempts`] (at least 1).
    pub fn with_busy_attempts(mut self, attempts: u32) -> Self {
        self.busy_attempts = attempts.max(1);
        self
    }

    /// Sets [`SqliteConfig::max_readers`] (at least 1).
    pub fn with_max_readers(mut self, max_readers: usize) -> Self {
        self.max_readers = max_readers.max(1);
        self
    }

    /// Sets [`SqliteConfig::cache_size_kib`] (at least 16).
    pub fn with_cache_size_kib(mut self, kib: u32) -> Self {
        self.cache_size_kib = kib.max(16);
        self
    }

    /// Sets [`SqliteConfig::idle_timeout`]; `None` never closes idle connections.
    pub fn with_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }
}
