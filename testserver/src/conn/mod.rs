//! One client connection: the Noise handshake (as responder, with the server's own certificate
//! chain), login or registration from the `ClientPayload`, then the stanza loop. A writer task
//! owns the sending half, so everything the world queues for the connection goes out in order,
//! with the fault settings (delays, dropped frames) applied per frame.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use wacore_noise::framing::{FrameDecoder, encode_frame};
use wacore_noise::{NoiseReader, NoiseResponder, NoiseWriter};

use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::{ConnId, Outbound, Shared};

pub(crate) mod codec;
pub(crate) mod dispatch;
pub(crate) mod login;

/// The upgraded WebSocket of one client.
pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;
type Sink = SplitSink<Ws, Message>;
type Stream = SplitStream<Ws>;

/// How long a client has to complete the Noise handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest frame a client may send (media travels over HTTP, so stanzas are small).
const MAX_CLIENT_FRAME: usize = 4 << 20;

/// Why reading from a client stopped.
#[derive(Debug)]
enum ReadEnd {
    /// The socket closed or failed.
    Closed,
    /// The client sent something that is not a frame (bad intro, oversized frame).
    BadFraming(String),
}

/// Runs a connection until it closes.
pub(crate) async fn run(ws: Ws, shared: Arc<Shared>) {
    let mut stop = shared.stop_signal();
    let (mut sink, mut stream) = ws.split();
    let mut decoder = FrameDecoder::new_server().with_max_frame_len(MAX_CLIENT_FRAME);
    let handshake = tokio::select! {
        r = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(&shared, &mut sink, &mut stream, &mut decoder)) => r,
        _ = stop.changed() => return,
    };
    let (client_static, payload, writer, reader) = match handshake {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            log::debug!(target: "TestServer/Conn", "handshake failed: {e:?}");
            let _ = sink.close().await;
            return;
        }
        Err(_) => {
            log::debug!(target: "TestServer/Conn", "handshake timed out");
            return;
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let (closed_tx, closed_rx) = oneshot::channel();
    let (conn, kill) = {
        let mut w = shared.world();
        let conn = w.add_conn(tx);
        let kill = w
            .conns
            .get(&conn)
            .map(|c| c.kill.clone())
            .unwrap_or_default();
        (conn, kill)
    };
    let writer = write_loop(sink, writer, rx, shared.clone(), conn);
    let writer_task = tokio::spawn(async move {
        tokio::select! {
            () = writer => {}
            () = kill.notified() => log::info!(target: "TestServer/Conn", "conn {conn}: cut (fault)"),
        }
        let _ = closed_tx.send(());
    });
    let admission = {
        let mut w = shared.world();
        login::admit(
            &mut w,
            conn,
            &client_static,
            &payload,
            shared.config.pair_ref_count,
        )
    };
    let me = match admission {
        login::Admission::Device(me) => Some(me),
        login::Admission::Pairing => None,
        login::Admission::Refused(_) => {
            // The writer sends the failure and closes; keep reading until it has.
            let _ = tokio::time::timeout(Duration::from_secs(5), closed_rx).await;
            shared.world().remove_conn(conn);
            let _ = writer_task.await;
            return;
        }
    };
    let session = Session {
        conn,
        shared: shared.clone(),
        me,
    };
    read_loop(&session, stream, decoder, reader, closed_rx, &mut stop).await;
    shared.world().remove_conn(conn);
    let _ = writer_task.await;
    log::debug!(target: "TestServer/Conn", "conn {conn} closed");
}

/// Result of a completed handshake: the client's static key, its payload and the cipher halves.
type Handshaken = (
    [u8; 32],
    waproto::whatsapp::ClientPayload,
    NoiseWriter,
    NoiseReader,
);

async fn handshake(
    shared: &Shared,
    sink: &mut Sink,
    stream: &mut Stream,
    decoder: &mut FrameDecoder,
) -> Result<Handshaken, String> {
    let hello = next_frame(stream, decoder)
        .await
        .map_err(|e| format!("client hello: {e:?}"))?;
    let header = decoder
        .intro()
        .map(|i| i.header)
        .ok_or("no connection header")?;
    let responder = NoiseResponder::new(
        shared.keys.static_key.clone(),
        shared.keys.cert_chain.clone(),
        &mut rand::rng(),
    )
    .with_prologue(&header);
    let (server_hello, expect_finish) = responder
        .read_client_hello(&hello)
        .map_err(|e| e.to_string())?;
    let frame = encode_frame(&server_hello, None).map_err(|e| e.to_string())?;
    sink.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| e.to_string())?;
    let finish = next_frame(stream, decoder)
        .await
        .map_err(|e| format!("client finish: {e:?}"))?;
    let done = expect_finish
        .read_client_finish(&finish)
        .map_err(|e| e.to_string())?;
    let payload = done.client_payload().map_err(|e| e.to_string())?;
    let (writer, reader) = done.transport.into_split();
    Ok((done.client_static, payload, writer, reader))
}

/// Reads WebSocket messages until the decoder yields a whole frame.
async fn next_frame(stream: &mut Stream, decoder: &mut FrameDecoder) -> Result<Vec<u8>, ReadEnd> {
    loop {
        match decoder.decode_frame_owned() {
            Ok(Some(f)) => return Ok(f),
            Ok(None) => {}
            Err(e) => return Err(ReadEnd::BadFraming(e.to_string())),
        }
        read_more(stream, decoder).await?;
    }
}

