//! Retry with exponential backoff on `SQLITE_BUSY` / `SQLITE_LOCKED`.
//!
//! Connections already wait up to the busy timeout inside SQLite; this covers the cases where
//! SQLite returns busy at once (lock upgrades, WAL recovery by another process) or the timeout
//! ran out while another process held the write lock.

use std::time::Duration;

use wacore::store::error::Result;

use crate::error::{is_busy, map_err};

/// Runs `op` until it succeeds, fails with a non-busy error or `attempts` are used up.
pub(crate) fn with_retry<T>(
    attempts: u32,
    mut op: impl FnMut() -> rusqlite::Result<T>,
) -> Result<T> {
    let mut delay = Duration::from_millis(2);
    let mut attempt = 1;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if is_busy(&e) && attempt < attempts => {
                log::debug!("sqlite store: busy (attempt {attempt}/{attempts}), retrying: {e}");
                std::thread::sleep(delay + jitter(delay));
                delay = (delay * 2).min(Duration::from_millis(500));
                attempt += 1;
            }
            Err(e) => {
                if is_busy(&e) {
                    log::warn!("sqlite store: still busy after {attempts} attempts: {e}");
                }
                return Err(map_err(e));
            }
        }
    }
}

/// Up to half of `d`, from the clock's sub-second noise (no RNG needed for this).
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    let half = d.as_nanos() / 2;
    if half == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(u64::try_from(u128::from(nanos) % half).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn busy() -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_BUSY), None)
    }

    #[test]
    fn retries_busy_then_succeeds() {
        let mut calls = 0;
        let r = with_retry(5, || {
            calls += 1;
            if calls < 3 { Err(busy()) } else { Ok(7) }
        });
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls, 3);
    }

    #[test]
    fn gives_up_after_attempts() {
        let mut calls = 0;
        let r: Result<()> = with_retry(4, || {
            calls += 1;
            Err(busy())
        });
        assert!(r.is_err());
        assert_eq!(calls, 4);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let r: Result<()> = with_retry(4, || {
            calls += 1;
            Err(rusqlite::Error::QueryReturnedNoRows)
        });
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }
}
