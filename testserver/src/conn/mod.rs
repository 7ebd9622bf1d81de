//! One client connection: Noise handshake, login or registration, then the stanza loop.

use std::sync::Arc;

use futures_util::StreamExt;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;

use crate::state::Shared;

pub(crate) mod dispatch;

/// Runs a connection until it closes.
pub(crate) async fn run(ws: WebSocketStream<TokioIo<Upgraded>>, shared: Arc<Shared>) {
    let (_sink, mut stream) = ws.split();
    let _ = shared;
    while let Some(Ok(_msg)) = stream.next().await {}
}

#[cfg(test)]
mod tests;