/// Feeds the next binary WebSocket message into the decoder.
async fn read_more(stream: &mut Stream, decoder: &mut FrameDecoder) -> Result<(), ReadEnd> {
    loop {
        match stream.next().await {
            Some(Ok(Message::Binary(b))) => {
                decoder.feed(&b);
                return Ok(());
            }
            Some(Ok(Message::Text(t))) => {
                return Err(ReadEnd::BadFraming(format!(
                    "text message of {} bytes",
                    t.len()
                )));
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(ReadEnd::Closed),
            Some(Ok(_)) => {}
        }
    }
}

/// The stanza loop of a logged-in (or pairing) connection.
async fn read_loop(
    s: &Session,
    mut stream: Stream,
    mut decoder: FrameDecoder,
    mut reader: NoiseReader,
    mut closed: oneshot::Receiver<()>,
    stop: &mut watch::Receiver<bool>,
) {
    let idle = s.shared.config.idle_timeout;
    loop {
        // Hand out every complete frame already buffered.
        loop {
            let frame = match decoder.decode_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return bad_input(s, &format!("framing: {e}")),
            };
            let plain = match reader.decrypt_frame(frame) {
                Ok(p) => p,
                Err(e) => return bad_input(s, &format!("undecryptable frame: {e}")),
            };
            let stanza = match codec::decode(plain) {
                Ok(st) => st,
                Err(e) => return bad_input(s, &format!("not a binary node: {e}")),
            };
            let mut w = s.shared.world();
            dispatch::dispatch(s, &mut w, &stanza);
        }
        let more = tokio::select! {
            r = tokio::time::timeout(idle, read_more(&mut stream, &mut decoder)) => r,
            _ = &mut closed => return,
            _ = stop.changed() => return,
        };
        match more {
            Ok(Ok(())) => {}
            Ok(Err(ReadEnd::Closed)) => return,
            Ok(Err(ReadEnd::BadFraming(e))) => return bad_input(s, &e),
            Err(_) => {
                log::info!(target: "TestServer/Conn", "conn {}: idle for {idle:?}, closing", s.conn);
                return;
            }
        }
    }
}

/// A client sent bytes that are not a well-formed stanza: the stream ends with
/// `<stream:error><xml-not-well-formed/></stream:error>`; nothing else is affected.
fn bad_input(s: &Session, why: &str) {
    log::info!(target: "TestServer/Conn", "conn {}: bad input ({why}); ending the stream", s.conn);
    let node = login::stream_error(None, Some(Stanza::new("xml-not-well-formed")));
    s.shared.world().send_conn(s.conn, Outbound::Fatal(node));
}

/// Owns the sending half: encrypts and sends what the world queues, applying faults.
/// Frames queued at the same time leave in one WebSocket message (one write); a lone frame
/// is sent at once.
async fn write_loop(
    mut sink: Sink,
    mut noise: NoiseWriter,
    mut rx: mpsc::UnboundedReceiver<Outbound>,
    shared: Arc<Shared>,
    conn: ConnId,
) {
    let mut buf = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let mut stop = false;
        let mut close = false;
        while let Some(out) = next.take() {
            let (stanza, then_close) = match out {
                Outbound::Stanza(st) => (st, false),
                Outbound::StreamError(code) => (login::stream_error(Some(code), None), true),
                Outbound::Fatal(st) => (st, true),
            };
            if !then_close {
                let (delay, drop) = fault_for(&shared, conn);
                if let Some(d) = delay {
                    // Frames batched so far are not held back by this one's delay.
                    if !flush(&mut sink, &mut buf).await {
                        return;
                    }
                    tokio::time::sleep(d).await;
                }
                if drop {
                    log::debug!(target: "TestServer/Conn", "conn {conn}: frame dropped (fault): <{}>", stanza.tag);
                    next = rx.try_recv().ok();
                    continue;
                }
            }
            log::debug!(target: "TestServer/Send", "conn {conn} <- {stanza}");
            match codec::encode(&stanza) {
                Ok(plain) => {
                    let start = buf.len();
                    if let Err(e) = noise.encrypt_frame(&plain, &mut buf) {
                        log::warn!(target: "TestServer/Conn", "conn {conn}: encrypt failed: {e}");
                        buf.truncate(start);
                        stop = true;
                        break;
                    }
                }
                Err(e) => {
                    log::warn!(target: "TestServer/Conn", "conn {conn}: cannot encode <{}>: {e}", stanza.tag);
                }
            }
            if then_close {
                close = true;
                break;
            }
            next = rx.try_recv().ok();
        }
        if !flush(&mut sink, &mut buf).await || stop {
            return;
        }
        if close {
            let _ = sink.close().await;
            return;
        }
    }
}

/// Sends the batched frames as one WebSocket message; false when the socket is gone.
async fn flush(sink: &mut Sink, buf: &mut Vec<u8>) -> bool {
    if buf.is_empty() {
        return true;
    }
    sink.send(Message::Binary(std::mem::take(buf).into()))
        .await
        .is_ok()
}

/// The delay and drop faults of the next frame to this connection.
fn fault_for(shared: &Shared, conn: ConnId) -> (Option<Duration>, bool) {
    let mut w = shared.world();
    let key = w
        .conns
        .get(&conn)
        .and_then(|c| c.device.clone())
        .map(|(p, d)| crate::faults::device_key(&p, d));
    let delay = w.faults.delay_for(key.as_deref().unwrap_or("*"));
    let drop = key.is_some_and(|k| w.faults.take_drop(&k));
    (delay, drop)
}

#[cfg(test)]
mod tests;
