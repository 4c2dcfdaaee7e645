//! The end-to-end tests: the real `.wasm` files on the project's host, over
//! HTTP. One test binary with a module per area, not a binary per file: each
//! binary links the whole host (wasmtime included), which had made building
//! the tests take longer than running them.

mod answers;
mod auth;
mod cases;
mod contact;
mod deploy;
mod health;
mod host_rules;
mod openapi;
mod orders;
mod redis;
mod request_log;
mod web;
