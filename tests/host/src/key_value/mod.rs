//! Key-value stores for `fermyon:spin/key-value` and `wasi:keyvalue`: one
//! trait, a SQLite backend (Spin's default) and a Redis backend.

pub mod redis_store;
pub mod sqlite_store;

pub use redis_store::RedisStore;
pub use sqlite_store::SqliteStore;

use anyhow::Result;
use async_trait::async_trait;

/// What a backend must do for one store label.
#[async_trait]
pub trait KeyValueStore: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    async fn set(&self, key: &str, value: &[u8]) -> Result<()>;
    /// Writes every entry, all at once where the backend can, as Spin's
    /// do: one SQLite transaction, one Redis `MSET`.
    async fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<()>;
    async fn delete(&self, key: &str) -> Result<()>;
    async fn exists(&self, key: &str) -> Result<bool>;
    async fn keys(&self) -> Result<Vec<String>>;
    /// Writes `new` only if the key still holds `expected` (`None`: absent).
    /// Returns whether the write happened.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool>;
    /// Adds `delta` to the counter at `key` (absent: 0), kept as the
    /// backend keeps it under Spin: 8 little-endian bytes in SQLite,
    /// decimal text in Redis.
    async fn increment(&self, key: &str, delta: i64) -> Result<i64>;
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<()>;
}

#[cfg(test)]
pub(crate) mod contract {
    //! The behaviour every backend must show; each backend's tests run it.
    use super::KeyValueStore;

    pub async fn check(store: &dyn KeyValueStore) {
        assert_eq!(store.get("a").await.unwrap(), None);
        assert!(!store.exists("a").await.unwrap());
        store.set("a", b"1").await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some(&b"1"[..]));
        assert!(store.exists("a").await.unwrap());
        store.set("b", b"2").await.unwrap();
        let mut keys = store.keys().await.unwrap();
        keys.sort();
        assert_eq!(keys, ["a", "b"]);
        store.delete("a").await.unwrap();
        store.delete("a").await.unwrap();
        store
            .set_many(&[("b".into(), b"3".to_vec()), ("m".into(), b"4".to_vec())])
            .await
            .unwrap();
        store.set_many(&[]).await.unwrap();
        assert_eq!(store.get("b").await.unwrap().as_deref(), Some(&b"3"[..]));
        assert_eq!(store.get("m").await.unwrap().as_deref(), Some(&b"4"[..]));
        store.delete("m").await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);

        assert!(store.compare_and_swap("c", None, b"x").await.unwrap());
        assert!(!store.compare_and_swap("c", None, b"y").await.unwrap());
        assert!(!store.compare_and_swap("c", Some(b"z"), b"y").await.unwrap());
        assert!(store.compare_and_swap("c", Some(b"x"), b"y").await.unwrap());
        assert_eq!(store.get("c").await.unwrap().as_deref(), Some(&b"y"[..]));

        assert_eq!(store.increment("n", 5).await.unwrap(), 5);
        assert_eq!(store.increment("n", -2).await.unwrap(), 3);
        store.set("text", b"abc").await.unwrap();
        assert!(store.increment("text", 1).await.is_err());
        store.ping().await.unwrap();
    }
}
