//! Key-value access shared by the components.
//!
//! Domain logic takes `&impl KeyValue`; components pass Spin's store, unit
//! tests pass a [`MemoryStore`]. Store failures surface as [`StoreError`],
//! which components answer with `503`.

use serde::{Serialize, de::DeserializeOwned};
use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;

/// A backend failure (e.g. Redis unreachable), or a stored value that no longer parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Writes every entry. A store that can write them in one round trip
    /// (`wasi:keyvalue/batch`) does; a reader may still see some before the
    /// others, as the interface promises no atomicity.
    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        entries.iter().try_for_each(|(key, value)| self.set(key, value))
    }

    fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.get(key)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StoreError(format!("the record at {key:?} is unreadable: {e}"))),
        }
    }

    fn set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError(format!("cannot encode {key:?}: {e}")))?;
        self.set(key, &bytes)
    }

    /// The counter `wasi:keyvalue/atomics.increment` keeps at `key` (absent: 0).
    fn get_counter(&self, key: &str) -> Result<i64, StoreError> {
        match self.get(key)? {
            None => Ok(0),
            Some(bytes) => counter_value(&bytes)
                .ok_or_else(|| StoreError(format!("the counter at {key:?} is unreadable"))),
        }
    }
}

/// Reads a counter as `increment` left it, which depends on the backend:
/// Spin's SQLite store keeps it as 8 little-endian bytes, Redis (`INCRBY`)
/// as decimal text. Decimal is tried first; the two cannot be confused for
/// any count below 3.4 x 10^18, whose top little-endian byte is never an
/// ASCII digit.
pub fn counter_value(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return std::str::from_utf8(bytes).ok()?.parse().ok();
    }
    Some(i64::from_le_bytes(bytes.try_into().ok()?))
}

impl KeyValue for spin_sdk::key_value::Store {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        spin_sdk::key_value::Store::get(self, key).map_err(|e| StoreError(e.to_string()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        spin_sdk::key_value::Store::set(self, key, value).map_err(|e| StoreError(e.to_string()))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        spin_sdk::key_value::Store::delete(self, key).map_err(|e| StoreError(e.to_string()))
    }
}

/// Opens a store the component's manifest lists.
pub fn open(label: &str) -> Result<spin_sdk::key_value::Store, StoreError> {
    spin_sdk::key_value::Store::open(label).map_err(|e| StoreError(format!("cannot open the {label:?} store: {e}")))
}

/// A store opened on its first use, so a request pays only for the stores it reads.
pub struct LazyStore {
    label: &'static str,
    store: OnceCell<spin_sdk::key_value::Store>,
}

impl LazyStore {
    pub fn new(label: &'static str) -> Self {
        Self {
            label,
            store: OnceCell::new(),
        }
    }

    fn store(&self) -> Result<&spin_sdk::key_value::Store, StoreError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let opened = open(self.label)?;
        Ok(self.store.get_or_init(|| opened))
    }
}

impl KeyValue for LazyStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        KeyValue::get(self.store()?, key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        KeyValue::set(self.store()?, key, value)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        KeyValue::delete(self.store()?, key)
    }
}

/// An in-memory store for tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: RefCell<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStore {
    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }
}

impl KeyValue for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.entries.borrow().get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.entries.borrow_mut().insert(key.to_string(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }
}

/// A test store over `inner` that runs `before_write` before each write
/// (`set`, so `set_many` too): a test makes a write fail there, or looks at
/// the store as a request running at that moment would see it.
pub struct HookedStore<'a, F> {
    pub inner: &'a MemoryStore,
    pub before_write: F,
}

impl<F: Fn(&MemoryStore, &str) -> Result<(), StoreError>> KeyValue for HookedStore<'_, F> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        (self.before_write)(self.inner, key)?;
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_unreadable_records() {
        let store = MemoryStore::default();
        store.set_json("k", &vec![1, 2]).unwrap();
        assert_eq!(store.get_json::<Vec<i32>>("k").unwrap(), Some(vec![1, 2]));
        store.set("bad", b"{").unwrap();
        assert!(store.get_json::<Vec<i32>>("bad").is_err());
        assert_eq!(store.get_json::<Vec<i32>>("none").unwrap(), None);
    }

    #[test]
    fn counters_read_the_same_from_sqlite_and_redis() {
        let store = MemoryStore::default();
        assert_eq!(store.get_counter("absent").unwrap(), 0);
        store.set("sqlite", &12345678i64.to_le_bytes()).unwrap();
        assert_eq!(store.get_counter("sqlite").unwrap(), 12345678);
        store.set("redis", b"12345678").unwrap();
        assert_eq!(store.get_counter("redis").unwrap(), 12345678);
        store.set("negative", &(-3i64).to_le_bytes()).unwrap();
        assert_eq!(store.get_counter("negative").unwrap(), -3);
        store.set("negative-text", b"-3").unwrap();
        assert_eq!(store.get_counter("negative-text").unwrap(), -3);
    }

    #[test]
    fn a_value_that_is_no_counter_is_an_error() {
        let store = MemoryStore::default();
        for bad in [&b"abc"[..], b"", b"-", b"12 ", &[1, 0, 0, 0]] {
            store.set("bad", bad).unwrap();
            assert!(store.get_counter("bad").is_err(), "{bad:?} read as a counter");
        }
    }
}
