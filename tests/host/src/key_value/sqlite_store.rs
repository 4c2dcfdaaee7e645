//! SQLite backend: Spin's table layout, one row per (store, key).

use super::KeyValueStore;
use anyhow::{Context, Result};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// One database connection, shared by every store label kept in that file,
/// and the thread that checkpoints its WAL.
pub struct Database {
    conn: Mutex<Connection>,
    checkpointer: Option<Checkpointer>,
}

/// How stores hold their database: every label kept in one file shares it.
pub type SharedDatabase = Arc<Database>;

pub fn open_database(path: Option<&Path>) -> Result<SharedDatabase> {
    let conn = match path {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the folder for {}", path.display()))?;
            }
            let conn = Connection::open(path)
                .with_context(|| format!("cannot open the SQLite key-value file {}", path.display()))?;
            // Several host processes may share one file: wait for each other's locks.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // In WAL mode NORMAL syncs at checkpoints, not on every commit: a
            // write the host acknowledged survives the host crashing, and only
            // an OS crash or power cut can lose the last moments. Local and
            // test stores take that for ten times the write throughput;
            // production regions use Redis (see the README's Operators).
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Checkpoints (copying the WAL into the database, with its
            // fsyncs) run on a thread of their own: a request never waits for one.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            conn
        }
        None => Connection::open_in_memory()?,
    };
    conn.execute(
        "CREATE TABLE IF NOT EXISTS spin_key_value (
            store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY (store, key))",
        [],
    )?;
    let checkpointer = path.map(Checkpointer::start).transpose()?;
    Ok(Arc::new(Database { conn: Mutex::new(conn), checkpointer }))
}

impl Database {
    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| anyhow::anyhow!("the SQLite connection was poisoned by a panic"))
    }
}

/// The checkpointer's connection closes first, so that the requests' one is
/// the file's last: SQLite then copies the whole WAL into the database and
/// removes it, and a stopped app leaves one file that holds everything.
impl Drop for Database {
    fn drop(&mut self) {
        if let Some(checkpointer) = self.checkpointer.take() {
            checkpointer.stop();
        }
    }
}

/// How long a writer waits for another process's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the WAL is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// A thread that checkpoints a file's WAL every [`CHECKPOINT_EVERY`] on a
/// connection of its own until it is stopped. A passive checkpoint never
/// blocks readers or writers.
struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open {} for checkpoints", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let shown = path.display().to_string();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        eprintln!("checkpointing the key-value file {shown} failed (retrying): {e}");
                    }
                }
            })
            .context("cannot start the SQLite checkpoint thread")?;
        Ok(Self { stop, thread })
    }

    /// Stops the thread and waits for it, which closes its connection.
    fn stop(self) {
        drop(self.stop);
        if self.thread.join().is_err() {
            eprintln!("the SQLite checkpoint thread panicked");
        }
    }
}

pub struct SqliteStore {
    db: SharedDatabase,
    label: String,
}

impl SqliteStore {
    pub fn new(db: SharedDatabase, label: &str) -> Self {
        Self { db, label: label.to_string() }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection, &str) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.db.lock()?;
        Ok(f(&mut conn, &self.label)?)
    }
}

fn read(conn: &Connection, store: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    // The hottest statement (every request resolves its session): parse it once per connection.
    conn.prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
        .query_row(params![store, key], |row| row.get(0))
        .optional()
}

fn write(conn: &Connection, store: &str, key: &str, value: &[u8]) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![store, key, value])
}

