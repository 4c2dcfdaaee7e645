//! Contact-method selection: which way to reach the team fits the caller's
//! situation, language and hour (`GET /api/contact-options`), and the team's
//! presence (`/api/agents/presence`). This file only wires Spin to the plain
//! modules: it resolves the caller, reads the variables, opens stores when
//! they are needed and turns the route into a call.

pub mod channel;
pub mod config;
pub mod options;
pub mod presence;
pub mod recommend;
pub mod schedule;
pub mod texts;
pub mod zones;

use api_conventions::{ApiRequest, ApiResult, Problem, allowed_method, header, respond, unix_now, variable};
use key_value::{KeyValue, StoreError};
use options::Stores;
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;
use std::cell::OnceCell;

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    respond(out, ApiRequest::read(incoming).await.and_then(|req| route(&req))).await
}

fn route(req: &ApiRequest) -> ApiResult {
    let allowed: &[&str] = match (
        header(req, "spin-component-route").unwrap_or(""),
        header(req, "spin-path-info").unwrap_or(""),
    ) {
        ("/api/contact-options", "") => &["GET"],
        ("/api/agents/presence", "") => &["GET", "PUT"],
        _ => return Err(Problem::not_found()),
    };
    let method = allowed_method(req, allowed)?;
    // Identity before anything else: an anonymous caller learns nothing.
    let now = unix_now();
    let caller = sessions::caller(req, now)?;
    let presence = LazyStore::new(presence::STORE);
    match (allowed, method) {
        (["GET"], _) => {
            let at = jiff::Timestamp::from_second(now).unwrap_or_default();
            let config = config::Config::load(variable, at)?;
            let stores = Stores {
                marketplace: LazyStore::new(marketplace::STORE),
                conversations: LazyStore::new(conversations::STORE),
                presence,
                cases: LazyStore::new(case_records::STORE),
            };
            options::contact_options(
                &stores,
                &config,
                &caller,
                req.query(),
                header(req, "accept-language"),
                now,
            )
        }
        (_, "GET") => presence::list(&presence, &caller, now),
        _ => presence::update(&presence, &caller, req.body(), now),
    }
}

/// A store opened on its first use, so a request pays only for the stores it reads.
struct LazyStore {
    label: &'static str,
    store: OnceCell<spin_sdk::key_value::Store>,
}

impl LazyStore {
    fn new(label: &'static str) -> Self {
        Self {
            label,
            store: OnceCell::new(),
        }
    }

    fn store(&self) -> Result<&spin_sdk::key_value::Store, StoreError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let opened = key_value::open(self.label)?;
        Ok(self.store.get_or_init(|| opened))
    }
}

impl KeyValue for LazyStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store()?
            .get(key)
            .map_err(|e| StoreError(e.to_string()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.store()?
            .set(key, value)
            .map_err(|e| StoreError(e.to_string()))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store()?
            .delete(key)
            .map_err(|e| StoreError(e.to_string()))
    }
}
