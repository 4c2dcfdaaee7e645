//! The API conventions every component follows (DESIGN.md, "API
//! conventions"): RFC 9457 problem details, JSON bodies of at most 64 KiB
//! with errors naming the field, `405` with `Allow`, and where the caller's
//! session token comes from.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Request bodies above this are refused with `413`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The cookie `auth` sets; components accept it as well as `Authorization: Bearer`.
pub const SESSION_COOKIE: &str = "hc_session";

/// A response before it becomes Spin's: plain data, so logic is testable natively.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    }

    pub fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An RFC 9457 problem: the error half of every handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    pub headers: Vec<(String, String)>,
    /// Extension members, e.g. the field a `400` is about.
    pub extensions: serde_json::Map<String, Value>,
}

impl Problem {
    pub fn new(status: u16, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            headers: Vec::new(),
            extensions: Default::default(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, "Bad Request", detail)
    }

    /// A `400` about one field of the body or query.
    pub fn invalid_field(field: &str, detail: impl Into<String>) -> Self {
        Self::bad_request(detail).with_extension("field", json!(field))
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, "Unauthorized", detail)
    }

    pub fn not_found() -> Self {
        Self::new(
            404,
            "Not Found",
            "There is nothing here, or it is not yours to see.",
        )
    }

    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        Self::new(
            405,
            "Method Not Allowed",
            format!("Use {}.", allowed.join(" or ")),
        )
        .with_header("allow", allowed.join(", "))
    }

    pub fn too_many_requests(retry_after_secs: u64, detail: impl Into<String>) -> Self {
        Self::new(429, "Too Many Requests", detail)
            .with_header("retry-after", retry_after_secs.to_string())
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(503, "Service Unavailable", detail).with_header("retry-after", "5")
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn with_extension(mut self, name: &str, value: Value) -> Self {
        self.extensions.insert(name.to_string(), value);
        self
    }

    pub fn into_response(self) -> ApiResponse {
        let mut body = serde_json::Map::new();
        body.insert("type".into(), json!("about:blank"));
        body.insert("title".into(), json!(self.title));
        body.insert("status".into(), json!(self.status));
        body.insert("detail".into(), json!(self.detail));
        body.extend(self.extensions);
        let mut headers = vec![(
            "content-type".to_string(),
            "application/problem+json".to_string(),
        )];
        headers.extend(self.headers);
        ApiResponse {
            status: self.status,
            headers,
            body: serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        }
    }
}

/// A store failure is the service being unavailable, never a crash.
impl From<key_value::StoreError> for Problem {
    fn from(e: key_value::StoreError) -> Self {
        Problem::unavailable(format!(
            "Storage is unavailable right now; try again shortly. ({e})"
        ))
    }
}

/// Every handler's result; both halves become a response.
pub type ApiResult = Result<ApiResponse, Problem>;

/// Sends `result` as the response, its headers straight into wasi-http's
/// fields (the SDK's `Response` would first copy them into a map of its own).
/// A header wasi-http refuses is a bug here, never the caller's doing: it is
/// logged and answered with a `500`.
pub async fn respond(out: spin_sdk::http::ResponseOutparam, result: ApiResult) {
    let ApiResponse { status, headers, body } = result.unwrap_or_else(Problem::into_response);
    let (outgoing, body) = match outgoing(status, headers) {
        Ok(outgoing) => (outgoing, body),
        Err(why) => {
            eprintln!("a response of status {status} was refused ({why}); answering 500");
            let problem = Problem::new(500, "Internal Server Error", "The answer could not be sent; try again.").into_response();
            let fallback = outgoing(problem.status, problem.headers).unwrap_or_else(|_| {
                spin_sdk::http::OutgoingResponse::new(spin_sdk::http::Fields::new())
            });
            (fallback, problem.body)
        }
    };
    if let Err(e) = out.set_with_body(outgoing, body).await {
        eprintln!("the response body could not be sent: {e}");
    }
}

fn outgoing(
    status: u16,
    headers: Vec<(String, String)>,
) -> Result<spin_sdk::http::OutgoingResponse, String> {
    let fields: Vec<(String, Vec<u8>)> = headers
        .into_iter()
        .map(|(name, value)| (name, value.into_bytes()))
        .collect();
    let headers = spin_sdk::http::Fields::from_list(&fields).map_err(|e| format!("{e:?}"))?;
    let outgoing = spin_sdk::http::OutgoingResponse::new(headers);
    outgoing
        .set_status_code(status)
        .map_err(|()| format!("{status} is not an HTTP status"))?;
    Ok(outgoing)
}

