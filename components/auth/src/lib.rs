//! The login check: checks credentials (password or the marketplace's
//! single sign-on) and records sessions in the `sessions` store, which
//! every other component reads through the `sessions` crate.

pub mod accounts;
pub mod jwt;
pub mod password;
pub mod session_api;
pub mod throttle;
pub mod token;

use api_conventions::{ApiRequest, ApiResult, Problem, header, respond, unix_now, variable};
use session_api::Client;
use spin_sdk::http::{IncomingRequest, Method, ResponseOutparam};
use spin_sdk::http_component;

fn sso_keys() -> jwt::SsoKeys {
    jwt::SsoKeys {
        hs256_secret: variable("sso_hs256_secret").map(String::into_bytes),
        es256_public_key_pem: variable("sso_es256_public_key"),
        issuer: variable("sso_issuer").unwrap_or_default(),
        audience: variable("sso_audience").unwrap_or_default(),
    }
}

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    respond(out, ApiRequest::read(incoming).await.and_then(|req| route(&req))).await
}

fn route(req: &ApiRequest) -> ApiResult {
    let store = key_value::open(sessions::STORE)?;
    let token = api_conventions::session_token(header(req, "authorization"), header(req, "cookie"));
    let client_addr = header(req, "spin-client-addr").unwrap_or("unknown");
    let client = Client {
        ip: client_addr.rsplit_once(':').map_or(client_addr, |(ip, _)| ip),
        https: header(req, "spin-full-url").is_some_and(|u| u.starts_with("https:")),
    };
    match (header(req, "spin-path-info").unwrap_or(""), req.method()) {
        ("", Method::Post) => session_api::sign_in(&store, req.body(), &client, unix_now()),
        ("", Method::Get) => session_api::whoami(&store, token, unix_now()),
        ("", Method::Delete) => session_api::sign_out(&store, token, &client, unix_now()),
        ("", _) => Err(Problem::method_not_allowed(&["GET", "POST", "DELETE"])),
        ("/sso", Method::Post) => session_api::sign_in_with_sso(&store, req.body(), &sso_keys(), &client, unix_now()),
        ("/sso", _) => Err(Problem::method_not_allowed(&["POST"])),
        _ => Err(Problem::not_found()),
    }
}
