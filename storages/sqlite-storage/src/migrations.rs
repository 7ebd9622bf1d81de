//! The embedded, numbered schema migrations and the checks run before them.
//!
//! The schema version is SQLite's `user_version`; the file is tagged with our
//! `application_id`. Opening a file:
//! 1. reads both (this fails cleanly on a file that is not a database);
//! 2. refuses a database whose version is newer than [`LATEST_VERSION`] without writing to it;
//! 3. refuses a non-empty database that belongs to another application;
//! 4. applies each missing migration in its own `BEGIN IMMEDIATE` transaction, re-checking the
//!    version inside it so two processes opening the same file never apply one twice.

use rusqlite::{Connection, TransactionBehavior};
use wacore::store::StoreError;
use wacore::store::error::Result;

use crate::error::{map_err, map_err_at};

/// `application_id` of our databases ("WARS").
pub(crate) const APPLICATION_ID: i32 = 0x5741_5253;

/// One migration: the version it brings the schema to and its SQL.
struct Migration {
    version: u32,
    sql: &'static str,
}

/// Every migration, in order. Never edit a released one: add a new one.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: r#"
CREATE TABLE device (
    device_id INTEGER PRIMARY KEY,
    data BLOB
);

CREATE TABLE identities (
    device_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    key BLOB NOT NULL,
    PRIMARY KEY (device_id, address)
);
CREATE TABLE sessions (
    device_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (device_id, address)
);
CREATE TABLE prekeys (
    device_id INTEGER NOT NULL,
    prekey_id INTEGER NOT NULL,
    record BLOB NOT NULL,
    uploaded BOOLEAN NOT NULL,
    PRIMARY KEY (device_id, prekey_id)
);
CREATE TABLE signed_prekeys (
    device_id INTEGER NOT NULL,
    signed_prekey_id INTEGER NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (device_id, signed_prekey_id)
);
CREATE TABLE sender_keys (
    device_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (device_id, address)
);

CREATE TABLE app_state_sync_keys (
    device_id INTEGER NOT NULL,
    key_id BLOB NOT NULL,
    key_data BLOB NOT NULL,
    fingerprint BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (device_id, key_id)
);
CREATE TABLE app_state_versions (
    device_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash BLOB NOT NULL,
    value_macs BLOB NOT NULL,
    PRIMARY KEY (device_id, name)
);
CREATE TABLE app_state_mutation_macs (
    device_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    index_mac BLOB NOT NULL,
    value_mac BLOB NOT NULL,
    PRIMARY KEY (device_id, name, index_mac, version)
);

CREATE TABLE skdm_recipients (
    device_id INTEGER NOT NULL,
    group_jid TEXT NOT NULL,
    device_jid TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (device_id, group_jid, device_jid)
);
CREATE TABLE lid_pn_mappings (
    device_id INTEGER NOT NULL,
    lid TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    learning_source TEXT NOT NULL,
    PRIMARY KEY (device_id, lid)
);
CREATE INDEX idx_lid_pn_mappings_pn ON lid_pn_mappings (device_id, phone_number, updated_at);
CREATE TABLE base_keys (
    device_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    message_id TEXT NOT NULL,
    base_key BLOB NOT NULL,
    PRIMARY KEY (device_id, address, message_id)
);
CREATE TABLE device_lists (
    device_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    devices BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    phash TEXT,
    PRIMARY KEY (device_id, user)
);
CREATE TABLE sender_key_forget_marks (
    device_id INTEGER NOT NULL,
    group_jid TEXT NOT NULL,
    participant TEXT NOT NULL,
    PRIMARY KEY (device_id, group_jid, participant)
);
CREATE TABLE tc_tokens (
    device_id INTEGER NOT NULL,
    jid TEXT NOT NULL,
    token BLOB NOT NULL,
    token_timestamp INTEGER NOT NULL,
    sender_timestamp INTEGER,
    PRIMARY KEY (device_id, jid)
);
CREATE INDEX idx_tc_tokens_timestamp ON tc_tokens (device_id, token_timestamp);
CREATE TABLE sent_messages (
    device_id INTEGER NOT NULL,
    chat_jid TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, chat_jid, message_id)
);
CREATE INDEX idx_sent_messages_created ON sent_messages (device_id, created_at);
"#,
}];

/// The schema version this build creates and understands.
pub const LATEST_VERSION: u32 = 1;

/// Checks the file before anything is written to it: it must be a SQLite database, ours (or
/// empty), and not from a newer schema. Returns the current schema version.
pub(crate) fn check(conn: &Connection, path_for_errors: &str) -> Result<u32> {
    let (version, app_id) = read_header(conn, path_for_errors)?;
    if version > LATEST_VERSION {
        return Err(StoreError::UnsupportedVersion {
            kind: "database schema",
            found: u64::from(version),
            supported: u64::from(LATEST_VERSION),
        });
    }
    if app_id != APPLICATION_ID && app_id != 0 {
        return Err(StoreError::Connection(format!(
            "{path_for_errors} belongs to another application (application_id {app_id:#x})"
        )));
    }
    if app_id == 0 {
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(map_err)?;
        if objects > 0 {
            return Err(StoreError::Connection(format!(
                "{path_for_errors} is a SQLite database of another application (it has tables \
                 but no whatsapp-rust schema); refusing to modify it"
            )));
        }
    }
    Ok(version)
}

/// Applies every migration newer than `version`.
pub(crate) fn migrate(conn: &mut Connection, version: u32) -> Result<()> {
    for migration in MIGRATIONS.iter().filter(|m| m.version > version) {
        apply(conn, migration)?;
    }
    Ok(())
}

/// Reads `user_version` and `application_id`, turning "not a database" into a clear error.
fn read_header(conn: &Connection, path_for_errors: &str) -> Result<(u32, i32)> {
    let read = || -> rusqlite::Result<(i64, i32)> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        Ok((version, app_id))
    };
    let (version, app_id) = read().map_err(|e| map_err_at(e, path_for_errors))?;
    let version = u32::try_from(version).map_err(|_| {
        StoreError::Migration(format!("{path_for_errors}: bad schema version {version}"))
    })?;
    Ok((version, app_id))
}

fn apply(conn: &mut Connection, migration: &Migration) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(map_err)?;
    let current: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(map_err)?;
    if current >= i64::from(migration.version) {
        // Another connection applied it while we waited for the lock.
        return Ok(());
    }
    let fail = |e: rusqlite::Error| {
        StoreError::Migration(format!("migration {} failed: {e}", migration.version))
    };
    tx.execute_batch(migration.sql).map_err(fail)?;
    tx.execute_batch(&format!(
        "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
        migration.version
    ))
    .map_err(fail)?;
    tx.commit().map_err(fail)?;
    log::info!(
        "sqlite store: schema migrated to version {}",
        migration.version
    );
    Ok(())
}
