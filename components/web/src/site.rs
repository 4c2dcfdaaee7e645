//! What the page's server answers, as plain functions over a method, a path
//! and two request headers, so every rule is unit-tested natively.
//!
//! - `/` and every other path without a file extension: the page (the page
//!   routes on the client: `/cases/EU-...` must survive a reload). The HTML
//!   is `no-cache` with an `ETag`, so browsers revalidate it with a `304`.
//! - `/assets/{version}/{file}`: an embedded asset. The page only links the
//!   current [`VERSION`], and any asset change moves it, so those URLs are
//!   cached for a year as `immutable`. A page from another deployment still
//!   gets the file, as `no-cache`.
//! - `/api/openapi.json`: the OpenAPI 3.1 document of every route
//!   (`openapi.json`, written by hand; `tests/e2e/tests/openapi.rs` keeps it true).
//! - `/api/...` that no API component claims: a JSON `404` problem, never HTML.
//! - Anything else (a file name outside `/assets/`, such as `/favicon.ico`): `404`.

use api_conventions::{ApiResponse, Problem, negotiate_lang};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// A file embedded from `assets/`.
pub struct Asset {
    pub name: &'static str,
    pub bytes: &'static [u8],
    /// A fingerprint of `bytes`, used as its `ETag`.
    pub hash: &'static str,
}

/// The page's template; it is rendered, never served as an asset.
const TEMPLATE: &str = "index.html";
/// Every string of the page in the nine languages; the server uses a few of them.
const STRINGS: &str = "strings.json";

/// The OpenAPI 3.1 document of every route the app serves.
pub const OPENAPI: &str = include_str!("../openapi.json");
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The request, reduced to what the answer depends on.
pub struct PageRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub if_none_match: Option<&'a str>,
    pub accept_language: Option<&'a str>,
}

/// Only our own origin: no CDN, no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

