//! How SQLite errors become [`StoreError`]s.
//!
//! The crate has no error enum of its own: the store traits return
//! [`wacore::store::StoreError`], so everything is mapped onto it here.

use rusqlite::ErrorCode;
use wacore::store::StoreError;

/// Whether an error is a transient lock conflict worth retrying.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Maps a SQLite error onto the store error the traits return.
pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            StoreError::Connection(format!("file is not a SQLite database: {e}"))
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            StoreError::Connection(e.to_string())
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            StoreError::Database(format!("database file is damaged: {e}"))
        }
        _ => StoreError::Database(e.to_string()),
    }
}

/// Like [`map_err`], naming the database file (for errors while opening it).
pub(crate) fn map_err_at(e: rusqlite::Error, path: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::Connection(format!(
            "{path} is not a SQLite database (or is encrypted or damaged)"
        )),
        _ => match map_err(e) {
            StoreError::Connection(m) => StoreError::Connection(format!("{path}: {m}")),
            StoreError::Database(m) => StoreError::Database(format!("{path}: {m}")),
            other => other,
        },
    }
}

/// An error for a stored value that does not decode.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Serialization(format!("{what}: {detail}"))
}
