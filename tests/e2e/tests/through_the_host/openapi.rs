//! The OpenAPI document (`components/web/openapi.json`, served by `web` at
//! `/api/openapi.json`) kept true to the app:
//! - every route of `spin.toml` is in [`SERVED`], the table of what the app
//!   serves, and [`SERVED`] is exactly the document's operations, both ways;
//! - each path of [`SERVED`] answers a method it does not serve with `405`
//!   and an `Allow` of exactly its methods in the table (a method added to a
//!   component without the document fails here);
//! - every documented operation, called with the demo accounts and data
//!   through the real app, answers a status the document lists for it, in a
//!   documented content type, with a body its schema (JSON Schema 2020-12)
//!   accepts.
//!
//! The clock is pinned to a Tuesday 10:00 in Amsterdam, inside chat and
//! phone hours, so contact channels are open.

use end_to_end::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Tuesday 24 November 2026, 10:00 Europe/Amsterdam.
const TUESDAY_10AM: &str = "2026-11-24T09:00:00Z";

/// Every (method, path) the app serves, by component; `{name}` is a path
/// segment. Wildcard routes of `spin.toml` (`/api/cases/...`) are served by
/// the component's `route_of`: its sub-paths are listed here.
const SERVED: &[(&str, &str)] = &[
    // auth
    ("POST", "/api/session"),
    ("GET", "/api/session"),
    ("DELETE", "/api/session"),
    ("POST", "/api/session/sso"),
    // orders
    ("GET", "/api/orders"),
    ("GET", "/api/orders/{id}"),
    ("GET", "/api/items/recent"),
    ("GET", "/api/items/{id}"),
    ("POST", "/api/items/{id}/view"),
    // answers
    ("POST", "/api/answers"),
    ("GET", "/api/answers/report"),
    ("GET", "/api/answers/{conversation_id}"),
    ("POST", "/api/answers/{conversation_id}/feedback"),
    // contact
    ("GET", "/api/contact-options"),
    ("GET", "/api/agents/presence"),
    ("PUT", "/api/agents/presence"),
    // cases
    ("GET", "/api/cases"),
    ("POST", "/api/cases"),
    ("GET", "/api/cases/{id}"),
    ("GET", "/api/cases/{id}/messages"),
    ("POST", "/api/cases/{id}/messages"),
    ("POST", "/api/cases/{id}/callback"),
    ("POST", "/api/cases/{id}/status"),
    ("POST", "/api/cases/{id}/resolution"),
    ("GET", "/api/agent/queue"),
    // health
    ("GET", "/api/health"),
    // web (GET also answers HEAD)
    ("GET", "/api/openapi.json"),
    ("GET", "/"),
    ("GET", "/assets/{version}/{name}"),
];

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn document() -> Value {
    let text = std::fs::read_to_string(repo_root().join("components/web/openapi.json"))
        .expect("the document exists");
    serde_json::from_str(&text).expect("the document is JSON")
}

/// The document's operations as (METHOD, path).
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

fn served() -> BTreeSet<(String, String)> {
    SERVED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

/// `spin.toml`'s HTTP routes: `(route, component)`.
fn spin_routes() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_root().join("spin.toml")).expect("spin.toml");
    let manifest: toml::Value = toml::from_str(&text).expect("spin.toml parses");
    manifest["trigger"]["http"]
        .as_array()
        .expect("[[trigger.http]]")
        .iter()
        .map(|t| {
            (
                t["route"].as_str().expect("a route").to_string(),
                t["component"].as_str().expect("a component").to_string(),
            )
        })
        .collect()
}

/// Whether a `spin.toml` route covers a served path (Spin's rules: exact, or a `/...` prefix).
fn covers(route: &str, path: &str) -> bool {
    match route.strip_suffix("/...") {
        Some(prefix) => {
            path == prefix || path.starts_with(&format!("{prefix}/")) || prefix.is_empty()
        }
        None => path == route,
    }
}

/// The most specific route for a path, as Spin picks it: exact first, then the longest prefix.
fn route_for<'a>(routes: &'a [(String, String)], path: &str) -> Option<&'a (String, String)> {
    routes
        .iter()
        .filter(|(r, _)| covers(r, path))
        .max_by_key(|(r, _)| (!r.ends_with("/..."), r.len()))
}

