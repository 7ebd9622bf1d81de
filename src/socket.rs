//! The encrypted socket: a transport plus the Noise write cipher.
//!
//! Frames are encrypted under a short lock, so frame counters follow the order of the
//! pending list. Whoever then holds the write lock hands everything pending to the transport
//! in one [`Transport::send_batch`]: when several tasks send at once, their frames leave with
//! one flush (one syscall) instead of one each, still one WebSocket message per frame as every
//! WhatsApp client sends them. A lone sender writes its frame at once, so nothing waits for
//! company. The read half lives in the frame reader task.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;
use wacore::net::{Transport, TransportError};
use wacore_noise::NoiseWriter;

use crate::error::ClientError;

/// Frames encrypted but not yet handed to the transport, with their senders' waiters.
struct Pending {
    writer: NoiseWriter,
    frames: Vec<Vec<u8>>,
    waiters: Vec<oneshot::Sender<WriteResult>>,
}

/// The outcome of a batch write, copyable to every sender in it: `Err(None)` is
/// [`TransportError::Closed`], `Err(Some(reason))` a failed write.
type WriteResult = Result<(), Option<String>>;

/// An established Noise connection (write side).
pub(crate) struct NoiseSocket {
    transport: Arc<dyn Transport>,
    pending: Mutex<Pending>,
    /// Held while a batch is being written: batches reach the wire in order.
    write_lock: tokio::sync::Mutex<()>,
}

fn lock(m: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    // The critical sections only append to or take the buffers.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl NoiseSocket {
    pub(crate) fn new(transport: Arc<dyn Transport>, writer: NoiseWriter) -> Self {
        Self {
            transport,
            pending: Mutex::new(Pending {
                writer,
                frames: Vec::new(),
                waiters: Vec::new(),
            }),
            write_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Encrypts `plaintext` (a marshalled node with its flag byte) into one frame
    /// and sends it, possibly in one transport write with frames of concurrent senders.
    /// Returns once the write that carried the frame finished.
    pub(crate) async fn send_plaintext(&self, plaintext: &[u8]) -> Result<(), ClientError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut p = lock(&self.pending);
            let Pending {
                writer,
                frames,
                waiters,
            } = &mut *p;
            let mut frame = Vec::with_capacity(plaintext.len() + 32);
            writer
                .encrypt_frame(plaintext, &mut frame)
                .map_err(|e| ClientError::EncryptSend(e.to_string()))?;
            frames.push(frame);
            waiters.push(tx);
        }
        {
            let _writing = self.write_lock.lock().await;
            let (batch, waiters) = {
                let mut p = lock(&self.pending);
                (
                    std::mem::take(&mut p.frames),
                    std::mem::take(&mut p.waiters),
                )
            };
            if !batch.is_empty() {
                let result = self.transport.send_batch(batch).await.map_err(|e| match e {
                    TransportError::Closed => None,
                    other => Some(other.to_string()),
                });
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
        }
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(None)) => Err(TransportError::Closed.into()),
            Ok(Err(Some(e))) => Err(TransportError::Send(e).into()),
            Err(_) => Err(TransportError::Send(
                "the write carrying this frame was cancelled".into(),
            )
            .into()),
        }
    }

    pub(crate) async fn disconnect(&self) {
        self.transport.disconnect().await;
    }
}
