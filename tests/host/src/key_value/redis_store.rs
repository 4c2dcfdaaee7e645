//! Redis backend: keys stored as they are, as Spin's Redis store does; give
//! each store label its own database (`redis://host/N`) to keep them apart.

use super::KeyValueStore;
use anyhow::{Context, Result};
use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;
use tokio::sync::OnceCell;

pub struct RedisStore {
    client: redis::Client,
    // Connected on first use, so the host starts (and reports unhealthy)
    // while Redis is down, and reconnects by itself when it is back.
    conn: OnceCell<ConnectionManager>,
}

const CAS_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= false then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
";

impl RedisStore {
    pub fn new(url: &str) -> Result<Self> {
        let client = redis::Client::open(url).with_context(|| format!("invalid Redis URL {url:?}"))?;
        Ok(Self { client, conn: OnceCell::new() })
    }

    async fn conn(&self) -> Result<ConnectionManager> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(2))
                    .set_response_timeout(Duration::from_secs(2))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await
            .context("the Redis key-value store is unreachable")?;
        Ok(conn.clone())
    }
}

#[async_trait]
impl KeyValueStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn().await?.get(key).await?)
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        Ok(self.conn().await?.set(key, value).await?)
    }

    async fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<()> {
        if entries.is_empty() {
            // MSET with no pairs is a Redis error; nothing to write is no error.
            return Ok(());
        }
        Ok(self.conn().await?.mset(entries).await?)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        Ok(self.conn().await?.del(key).await?)
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.conn().await?.exists(key).await?)
    }

    async fn keys(&self) -> Result<Vec<String>> {
        Ok(self.conn().await?.keys("*").await?)
    }

    async fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        let swapped: i32 = redis::Script::new(CAS_SCRIPT)
            .key(key)
            .arg(if expected.is_none() { "1" } else { "0" })
            .arg(expected.unwrap_or_default())
            .arg(new)
            .invoke_async(&mut self.conn().await?)
            .await?;
        Ok(swapped == 1)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        Ok(self.conn().await?.incr(key, delta).await?)
    }

    async fn ping(&self) -> Result<()> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn().await?).await?;
        Ok(())
    }
}