#[test]
fn every_route_of_spin_toml_is_served_and_the_document_lists_exactly_what_is_served() {
    let routes = spin_routes();
    for (route, component) in &routes {
        let paths: Vec<&str> = SERVED
            .iter()
            .map(|(_, p)| *p)
            .filter(|p| covers(route, p))
            .collect();
        assert!(
            !paths.is_empty(),
            "spin.toml routes {route} to {component}, but SERVED lists none of its paths"
        );
        let exact = !route.ends_with("/...");
        assert!(
            !exact || paths.contains(&route.as_str()),
            "{route} is an exact route and must be in SERVED itself"
        );
    }
    for (_, path) in SERVED {
        assert!(
            route_for(&routes, path).is_some(),
            "{path} is in SERVED but no spin.toml route serves it"
        );
    }
    let doc = document();
    let documented = documented(&doc);
    let served = served();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in the OpenAPI document: {undocumented:?}"
    );
    assert!(
        not_served.is_empty(),
        "in the OpenAPI document but not served: {not_served:?}"
    );
    assert_eq!(doc["openapi"], "3.1.0");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(
        (
            schemes["cookie"]["in"].as_str(),
            schemes["cookie"]["name"].as_str()
        ),
        (Some("cookie"), Some("hc_session"))
    );
}

/// A path of the table with its `{name}` segments filled in.
fn concrete(template: &str) -> String {
    template
        .replace(
            "{id}",
            if template.starts_with("/api/cases") {
                "EU-AAAA-BBBB-CCCC-DDDD"
            } else {
                "ord-T5WQ2"
            },
        )
        .replace("{conversation_id}", "c-0123456789abcdef0123456789abcdef")
        .replace("{version}", "0")
        .replace("{name}", "app.js")
}

/// The document's response for `status` of an operation, `$ref`s followed.
fn documented_response<'a>(doc: &'a Value, operation: &'a Value, status: u16) -> Option<&'a Value> {
    let response = operation["responses"].get(status.to_string())?;
    match response["$ref"].as_str() {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')),
        None => Some(response),
    }
}

/// Checks one reply against the document: a documented status, a
/// documented content type, and a body the schema accepts.
fn check(doc: &Value, method: &str, template: &str, reply: &Reply) -> Result<(), String> {
    let operation = &doc["paths"][template][method.to_lowercase()];
    let response = documented_response(doc, operation, reply.status).ok_or_else(|| {
        format!(
            "{method} {template}: {} is not a documented status: {}",
            reply.status, reply.text
        )
    })?;
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return if reply.text.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{method} {template}: {} has a body but documents none",
                reply.status
            ))
        };
    };
    let content_type = reply
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let media = content
        .get(&content_type)
        .or_else(|| content.get("*/*"))
        .ok_or_else(|| {
            format!(
                "{method} {template}: {} in {content_type:?}, documented: {:?}",
                reply.status,
                content.keys()
            )
        })?;
    if !content_type.ends_with("json") {
        return Ok(());
    }
    let body: Value = serde_json::from_str(&reply.text)
        .map_err(|e| format!("{method} {template}: not JSON ({e})"))?;
    let mut schema = media["schema"].clone();
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::new(&schema)
        .map_err(|e| format!("{method} {template}: the schema is invalid: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{method} {template} {}: the body breaks the schema:\n  {}\n  body: {}",
            reply.status,
            errors.join("\n  "),
            reply.text
        ))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_served_path_answers_other_methods_with_405_allowing_exactly_its_methods() {
    let app = Running::start(app_options(&temp_dir("openapi-methods")))
        .await
        .unwrap();
    let paths: BTreeSet<&str> = SERVED.iter().map(|(_, p)| *p).collect();
    for template in paths {
        let mut expected: Vec<&str> = SERVED
            .iter()
            .filter(|(_, p)| *p == template)
            .map(|(m, _)| *m)
            .collect();
        if expected.contains(&"GET") && !template.starts_with("/api/")
            || template == "/api/openapi.json"
        {
            expected.push("HEAD");
        }
        let reply = Reply::from(app.client.patch(app.url(&concrete(template))).send().await).await;
        reply.assert_problem(405);
        let mut allowed: Vec<&str> = reply
            .header("allow")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .collect();
        allowed.sort();
        expected.sort();
        assert_eq!(allowed, expected, "PATCH {template}: Allow");
    }
    app.shutdown().await;
}

