//! Cases: where the buyer, the seller and the team meet, and where the
//! marketplace's decisions are recorded. This file wires Spin to the plain
//! modules: it resolves the caller from `sessions`, opens the `cases` store
//! through `wasi:keyvalue` (for compare-and-swap), asks `contact-channels`
//! which channels are open (in-process, as `contact` would answer), and
//! sends the email channel's notifications to the webhook when one is
//! configured.

pub mod api;
pub mod contact;
pub mod create;
pub mod ids;
pub mod resolution;

use api::Notification;
use api_conventions::{ApiRequest, ApiResult, Problem, allowed_method, header, respond, path_segments, unix_now, variable};
use case_records::writer::AtomicKeyValue;
use contact_channels::config::Config;
use contact_channels::options::{self, Circumstances, ContactOptions, Stores};
use key_value::{KeyValue, LazyStore, StoreError};
use spin_sdk::http::{IncomingRequest, Request, Response, ResponseOutparam};
use spin_sdk::http_component;
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store as wasi_kv};

/// The `cases` store through `wasi:keyvalue`, which has compare-and-swap and batches.
struct Bucket(wasi_kv::Bucket);

fn kv_error(e: wasi_kv::Error) -> StoreError {
    StoreError(format!("{e:?}"))
}

impl Bucket {
    fn open(label: &str) -> Result<Self, StoreError> {
        wasi_kv::open(label)
            .map(Bucket)
            .map_err(|e| StoreError(format!("cannot open the {label:?} store: {e:?}")))
    }
}

impl KeyValue for Bucket {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).map_err(kv_error)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.0.set(key, value).map_err(kv_error)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).map_err(kv_error)
    }

    /// One call, and on Spin's stores one commit (SQLite) or one `MSET` (Redis).
    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        batch::set_many(&self.0, entries).map_err(kv_error)
    }
}

impl AtomicKeyValue for Bucket {
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, StoreError> {
        let cas = atomics::Cas::new(&self.0, key).map_err(kv_error)?;
        if cas.current().map_err(kv_error)?.as_deref() != expected {
            return Ok(false);
        }
        match atomics::swap(cas, new) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(kv_error(e)),
        }
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        atomics::increment(&self.0, key, delta).map_err(kv_error)
    }
}

/// The routes of this component, from `spin-component-route` and `spin-path-info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteId<'a> {
    Cases,
    Case(&'a str),
    Messages(&'a str),
    Callback(&'a str),
    Status(&'a str),
    Resolution(&'a str),
    Queue,
    Unknown,
}

fn route_of<'a>(base: &str, path_info: &'a str) -> RouteId<'a> {
    match (base, path_segments(path_info).as_slice()) {
        ("/api/cases", []) => RouteId::Cases,
        ("/api/cases", [id]) => RouteId::Case(id),
        ("/api/cases", [id, "messages"]) => RouteId::Messages(id),
        ("/api/cases", [id, "callback"]) => RouteId::Callback(id),
        ("/api/cases", [id, "status"]) => RouteId::Status(id),
        ("/api/cases", [id, "resolution"]) => RouteId::Resolution(id),
        ("/api/agent", ["queue"]) => RouteId::Queue,
        _ => RouteId::Unknown,
    }
}

fn allowed_methods(route: RouteId) -> &'static [&'static str] {
    match route {
        RouteId::Cases | RouteId::Messages(_) => &["GET", "POST"],
        RouteId::Case(_) | RouteId::Queue => &["GET"],
        RouteId::Callback(_) | RouteId::Status(_) | RouteId::Resolution(_) => &["POST"],
        RouteId::Unknown => &[],
    }
}

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    let result = match ApiRequest::read(incoming).await {
        Ok(req) => route(&req).await,
        Err(problem) => Err(problem),
    };
    respond(out, result).await
}

async fn route(req: &ApiRequest) -> ApiResult {
    let route = route_of(
        header(req, "spin-component-route").unwrap_or(""),
        header(req, "spin-path-info").unwrap_or(""),
    );
    let method = allowed_method(req, allowed_methods(route))?;
    // Identity before anything else: an anonymous caller learns nothing.
    let now = unix_now();
    let caller = sessions::caller(req, now)?;
    let store = Bucket::open(case_records::STORE)?;

    let (response, notification) = match (route, method) {
        (RouteId::Cases, "GET") => (api::list_cases(&store, &caller, req.query(), now)?, None),
        (RouteId::Cases, _) => (open_case(req, &store, &caller, now)?, None),
        (RouteId::Case(id), _) => (api::get_case(&store, &caller, id)?, None),
        (RouteId::Messages(id), "GET") => {
            (api::list_messages(&store, &caller, id, req.query(), now)?, None)
        }
        (RouteId::Messages(id), _) => api::post_message(&store, &caller, id, req.body(), now)?,
        (RouteId::Status(id), _) => (api::set_status(&store, &caller, id, req.body(), now)?, None),
        (RouteId::Resolution(id), _) => resolution::resolve(
            &store,
            &key_value::open(marketplace::STORE)?,
            &caller,
            id,
            req.body(),
            now,
        )?,
        (RouteId::Callback(id), _) => {
            (request_callback(req, &store, &caller, id, now)?, None)
        }
        (RouteId::Queue, _) => (api::queue(&store, &caller, req.query(), now)?, None),
        (RouteId::Unknown, _) => return Err(Problem::not_found()),
    };
    if let Some(notification) = notification {
        notify(&notification).await;
    }
    Ok(response)
}