fn security_headers() -> Vec<(String, String)> {
    [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

/// The answer to one request.
pub fn respond(req: &PageRequest) -> ApiResponse {
    let mut response = route(req).unwrap_or_else(Problem::into_response);
    response.headers.extend(security_headers());
    response
}

fn route(req: &PageRequest) -> Result<ApiResponse, Problem> {
    if req.path == OPENAPI_PATH {
        return openapi(req);
    }
    if req.path == "/api" || req.path.starts_with("/api/") {
        return Err(Problem::new(
            404,
            "Not Found",
            "No API route answers this path; /api/openapi.json lists them.",
        ));
    }
    if !matches!(req.method, "GET" | "HEAD") {
        return Err(Problem::method_not_allowed(&["GET", "HEAD"]));
    }
    if let Some(rest) = req.path.strip_prefix("/assets/") {
        let (version, name) = rest.split_once('/').ok_or_else(not_found)?;
        let asset = asset(name)
            .filter(|a| a.name != TEMPLATE)
            .ok_or_else(not_found)?;
        let cache = if version == VERSION {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return Ok(cacheable(
            req,
            asset.bytes.to_vec(),
            asset.hash,
            content_type(asset.name),
            cache,
            &[],
        ));
    }
    let last_segment = req.path.rsplit('/').next().unwrap_or("");
    if last_segment.contains('.') {
        return Err(not_found());
    }
    let (html, lang) = page(req.accept_language);
    let etag = format!("{:016x}-{lang}", fnv1a(html.as_bytes()));
    Ok(cacheable(
        req,
        html.into_bytes(),
        &etag,
        "text/html; charset=utf-8",
        REVALIDATE,
        &[("vary", "Accept-Language"), ("content-language", lang)],
    ))
}

/// The document, revalidated like the page: it changes with each deployment.
fn openapi(req: &PageRequest) -> Result<ApiResponse, Problem> {
    if !matches!(req.method, "GET" | "HEAD") {
        return Err(Problem::method_not_allowed(&["GET", "HEAD"]));
    }
    let hash = format!("{:016x}", fnv1a(OPENAPI.as_bytes()));
    Ok(cacheable(
        req,
        OPENAPI.as_bytes().to_vec(),
        &hash,
        "application/json",
        REVALIDATE,
        &[],
    ))
}

fn not_found() -> Problem {
    Problem::new(
        404,
        "Not Found",
        "There is no such page or file; the help center starts at /.",
    )
}

pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// A `200` with the body, or a `304` when the browser's copy is current.
fn cacheable(
    req: &PageRequest,
    body: Vec<u8>,
    hash: &str,
    content_type: &str,
    cache_control: &str,
    extra: &[(&str, &str)],
) -> ApiResponse {
    let etag = format!("\"{hash}\"");
    let mut headers = vec![
        ("etag".to_string(), etag.clone()),
        ("cache-control".to_string(), cache_control.to_string()),
    ];
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    if req
        .if_none_match
        .is_some_and(|header| etag_matches(header, &etag))
    {
        return ApiResponse {
            status: 304,
            headers,
            body: Vec::new(),
        };
    }
    headers.push(("content-type".to_string(), content_type.to_string()));
    ApiResponse {
        status: 200,
        headers,
        body,
    }
}

/// `If-None-Match` uses the weak comparison (RFC 9110, 13.1.2): `W/` is ignored.
fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webmanifest") => "application/manifest+json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The page in the browser's language, so its first paint (before the
/// scripts run, or without them) is already in the right language.
fn page(accept_language: Option<&str>) -> (String, &'static str) {
    let lang = negotiate_lang(None, accept_language, None).code;
    let strings: serde_json::Value = asset(STRINGS)
        .and_then(|a| serde_json::from_slice(a.bytes).ok())
        .unwrap_or_default();
    let text = |key: &str| {
        let value = strings[lang][key]
            .as_str()
            .or_else(|| strings["en"][key].as_str())
            .unwrap_or(key);
        escape_html(value)
    };
    let base = format!("/assets/{VERSION}");
    let preloads: String = ASSETS
        .iter()
        .filter(|a| a.name.ends_with(".js") && a.name != "app.js")
        .map(|a| format!("<link rel=\"modulepreload\" href=\"{base}/{}\">\n", a.name))
        .collect();
    let template = asset(TEMPLATE)
        .and_then(|a| std::str::from_utf8(a.bytes).ok())
        .unwrap_or_default();
    let html = template
        .replace("{{lang}}", lang)
        .replace("{{title}}", &text("app.title"))
        .replace("{{loading}}", &text("app.loading"))
        .replace("{{noscript}}", &text("app.noscript"))
        .replace("{{load_failed}}", &text("app.load_failed"))
        .replace("{{preloads}}", &preloads)
        .replace("{{assets}}", &base);
    (html, lang)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> ApiResponse {
        respond(&PageRequest {
            method: "GET",
            path,
            if_none_match: None,
            accept_language: None,
        })
    }

    fn header<'a>(r: &'a ApiResponse, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn body(r: &ApiResponse) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[test]
    fn the_page_is_html_revalidated_on_every_visit() {
        let r = get("/");
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(header(&r, "cache-control"), Some("no-cache"));
        assert!(header(&r, "etag").is_some_and(|e| e.starts_with('"')));
        assert!(body(&r).contains(&format!("/assets/{VERSION}/app.js")));
        assert!(!body(&r).contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn page_paths_serve_the_page_so_the_client_can_route() {
        for path in ["/cases", "/cases/EU-7K2Q9", "/agent"] {
            let r = get(path);
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(header(&r, "content-type"), Some("text/html; charset=utf-8"));
        }
    }

    #[test]
    fn the_page_speaks_the_browsers_language_from_the_first_paint() {
        let r = respond(&PageRequest {
            method: "GET",
            path: "/",
            if_none_match: None,
            accept_language: Some("zh-CN,zh;q=0.9"),
        });
        assert!(body(&r).contains("<html lang=\"zh\""));
        assert_eq!(header(&r, "content-language"), Some("zh"));
        assert_eq!(header(&r, "vary"), Some("Accept-Language"));
        let english = get("/");
        assert!(body(&english).contains("<html lang=\"en\""));
        assert_ne!(
            header(&r, "etag"),
            header(&english, "etag"),
            "one ETag per language"
        );
    }

    #[test]
    fn a_current_etag_gets_304_without_a_body() {
        let first = get("/");
        let etag = header(&first, "etag").unwrap().to_string();
        for sent in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_string(),
        ] {
            let again = respond(&PageRequest {
                method: "GET",
                path: "/",
                if_none_match: Some(&sent),
                accept_language: None,
            });
            assert_eq!(again.status, 304, "{sent}");
            assert!(again.body.is_empty());
            assert_eq!(header(&again, "etag"), Some(etag.as_str()));
        }
        let stale = respond(&PageRequest {
            method: "GET",
            path: "/",
            if_none_match: Some("\"stale\""),
            accept_language: None,
        });
        assert_eq!(stale.status, 200);
    }

    #[test]
    fn versioned_assets_are_cached_for_a_year_with_their_type() {
        for (name, content_type) in [
            ("app.js", "text/javascript; charset=utf-8"),
            ("app.css", "text/css; charset=utf-8"),
            ("strings.json", "application/json"),
            ("icon.svg", "image/svg+xml"),
        ] {
            let r = get(&format!("/assets/{VERSION}/{name}"));
            assert_eq!(r.status, 200, "{name}");
            assert_eq!(header(&r, "content-type"), Some(content_type), "{name}");
            assert_eq!(
                header(&r, "cache-control"),
                Some("public, max-age=31536000, immutable"),
                "{name}"
            );
            assert_eq!(r.body, asset(name).unwrap().bytes);
        }
    }

    #[test]
    fn an_asset_of_another_version_is_served_but_revalidated() {
        let r = get("/assets/0123456789ab/app.js");
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "cache-control"), Some("no-cache"));
    }

    #[test]
    fn unknown_files_and_the_raw_template_are_404() {
        for path in [
            format!("/assets/{VERSION}/nope.js"),
            format!("/assets/{VERSION}/index.html"),
            format!("/assets/{VERSION}/../Cargo.toml"),
            "/assets/app.js".to_string(),
            "/favicon.ico".to_string(),
            "/cases/x.php".to_string(),
        ] {
            assert_eq!(get(&path).status, 404, "{path}");
        }
    }

    #[test]
    fn unknown_api_paths_are_json_problems_whatever_the_method() {
        for method in ["GET", "POST", "DELETE"] {
            for path in ["/api", "/api/nope", "/api/cases/x/y/z"] {
                let r = respond(&PageRequest {
                    method,
                    path,
                    if_none_match: None,
                    accept_language: None,
                });
                assert_eq!(r.status, 404, "{method} {path}");
                assert_eq!(header(&r, "content-type"), Some("application/problem+json"));
                assert_eq!(r.json_body()["status"], 404);
            }
        }
    }

    #[test]
    fn the_openapi_document_is_served_as_json() {
        let r = get(OPENAPI_PATH);
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "content-type"), Some("application/json"));
        assert_eq!(header(&r, "cache-control"), Some("no-cache"));
        let document = r.json_body();
        assert_eq!(document["openapi"], "3.1.0");
        assert!(
            document["paths"][OPENAPI_PATH]["get"].is_object(),
            "the document lists itself"
        );
        let post = respond(&PageRequest {
            method: "POST",
            path: OPENAPI_PATH,
            if_none_match: None,
            accept_language: None,
        });
        assert_eq!(post.status, 405);
        assert_eq!(header(&post, "allow"), Some("GET, HEAD"));
    }

    #[test]
    fn the_page_answers_only_get_and_head() {
        let r = respond(&PageRequest {
            method: "POST",
            path: "/",
            if_none_match: None,
            accept_language: None,
        });
        assert_eq!(r.status, 405);
        assert_eq!(header(&r, "allow"), Some("GET, HEAD"));
        let head = respond(&PageRequest {
            method: "HEAD",
            path: "/",
            if_none_match: None,
            accept_language: None,
        });
        assert_eq!(head.status, 200);
    }

    #[test]
    fn every_answer_carries_the_security_headers() {
        for r in [
            get("/"),
            get(&format!("/assets/{VERSION}/app.js")),
            get("/api/nope"),
            get("/x.txt"),
        ] {
            let csp = header(&r, "content-security-policy").unwrap();
            assert!(
                csp.contains("default-src 'none'") && !csp.contains("http"),
                "{csp}"
            );
            assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
            assert_eq!(header(&r, "referrer-policy"), Some("no-referrer"));
        }
    }

    #[test]
    fn the_page_and_its_assets_name_no_other_origin() {
        for asset in ASSETS.iter().filter(|a| {
            a.name.ends_with(".html") || a.name.ends_with(".js") || a.name.ends_with(".css")
        }) {
            let text = std::str::from_utf8(asset.bytes).unwrap();
            for line in text.lines().filter(|l| l.contains("://")) {
                // The only outside address is a link people may follow (the ACM), never something loaded.
                assert!(
                    line.contains("https://www.acm.nl/"),
                    "{}: {line}",
                    asset.name
                );
            }
        }
    }
}
