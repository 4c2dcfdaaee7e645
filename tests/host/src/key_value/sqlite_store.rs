//! SQLite backend: Spin's table layout, one row per (store, key).

use super::{KeyValueStore, parse_counter};
use anyhow::{Context, Result};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One database connection, shared by every store label kept in that file.
pub type SharedConnection = Arc<Mutex<Connection>>;

pub fn open_database(path: Option<&Path>) -> Result<SharedConnection> {
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
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
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
    Ok(Arc::new(Mutex::new(conn)))
}

pub struct SqliteStore {
    conn: SharedConnection,
    label: String,
}

impl SqliteStore {
    pub fn new(conn: SharedConnection, label: &str) -> Self {
        Self { conn, label: label.to_string() }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection, &str) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().map_err(|_| anyhow::anyhow!("the SQLite connection was poisoned by a panic"))?;
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
        let mut conn = self.conn.lock().map_err(|_| anyhow::anyhow!("the SQLite connection was poisoned by a panic"))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = parse_counter(key, read(&tx, &self.label, key)?.as_deref())?;
        let next = current
            .checked_add(delta)
            .ok_or_else(|| anyhow::anyhow!("incrementing {key:?} by {delta} overflows"))?;
        write(&tx, &self.label, key, next.to_string().as_bytes())?;
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
    async fn labels_sharing_a_file_do_not_see_each_other() {
        let conn = open_database(None).unwrap();
        let a = SqliteStore::new(conn.clone(), "a");
        let b = SqliteStore::new(conn, "b");
        a.set("k", b"1").await.unwrap();
        assert_eq!(b.get("k").await.unwrap(), None);
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
