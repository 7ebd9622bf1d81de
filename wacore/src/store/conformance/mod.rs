//! A conformance suite any [`Backend`] can run (feature `conformance`).
//!
//! It checks the behaviour the client relies on, through the public traits only: round trips,
//! overwrites, deletes, absent keys, ordering rules ("most recent wins"), expiry, consume-once
//! semantics, persistence across handles and isolation between devices sharing one storage.
//!
//! ```ignore
//! use wacore::store::conformance;
//!
//! #[tokio::test]
//! async fn my_backend_conforms() {
//!     let dir = tempfile::tempdir().unwrap();
//!     conformance::run_all(|storage, device_id| {
//!         let path = dir.path().join(format!("{storage}.db"));
//!         async move { MyStore::open(&path, device_id).await }
//!     })
//!     .await
//!     .unwrap(); // the error lists every failed check
//! }
//! ```
//!
//! The `open(storage, device_id)` callback must return a handle on device slot `device_id` of
//! storage number `storage`. The same `storage` means the same underlying database (file,
//! schema, key prefix...); a `storage` number the suite has not used before must be empty.
//! Two handles with the same `storage` and `device_id` must see each other's writes, also
//! after the first one is dropped; handles with different `device_id`s must never see each
//! other's data.
//!
//! The suite does not spawn tasks, so it runs under any executor. Concurrency and
//! crash-durability are backend-specific and tested by each backend.

mod appsync;
mod device;
mod protocol;
mod signal;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::{Result, StoreError};
use super::traits::Backend;

/// One failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The check's name (`area::what`).
    pub check: &'static str,
    /// What went wrong.
    pub message: String,
}

/// The checks that failed in a run.
#[derive(Debug, Clone)]
pub struct ConformanceError {
    /// Every failed check, in run order.
    pub failures: Vec<Failure>,
    /// How many checks ran.
    pub checks_run: usize,
}

impl fmt::Display for ConformanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} storage conformance checks failed:",
            self.failures.len(),
            self.checks_run
        )?;
        for failure in &self.failures {
            writeln!(f, "  {}: {}", failure.check, failure.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConformanceError {}

/// The result of one check.
type Outcome = std::result::Result<(), String>;

/// Opens handles for the checks, giving each check its own fresh storage number.
struct Harness<F> {
    open: F,
    next_storage: AtomicU32,
}

/// What a check needs: handles on fresh or existing storages.
trait Opener {
    /// The backend under test.
    type B: Backend;
    /// A storage number no check has used.
    fn fresh_storage(&self) -> u32;
    /// Opens device slot `device_id` of `storage`.
    async fn open(&self, storage: u32, device_id: i32) -> std::result::Result<Self::B, String>;
    /// Opens device slot 1 of a fresh storage.
    async fn fresh(&self) -> std::result::Result<Self::B, String> {
        let storage = self.fresh_storage();
        self.open(storage, 1).await
    }
}

impl<B, F, Fut> Opener for Harness<F>
where
    B: Backend,
    F: Fn(u32, i32) -> Fut,
    Fut: Future<Output = Result<B>>,
{
    type B = B;

    fn fresh_storage(&self) -> u32 {
        self.next_storage.fetch_add(1, Ordering::Relaxed)
    }

    async fn open(&self, storage: u32, device_id: i32) -> std::result::Result<B, String> {
        (self.open)(storage, device_id)
            .await
            .map_err(|e| format!("opening storage {storage} device {device_id}: {e}"))
    }
}

/// Turns a store error into a check failure message naming the call.
trait Ctx<T> {
    fn ctx(self, call: &str) -> std::result::Result<T, String>;
}

impl<T> Ctx<T> for Result<T> {
    fn ctx(self, call: &str) -> std::result::Result<T, String> {
        self.map_err(|e: StoreError| format!("{call} failed: {e}"))
    }
}

/// Fails the check with a message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}
pub(crate) use ensure;

/// Fails the check unless `left == right`, showing both.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            return Err(format!("{}: got {:?}, expected {:?}", format!($($msg)+), l, r));
        }
    }};
}
pub(crate) use ensure_eq;

/// Runs a list of checks against the harness, collecting failures.
macro_rules! run_checks {
    ($h:expr, $failures:expr, $count:expr, [$($name:literal => $f:path),* $(,)?]) => {{
        $(
            $count += 1;
            if let Err(message) = $f($h).await {
                $failures.push(Failure { check: $name, message });
            }
        )*
    }};
}

/// Runs every check of the suite. `Ok` when all pass; otherwise the error lists each failure.
pub async fn run_all<B, F, Fut>(open: F) -> std::result::Result<(), ConformanceError>
where
    B: Backend,
    F: Fn(u32, i32) -> Fut,
    Fut: Future<Output = Result<B>>,
{
    let h = Harness {
        open,
        next_storage: AtomicU32::new(0),
    };
    let mut failures = Vec::new();
    let mut count = 0usize;
    run_checks!(&h, failures, count, [
        "signal::identities" => signal::identities,
        "signal::sessions" => signal::sessions,
        "signal::prekeys" => signal::prekeys,
        "signal::prekey_batch" => signal::prekey_batch,
        "signal::signed_prekeys" => signal::signed_prekeys,
        "signal::sender_keys" => signal::sender_keys,
        "signal::address_keys_exact" => signal::address_keys_exact,
        "signal::signal_batch" => signal::signal_batch,
        "signal::signal_batch_and_sent" => signal::signal_batch_and_sent,
        "appsync::sync_keys" => appsync::sync_keys,
        "appsync::latest_sync_key" => appsync::latest_sync_key,
        "appsync::versions" => appsync::versions,
        "appsync::mutation_macs" => appsync::mutation_macs,
        "protocol::skdm_recipients" => protocol::skdm_recipients,
        "protocol::lid_pn_mappings" => protocol::lid_pn_mappings,
        "protocol::base_keys" => protocol::base_keys,
        "protocol::device_lists" => protocol::device_lists,
        "protocol::forget_marks" => protocol::forget_marks,
        "protocol::tc_tokens" => protocol::tc_tokens,
        "protocol::sent_messages" => protocol::sent_messages,
        "device::create_and_exists" => device::create_and_exists,
        "device::round_trip" => device::round_trip,
        "device::save_without_create" => device::save_without_create,
        "device::persists_across_handles" => device::persists_across_handles,
        "device::devices_isolated" => device::devices_isolated,
    ]);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ConformanceError {
            failures,
            checks_run: count,
        })
    }
}
