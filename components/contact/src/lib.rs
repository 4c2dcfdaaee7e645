//! Contact-method selection: which way to reach the team fits the caller's
//! situation, language and hour (`GET /api/contact-options`), and the team's
//! presence (`/api/agents/presence`). The logic is the `contact-channels`
//! crate's; this file only wires Spin to it: it resolves the caller, reads
//! the variables, opens stores when they are needed and turns the route
//! into a call.

use api_conventions::{ApiRequest, ApiResult, Problem, allowed_method, header, respond, unix_now, variable};
use contact_channels::options::Stores;
use contact_channels::{config, options, presence};
use key_value::LazyStore;
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

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
    match (allowed, method) {
        (["GET"], _) => {
            let at = jiff::Timestamp::from_second(now).unwrap_or_default();
            let config = config::Config::load(variable, at)?;
            options::contact_options(
                &Stores::open_with(LazyStore::new),
                &config,
                &caller,
                req.query(),
                header(req, "accept-language"),
                now,
            )
        }
        (_, "GET") => presence::list(&LazyStore::new(presence::STORE), &caller, now),
        _ => presence::update(&LazyStore::new(presence::STORE), &caller, req.body(), now),
    }
}
