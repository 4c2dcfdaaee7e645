//! The health route (`GET /api/health`): reads each key-value store the app
//! uses and reports each one's status and latency, with the region. `200`
//! when every store answers; otherwise a `503` problem naming the stores that
//! did not, so a load balancer's readiness check takes the instance out and
//! an operator sees which backend to look at. The logic is in [`check`].

pub mod check;

use api_conventions::{ApiResult, Problem, respond, variable};
use spin_sdk::http::{IncomingRequest, Method, ResponseOutparam};
use spin_sdk::http_component;

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    respond(out, health(&incoming.method())).await
}

fn health(method: &Method) -> ApiResult {
    if *method != Method::Get {
        return Err(Problem::method_not_allowed(&["GET"]));
    }
    let checks = check::check_all(key_value::open);
    for failed in checks
        .iter()
        .filter_map(|c| c.outcome.as_ref().err().map(|e| (c.store, e)))
    {
        // The reason stays in the operator's log; the public answer only names the store.
        eprintln!(
            "health: the {:?} store failed its read: {}",
            failed.0, failed.1
        );
    }
    check::report(variable("region").as_deref().unwrap_or(""), &checks)
}