#[async_trait]
impl KeyValueStore for SqliteStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c, s| read(c, s, key))
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.with(|c, s| write(c, s, key, value).map(drop))
    }

    async fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<()> {
        self.with(|c, s| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (key, value) in entries {
                write(&tx, s, key, value)?;
            }
            tx.commit()
        })
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.with(|c, s| {
            c.execute("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2", params![s, key])
                .map(drop)
        })
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.get(key).await?.is_some())
    }

    async fn keys(&self) -> Result<Vec<String>> {
        self.with(|c, s| {
            let mut stmt = c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
            stmt.query_map([s], |row| row.get(0))?.collect()
        })
    }

    async fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        self.with(|c, s| {
            // IMMEDIATE takes the write lock first, so other processes cannot interleave.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = read(&tx, s, key)?;
            if current.as_deref() != expected {
                return Ok(false);
            }
            write(&tx, s, key, new)?;
            tx.commit()?;
            Ok(true)
        })
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let mut conn = self.db.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = match read(&tx, &self.label, key)? {
            None => 0,
            Some(bytes) => i64::from_le_bytes(bytes.try_into().map_err(|_| {
                anyhow::anyhow!(
                    "the value of {key:?} is not a counter (8 little-endian bytes, as Spin's SQLite store keeps them), so it cannot be incremented; \
                     if an older spin-host wrote it as text, delete the state folder (`.spin/`, or --state-dir) to start afresh"
                )
            })?),
        };
        let next = current
            .checked_add(delta)
            .ok_or_else(|| anyhow::anyhow!("incrementing {key:?} by {delta} overflows"))?;
        write(&tx, &self.label, key, &next.to_le_bytes())?;
        tx.commit()?;
        Ok(next)
    }

    async fn ping(&self) -> Result<()> {
        self.with(|c, _| c.query_row("SELECT 1", [], |_| Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn meets_the_store_contract() {
        let conn = open_database(None).unwrap();
        super::super::contract::check(&SqliteStore::new(conn, "default")).await;
    }

    #[tokio::test]
    async fn counters_are_stored_as_spin_stores_them() {
        // Spin's SQLite store reads 8 little-endian bytes (and panics on
        // anything else): a database file moves between this host and Spin.
        let store = SqliteStore::new(open_database(None).unwrap(), "s");
        store.increment("n", 258).await.unwrap();
        assert_eq!(store.get("n").await.unwrap(), Some(258i64.to_le_bytes().to_vec()));
        store.set("text", b"12").await.unwrap();
        let refused = store.increment("text", 1).await.unwrap_err().to_string();
        assert!(refused.contains("8 little-endian bytes"), "{refused}");
    }

    #[tokio::test]
    async fn labels_sharing_a_file_do_not_see_each_other() {
        let conn = open_database(None).unwrap();
        let a = SqliteStore::new(conn.clone(), "a");
        let b = SqliteStore::new(conn, "b");
        a.set("k", b"1").await.unwrap();
        assert_eq!(b.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_wal_reaches_the_database_file_in_the_background() {
        let dir = std::env::temp_dir().join(format!("kv-checkpoint-{}", std::process::id()));
        let path = dir.join("kv.db");
        let store = SqliteStore::new(open_database(Some(&path)).unwrap(), "s");
        for i in 0..200 {
            store.set(&format!("k{i}"), &[7u8; 1024]).await.unwrap();
        }
        // Nothing checkpoints on commit; the background thread does within a few periods.
        let file_size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_size() < 200 * 1024 && std::time::Instant::now() < deadline {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
        }
        assert!(file_size() >= 200 * 1024, "the database file holds {} bytes", file_size());
        drop(store);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn closing_the_last_store_leaves_one_file_that_holds_everything() {
        let dir = std::env::temp_dir().join(format!("kv-close-{}", std::process::id()));
        let path = dir.join("kv.db");
        let wal = dir.join("kv.db-wal");
        let store = SqliteStore::new(open_database(Some(&path)).unwrap(), "s");
        for i in 0..100 {
            store.set(&format!("k{i}"), b"v").await.unwrap();
        }
        assert!(wal.exists(), "an open store writes through its WAL");
        // Let the checkpoint thread's connection open the file too.
        tokio::time::sleep(CHECKPOINT_EVERY * 2).await;
        drop(store);
        assert!(!wal.exists(), "the WAL outlived the last store");
        let rows: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM spin_key_value WHERE store = 's'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 100);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn values_survive_reopening_the_file() {
        let dir = std::env::temp_dir().join(format!("kv-reopen-{}", std::process::id()));
        let path = dir.join("kv.db");
        SqliteStore::new(open_database(Some(&path)).unwrap(), "s").set("k", b"v").await.unwrap();
        let again = SqliteStore::new(open_database(Some(&path)).unwrap(), "s");
        assert_eq!(again.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
        std::fs::remove_dir_all(dir).ok();
    }
}