fn open_case(req: &ApiRequest, store: &Bucket, caller: &sessions::User, now: i64) -> ApiResult {
    let begun = create::begin(
        store,
        &key_value::open(marketplace::STORE)?,
        &key_value::open(conversations::STORE)?,
        caller,
        req.body(),
        header(req, "idempotency-key"),
        header(req, "accept-language"),
        now,
    )?;
    let draft = match begun {
        create::Begin::Replay(response) => return Ok(response),
        create::Begin::Proceed(draft) => draft,
    };
    // Email is open at every moment in every language the help center
    // speaks (DESIGN.md: `contact` lists it always available): only the
    // live channels need asking.
    if draft.channel != case_records::Channel::Email {
        let offered = contact_options(caller, &draft.circumstances(), draft.lang, now)?;
        contact::check_open(&offered.options, draft.channel, draft.lang)?;
    }
    let region = variable("region").unwrap_or_else(|| "eu-west".to_string());
    let prefix = ids::region_prefix(&region);
    create::finish(store, *draft, &region, now, || ids::new_case_id(&prefix))
}

fn request_callback(
    req: &ApiRequest,
    store: &Bucket,
    caller: &sessions::User,
    id: &str,
    now: i64,
) -> ApiResult {
    // Phone hours matter only for a case the caller may see, by phone.
    let (case, _) = api::visible_case(store, caller, id)?;
    let offered = if case.channel == case_records::Channel::Phone {
        let circumstances = Circumstances {
            topic: Some(case.topic.clone()),
            order: None,
        };
        contact_options(caller, &circumstances, &case.lang, now)?.options
    } else {
        Vec::new()
    };
    api::request_callback(store, caller, id, req.body(), now, |slot| {
        contact::phone_open_at(&offered, &case.lang, slot, now)
    })
}

/// What `GET /api/contact-options` would answer the caller now in `lang`
/// (a case's, so one the team speaks), in these circumstances.
fn contact_options(
    caller: &sessions::User,
    circumstances: &Circumstances,
    lang: &str,
    now: i64,
) -> Result<ContactOptions, Problem> {
    let config = Config::load(variable, jiff::Timestamp::from_second(now).unwrap_or_default())?;
    let lang = api_conventions::negotiate_lang(Some(lang), None, None);
    options::offer(&Stores::open_with(LazyStore::new), &config, caller, circumstances, lang, None, now)
}

/// The webhook's origin, unless it is the placeholder (a `.invalid` host,
/// which can never resolve: RFC 2606).
fn webhook_origin() -> Option<String> {
    let url = variable("notify_webhook_url")?;
    let host = url.split("://").nth(1)?.split([':', '/']).next()?;
    (!host.ends_with(".invalid")).then(|| url.trim_end_matches('/').to_string())
}

/// Posts a notification to `{notify_webhook_url}/case-events`. A webhook
/// that fails does not undo what happened on the case: it is logged.
async fn notify(notification: &Notification) {
    let Some(origin) = webhook_origin() else {
        return;
    };
    let body = serde_json::to_vec(notification).unwrap_or_default();
    let mut request = Request::post(format!("{origin}/case-events"), body);
    request.header("content-type", "application/json");
    match spin_sdk::http::send::<_, Response>(request.build()).await {
        Ok(response) if (200..300).contains(response.status()) => {}
        Ok(response) => eprintln!(
            "cases: the notification webhook answered {}",
            response.status()
        ),
        Err(e) => eprintln!("cases: the notification webhook failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_from_the_base_and_the_path() {
        assert_eq!(route_of("/api/cases", ""), RouteId::Cases);
        assert_eq!(route_of("/api/cases", "/EU-1"), RouteId::Case("EU-1"));
        assert_eq!(
            route_of("/api/cases", "/EU-1/messages"),
            RouteId::Messages("EU-1")
        );
        assert_eq!(
            route_of("/api/cases", "/EU-1/resolution"),
            RouteId::Resolution("EU-1")
        );
        assert_eq!(route_of("/api/agent", "/queue"), RouteId::Queue);
        assert_eq!(route_of("/api/agent", "/cases"), RouteId::Unknown);
        assert_eq!(route_of("/api/cases", "/EU-1/messages/2"), RouteId::Unknown);
    }
}

#[cfg(test)]
mod walk_tests;
