//! [`SqliteStore`]: opening, device scoping and the async-to-blocking bridge.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, Transaction};
use wacore::store::StoreError;
use wacore::store::error::Result;

use crate::config::SqliteConfig;
use crate::pool::Pool;

/// A SQLite-backed [`Backend`](wacore::store::traits::Backend) for one device slot of a
/// database file.
///
/// Several devices (accounts) can live in one file: every table is scoped by `device_id`.
/// Clones share the same connections.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) pool: Arc<Pool>,
    pub(crate) device_id: i32,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.pool.path())
            .field("device_id", &self.device_id)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` — a file path or a `sqlite://` URL —
    /// for device slot 1.
    pub async fn new(path: &str) -> Result<Self> {
        Self::open(path, 1, SqliteConfig::default()).await
    }

    /// Opens the database at `path` for device slot `device_id`.
    pub async fn new_for_device(path: &str, device_id: i32) -> Result<Self> {
        Self::open(path, device_id, SqliteConfig::default()).await
    }

    /// Opens the database at `path` for device slot `device_id` with explicit options.
    ///
    /// Fails with [`StoreError::Connection`] if the file is not a SQLite database or belongs
    /// to another application, and with [`StoreError::UnsupportedVersion`] if it was written
    /// by a newer schema; in both cases the file is left untouched.
    pub async fn open(path: &str, device_id: i32, config: SqliteConfig) -> Result<Self> {
        let file = parse_location(path)?;
        let pool = tokio::task::spawn_blocking(move || Pool::open(&file, &config))
            .await
            .map_err(|e| StoreError::Connection(format!("open task failed: {e}")))??;
        Ok(Self { pool, device_id })
    }

    /// A handle on another device slot of the same file, sharing the connections.
    pub fn for_device(&self, device_id: i32) -> Self {
        Self {
            pool: Arc::clone(&self.pool),
            device_id,
        }
    }

    /// The device slot this store reads and writes.
    pub fn device_id(&self) -> i32 {
        self.device_id
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// Runs a read on a pooled connection off the async threads.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        blocking(move || pool.read(f)).await
    }

    /// Runs a write transaction on the write connection off the async threads.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        blocking(move || pool.write(f)).await
    }

    /// Like [`SqliteStore::write`], with the commit fsynced.
    pub(crate) async fn write_durable<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        blocking(move || pool.write_durable(f)).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Database(format!("storage task failed: {e}")))?
}

/// Turns a path or `sqlite://` URL into a file path.
fn parse_location(location: &str) -> Result<PathBuf> {
    let path = match location.strip_prefix("sqlite://") {
        Some(rest) => rest.split('?').next().unwrap_or(rest),
        None => location.strip_prefix("sqlite:").unwrap_or(location),
    };
    if path.is_empty() {
        return Err(StoreError::InvalidInput("empty database path".to_string()));
    }
    if path == ":memory:" || path.starts_with("file::memory:") {
        return Err(StoreError::InvalidInput(
            "in-memory SQLite is not supported (each pooled connection would see its own \
             database); use wacore::store::InMemoryBackend"
                .to_string(),
        ));
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(parse_location("a/b.db").unwrap(), PathBuf::from("a/b.db"));
        assert_eq!(
            parse_location("sqlite://a/b.db").unwrap(),
            PathBuf::from("a/b.db")
        );
        assert_eq!(
            parse_location("sqlite:///abs/b.db").unwrap(),
            PathBuf::from("/abs/b.db")
        );
        assert_eq!(
            parse_location("sqlite://x.db?mode=rwc").unwrap(),
            PathBuf::from("x.db")
        );
        assert!(parse_location("").is_err());
        assert!(parse_location("sqlite://").is_err());
        assert!(matches!(
            parse_location(":memory:"),
            Err(StoreError::InvalidInput(_))
        ));
    }
}
