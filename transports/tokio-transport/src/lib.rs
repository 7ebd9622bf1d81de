//! The default tokio WebSocket transport (rustls) for whatsapp-rust.
//!
//! [`TokioWebSocketTransportFactory`] opens one WebSocket per connection attempt to
//! `wss://web.whatsapp.com/ws/chat` (or any `ws://`/`wss://` URL given with
//! [`TokioWebSocketTransportFactory::with_url`], e.g. a local test server). The
//! socket is a plain byte pipe: the client does the Noise framing on top.
//!
//! TLS uses rustls with the webpki root store. The `danger-skip-tls-verify` feature
//! disables certificate verification; it exists for development only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod tls;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use wacore::net::{
    Transport, TransportError, TransportEvent, TransportFactory, WHATSAPP_WEB_ORIGIN,
};

pub use wacore::net::WHATSAPP_WEB_WS_URL;

type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Capacity of the event channel between the read pump and the client.
const EVENT_CHANNEL_CAPACITY: usize = 64;

/// Read buffer of one connection. tungstenite allocates (and zero-fills) it up front; its
/// 128 KiB default made it most of an idle client's memory. WhatsApp frames are small, and
/// a large frame simply takes several reads.
const READ_BUFFER_SIZE: usize = 16 * 1024;

/// Buffered bytes before a write reaches the socket (each send is flushed anyway).
const WRITE_BUFFER_SIZE: usize = 16 * 1024;

fn websocket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
}

/// Creates [`TokioWebSocketTransport`]s for a fixed URL.
#[derive(Debug, Clone)]
pub struct TokioWebSocketTransportFactory {
    url: String,
    origin: Option<String>,
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for TokioWebSocketTransportFactory {
    fn default() -> Self {
        Self::new()
    }
}

impl TokioWebSocketTransportFactory {
    /// A factory for the real WhatsApp Web endpoint ([`WHATSAPP_WEB_WS_URL`]).
    pub fn new() -> Self {
        Self {
            url: WHATSAPP_WEB_WS_URL.to_string(),
            origin: Some(WHATSAPP_WEB_ORIGIN.to_string()),
            extra_roots: Vec::new(),
        }
    }

    /// Uses another `ws://` or `wss://` URL (for example a local test server).
    #[must_use]
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Sets the `Origin` header (`None` sends none). Defaults to WhatsApp Web's.
    #[must_use]
    pub fn with_origin(mut self, origin: Option<String>) -> Self {
        self.origin = origin;
        self
    }

    /// Also trusts this certificate authority (DER) for `wss://`, besides the public webpki
    /// roots: for a server with a private CA, such as the open test server started with TLS
    /// (`TestServer::tls_ca_der`). The certificate is checked when connecting.
    #[must_use]
    pub fn with_extra_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots
            .push(rustls::pki_types::CertificateDer::from(der.into()));
        self
    }

    /// The URL this factory connects to.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn connector(&self) -> Result<Connector, TransportError> {
        if self.url.starts_with("wss://") {
            Ok(Connector::Rustls(tls::client_config(
                &self.url,
                &self.extra_roots,
            )?))
        } else if self.url.starts_with("ws://") {
            Ok(Connector::Plain)
        } else {
            Err(TransportError::InvalidUrl {
                url: self.url.clone(),
                reason: "scheme must be ws:// or wss://".to_string(),
            })
        }
    }
}

#[async_trait]
impl TransportFactory for TokioWebSocketTransportFactory {
    async fn create_transport(
        &self,
    ) -> Result<(Arc<dyn Transport>, async_channel::Receiver<TransportEvent>), TransportError> {
        let connector = self.connector()?;
        let mut request =
            self.url
                .as_str()
                .into_client_request()
                .map_err(|e| TransportError::InvalidUrl {
                    url: self.url.clone(),
                    reason: e.to_string(),
                })?;
        if let Some(origin) = &self.origin {
            let value = HeaderValue::from_str(origin).map_err(|e| TransportError::InvalidUrl {
                url: self.url.clone(),
                reason: format!("bad Origin header: {e}"),
            })?;
            request.headers_mut().insert("Origin", value);
        }

        log::debug!(target: "Transport", "connecting to {}", self.url);
        let (ws, _response) = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(websocket_config()),
            true,
            Some(connector),
        )
        .await
        .map_err(|e| TransportError::Connect {
            url: self.url.clone(),
            reason: e.to_string(),
        })?;
        log::debug!(target: "Transport", "connected to {}", self.url);

