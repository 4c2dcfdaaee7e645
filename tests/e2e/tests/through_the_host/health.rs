//! The health route end to end: the real `health.wasm` reading every store
//! the app uses (its failure under a Redis outage is in `redis.rs`).

use end_to_end::*;

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_every_store_and_the_region() {
    let state = temp_dir("health");
    let mut options = app_options(&state);
    options.variables.insert("region".into(), "us-east".into());
    let app = Running::start(options).await.unwrap();

    let reply = app.get("/api/health").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["region"], "us-east");
    let stores: Vec<&str> = body["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["store"].as_str().unwrap())
        .collect();
    assert_eq!(
        stores,
        [
            "sessions",
            "marketplace",
            "conversations",
            "cases",
            "presence"
        ]
    );
    assert!(
        body["stores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "ok" && s["latency_ms"].is_number()),
        "{body}"
    );

    let post = Reply::from(app.client.post(app.url("/api/health")).send().await).await;
    post.assert_problem(405);
    assert_eq!(post.header("allow"), Some("GET"));
    app.shutdown().await;
}
