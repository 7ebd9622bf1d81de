//! A small connection pool: one write connection behind a mutex (so this process never fights
//! itself for SQLite's write lock) and up to `max_readers` read-only connections, which WAL
//! mode lets run alongside the writer.
//!
//! Everything here blocks; the async store calls it from `spawn_blocking`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError, Weak};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use wacore::store::StoreError;
use wacore::store::error::Result;

use crate::config::SqliteConfig;
use crate::error::{map_err, map_err_at};
use crate::migrations;
use crate::retry::with_retry;

/// Pools by canonical file path, so every store on one file in this process shares one writer.
static POOLS: LazyLock<Mutex<HashMap<PathBuf, Weak<Pool>>>> = LazyLock::new(Mutex::default);

struct Readers {
    idle: Vec<Connection>,
    opened: usize,
}

/// The connections of one database file.
pub(crate) struct Pool {
    path: PathBuf,
    config: SqliteConfig,
    writer: Mutex<Connection>,
    readers: Mutex<Readers>,
    reader_returned: Condvar,
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
        let mut pools = lock(&POOLS);
        if let Some(pool) = pools.get(&key).and_then(Weak::upgrade) {
            return Ok(pool);
        }
        let pool = Arc::new(Self::create(key.clone(), config.clone())?);
        pools.retain(|_, weak| weak.strong_count() > 0);
        pools.insert(key, Arc::downgrade(&pool));
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
            writer: Mutex::new(writer),
            readers: Mutex::new(Readers {
                idle: Vec::new(),
                opened: 0,
            }),
            reader_returned: Condvar::new(),
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a read connection, retrying while the database is busy.
    pub(crate) fn read<T>(
        &self,
        mut f: impl FnMut(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let conn = self.acquire_reader()?;
        let result = with_retry(self.config.busy_attempts, || f(&conn));
        self.release_reader(conn);
        result
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the write connection and commits.
    /// The whole transaction is retried while the database is busy, so `f` must only touch the
    /// database.
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
        with_retry(self.config.busy_attempts, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Like [`Pool::write`], but the commit is fsynced (`synchronous = FULL`) whatever the
    /// configured durability: for records whose loss means re-pairing.
    pub(crate) fn write_durable<T>(
        &self,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
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
        result
    }

    /// Runs `f` on the write connection outside any transaction (for `VACUUM INTO`).
    pub(crate) fn with_writer<T>(
        &self,
        mut f: impl FnMut(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let conn = lock(&self.writer);
        with_retry(self.config.busy_attempts, || f(&conn))
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
