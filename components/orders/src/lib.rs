//! Order lookup: the caller's orders and recently viewed items, and nobody
//! else's. This file only wires Spin to the plain modules: it resolves the
//! caller from `sessions`, picks the source of orders from the variables,
//! and turns the route into a call.

pub mod api;
pub mod query;
pub mod source;
pub mod upstream;

use api_conventions::{ApiRequest, ApiResult, Problem, allowed_method, header, respond, path_segments, unix_now, variable};
use source::{Seeded, Source};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;
use upstream::{Fetched, Upstream};

/// The routes of this component, from `spin-component-route` and `spin-path-info`.
enum RouteId<'a> {
    Orders,
    Order(&'a str),
    RecentItems,
    Item(&'a str),
    ItemView(&'a str),
    Unknown,
}

fn route_of<'a>(base: &str, path_info: &'a str) -> RouteId<'a> {
    match (base, path_segments(path_info).as_slice()) {
        ("/api/orders", []) => RouteId::Orders,
        ("/api/orders", [id]) => RouteId::Order(id),
        ("/api/items", ["recent"]) => RouteId::RecentItems,
        ("/api/items", [id]) => RouteId::Item(id),
        ("/api/items", [id, "view"]) => RouteId::ItemView(id),
        _ => RouteId::Unknown,
    }
}

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    respond(out, ApiRequest::read(incoming).await.and_then(|req| route(&req))).await
}

fn route(req: &ApiRequest) -> ApiResult {
    let route = route_of(
        header(req, "spin-component-route").unwrap_or(""),
        header(req, "spin-path-info").unwrap_or(""),
    );
    let allowed: &[&str] = match route {
        RouteId::ItemView(_) => &["POST"],
        RouteId::Unknown => &[],
        _ => &["GET"],
    };
    // An unknown route is a 404 only for a signed-in caller (below).
    if !allowed.is_empty() {
        allowed_method(req, allowed)?;
    }
    // Identity before anything else: an anonymous caller learns nothing, not even which ids are malformed.
    let now = unix_now();
    let caller = sessions::caller(req, now)?;
    let store = key_value::open(marketplace::STORE)?;

    match variable("orders_source").as_deref().unwrap_or("seeded") {
        "seeded" => {
            // Recent views are read from the store directly: seed before them.
            // Order routes seed lazily (see `source::Seeded`).
            if matches!(
                route,
                RouteId::RecentItems | RouteId::Item(_) | RouteId::ItemView(_)
            ) {
                marketplace::writer::ensure_seeded(&store, now)?;
            }
            dispatch(
                &store,
                &Seeded { store: &store, now },
                &caller,
                route,
                req,
                now,
            )
        }
        "upstream" => {
            let base = variable("orders_upstream_url").ok_or_else(|| {
                Problem::new(
                    500,
                    "Internal Server Error",
                    "orders_upstream_url is not set.",
                )
            })?;
            let token = variable("orders_upstream_token");
            let upstream = Upstream {
                base: base.trim_end_matches('/').to_string(),
                fetch: |url: &str| fetch(url, token.as_deref()),
            };
            dispatch(&store, &upstream, &caller, route, req, now)
        }
        other => Err(Problem::new(
            500,
            "Internal Server Error",
            format!("orders_source is {other:?}; it must be \"seeded\" or \"upstream\"."),
        )),
    }
}

fn dispatch(
    store: &impl key_value::KeyValue,
    source: &impl Source,
    caller: &sessions::User,
    route: RouteId,
    req: &ApiRequest,
    now: i64,
) -> ApiResult {
    match route {
        RouteId::Orders => api::list_orders(source, caller, req.query(), now),
        RouteId::Order(id) => api::get_order(source, caller, id, now),
        RouteId::RecentItems => api::recent_items(store, source, caller),
        RouteId::Item(id) => api::get_item(store, source, caller, id),
        RouteId::ItemView(id) => api::record_view(store, source, caller, id, now),
        RouteId::Unknown => Err(Problem::not_found()),
    }
}

/// The most an upstream answer may weigh; more is treated as garbage.
const MAX_UPSTREAM_BYTES: usize = 4 << 20;
const SECOND_NS: u64 = 1_000_000_000;

/// `GET url` over wasi-http with timeouts (spin-sdk's `send` takes none):
/// 2 s to connect, 5 s to the first byte and between bytes, so a hung
/// upstream is a `502` well before the host's request deadline.
fn fetch(url: &str, token: Option<&str>) -> Fetched {
    use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
    use spin_sdk::wit::wasi::http0_2_0::types::{
        Fields, IncomingBody, Method, OutgoingRequest, RequestOptions, Scheme,
    };
    use wasi::io::streams::StreamError;

    let (scheme, rest) = url
        .split_once("://")
        .ok_or("the upstream URL has no scheme")?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => {
            return Err(format!(
                "the upstream URL's scheme {other:?} is not http(s)"
            ));
        }
    };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut headers = vec![("accept".to_string(), b"application/json".to_vec())];
    if let Some(token) = token {
        headers.push((
            "authorization".to_string(),
            format!("Bearer {token}").into_bytes(),
        ));
    }
    let fields = Fields::from_list(&headers).map_err(|e| format!("bad header: {e:?}"))?;
    let request = OutgoingRequest::new(fields);
    let set = [
        request.set_method(&Method::Get),
        request.set_scheme(Some(&scheme)),
        request.set_authority(Some(authority)),
        request.set_path_with_query(Some(path)),
    ];
    if set.iter().any(Result::is_err) {
        return Err("the upstream URL is malformed".into());
    }
    let options = RequestOptions::new();
    // A host that refuses a timeout still serves the request, so errors are
    // ignored; the host's own request deadline remains the backstop.
    let _ = options.set_connect_timeout(Some(2 * SECOND_NS));
    let _ = options.set_first_byte_timeout(Some(5 * SECOND_NS));
    let _ = options.set_between_bytes_timeout(Some(5 * SECOND_NS));
    let pending = outgoing_handler::handle(request, Some(options)).map_err(|e| format!("{e:?}"))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or("no response")?
        .map_err(|_| "the response was already taken")?
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let body = response.consume().map_err(|_| "the response has no body")?;
    let stream = body
        .stream()
        .map_err(|_| "the response body cannot be read")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_UPSTREAM_BYTES {
                    return Err(format!(
                        "the answer is over {} MiB",
                        MAX_UPSTREAM_BYTES >> 20
                    ));
                }
            }
            Err(StreamError::Closed) => break,
            Err(e) => return Err(format!("reading the answer failed: {e:?}")),
        }
    }
    drop(stream);
    let _ = IncomingBody::finish(body);
    Ok((status, bytes))
}
