//! The encrypted socket: a transport plus the Noise write cipher. Sends are
//! serialised by a mutex so frame counters stay in order; the read half lives in
//! the frame reader task.

use std::sync::Arc;

use tokio::sync::Mutex;
use wacore::net::Transport;
use wacore_noise::NoiseWriter;

use crate::error::ClientError;

/// An established Noise connection (write side).
pub(crate) struct NoiseSocket {
    transport: Arc<dyn Transport>,
    writer: Mutex<NoiseWriter>,
}

impl NoiseSocket {
    pub(crate) fn new(transport: Arc<dyn Transport>, writer: NoiseWriter) -> Self {
        Self {
            transport,
            writer: Mutex::new(writer),
        }
    }

    /// Encrypts `plaintext` (a marshalled node with its flag byte) into one frame
    /// and sends it.
    pub(crate) async fn send_plaintext(&self, plaintext: &[u8]) -> Result<(), ClientError> {
        let mut writer = self.writer.lock().await;
        let mut frame = Vec::with_capacity(plaintext.len() + 32);
        writer
            .encrypt_frame(plaintext, &mut frame)
            .map_err(|e| ClientError::EncryptSend(e.to_string()))?;
        // Sent under the lock: frames must reach the wire in counter order.
        self.transport.send(frame).await?;
        Ok(())
    }

    pub(crate) async fn disconnect(&self) {
        self.transport.disconnect().await;
    }
}