        let (sink, stream) = ws.split();
        let (event_tx, event_rx) = async_channel::bounded(EVENT_CHANNEL_CAPACITY);
        let (close_tx, close_rx) = watch::channel(false);
        // Connected is queued before the pump starts, so it is always the first event.
        let _ = event_tx.send(TransportEvent::Connected).await;
        tokio::spawn(read_pump(stream, event_tx, close_rx));

        let transport = TokioWebSocketTransport {
            sink: Mutex::new(Some(sink)),
            close_tx,
        };
        Ok((Arc::new(transport), event_rx))
    }
}

/// One open WebSocket connection.
pub struct TokioWebSocketTransport {
    sink: Mutex<Option<SplitSink<WsStream, Message>>>,
    close_tx: watch::Sender<bool>,
}

impl std::fmt::Debug for TokioWebSocketTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokioWebSocketTransport")
            .field("closed", &*self.close_tx.borrow())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for TokioWebSocketTransport {
    async fn send(&self, data: Vec<u8>) -> Result<(), TransportError> {
        let mut guard = self.sink.lock().await;
        let sink = guard.as_mut().ok_or(TransportError::Closed)?;
        if let Err(e) = sink.send(Message::Binary(Bytes::from(data))).await {
            // A failed write leaves the socket unusable: drop it so later sends fail fast.
            *guard = None;
            let _ = self.close_tx.send(true);
            return Err(TransportError::Send(e.to_string()));
        }
        Ok(())
    }

    /// Queues each chunk as its own binary message and flushes once, so a batch costs one
    /// write to the socket instead of one per message.
    async fn send_batch(&self, chunks: Vec<Vec<u8>>) -> Result<(), TransportError> {
        let mut guard = self.sink.lock().await;
        let sink = guard.as_mut().ok_or(TransportError::Closed)?;
        let mut result = Ok(());
        for chunk in chunks {
            result = sink.feed(Message::Binary(Bytes::from(chunk))).await;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result = sink.flush().await;
        }
        if let Err(e) = result {
            // As in `send`: a failed write leaves the socket unusable.
            *guard = None;
            let _ = self.close_tx.send(true);
            return Err(TransportError::Send(e.to_string()));
        }
        Ok(())
    }

    async fn disconnect(&self) {
        let sink = self.sink.lock().await.take();
        if let Some(mut sink) = sink {
            let _ = sink.close().await;
        }
        let _ = self.close_tx.send(true);
    }
}

