//! A small connection pool: one write connection behind a mutex (so this process never fights
//! itself for SQLite's write lock) and up to `max_readers` read-only connections, which WAL
//! mode lets run alongside the writer.
//!
//! Memory: every SQLite connection costs ~100-200 KiB (its lookaside buffer, page cache and
//! parsed schema), which dominates what an idle client costs. So a read runs on the write
//! connection when no read connection is idle and nobody holds the writer (a read connection is
//! opened only when reads really overlap other work), each connection's page cache is capped
//! (`SqliteConfig::cache_size_kib`), and a pool left unused for `SqliteConfig::idle_timeout`
//! closes all its connections (one process-wide reaper thread checks every second); the next
//! call reopens them.
//!
//! Everything here blocks; the async store calls it from `spawn_blocking`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError, TryLockError, Weak};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use wacore::store::StoreError;
use wacore::store::error::Result;

use crate::config::SqliteConfig;
use crate::error::{map_err, map_err_at};
use crate::migrations;
use crate::retry::with_retry;

/// Pools by canonical file path, so every store on one file in this process shares one writer.
static POOLS: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

/// How often the reaper looks for idle pools.
const REAPER_TICK: Duration = Duration::from_secs(1);

/// The start of this process's clock for [`Pool::last_used`].
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_ms() -> u64 {
    u64::try_from(EPOCH.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[derive(Default)]
struct Registry {
    pools: HashMap<PathBuf, Weak<Pool>>,
    /// Whether the reaper thread is running.
    reaper: bool,
}

struct Readers {
    idle: Vec<Connection>,
    opened: usize,
}

/// The connections of one database file.
pub(crate) struct Pool {
    path: PathBuf,
    config: SqliteConfig,
    /// The write connection; `None` while closed for being idle.
    writer: Mutex<Option<Connection>>,
    readers: Mutex<Readers>,
    reader_returned: Condvar,
    /// When a call last started or finished, in ms of [`EPOCH`].
    last_used: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection cannot leave it mid-transaction (the transaction is
    // rolled back when dropped), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// Opens (or joins) the pool of the file at `path`, creating and migrating the database
    /// if needed.
    pub(crate) fn open(path: &Path, config: &SqliteConfig) -> Result<Arc<Pool>> {
        let key = registry_key(path)?;
        let mut registry = lock(&POOLS);
        if let Some(pool) = registry.pools.get(&key).and_then(Weak::upgrade) {
            return Ok(pool);
        }
        let pool = Arc::new(Self::create(key.clone(), config.clone())?);
        registry.pools.retain(|_, weak| weak.strong_count() > 0);
        registry.pools.insert(key, Arc::downgrade(&pool));
        if config.idle_timeout.is_some() && !registry.reaper {
            let spawned = std::thread::Builder::new()
                .name("sqlite-idle-reaper".into())
                // It only walks the registry and drops connections.
                .stack_size(64 * 1024)
                .spawn(reap_idle_pools);
            match spawned {
                Ok(_) => registry.reaper = true,
                // Only memory is at stake: the connections stay open.
                Err(e) => log::warn!("sqlite store: cannot start the idle reaper: {e}"),
            }
        }
        Ok(pool)
    }

    fn create(path: PathBuf, config: SqliteConfig) -> Result<Pool> {
        let shown = path.display().to_string();
        let mut writer = open_connection(&path, &config, &shown)?;
        let version = migrations::check(&writer, &shown)?;
        // Only now, with the file known to be ours, is anything written to it.
        with_retry(config.busy_attempts, || {
            writer.pragma_update(None, "journal_mode", "WAL")
        })?;
        with_retry(config.busy_attempts, || {
            writer.pragma_update(None, "synchronous", config.synchronous.pragma())
        })?;
        migrations::migrate(&mut writer, version)?;
        log::debug!("sqlite store: opened {shown}");
        Ok(Pool {
            path,
            config,
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Readers {
                idle: Vec::new(),
                opened: 0,
            }),
            reader_returned: Condvar::new(),
            last_used: AtomicU64::new(now_ms()),
        })
    }

    fn touch(&self) {
        self.last_used.store(now_ms(), Ordering::Relaxed);
    }

    /// Locks the write connection, reopening it if it was closed for being idle.
    fn writer(&self) -> Result<MutexGuard<'_, Option<Connection>>> {
        let mut guard = lock(&self.writer);
        if guard.is_none() {
            *guard = Some(self.reopen_writer()?);
        }
        self.touch();
        Ok(guard)
    }

    fn reopen_writer(&self) -> Result<Connection> {
        let shown = self.path.display().to_string();
        log::debug!("sqlite store: reopening {shown}");
        open_connection(&self.path, &self.config, &shown)
    }

    /// Closes every connection if the pool has not been used for its idle timeout. A
    /// connection in use is left alone (and its user marks the pool used again).
    fn close_if_idle(&self) {
        let Some(timeout) = self.config.idle_timeout else {
            return;
        };
        let idle_ms = now_ms().saturating_sub(self.last_used.load(Ordering::Relaxed));
        if u128::from(idle_ms) < timeout.as_millis() {
            return;
        }
        let closed_readers = {
            let mut readers = lock(&self.readers);
            let idle = std::mem::take(&mut readers.idle);
            readers.opened = readers.opened.saturating_sub(idle.len());
            idle
        };
        let closed_writer = match self.writer.try_lock() {
            Ok(mut guard) => guard.take(),
            Err(TryLockError::Poisoned(p)) => p.into_inner().take(),
            Err(TryLockError::WouldBlock) => None,
        };
        if closed_writer.is_some() || !closed_readers.is_empty() {
            log::debug!(
                "sqlite store: {} idle for {idle_ms} ms, closing {} connection(s)",
                self.path.display(),
                closed_readers.len() + usize::from(closed_writer.is_some())
            );
        }
        // Dropping them closes them (the last one checkpoints the WAL).
        drop(closed_readers);
        drop(closed_writer);
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a read connection, retrying while the database is busy: an idle read
    /// connection if there is one, else the write connection if nobody holds it (so a lone
    /// read opens nothing), else a new or freed read connection.
    pub(crate) fn read<T>(
        &self,
        mut f: impl FnMut(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.touch();
        let idle = lock(&self.readers).idle.pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let writer = match self.writer.try_lock() {
                    Ok(guard) => Some(guard),
                    Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(TryLockError::WouldBlock) => None,
                };
                if let Some(mut guard) = writer {
                    if guard.is_none() {
                        *guard = Some(self.reopen_writer()?);
                    }
                    if let Some(conn) = guard.as_ref() {
                        let result = with_retry(self.config.busy_attempts, || f(conn));
                        self.touch();
                        return result;
                    }
                }
                self.acquire_reader()?
            }
        };
        let result = with_retry(self.config.busy_attempts, || f(&conn));
        self.release_reader(conn);
        self.touch();
        result
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the write connection and commits.
    /// The whole transaction is retried while the database is busy, so `f` must only touch the
    /// database.
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut guard = self.writer()?;
        let conn = writer_conn(&mut guard)?;
        let result = with_retry(self.config.busy_attempts, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        });
        self.touch();
        result
    }

    /// Like [`Pool::write`], but the commit is fsynced (`synchronous = FULL`) whatever the
    /// configured durability: for records whose loss means re-pairing.
    pub(crate) fn write_durable<T>(
        &self,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut guard = self.writer()?;
        let conn = writer_conn(&mut guard)?;
        let configured = self.config.synchronous.pragma();
        if configured != "FULL" {
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(map_err)?;
        }
        let result = with_retry(self.config.busy_attempts, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        });
        if configured != "FULL" {
            conn.pragma_update(None, "synchronous", configured)
                .map_err(map_err)?;
        }
        self.touch();
        result
    }

    /// Runs `f` on the write connection outside any transaction (for `VACUUM INTO`).
    pub(crate) fn with_writer<T>(
        &self,
        mut f: impl FnMut(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut guard = self.writer()?;
        let conn = writer_conn(&mut guard)?;
        let result = with_retry(self.config.busy_attempts, || f(conn));
        self.touch();
        result
    }

    fn acquire_reader(&self) -> Result<Connection> {
        let mut readers = lock(&self.readers);
        loop {
            if let Some(conn) = readers.idle.pop() {
                return Ok(conn);
            }
            if readers.opened < self.config.max_readers {
                readers.opened += 1;
                drop(readers);
                let opened = self.open_reader();
                if opened.is_err() {
                    lock(&self.readers).opened -= 1;
                    self.reader_returned.notify_one();
                }
                return opened;
            }
            readers = self
                .reader_returned
                .wait(readers)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn release_reader(&self, conn: Connection) {
        lock(&self.readers).idle.push(conn);
        self.reader_returned.notify_one();
    }

    fn open_reader(&self) -> Result<Connection> {
        let conn = open_connection(&self.path, &self.config, &self.path.display().to_string())?;
        conn.pragma_update(None, "query_only", true)
            .map_err(map_err)?;
        Ok(conn)
    }
}

/// The connection in a locked writer slot that [`Pool::writer`] filled.
fn writer_conn<'a>(
    guard: &'a mut MutexGuard<'_, Option<Connection>>,
) -> Result<&'a mut Connection> {
    guard
        .as_mut()
        .ok_or_else(|| StoreError::Connection("write connection missing".to_string()))
}