/// Parses a JSON request body: `413` above [`MAX_BODY_BYTES`], `400` naming
/// the missing or malformed field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Problem::new(
            413,
            "Content Too Large",
            format!("The body is over {} KiB.", MAX_BODY_BYTES / 1024),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request(
            "The body is empty; send a JSON object.",
        ));
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(&mut json)
        .map_err(|e| body_problem(e.inner(), Some(e.path())))?;
    json.end().map_err(|e| body_problem(&e, None))?;
    Ok(parsed)
}

/// A `400` for a body that is not JSON, or not the JSON this request takes;
/// the latter names the field where the body went wrong when there is one.
fn body_problem(error: &serde_json::Error, path: Option<&serde_path_to_error::Path>) -> Problem {
    use serde_json::error::Category;
    if matches!(error.classify(), Category::Syntax | Category::Eof | Category::Io) {
        return Problem::bad_request(format!("The body is not valid JSON: {error}."));
    }
    let message = error.to_string();
    let field = path.and_then(|path| field_at(path, &message));
    let detail = match &field {
        // serde names a missing, unknown or repeated field itself.
        Some(field) if !message.contains(&format!("`{field}`")) => {
            format!("The body does not fit this request: `{field}`: {message}.")
        }
        _ => format!("The body does not fit this request: {message}."),
    };
    match field {
        Some(field) => Problem::invalid_field(&field, detail),
        None => Problem::bad_request(detail),
    }
}

/// The field an error is about: where in the body serde was (`.` for the
/// body itself), and the field serde names when one is missing, unknown or
/// repeated.
fn field_at(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let at = path.to_string();
    match named {
        None if at == "." => None,
        None => Some(at),
        Some(name) if at == "." => Some(name.to_string()),
        // An unknown or repeated field's path already ends with it; a
        // missing one's is the object it is missing from.
        Some(name) if at == name || at.ends_with(&format!(".{name}")) => Some(at),
        Some(name) => Some(format!("{at}.{name}")),
    }
}

/// The session token from `Authorization: Bearer ...`, else from the session cookie.
pub fn session_token<'a>(
    authorization: Option<&'a str>,
    cookie: Option<&'a str>,
) -> Option<&'a str> {
    if let Some(auth) = authorization {
        let (scheme, token) = auth.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim());
    }
    cookie?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then_some(value)
    })
}

/// The nine languages the help center speaks (DESIGN.md).
pub const LANGUAGES: [&str; 9] = ["en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"];

/// The language a response is in, and whether the one asked for was unsupported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lang {
    pub code: &'static str,
    /// The language that was asked for but is not supported (the answer is in `en`).
    pub unsupported: Option<String>,
}

fn supported(tag: &str) -> Option<&'static str> {
    // "pt-BR", "zh-Hans-CN", "DE": the primary subtag decides.
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|code| *code == primary)
}

/// The response language: an explicit `lang` (field or query parameter) first,
/// then `Accept-Language` by quality, then the signed-in user's language, then
/// `en`. An explicit but unsupported `lang` falls back to `en` and says so.
pub fn negotiate_lang(
    explicit: Option<&str>,
    accept_language: Option<&str>,
    user_lang: Option<&str>,
) -> Lang {
    if let Some(asked) = explicit.map(str::trim).filter(|l| !l.is_empty()) {
        return match supported(asked) {
            Some(code) => Lang {
                code,
                unsupported: None,
            },
            None => Lang {
                code: "en",
                unsupported: Some(asked.chars().take(35).collect()),
            },
        };
    }
    if let Some(code) = accept_language.and_then(preferred_language) {
        return Lang {
            code,
            unsupported: None,
        };
    }
    Lang {
        code: user_lang.and_then(supported).unwrap_or("en"),
        unsupported: None,
    }
}

/// The supported language an `Accept-Language` header prefers most, if any.
fn preferred_language(header: &str) -> Option<&'static str> {
    let mut best: Option<(f32, &'static str)> = None;
    for range in header.split(',') {
        let mut parts = range.split(';');
        let Some(code) = parts.next().and_then(supported) else {
            continue;
        };
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, code));
        }
    }
    best.map(|(_, code)| code)
}

