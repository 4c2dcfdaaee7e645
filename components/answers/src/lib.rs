//! The AI answer: the help-center knowledge base searched in the user's
//! language, grounded in the order or item the question is about, phrased by
//! Spin's LLM when one is configured and composed from the articles when not.
//! This file wires Spin to the plain modules: the caller from `sessions`, the
//! stores, the clock, randomness and the model.

pub mod answer;
pub mod api;
pub mod generate;
pub mod grounding;
pub mod phrases;
pub mod report;
#[cfg(test)]
mod tests;

use api::{Env, Stores};
use api_conventions::{ApiRequest, ApiResult, Problem, allowed_method, header, respond, unix_now, variable};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

include!(concat!(env!("OUT_DIR"), "/kb_index.rs"));

enum RouteId<'a> {
    Ask,
    Report,
    Conversation(&'a str),
    Feedback(&'a str),
    Unknown,
}

fn route_of(path_info: &str) -> RouteId<'_> {
    let segments: Vec<&str> = path_info
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [] => RouteId::Ask,
        ["report"] => RouteId::Report,
        [id] => RouteId::Conversation(id),
        [id, "feedback"] => RouteId::Feedback(id),
        _ => RouteId::Unknown,
    }
}

/// Time from the host's clock, ids from its random source, text from its LLM.
struct SpinEnv;

impl Env for SpinEnv {
    fn now(&self) -> i64 {
        unix_now()
    }

    fn random_hex(&self, bytes: usize) -> Result<String, Problem> {
        let mut buffer = vec![0u8; bytes];
        getrandom::fill(&mut buffer)
            .map_err(|e| Problem::unavailable(format!("No randomness available: {e}")))?;
        Ok(base16ct::lower::encode_string(&buffer))
    }

    fn generate(&self, prompt: impl FnOnce() -> String) -> Option<String> {
        // An empty `llm_model` turns generation off.
        let model = variable("llm_model")?;
        let prompt = prompt();
        let params = spin_sdk::llm::InferencingParams {
            max_tokens: 400,
            temperature: 0.2,
            ..Default::default()
        };
        match spin_sdk::llm::infer_with_options(
            spin_sdk::llm::InferencingModel::Other(&model),
            &prompt,
            params,
        ) {
            Ok(result) => Some(result.text),
            Err(e) => {
                eprintln!("answers: the LLM failed ({e:?}); answering from the articles");
                None
            }
        }
    }
}

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    respond(out, ApiRequest::read(incoming).await.and_then(|req| route(&req))).await
}

fn route(req: &ApiRequest) -> ApiResult {
    let route = route_of(header(req, "spin-path-info").unwrap_or(""));
    let allowed: &[&str] = match route {
        RouteId::Ask | RouteId::Feedback(_) => &["POST"],
        RouteId::Conversation(_) | RouteId::Report => &["GET"],
        RouteId::Unknown => return Err(Problem::not_found()),
    };
    allowed_method(req, allowed)?;
    let token = api_conventions::session_token(header(req, "authorization"), header(req, "cookie"));
    // Anyone may ask a general question; everything else needs a session.
    let caller = match (&route, token) {
        (RouteId::Ask, None) => None,
        _ => Some(sessions::caller(req, unix_now())?),
    };
    let conversations_store = key_value::open(conversations::STORE)?;
    match (route, caller.as_ref()) {
        (RouteId::Ask, caller) => {
            let marketplace_store = key_value::open(marketplace::STORE)?;
            let stores = Stores {
                marketplace: &marketplace_store,
                conversations: &conversations_store,
            };
            api::ask(
                &stores,
                &INDEX,
                &SpinEnv,
                caller,
                header(req, "accept-language"),
                req.body(),
            )
        }
        (RouteId::Conversation(id), Some(caller)) => {
            api::conversation(&conversations_store, caller, id)
        }
        (RouteId::Feedback(id), Some(caller)) => {
            api::feedback(&conversations_store, caller, id, req.body())
        }
        (RouteId::Report, Some(caller)) => report::report(
            &conversations_store,
            || conversations_store.get_keys().map_err(|e| key_value::StoreError(e.to_string())),
            caller,
            req.query(),
            unix_now(),
        ),
        _ => Err(Problem::not_found()),
    }
}