/// The reaper thread: every [`REAPER_TICK`], closes the connections of pools idle for longer
/// than their timeout; exits when no pool is left (the next open starts it again).
fn reap_idle_pools() {
    loop {
        std::thread::sleep(REAPER_TICK);
        let pools: Vec<Arc<Pool>> = {
            let mut registry = lock(&POOLS);
            registry.pools.retain(|_, weak| weak.strong_count() > 0);
            if registry.pools.is_empty() {
                registry.reaper = false;
                return;
            }
            registry.pools.values().filter_map(Weak::upgrade).collect()
        };
        for pool in pools {
            pool.close_if_idle();
        }
    }
}

/// Opens one connection with the per-connection settings (no writes to the file yet).
fn open_connection(path: &Path, config: &SqliteConfig, shown: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Connection(format!("cannot open {shown}: {e}")))?;
    conn.busy_timeout(config.busy_timeout)
        .map_err(|e| map_err_at(e, shown))?;
    let setup = || -> rusqlite::Result<()> {
        // First, before any page is read: the page cache's initial bulk allocation is sized
        // from it. Negative = a size in KiB.
        conn.pragma_update(None, "cache_size", -i64::from(config.cache_size_kib))?;
        conn.pragma_update(None, "synchronous", config.synchronous.pragma())?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(())
    };
    setup().map_err(|e| map_err_at(e, shown))?;
    Ok(conn)
}