/// Seconds since the Unix epoch by the host's wall clock (a test clock in tests).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One of this component's Spin variables; `None` when undefined or blank.
pub fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// What a handler reads of its request, read straight from wasi-http. The
/// SDK's `Request` also rebuilds the whole URL and parses it, and hashes every
/// header into a map: 11 µs of contact's 140 µs `401` (perf), of which this
/// saves more than half.
pub struct ApiRequest {
    method: spin_sdk::http::Method,
    path_and_query: String,
    /// Names as wasi-http gives them: lower case.
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl ApiRequest {
    /// Reads `incoming`, body and all; `400` when the body breaks off.
    pub async fn read(incoming: spin_sdk::http::IncomingRequest) -> Result<Self, Problem> {
        let method = incoming.method();
        let path_and_query = incoming.path_with_query().unwrap_or_default();
        let headers = incoming.headers().entries();
        let body = incoming.into_body().await.map_err(|e| {
            Problem::bad_request(format!(
                "The request body could not be read ({}); send it again.",
                e.to_debug_string()
            ))
        })?;
        Ok(Self { method, path_and_query, headers, body })
    }

    pub fn method(&self) -> &spin_sdk::http::Method {
        &self.method
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.path_and_query.split_once('?').map_or(self.path_and_query.as_str(), |(path, _)| path)
    }

    /// The raw query, without `?`; empty when there is none.
    pub fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, query)| query)
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// The request's method if the route allows it: `404` for a route with no
/// methods (an unknown route), `405` with `Allow` for a method it lacks.
pub fn allowed_method(
    req: &ApiRequest,
    allowed: &[&'static str],
) -> Result<&'static str, Problem> {
    use spin_sdk::http::Method;
    if allowed.is_empty() {
        return Err(Problem::not_found());
    }
    let method = match req.method() {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Patch => "PATCH",
        _ => "",
    };
    allowed
        .iter()
        .copied()
        .find(|m| *m == method)
        .ok_or_else(|| Problem::method_not_allowed(allowed))
}

/// The request's first header `name` (any case) as text; `None` when absent or not UTF-8.
pub fn header<'a>(req: &'a ApiRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| std::str::from_utf8(value).ok())
}

/// `name=value` pairs of a raw query; a repeated name is a `400`.
pub fn query_pairs<'a>(raw: &'a str, known: &[&str]) -> Result<Vec<(&'a str, &'a str)>, Problem> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !known.contains(&name) {
            continue;
        }
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(Problem::invalid_field(name, format!("Give `{name}` once.")));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// A query parameter's number within `min..=max`; anything else is a `400`
/// naming it and the range.
pub fn number_param<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    name: &str,
    value: &str,
    min: T,
    max: T,
) -> Result<T, Problem> {
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(Problem::invalid_field(
            name,
            format!("`{name}` must be a whole number from {min} to {max}."),
        )),
    }
}