/// One call of a documented operation.
struct Call {
    method: &'static str,
    template: &'static str,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
    /// The status this call should get with the demo data.
    expect: u16,
}

impl Call {
    fn new(
        method: &'static str,
        template: &'static str,
        path: impl Into<String>,
        token: Option<&str>,
        expect: u16,
    ) -> Self {
        Self {
            method,
            template,
            path: path.into(),
            token: token.map(str::to_string),
            body: None,
            headers: Vec::new(),
            expect,
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    async fn send(&self, app: &Running) -> Reply {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).expect("a method");
        let mut request = app.client.request(method, app.url(&self.path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        Reply::from(request.send().await).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_answers_as_documented_with_the_demo_data() {
    let mut options = app_options(&temp_dir("openapi-calls"));
    options.clock = spin_host::Clock::fixed(TUESDAY_10AM.parse().unwrap());
    let app = Running::start(options).await.unwrap();
    let doc = document();
    let served_doc = app.get("/api/openapi.json").await;
    assert_eq!(served_doc.header("content-type"), Some("application/json"));
    assert_eq!(
        served_doc.json(),
        doc,
        "web serves the document of components/web/openapi.json"
    );

    let anna = app.sign_in("anna@example.com").await;
    let agent = app.sign_in("agent@example.com").await;
    let leaving = app.sign_in("marco@example.com").await;
    let (anna, agent) = (Some(anna.as_str()), Some(agent.as_str()));
    // The orders component seeds the demo marketplace on its first request.
    assert_eq!(app.get_as(anna.unwrap(), "/api/orders").await.status, 200);

    // What the calls with ids need: a conversation and two cases of Anna's.
    let asked = app
        .post_as(
            anna.unwrap(),
            "/api/answers",
            &json!({"question": "dov'è il mio pacco?", "order_id": "ord-T5WQ2"}),
        )
        .await;
    let conversation = asked.json()["conversation_id"]
        .as_str()
        .expect("a conversation id")
        .to_string();
    let chat_case = app
        .post_as(anna.unwrap(), "/api/cases", &json!({"order_id": "ord-K8D5V", "topic": "item-not-received", "channel": "chat", "description": "Still not here."}))
        .await;
    assert_eq!(chat_case.status, 201, "{}", chat_case.text);
    let chat_case = chat_case.json()["id"]
        .as_str()
        .expect("a case id")
        .to_string();
    let phone_case = app
        .post_as(anna.unwrap(), "/api/cases", &json!({"topic": "account-security", "channel": "phone", "description": "Someone changed my email."}))
        .await;
    assert_eq!(phone_case.status, 201, "{}", phone_case.text);
    let phone_case = phone_case.json()["id"]
        .as_str()
        .expect("a case id")
        .to_string();
    let in_an_hour = app.clock().now_since_epoch().as_secs() + 3600;

    let calls = vec![
        // session
        Call::new("POST", "/api/session", "/api/session", None, 201).body(json!({"email": "studio.rossi@example.com", "password": "demo"})),
        Call::new("POST", "/api/session", "/api/session", None, 401).body(json!({"email": "anna@example.com", "password": "wrong"})),
        Call::new("POST", "/api/session", "/api/session", None, 400).body(json!({"email": "anna@example.com"})),
        Call::new("GET", "/api/session", "/api/session", anna, 200),
        Call::new("GET", "/api/session", "/api/session", None, 401),
        Call::new("POST", "/api/session/sso", "/api/session/sso", None, 401).body(json!({"token": "not.a.jwt"})),
        // orders
        Call::new("GET", "/api/orders", "/api/orders?state=shipped&limit=1", anna, 200),
        Call::new("GET", "/api/orders", "/api/orders?page=2&limit=3", agent, 200),
        Call::new("GET", "/api/orders", "/api/orders?limit=0", anna, 400),
        Call::new("GET", "/api/orders/{id}", "/api/orders/ord-T5WQ2", anna, 200),
        Call::new("GET", "/api/orders/{id}", "/api/orders/ord-7Q2K9", agent, 200),
        Call::new("GET", "/api/orders/{id}", "/api/orders/ord-W4H6S", anna, 404),
        Call::new("GET", "/api/items/recent", "/api/items/recent", anna, 200),
        Call::new("GET", "/api/items/{id}", "/api/items/itm-J7R2A", anna, 200),
        Call::new("POST", "/api/items/{id}/view", "/api/items/itm-U4K8T/view", anna, 204),
        // answers
        Call::new("POST", "/api/answers", "/api/answers", None, 200).body(json!({"question": "How do refunds work?", "lang": "sv"})),
        Call::new("POST", "/api/answers", "/api/answers", anna, 200).body(json!({"question": "voglio parlare con un operatore", "conversation_id": conversation})),
        Call::new("POST", "/api/answers", "/api/answers", anna, 200).body(json!({"question": "is it still for sale?", "item_id": "itm-J7R2A"})),
        Call::new("POST", "/api/answers", "/api/answers", anna, 400).body(json!({"question": ""})),
        Call::new("POST", "/api/answers", "/api/answers", None, 401).body(json!({"question": "where is it?", "order_id": "ord-T5WQ2"})),
        Call::new("GET", "/api/answers/{conversation_id}", format!("/api/answers/{conversation}"), anna, 200),
        Call::new("GET", "/api/answers/{conversation_id}", format!("/api/answers/{conversation}"), agent, 404),
        Call::new("POST", "/api/answers/{conversation_id}/feedback", format!("/api/answers/{conversation}/feedback"), anna, 204).body(json!({"helpful": true})),
        Call::new("POST", "/api/answers/{conversation_id}/feedback", format!("/api/answers/{conversation}/feedback"), anna, 400).body(json!({"helpful": true, "exchange": 99})),
        Call::new("GET", "/api/answers/report", "/api/answers/report?days=7", agent, 200),
        Call::new("GET", "/api/answers/report", "/api/answers/report", anna, 404),
        Call::new("GET", "/api/answers/report", "/api/answers/report?days=0", agent, 400),
        // contact
        Call::new("GET", "/api/contact-options", "/api/contact-options", anna, 200),
        Call::new("GET", "/api/contact-options", format!("/api/contact-options?conversation_id={conversation}&tz=Europe/Rome"), anna, 200),
        Call::new("GET", "/api/contact-options", "/api/contact-options?topic=account-security&lang=zh", anna, 200),
        Call::new("GET", "/api/contact-options", "/api/contact-options?order_id=ord-T5WQ2&lang=sv", anna, 200),
        Call::new("GET", "/api/contact-options", "/api/contact-options?topic=nope", anna, 400),
        Call::new("PUT", "/api/agents/presence", "/api/agents/presence", agent, 200).body(json!({"online": true, "languages": ["en", "it"]})),
        Call::new("GET", "/api/agents/presence", "/api/agents/presence", agent, 200),
        Call::new("GET", "/api/agents/presence", "/api/agents/presence", anna, 403),
        Call::new("PUT", "/api/agents/presence", "/api/agents/presence", agent, 200).body(json!({"online": false})),
        // cases
        Call::new("GET", "/api/cases", "/api/cases", anna, 200),
        Call::new("POST", "/api/cases", "/api/cases", anna, 201)
            .body(json!({"conversation_id": conversation, "topic": "item-not-received", "channel": "email", "description": "Where is it?", "lang": "it"}))
            .header("idempotency-key", "openapi-1"),
        Call::new("POST", "/api/cases", "/api/cases", anna, 422)
            .body(json!({"topic": "returns", "channel": "email", "description": "Another body."}))
            .header("idempotency-key", "openapi-1"),
        Call::new("POST", "/api/cases", "/api/cases", anna, 400).body(json!({"topic": "returns", "channel": "fax", "description": "x"})),
        // A topic the contact options do not know, by a live channel: the caller's mistake, a 400 naming it (found by schemathesis).
        Call::new("POST", "/api/cases", "/api/cases", anna, 400).body(json!({"topic": "0", "channel": "chat", "description": "x"})),
        Call::new("GET", "/api/cases/{id}", format!("/api/cases/{chat_case}"), anna, 200),
        Call::new("GET", "/api/cases/{id}", "/api/cases/EU-AAAA-BBBB-CCCC-DDDD", anna, 404),
        Call::new("POST", "/api/cases/{id}/messages", format!("/api/cases/{chat_case}/messages"), anna, 201).body(json!({"body": "Any news?"})),
        Call::new("POST", "/api/cases/{id}/messages", format!("/api/cases/{chat_case}/messages"), agent, 201).body(json!({"body": "Called the carrier.", "channel": "phone"})),
        Call::new("GET", "/api/cases/{id}/messages", format!("/api/cases/{chat_case}/messages?after=0&limit=10"), anna, 200),
        Call::new("GET", "/api/cases/{id}/messages", format!("/api/cases/{chat_case}/messages?limit=0"), anna, 400),
        Call::new("POST", "/api/cases/{id}/callback", format!("/api/cases/{phone_case}/callback"), anna, 200).body(json!({"phone": "+39 06 1234 5678", "slot": in_an_hour})),
        Call::new("POST", "/api/cases/{id}/callback", format!("/api/cases/{chat_case}/callback"), anna, 409).body(json!({"phone": "+390612345678", "slot": in_an_hour})),
        Call::new("GET", "/api/cases/{id}", format!("/api/cases/{phone_case}"), agent, 200),
        Call::new("POST", "/api/cases/{id}/status", format!("/api/cases/{chat_case}/status"), anna, 403).body(json!({"status": "in_review"})),
        Call::new("POST", "/api/cases/{id}/status", format!("/api/cases/{chat_case}/status"), agent, 200).body(json!({"status": "in_review", "note": "Asked the carrier."})),
        Call::new("POST", "/api/cases/{id}/status", format!("/api/cases/{chat_case}/status"), agent, 422).body(json!({"status": "resolved"})),
        Call::new("POST", "/api/cases/{id}/resolution", format!("/api/cases/{chat_case}/resolution"), agent, 422)
            .body(json!({"actions": [{"type": "partial_refund", "amount": {"amount": 0, "currency": "EUR"}}], "summary": "Half back."})),
        Call::new("POST", "/api/cases/{id}/resolution", format!("/api/cases/{chat_case}/resolution"), agent, 200)
            .body(json!({"actions": [{"type": "full_refund"}, {"type": "account_restriction", "user_id": "u-studio-rossi", "reason": "Late shipping.", "duration_days": 7}], "summary": "The parcel is lost."})),
        Call::new("POST", "/api/cases/{id}/resolution", format!("/api/cases/{phone_case}/resolution"), agent, 200)
            .body(json!({"actions": [{"type": "law_enforcement_referral", "category": "fraud", "evidence": ["Phishing email of 23 November."]}], "summary": "Reported."})),
        Call::new("POST", "/api/cases/{id}/resolution", format!("/api/cases/{phone_case}/resolution"), agent, 409)
            .body(json!({"actions": [], "summary": "Again."})),
        Call::new("GET", "/api/cases/{id}", format!("/api/cases/{chat_case}"), anna, 200),
        Call::new("GET", "/api/agent/queue", "/api/agent/queue?status=resolved&lang=it&limit=5", agent, 200),
        Call::new("GET", "/api/agent/queue", "/api/agent/queue", anna, 404),
        Call::new("GET", "/api/agent/queue", "/api/agent/queue?channel=fax", agent, 400),
        // operations and the page
        Call::new("GET", "/api/health", "/api/health", None, 200),
        Call::new("GET", "/api/openapi.json", "/api/openapi.json", None, 200),
        Call::new("GET", "/", "/", None, 200),
        Call::new("GET", "/assets/{version}/{name}", "/assets/0/app.js", None, 200),
        Call::new("GET", "/assets/{version}/{name}", "/assets/0/nope.js", None, 404),
        // last: it ends a session
        Call::new("DELETE", "/api/session", "/api/session", Some(&leaving), 204),
        Call::new("DELETE", "/api/session", "/api/session", Some(&leaving), 401),
    ];

    let mut called = BTreeSet::new();
    let mut failures = Vec::new();
    for call in &calls {
        let reply = call.send(&app).await;
        if reply.status != call.expect {
            failures.push(format!(
                "{} {}: expected {}, got {}: {}",
                call.method, call.path, call.expect, reply.status, reply.text
            ));
        }
        if let Err(e) = check(&doc, call.method, call.template, &reply) {
            failures.push(e);
        }
        called.insert((call.method.to_string(), call.template.to_string()));
    }
    let not_called: Vec<_> = documented(&doc).difference(&called).cloned().collect();
    assert!(
        not_called.is_empty(),
        "documented operations this test does not call: {not_called:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} calls disagree with the document:\n{}",
        failures.len(),
        calls.len(),
        failures.join("\n")
    );
    app.shutdown().await;
}
