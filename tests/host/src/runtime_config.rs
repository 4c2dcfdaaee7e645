//! Spin's runtime configuration file (`--runtime-config-file`): where each
//! key-value store lives and which LLM backend answers `fermyon:spin/llm`.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
struct RawRuntimeConfig {
    #[serde(default)]
    key_value_store: BTreeMap<String, KeyValueStoreConfig>,
    #[serde(default)]
    llm_compute: Option<LlmComputeConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyValueStoreConfig {
    /// Spin's own SQLite store; without `path` it lives in memory.
    Spin {
        #[serde(default)]
        path: Option<PathBuf>,
    },
    Redis { url: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LlmComputeConfig {
    /// An HTTP inference service; `api_type = "open_ai"` speaks the
    /// OpenAI-compatible chat completions and embeddings API.
    RemoteHttp {
        url: String,
        #[serde(default)]
        auth_token: Option<String>,
        #[serde(default)]
        api_type: Option<String>,
    },
}

#[derive(Debug, Default)]
pub struct RuntimeConfig {
    pub key_value_stores: BTreeMap<String, KeyValueStoreConfig>,
    pub llm: Option<LlmComputeConfig>,
}

impl RuntimeConfig {
    /// The configuration `spin up` uses without a file: only the `default`
    /// store, in `<state dir>/sqlite_key_value.db`.
    pub fn defaults(state_dir: &Path) -> Self {
        let mut config = Self::default();
        config.add_default_store(state_dir);
        config
    }

    pub fn load(path: &Path, state_dir: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the runtime config file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base, state_dir)
            .with_context(|| format!("invalid runtime config file {}", path.display()))
    }

    /// Relative store paths are resolved against the runtime config file's folder.
    pub fn parse(text: &str, base: &Path, state_dir: &Path) -> Result<Self> {
        let raw: RawRuntimeConfig = toml::from_str(text)?;
        let mut key_value_stores = BTreeMap::new();
        for (label, store) in raw.key_value_store {
            let store = match store {
                KeyValueStoreConfig::Spin { path: Some(path) } if path.is_relative() => {
                    KeyValueStoreConfig::Spin { path: Some(base.join(path)) }
                }
                other => other,
            };
            key_value_stores.insert(label, store);
        }
        if let Some(LlmComputeConfig::RemoteHttp { api_type, url, .. }) = &raw.llm_compute {
            if api_type.as_deref().unwrap_or("open_ai") != "open_ai" {
                bail!("[llm_compute] api_type {api_type:?} is not supported here; use \"open_ai\"");
            }
            url::Url::parse(url).with_context(|| format!("[llm_compute] url {url:?} is not a URL"))?;
        }
        let mut config = Self { key_value_stores, llm: raw.llm_compute };
        config.add_default_store(state_dir);
        Ok(config)
    }

    fn add_default_store(&mut self, state_dir: &Path) {
        self.key_value_stores.entry("default".into()).or_insert_with(|| KeyValueStoreConfig::Spin {
            path: Some(state_dir.join("sqlite_key_value.db")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_llm_are_read_in_spins_format() {
        let text = r#"
[key_value_store.sessions]
type = "redis"
url = "redis://127.0.0.1:6379/1"

[key_value_store.cases]
type = "spin"
path = "data/cases.db"

[llm_compute]
type = "remote_http"
url = "http://127.0.0.1:9000"
auth_token = "t"
api_type = "open_ai"
"#;
        let c = RuntimeConfig::parse(text, Path::new("/etc/app"), Path::new("/app/.spin")).unwrap();
        assert_eq!(
            c.key_value_stores["sessions"],
            KeyValueStoreConfig::Redis { url: "redis://127.0.0.1:6379/1".into() }
        );
        assert_eq!(
            c.key_value_stores["cases"],
            KeyValueStoreConfig::Spin { path: Some("/etc/app/data/cases.db".into()) }
        );
        assert_eq!(
            c.key_value_stores["default"],
            KeyValueStoreConfig::Spin { path: Some("/app/.spin/sqlite_key_value.db".into()) }
        );
        assert!(c.llm.is_some());
    }

    #[test]
    fn unknown_store_type_is_an_error() {
        let text = "[key_value_store.x]\ntype = \"dynamo\"\n";
        assert!(RuntimeConfig::parse(text, Path::new("."), Path::new(".spin")).is_err());
    }
}