/// The canonical path of a database file that may not exist yet.
fn registry_key(path: &Path) -> Result<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Ok(p);
    }
    let file = path.file_name().ok_or_else(|| {
        StoreError::InvalidInput(format!("{} is not a file path", path.display()))
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = parent.canonicalize().map_err(|e| {
        StoreError::Connection(format!(
            "directory of {} is not usable: {e}",
            path.display()
        ))
    })?;
    Ok(parent.join(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &tempfile::TempDir, config: SqliteConfig) -> Arc<Pool> {
        Pool::open(&dir.path().join("pool.db"), &config).unwrap()
    }

    fn count(pool: &Pool) -> i64 {
        pool.read(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)))
            .unwrap()
    }

    #[test]
    fn lone_reads_use_the_writer_and_open_no_reader() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open(&dir, SqliteConfig::default().with_idle_timeout(None));
        pool.write(|tx| tx.execute_batch("CREATE TABLE t (x INTEGER)"))
            .unwrap();
        pool.write(|tx| tx.execute("INSERT INTO t VALUES (1)", []))
            .unwrap();
        assert_eq!(count(&pool), 1);
        assert_eq!(lock(&pool.readers).opened, 0);
        // With the writer held, a read opens a read connection, which is then reused.
        let held = lock(&pool.writer);
        assert_eq!(count(&pool), 1);
        assert_eq!(count(&pool), 1);
        drop(held);
        let readers = lock(&pool.readers);
        assert_eq!((readers.opened, readers.idle.len()), (1, 1));
    }

    #[test]
    fn idle_pool_closes_its_connections_and_reopens_them() {
        let dir = tempfile::tempdir().unwrap();
        let config = SqliteConfig::default().with_idle_timeout(Some(Duration::from_millis(50)));
        let pool = open(&dir, config);
        pool.write(|tx| tx.execute_batch("CREATE TABLE t (x INTEGER)"))
            .unwrap();
        pool.write(|tx| tx.execute("INSERT INTO t VALUES (1)", []))
            .unwrap();
        {
            let _held = lock(&pool.writer);
            assert_eq!(count(&pool), 1);
        }
        assert_eq!(lock(&pool.readers).opened, 1);
        // The reaper thread (1 s tick) closes both.
        let deadline = Instant::now() + Duration::from_secs(5);
        while lock(&pool.writer).is_some() || lock(&pool.readers).opened > 0 {
            assert!(
                Instant::now() < deadline,
                "idle connections were not closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Both reads and writes reopen what they need, and the data is still there.
        assert_eq!(count(&pool), 1);
        pool.write(|tx| tx.execute("INSERT INTO t VALUES (2)", []))
            .unwrap();
        assert_eq!(count(&pool), 2);
        assert!(lock(&pool.writer).is_some());
    }

    #[test]
    fn recently_used_pool_stays_open() {
        let dir = tempfile::tempdir().unwrap();
        let config = SqliteConfig::default().with_idle_timeout(Some(Duration::from_secs(3600)));
        let pool = open(&dir, config);
        pool.write(|tx| tx.execute_batch("CREATE TABLE t (x INTEGER)"))
            .unwrap();
        pool.close_if_idle();
        assert!(lock(&pool.writer).is_some());
    }

    #[test]
    fn cache_size_is_applied_to_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open(&dir, SqliteConfig::default().with_cache_size_kib(64));
        let size: i64 = pool
            .read(|c| c.query_row("PRAGMA cache_size", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(size, -64);
    }
}
