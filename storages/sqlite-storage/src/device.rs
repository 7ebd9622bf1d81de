//! [`DeviceStore`] over SQLite: the device row and database snapshots.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacore::store::error::Result;
use wacore::store::traits::DeviceStore;
use wacore::store::{Device, StoreError};

use crate::store::SqliteStore;

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn save(&self, device: &Device) -> Result<()> {
        let dev = self.device_id;
        let blob = device.to_bytes()?;
        // The device row holds the identity: losing it means re-pairing, so its commit is
        // fsynced whatever the configured durability.
        self.write_durable(move |tx| {
            tx.prepare_cached(
                "INSERT INTO device (device_id, data) VALUES (?1, ?2) \
                 ON CONFLICT (device_id) DO UPDATE SET data = excluded.data",
            )?
            .execute(params![dev, blob])
            .map(drop)
        })
        .await
    }

    async fn load(&self) -> Result<Option<Device>> {
        let dev = self.device_id;
        let blob: Option<Option<Vec<u8>>> = self
            .read(move |c| {
                c.prepare_cached("SELECT data FROM device WHERE device_id = ?1")?
                    .query_row(params![dev], |r| r.get(0))
                    .optional()
            })
            .await?;
        match blob.flatten() {
            None => Ok(None),
            Some(bytes) => Device::from_bytes(&bytes).map(Some).inspect_err(|e| {
                log::error!("sqlite store: device {dev} record unreadable: {e}");
            }),
        }
    }

    async fn exists(&self) -> Result<bool> {
        let dev = self.device_id;
        self.read(move |c| {
            c.prepare_cached("SELECT EXISTS(SELECT 1 FROM device WHERE device_id = ?1)")?
                .query_row(params![dev], |r| r.get(0))
        })
        .await
    }

    async fn create(&self) -> Result<i32> {
        let dev = self.device_id;
        self.write(move |tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO device (device_id, data) VALUES (?1, NULL)")?
                .execute(params![dev])
                .map(drop)
        })
        .await?;
        Ok(dev)
    }

    /// Writes `<stem>_snapshot_<name>_<unix seconds>.db` (a consistent copy made with
    /// `VACUUM INTO`) next to the database, and `extra_content`, if any, to a `.bin` file
    /// beside it. `name` may hold ASCII letters, digits, `-` and `_` (1 to 64 of them).
    async fn snapshot_db(&self, name: &str, extra_content: Option<&[u8]>) -> Result<()> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(StoreError::InvalidInput(format!(
                "snapshot name {name:?} must be 1-64 ASCII letters, digits, '-' or '_'"
            )));
        }
        let db = self.path().to_path_buf();
        let stem = db
            .file_stem()
            .map_or_else(|| "db".to_string(), |s| s.to_string_lossy().into_owned());
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let base = format!("{stem}_snapshot_{name}_{stamp}");
        let dir = db
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let target = dir.join(format!("{base}.db"));
        let target_str = target.to_string_lossy().into_owned();
        let extra = extra_content.map(<[u8]>::to_vec);
        let extra_path = dir.join(format!("{base}.bin"));
        let pool = std::sync::Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || {
            pool.with_writer(|c| c.execute("VACUUM INTO ?1", params![target_str]).map(drop))?;
            if let Some(extra) = extra {
                std::fs::write(&extra_path, extra).map_err(|e| {
                    StoreError::Database(format!("writing {}: {e}", extra_path.display()))
                })?;
            }
            Ok::<(), StoreError>(())
        })
        .await
        .map_err(|e| StoreError::Database(format!("snapshot task failed: {e}")))??;
        log::info!("sqlite store: snapshot written to {}", target.display());
        Ok(())
    }
}
