//! The host's request log end to end: one JSON line per request with the
//! route pattern, component, status, latency, region and case id, and none
//! of the secrets a request carries.

use end_to_end::*;
use serde_json::Value;
use spin_host::LogSink;

async fn start(name: &str, log_requests: bool) -> (Running, LogSink) {
    let state = temp_dir(name);
    let mut options = app_options(&state);
    let sink = LogSink::memory();
    options.log_sink = sink.clone();
    options.log_requests = log_requests;
    options.variables.insert("region".into(), "us-east".into());
    (Running::start(options).await.unwrap(), sink)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_request_is_one_json_line_without_secrets() {
    let (app, sink) = start("request-log", true).await;
    let token = app.sign_in("anna@example.com").await;
    app.get_as(&token, "/api/orders/ord-T5WQ2?access_token=query-secret")
        .await;
    app.get_as(&token, "/api/cases/EU-LOG1/messages").await;
    app.get("/api/health").await;
    app.shutdown().await;

    let lines = sink.lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary: Vec<(&str, &str, &str, u64)> = records
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap(),
                r["route"].as_str().unwrap(),
                r["component"].as_str().unwrap(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary[0], ("POST", "/api/session/...", "auth", 201));
    assert_eq!(
        (summary[1].0, summary[1].1, summary[1].2),
        ("GET", "/api/orders/...", "orders")
    );
    assert_eq!((summary[2].1, summary[2].2), ("/api/cases/...", "cases"));
    assert_eq!(summary[3], ("GET", "/api/health", "health", 200));
    assert_eq!(records[2]["case_id"], "EU-LOG1");
    for record in &records {
        assert_eq!(record["region"], "us-east");
        assert!(
            record["latency_ms"].as_f64().is_some_and(|ms| ms > 0.0),
            "{record}"
        );
        assert!(
            record["time"]
                .as_str()
                .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()),
            "{record}"
        );
    }
    assert!(
        records
            .iter()
            .filter(|r| r.get("case_id").is_some())
            .count()
            == 1
    );
    let all = lines.join("\n");
    for secret in [
        token.as_str(),
        "\"demo\"",
        "query-secret",
        "access_token",
        "ord-T5WQ2",
        "anna@example.com",
    ] {
        assert!(!all.contains(secret), "the log holds {secret:?}: {all}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn log_requests_false_writes_nothing() {
    let (app, sink) = start("request-log-off", false).await;
    app.get("/api/health").await;
    app.shutdown().await;
    assert!(sink.lines().is_empty());
}
