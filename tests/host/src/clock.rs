//! The wall clock components see: the system's, or a test clock that a
//! test (or `--clock`) sets, for behaviour that depends on the time of day.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Shared handle; cloning it shares the same time.
#[derive(Clone, Default)]
pub struct Clock {
    /// Fixed time in milliseconds since the Unix epoch; `None` is the system clock.
    fixed_millis: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn fixed(at: jiff::Timestamp) -> Self {
        Self { fixed_millis: Some(Arc::new(AtomicI64::new(at.as_millisecond()))) }
    }

    /// Moves a test clock; a system clock cannot be set.
    pub fn set(&self, at: jiff::Timestamp) {
        let fixed = self.fixed_millis.as_ref().expect("only a test clock can be set");
        fixed.store(at.as_millisecond(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        let fixed = self.fixed_millis.as_ref().expect("only a test clock can be advanced");
        fixed.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }

    pub fn now_since_epoch(&self) -> Duration {
        match &self.fixed_millis {
            Some(millis) => Duration::from_millis(millis.load(Ordering::SeqCst).max(0) as u64),
            None => SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default(),
        }
    }
}

impl wasmtime_wasi::HostWallClock for Clock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        self.now_since_epoch()
    }
}
