//! The host gives components what Spin gives them: checked with the fixture
//! application in tests/fixtures (the probe component under several routes).

use end_to_end::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn the_most_specific_route_wins_and_spin_headers_describe_it() {
    let app = Running::start(fixture_options(&temp_dir("routes")))
        .await
        .unwrap();

    let exact = app.get("/api/exact").await.json();
    assert_eq!(exact["matched_route"], "/api/exact");
    assert_eq!(exact["path_info"], "");

    let param = app.get("/api/items/42").await.json();
    assert_eq!(param["matched_route"], "/api/items/:id");
    assert_eq!(param["param_id"], "42");

    let wildcard = app.get("/api/orders/7?x=1").await.json();
    assert_eq!(wildcard["matched_route"], "/api/...");
    assert_eq!(wildcard["component_route"], "/api");
    assert_eq!(wildcard["path_info"], "/orders/7");
    assert_eq!(wildcard["full_url"], app.url("/api/orders/7?x=1"));
    assert!(
        wildcard["client_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );

    assert_eq!(
        app.get("/anything/else").await.json()["matched_route"],
        "/..."
    );
    assert_eq!(app.get("/hello").await.text, "hello, world\n");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_cannot_forge_spin_headers() {
    let app = Running::start(fixture_options(&temp_dir("forge")))
        .await
        .unwrap();
    let reply = Reply::from(
        app.client
            .get(app.url("/api/x"))
            .header("spin-client-addr", "10.0.0.1:1")
            .header("spin-path-info", "/admin")
            .send()
            .await,
    )
    .await
    .json();
    assert!(
        reply["client_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "{reply}"
    );
    assert_eq!(reply["path_info"], "/x");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_state_leaks_between_two_requests() {
    let app = Running::start(fixture_options(&temp_dir("fresh")))
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.get("/counter").await.json()["seen"],
            1,
            "each request gets a fresh instance"
        );
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_value_survives_a_host_restart() {
    let state = temp_dir("restart");
    let app = Running::start(fixture_options(&state)).await.unwrap();
    assert_eq!(
        app.get("/kv-set?store=default&key=k&value=kept")
            .await
            .status,
        200
    );
    app.shutdown().await;

    let again = Running::start(fixture_options(&state)).await.unwrap();
    assert_eq!(
        again.get("/kv-get?store=default&key=k").await.json()["value"],
        "kept"
    );
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_opens_only_the_stores_it_declares() {
    let app = Running::start(fixture_options(&temp_dir("stores")))
        .await
        .unwrap();
    let denied = app.get("/api/kv-get?store=default&key=k").await;
    assert_eq!(denied.status, 403);
    assert!(
        denied.json()["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("access"),
        "{}",
        denied.text
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_the_runtime_config_does_not_define_fails_at_start() {
    let state = temp_dir("undefined-store");
    let mut options = fixture_options(&state);
    options.runtime_config = Some(runtime_config(&state, "# no stores\n"));
    let err = Running::start(options)
        .await
        .err()
        .expect("start-up must fail")
        .to_string();
    assert!(
        err.contains("\"sessions\"") && err.contains("[key_value_store.sessions]"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_come_from_templates_and_a_missing_required_one_fails_clearly() {
    let app = Running::start(fixture_options(&temp_dir("vars")))
        .await
        .unwrap();
    assert_eq!(
        app.get("/variable?name=greeting").await.json()["value"],
        "hello, world"
    );
    assert_eq!(
        app.get("/variable?name=api_key").await.json()["value"],
        "fixture-key"
    );
    assert_eq!(app.get("/variable?name=undeclared").await.status, 404);
    app.shutdown().await;

    let mut options = fixture_options(&temp_dir("vars-missing"));
    options.variables.clear();
    let err = Running::start(options)
        .await
        .err()
        .expect("start-up must fail")
        .to_string();
    assert!(
        err.contains("\"api_key\" is required") && err.contains("SPIN_VARIABLE_API_KEY"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn outbound_http_is_limited_to_allowed_hosts() {
    let (upstream, _task) = fake_service(|_, path, _| (200, format!("upstream saw {path}")))
        .await
        .unwrap();
    let app = Running::start(fixture_options(&temp_dir("outbound")))
        .await
        .unwrap();

    let allowed = app.get(&format!("/fetch?url={upstream}/ping")).await;
    assert_eq!(
        allowed.json()["body"],
        "upstream saw /ping",
        "{}",
        allowed.text
    );

    // Refused by the host before any connection is made.
    let refused = app.get("/fetch?url=http://example.com/").await;
    assert_eq!(refused.status, 502, "{}", refused.text);
    // probe-api allows no hosts at all.
    assert_eq!(
        app.get(&format!("/api/fetch?url={upstream}/ping"))
            .await
            .status,
        502
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn service_chaining_reaches_a_private_component_in_process() {
    let app = Running::start(fixture_options(&temp_dir("chaining")))
        .await
        .unwrap();
    let chained = app
        .get("/fetch?url=http://probe-private.spin.internal/inside")
        .await
        .json();
    assert_eq!(chained["status"], 200, "{chained}");
    let inner: serde_json::Value = serde_json::from_str(chained["body"].as_str().unwrap()).unwrap();
    assert_eq!(inner["path_info"], "/inside");
    // A private component has no public route.
    assert_eq!(
        app.get("/api/fetch?url=http://probe-private.spin.internal/x")
            .await
            .status,
        502
    );
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trapping_component_gets_a_500_and_the_host_keeps_serving() {
    let app = Running::start(fixture_options(&temp_dir("trap")))
        .await
        .unwrap();
    app.get("/trap").await.assert_problem(500);
    assert_eq!(app.get("/hello").await.status, 200);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_past_its_deadline_gets_a_504_and_the_host_keeps_serving() {
    let mut options = fixture_options(&temp_dir("deadline"));
    options.request_timeout = Duration::from_millis(500);
    let app = Running::start(options).await.unwrap();
    app.get("/spin").await.assert_problem(504);
    assert_eq!(app.get("/hello").await.status, 200);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_and_swap_loses_no_increment_under_concurrency() {
    let app = Running::start(fixture_options(&temp_dir("cas")))
        .await
        .unwrap();
    let requests = (0..50).map(|_| app.client.get(app.url("/cas-increment?key=hits")).send());
    for reply in futures_join(requests).await {
        assert_eq!(reply.unwrap().status().as_u16(), 200);
    }
    assert_eq!(
        app.get("/kv-get?store=default&key=hits").await.json()["value"],
        "50"
    );
    assert_eq!(app.get("/atomic-increment?key=n").await.json()["value"], 1);
    assert_eq!(app.get("/atomic-increment?key=n").await.json()["value"], 2);
    app.shutdown().await;
}

/// `wasi:keyvalue/batch` through the fixture's default store: what one
/// `set-many` wrote, `get-many` reads back in the order asked (absent keys
/// as `null`), and `delete-many` removes.
async fn assert_batches_work(app: &Running) {
    let ok = app.get("/batch?op=set&keys=b1,b2&value=v").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        app.get("/batch?op=get&keys=b2,none,b1").await.json()["values"],
        json!([["b2", "v"], ["none", null], ["b1", "v"]])
    );
    assert_eq!(app.get("/batch?op=delete&keys=b1,none").await.status, 200);
    assert_eq!(
        app.get("/batch?op=get&keys=b1,b2").await.json()["values"],
        json!([["b1", null], ["b2", "v"]])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_read_write_and_delete_several_keys() {
    let app = Running::start(fixture_options(&temp_dir("batch")))
        .await
        .unwrap();
    assert_batches_work(&app).await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_redis_backend_serves_stores_and_atomics() {
    let redis = RedisServer::start().unwrap();
    let state = temp_dir("redis");
    let mut options = fixture_options(&state);
    options.runtime_config = Some(runtime_config(
        &state,
        &format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n[key_value_store.sessions]\ntype = \"redis\"\nurl = \"{}\"\n",
            redis.url(0),
            redis.url(1)
        ),
    ));
    let app = Running::start(options.clone()).await.unwrap();
    assert_eq!(
        app.get("/kv-set?store=default&key=k&value=in-redis")
            .await
            .status,
        200
    );
    let requests = (0..50).map(|_| app.client.get(app.url("/cas-increment?key=hits")).send());
    for reply in futures_join(requests).await {
        assert_eq!(reply.unwrap().status().as_u16(), 200);
    }
    // INCRBY keeps a counter as decimal text (SQLite: 8 little-endian bytes).
    assert_eq!(app.get("/atomic-increment?key=n").await.json()["value"], 1);
    assert_eq!(app.get("/atomic-increment?key=n").await.json()["value"], 2);
    assert_eq!(app.get("/kv-get?store=default&key=n").await.json()["value"], "2");
    assert_batches_work(&app).await;
    app.shutdown().await;

    // A second host on the same Redis sees the same data.
    let other = Running::start(options).await.unwrap();
    assert_eq!(
        other.get("/kv-get?store=default&key=k").await.json()["value"],
        "in-redis"
    );
    assert_eq!(
        other.get("/kv-get?store=default&key=hits").await.json()["value"],
        "50"
    );
    assert_eq!(
        other.get("/kv-get?store=sessions&key=k").await.json()["value"],
        serde_json::Value::Null
    );
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_interface_uses_the_configured_openai_compatible_service() {
    let app = Running::start(fixture_options(&temp_dir("no-llm")))
        .await
        .unwrap();
    let unconfigured = app.get("/llm?model=fake-model&prompt=hi").await;
    assert_eq!(unconfigured.status, 502);
    assert!(
        unconfigured.text.contains("no model configured"),
        "{}",
        unconfigured.text
    );
    app.shutdown().await;

    let (llm, _task) = fake_service(|_, path, body| {
        let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let prompt = request["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .to_string();
        (
            200,
            serde_json::json!({"choices": [{"message": {"content": format!("{path}: {prompt}")}}]})
                .to_string(),
        )
    })
    .await
    .unwrap();
    let state = temp_dir("llm");
    let mut options = fixture_options(&state);
    options.runtime_config = Some(runtime_config(
        &state,
        &format!(
            "[key_value_store.sessions]\ntype = \"spin\"\n[llm_compute]\ntype = \"remote_http\"\nurl = \"{llm}\"\nauth_token = \"t\"\napi_type = \"open_ai\"\n"
        ),
    ));
    let app = Running::start(options).await.unwrap();
    assert_eq!(
        app.get("/llm?model=fake-model&prompt=hi").await.json()["text"],
        "/v1/chat/completions: hi"
    );
    // Models the component does not declare in ai_models are refused.
    assert_eq!(app.get("/llm?model=other&prompt=hi").await.status, 502);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_test_clock_fixes_the_time_components_see() {
    let mut options = fixture_options(&temp_dir("clock"));
    options.clock = spin_host::Clock::fixed("2026-03-29T00:59:00Z".parse().unwrap());
    let app = Running::start(options).await.unwrap();
    let token = app.sign_in("anna@example.com").await;
    // Sessions last 12 hours by the component's clock, whatever the real time is.
    app.clock().advance(Duration::from_secs(11 * 3600));
    assert_eq!(whoami_status(&app, &token).await, 200);
    app.clock().advance(Duration::from_secs(3600));
    assert_eq!(whoami_status(&app, &token).await, 401);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixture_component_resolves_the_caller_from_the_session_auth_wrote() {
    let app = Running::start(fixture_options(&temp_dir("whoami")))
        .await
        .unwrap();
    let token = app.sign_in("anna@example.com").await;
    let me = Reply::from(
        app.client
            .get(app.url("/whoami"))
            .bearer_auth(&token)
            .send()
            .await,
    )
    .await
    .json();
    assert_eq!(me["id"], "u-anna");
    assert_eq!(me["roles"], serde_json::json!(["buyer"]));
    let by_cookie = Reply::from(
        app.client
            .get(app.url("/whoami"))
            .header("cookie", format!("hc_session={token}"))
            .send()
            .await,
    )
    .await;
    assert_eq!(by_cookie.json()["id"], "u-anna");

    let signed_out = Reply::from(
        app.client
            .delete(app.url("/api/session"))
            .bearer_auth(&token)
            .send()
            .await,
    )
    .await;
    assert_eq!(signed_out.status, 204);
    Reply::from(
        app.client
            .get(app.url("/whoami"))
            .bearer_auth(&token)
            .send()
            .await,
    )
    .await
    .assert_problem(401);
    app.get("/whoami").await.assert_problem(401);
    app.shutdown().await;
}

async fn whoami_status(app: &Running, token: &str) -> u16 {
    Reply::from(
        app.client
            .get(app.url("/api/session"))
            .bearer_auth(token)
            .send()
            .await,
    )
    .await
    .status
}

async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