/// The segments of a route's `spin-path-info`: `""` has none, `"/a/b"` is
/// `["a", "b"]`, and a trailing slash leaves an empty last segment, which no
/// route matches.
pub fn path_segments(path_info: &str) -> Vec<&str> {
    if path_info.is_empty() {
        Vec::new()
    } else {
        path_info.trim_start_matches('/').split('/').collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
    }

    #[test]
    fn path_segments_keep_a_trailing_slash_as_an_empty_segment() {
        assert!(path_segments("").is_empty());
        assert_eq!(path_segments("/EU-1/messages"), ["EU-1", "messages"]);
        assert_eq!(path_segments("/EU-1/"), ["EU-1", ""]);
    }

    #[test]
    fn missing_field_is_a_400_naming_it() {
        let p = parse_json::<Login>(br#"{"email":"a@b.c"}"#).unwrap_err();
        assert_eq!(p.status, 400);
        assert_eq!(p.extensions["field"], "password");
        assert!(p.detail.contains("password"));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_a_400_naming_its_field_not_the_value() {
        let p = parse_json::<Login>(br#"{"email":123,"password":"x"}"#).unwrap_err();
        assert_eq!(p.status, 400);
        assert_eq!(p.extensions["field"], "email");
        assert!(p.detail.starts_with("The body does not fit this request: `email`: invalid type: integer `123`"), "{}", p.detail);
    }

    #[test]
    fn a_nested_fields_error_names_its_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Callback {
            slot: Slot,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Slot {
            start: String,
        }
        let wrong = parse_json::<Callback>(br#"{"slot":{"start":true}}"#).unwrap_err();
        assert_eq!(wrong.extensions["field"], "slot.start");
        let missing = parse_json::<Callback>(br#"{"slot":{}}"#).unwrap_err();
        assert_eq!(missing.extensions["field"], "slot.start");
    }

    #[test]
    fn an_unknown_or_repeated_field_is_named_once() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            slot: Option<Box<Strict>>,
        }
        assert_eq!(parse_json::<Strict>(br#"{"slto":null}"#).unwrap_err().extensions["field"], "slto");
        assert_eq!(parse_json::<Strict>(br#"{"slot":{"slto":1}}"#).unwrap_err().extensions["field"], "slot.slto");
        let repeated = parse_json::<Strict>(br#"{"slot":null,"slot":null}"#).unwrap_err();
        assert_eq!(repeated.extensions["field"], "slot");
        assert!(repeated.detail.starts_with("The body does not fit this request: duplicate field `slot`"), "{}", repeated.detail);
    }

    #[test]
    fn a_body_of_the_wrong_shape_or_with_trailing_text_names_no_field() {
        let array = parse_json::<Login>(b"[]").unwrap_err();
        assert_eq!(array.status, 400);
        assert!(!array.extensions.contains_key("field"), "{array:?}");
        let trailing = parse_json::<Login>(br#"{"email":"a","password":"b"} x"#).unwrap_err();
        assert_eq!(trailing.status, 400);
        assert!(trailing.detail.starts_with("The body is not valid JSON"), "{}", trailing.detail);
        let cut = parse_json::<Login>(br#"{"email":"a"#).unwrap_err();
        assert!(!cut.extensions.contains_key("field"), "{cut:?}");
    }

    #[test]
    fn malformed_json_and_empty_bodies_are_400() {
        assert_eq!(parse_json::<Login>(b"{not json").unwrap_err().status, 400);
        assert_eq!(parse_json::<Login>(b"  ").unwrap_err().status, 400);
        assert_eq!(parse_json::<Login>(&[0xff, 0xfe]).unwrap_err().status, 400);
    }

    fn request(path_and_query: &str, headers: &[(&str, &[u8])]) -> ApiRequest {
        ApiRequest {
            method: spin_sdk::http::Method::Get,
            path_and_query: path_and_query.to_string(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_request_gives_its_path_its_query_and_its_first_header_of_a_name_in_any_case() {
        let req = request(
            "/api/contact-options?topic=fraud&lang=it",
            &[("accept-language", &b"it"[..]), ("accept-language", &b"en"[..]), ("x-bytes", &b"\xff"[..])],
        );
        assert_eq!(req.path(), "/api/contact-options");
        assert_eq!(req.query(), "topic=fraud&lang=it");
        assert_eq!(header(&req, "Accept-Language"), Some("it"));
        assert_eq!(header(&req, "authorization"), None);
        assert_eq!(header(&req, "x-bytes"), None, "not UTF-8");
        assert_eq!(request("/api/orders", &[]).query(), "");
        assert_eq!(request("/api/orders", &[]).path(), "/api/orders");
        assert_eq!(request("/api/orders?", &[]).query(), "");
    }

    #[test]
    fn bodies_over_64_kib_are_413() {
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse_json::<Login>(&big).unwrap_err().status, 413);
    }

    #[test]
    fn problem_response_is_rfc_9457() {
        let r = Problem::method_not_allowed(&["GET", "POST"]).into_response();
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("allow".into(), "GET, POST".into())));
        assert!(
            r.headers
                .contains(&("content-type".into(), "application/problem+json".into()))
        );
        let body = r.json_body();
        assert_eq!(body["status"], 405);
        assert_eq!(body["title"], "Method Not Allowed");
        assert_eq!(body["type"], "about:blank");
    }

    #[test]
    fn token_comes_from_bearer_then_cookie() {
        assert_eq!(
            session_token(Some("Bearer abc"), Some("hc_session=zzz")),
            Some("abc")
        );
        assert_eq!(
            session_token(Some("Basic abc"), Some("hc_session=zzz")),
            None
        );
        assert_eq!(
            session_token(None, Some("theme=dark; hc_session=zzz")),
            Some("zzz")
        );
        assert_eq!(session_token(None, Some("theme=dark")), None);
        assert_eq!(session_token(None, None), None);
    }

    #[test]
    fn language_comes_from_lang_then_accept_language_then_the_user() {
        assert_eq!(
            negotiate_lang(Some("it"), Some("de"), Some("nl")).code,
            "it"
        );
        assert_eq!(negotiate_lang(Some("pt-BR"), None, None).code, "pt");
        assert_eq!(
            negotiate_lang(None, Some("sv, de;q=0.5, fr;q=0.8"), Some("nl")).code,
            "fr"
        );
        assert_eq!(negotiate_lang(None, Some("sv"), Some("nl")).code, "nl");
        assert_eq!(negotiate_lang(None, None, None).code, "en");
    }

    #[test]
    fn an_unsupported_language_falls_back_to_english_and_says_so() {
        let lang = negotiate_lang(Some("sv"), Some("it"), Some("it"));
        assert_eq!(lang.code, "en");
        assert_eq!(lang.unsupported.as_deref(), Some("sv"));
    }
}
