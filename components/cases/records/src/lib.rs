//! Case records: what `cases` keeps in the `cases` store, and the little
//! other components may read of it. `contact` reads how many chat cases are
//! open to estimate the wait.

use key_value::{KeyValue, StoreError};

/// The store `cases` writes.
pub const STORE: &str = "cases";

fn open_count_key(channel: &str) -> String {
    format!("open-count:{channel}")
}

/// How many cases by `channel` are open (not resolved or closed).
pub fn open_cases(store: &impl KeyValue, channel: &str) -> Result<u64, StoreError> {
    match store.get(&open_count_key(channel))? {
        None => Ok(0),
        Some(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or_else(|| StoreError(format!("the open-case count for {channel:?} is unreadable"))),
    }
}