/// Forwards incoming binary messages as events until the socket ends or
/// [`Transport::disconnect`] is called; always ends with `Disconnected`.
async fn read_pump(
    mut stream: SplitStream<WsStream>,
    events: async_channel::Sender<TransportEvent>,
    mut close_rx: watch::Receiver<bool>,
) {
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = close_rx.wait_for(|closed| *closed) => break,
        };
        match next {
            Some(Ok(Message::Binary(data))) => {
                if events
                    .send(TransportEvent::DataReceived(data))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            Some(Ok(Message::Close(frame))) => {
                log::debug!(target: "Transport", "server closed the socket: {frame:?}");
                break;
            }
            Some(Ok(other)) => {
                log::trace!(target: "Transport", "ignoring non-binary message ({} bytes)", other.len());
            }
            Some(Err(e)) => {
                log::debug!(target: "Transport", "read error: {e}");
                break;
            }
            None => break,
        }
    }
    let _ = events.send(TransportEvent::Disconnected).await;
    events.close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::net::TcpListener;

    async fn next_event(rx: &async_channel::Receiver<TransportEvent>) -> TransportEvent {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("event in time")
            .expect("channel open")
    }

    /// A loopback WebSocket server that echoes binary messages and reports the
    /// Origin header it saw.
    async fn echo_server() -> (String, tokio::sync::oneshot::Receiver<Option<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (origin_tx, origin_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut origin = None;
            #[allow(clippy::result_large_err)]
            let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request, resp| {
                origin = req
                    .headers()
                    .get("Origin")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                Ok(resp)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, cb).await.unwrap();
            let _ = origin_tx.send(origin);
            while let Some(Ok(msg)) = ws.next().await {
                match msg {
                    Message::Binary(b) if b.as_ref() == b"close-me" => {
                        let _ = ws.close(None).await;
                        break;
                    }
                    Message::Binary(b) => ws.send(Message::Binary(b)).await.unwrap(),
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        });
        (format!("ws://{addr}/ws/chat"), origin_rx)
    }

    #[tokio::test]
    async fn roundtrip_over_loopback_ws() {
        let (url, origin_rx) = echo_server().await;
        let factory = TokioWebSocketTransportFactory::new().with_url(url);
        let (transport, events) = factory.create_transport().await.unwrap();
        assert_eq!(next_event(&events).await, TransportEvent::Connected);
        assert_eq!(
            origin_rx.await.unwrap().as_deref(),
            Some(WHATSAPP_WEB_ORIGIN)
        );
        transport.send(vec![1, 2, 3]).await.unwrap();
        assert_eq!(
            next_event(&events).await,
            TransportEvent::DataReceived(Bytes::from_static(&[1, 2, 3]))
        );
        transport.disconnect().await;
        assert_eq!(next_event(&events).await, TransportEvent::Disconnected);
        assert!(
            events.recv().await.is_err(),
            "channel closes after Disconnected"
        );
        assert!(matches!(
            transport.send(vec![9]).await,
            Err(TransportError::Closed)
        ));
        // A second disconnect is harmless.
        transport.disconnect().await;
    }

    #[tokio::test]
    async fn a_batch_leaves_as_one_message_per_chunk_in_order() {
        let (url, _origin) = echo_server().await;
        let factory = TokioWebSocketTransportFactory::new().with_url(url);
        let (transport, events) = factory.create_transport().await.unwrap();
        assert_eq!(next_event(&events).await, TransportEvent::Connected);
        transport
            .send_batch(vec![vec![1], vec![2, 2], vec![3, 3, 3]])
            .await
            .unwrap();
        for expected in [&[1u8][..], &[2, 2], &[3, 3, 3]] {
            assert_eq!(
                next_event(&events).await,
                TransportEvent::DataReceived(Bytes::copy_from_slice(expected))
            );
        }
        transport.disconnect().await;
        assert!(matches!(
            transport.send_batch(vec![vec![9]]).await,
            Err(TransportError::Closed)
        ));
    }

    #[tokio::test]
    async fn server_close_yields_disconnected() {
        let (url, _origin) = echo_server().await;
        let factory = TokioWebSocketTransportFactory::new().with_url(url);
        let (transport, events) = factory.create_transport().await.unwrap();
        assert_eq!(next_event(&events).await, TransportEvent::Connected);
        transport.send(b"close-me".to_vec()).await.unwrap();
        assert_eq!(next_event(&events).await, TransportEvent::Disconnected);
    }

    #[tokio::test]
    async fn bad_scheme_is_rejected() {
        let factory = TokioWebSocketTransportFactory::new().with_url("http://127.0.0.1:1/");
        let err = factory.create_transport().await.err().unwrap();
        assert!(matches!(err, TransportError::InvalidUrl { .. }), "{err}");
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        // Bind then drop to get a port with (almost certainly) nothing listening.
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap().port()
        };
        let factory =
            TokioWebSocketTransportFactory::new().with_url(format!("ws://127.0.0.1:{port}/"));
        let err = factory.create_transport().await.err().unwrap();
        assert!(matches!(err, TransportError::Connect { .. }), "{err}");
    }

    #[test]
    fn default_url_is_whatsapp_web() {
        assert_eq!(
            TokioWebSocketTransportFactory::new().url(),
            "wss://web.whatsapp.com/ws/chat"
        );
    }
}
