//! [`DeviceStore`] for the in-memory backend. The device is kept encoded, exactly as a
//! persistent backend would keep it, so the record format is exercised here too.

use async_trait::async_trait;

use super::InMemoryBackend;
use crate::store::device::Device;
use crate::store::error::Result;
use crate::store::traits::DeviceStore;

#[async_trait]
impl DeviceStore for InMemoryBackend {
    async fn save(&self, device: &Device) -> Result<()> {
        let blob = device.to_bytes()?;
        self.with(|d| d.device_row = Some(Some(blob)))
    }

    async fn load(&self) -> Result<Option<Device>> {
        let blob = self.with(|d| d.device_row.clone().flatten())?;
        blob.map(|b| Device::from_bytes(&b)).transpose()
    }

    async fn exists(&self) -> Result<bool> {
        self.with(|d| d.device_row.is_some())
    }

    async fn create(&self) -> Result<i32> {
        self.with(|d| {
            if d.device_row.is_none() {
                d.device_row = Some(None);
            }
        })?;
        Ok(self.device_id)
    }

    async fn snapshot_db(&self, _name: &str, _extra_content: Option<&[u8]>) -> Result<()> {
        Ok(())
    }
}
