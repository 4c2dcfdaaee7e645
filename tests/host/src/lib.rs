//! A small host that runs a Spin application (`spin.toml` and its `.wasm`
//! files) on wasmtime, for machines where the Spin CLI cannot be installed.
//!
//! It gives components what Spin gives them, following Spin's documented
//! behaviour: the HTTP trigger and its route rules, key-value stores (SQLite
//! or Redis, from a runtime config in Spin's format), variables, outbound
//! HTTP limited to `allowed_outbound_hosts` with `*.spin.internal` chaining,
//! and the LLM interface over an OpenAI-compatible service. A test clock
//! fixes the wall clock components see.

mod app;
pub mod build;
mod clock;
mod key_value;
mod llm;
mod manifest;
mod outbound;
mod outbound_http;
mod problem;
mod request_log;
mod routes;
mod runtime_config;
mod server;
mod spin_interfaces;
mod state;
mod variables;

pub use app::{App, AppOptions};
pub use clock::Clock;
pub use manifest::Manifest;
pub use request_log::LogSink;
pub use runtime_config::{KeyValueStoreConfig, RuntimeConfig};
pub use server::Server;
