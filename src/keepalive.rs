//! Keepalive pings and dead-socket detection, as WhatsApp Web does them: a ping every
//! 15-30 s unless data arrived recently or IQs are pending; a socket that received
//! nothing for `dead_socket_time` after a send is declared dead and replaced.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use wacore::iq::keepalive::KeepaliveIq;

use crate::client::{Client, now_ms};

pub(crate) fn spawn(client: &Arc<Client>, generation: u64, closed: watch::Receiver<bool>) {
    let client = Arc::clone(client);
    tokio::spawn(async move { keepalive_loop(client, generation, closed).await });
}

/// For a login (a paired device): if neither `<success>` nor `<failure>` arrived within
/// `limit` of the handshake, the connection is stuck (a lost frame, a wedged server) and is
/// replaced, instead of waiting forever with keepalives answered.
pub(crate) fn spawn_login_watchdog(client: &Arc<Client>, generation: u64, limit: Duration) {
    let client = Arc::clone(client);
    tokio::spawn(async move {
        tokio::time::sleep(limit).await;
        let current = client.connection_generation.load(Ordering::Acquire) == generation;
        if current && client.is_connected() && !client.is_logged_in() {
            log::warn!(target: "Client", "no login answer {limit:?} after the handshake; reconnecting");
            client.reconnect_immediately().await;
        }
    });
}

fn interval(min: Duration, max: Duration) -> Duration {
    let span = max.saturating_sub(min).as_secs_f64();
    min + Duration::from_secs_f64(span * rand::random::<f64>())
}

/// Dead-socket rule: armed only after a send, cancelled by any later receive.
pub(crate) fn is_socket_dead(
    last_sent_ms: u64,
    last_recv_ms: u64,
    now: u64,
    dead_after: Duration,
) -> bool {
    if last_sent_ms == 0 || last_recv_ms >= last_sent_ms {
        return false;
    }
    let dead_ms = u64::try_from(dead_after.as_millis()).unwrap_or(u64::MAX);
    now.saturating_sub(last_sent_ms) >= dead_ms
}

async fn keepalive_loop(client: Arc<Client>, generation: u64, mut closed: watch::Receiver<bool>) {
    let t = client.config.timings.clone();
    loop {
        let wait = interval(t.keepalive_interval_min, t.keepalive_interval_max);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = closed.wait_for(|c| *c) => return,
        }
        if client.connection_generation.load(Ordering::Acquire) != generation
            || !client.is_connected()
        {
            return;
        }
        let now = now_ms();
        let last_recv = client.last_data_received_ms.load(Ordering::Acquire);
        let min_ms = u64::try_from(t.keepalive_interval_min.as_millis()).unwrap_or(u64::MAX);
        let recently_active = last_recv != 0 && now.saturating_sub(last_recv) < min_ms;
        let pending = client.pending_iqs.load(Ordering::Acquire) > 0;
        if !recently_active && !pending {
            let start = now_ms();
            let query = wacore::iq::IqSpec::build_iq(&KeepaliveIq)
                .with_timeout(t.keepalive_response_deadline);
            match client.send_iq(query).await {
                Ok(resp) => {
                    let rtt = now_ms().saturating_sub(start);
                    log::debug!(target: "Client/Keepalive", "pong in {rtt} ms");
                    if let Some(server_t) = resp
                        .get_attr("t")
                        .and_then(|v| v.as_str().parse::<i64>().ok())
                    {
                        let mid = i64::try_from(start + rtt / 2).unwrap_or(0);
                        client
                            .server_time_offset_ms
                            .store(mid - server_t * 1000, Ordering::Relaxed);
                    }
                    continue;
                }
                Err(e) => {
                    // Exhaustive classification lives in IqError::is_fatal.
                    if e.is_fatal() {
                        log::debug!(target: "Client/Keepalive", "keepalive stopping: {e}");
                        return;
                    }
                    log::warn!(target: "Client/Keepalive", "keepalive failed: {e}");
                }
            }
        }
        let sent = client.last_data_sent_ms.load(Ordering::Acquire);
        let recv = client.last_data_received_ms.load(Ordering::Acquire);
        if is_socket_dead(sent, recv, now_ms(), t.dead_socket_time) {
            log::warn!(target: "Client/Keepalive", "socket is dead (nothing received for {:?} after a send); reconnecting", t.dead_socket_time);
            client.reconnect_immediately().await;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_socket_rule() {
        let d = Duration::from_secs(20);
        assert!(!is_socket_dead(0, 0, 100_000, d), "never sent: not armed");
        assert!(
            !is_socket_dead(1_000, 2_000, 100_000, d),
            "received after send: cancelled"
        );
        assert!(!is_socket_dead(10_000, 5_000, 29_999, d), "not yet 20 s");
        assert!(is_socket_dead(10_000, 5_000, 30_000, d));
        assert!(is_socket_dead(10_000, 0, 30_000, d));
    }

    #[test]
    fn interval_is_within_bounds() {
        for _ in 0..100 {
            let i = interval(Duration::from_secs(15), Duration::from_secs(30));
            assert!(i >= Duration::from_secs(15) && i <= Duration::from_secs(30));
        }
        assert_eq!(
            interval(Duration::from_secs(5), Duration::from_secs(1)),
            Duration::from_secs(5)
        );
    }
}
