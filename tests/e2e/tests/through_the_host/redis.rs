//! Several instances, one state: two app instances on one real
//! `redis-server` share sessions, conversations, cases and presence; when Redis goes
//! away requests get `503` problems (not 500s, not hangs), and when it comes
//! back on the same data, service resumes with nothing acknowledged lost.

use end_to_end::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// The app's stores, as the health route names them.
const STORES: [&str; 5] = [
    "sessions",
    "marketplace",
    "conversations",
    "cases",
    "presence",
];

async fn instance(dir: &Path, name: &str, runtime_config: &str) -> Running {
    let state = dir.join(name);
    std::fs::create_dir_all(&state).unwrap();
    let mut options = app_options(&state);
    options.runtime_config = Some(end_to_end::runtime_config(&state, runtime_config));
    options.log_requests = false;
    // A Tuesday, 10:00 in Amsterdam.
    options.clock = spin_host::Clock::fixed("2026-11-24T09:00:00Z".parse().unwrap());
    Running::start(options).await.unwrap()
}

/// A request during the outage must answer, and well before a client gives up.
async fn within_seconds(reply: impl std::future::Future<Output = Reply>) -> Reply {
    tokio::time::timeout(Duration::from_secs(20), reply)
        .await
        .expect("an answer, not a hang")
}

async fn wait_until_healthy(app: &Running) {
    for _ in 0..100 {
        if app.get("/api/health").await.status == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the app did not become healthy again: {}",
        app.get("/api/health").await.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_redis_and_survive_its_outage() {
    let dir = temp_dir("redis-two-instances");
    let mut redis = RedisServer::start_persistent(&dir.join("redis-data")).unwrap();
    let config = redis_runtime_config(&redis);
    let a = instance(&dir, "a", &config).await;
    let b = instance(&dir, "b", &config).await;

    // Sessions: signed in on A, known on B.
    let anna = a.sign_in("anna@example.com").await;
    let on_b = b.get_as(&anna, "/api/session").await;
    assert_eq!(
        (on_b.status, on_b.json()["user"]["id"].as_str()),
        (200, Some("u-anna")),
        "{}",
        on_b.text
    );
    assert_eq!(b.get_as(&anna, "/api/orders").await.status, 200);

    // Conversations: asked on A, read back on B.
    let asked = a
        .post_as(
            &anna,
            "/api/answers",
            &json!({"question": "dov'è il mio pacco?", "order_id": "ord-T5WQ2"}),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let conversation = asked.json()["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = b
        .get_as(&anna, &format!("/api/answers/{conversation}"))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);

    // A case walked across both: opened on A, read and answered on B, answered
    // again on A, resolved by the agent on B, the outcome read on A.
    let agent = b.sign_in("agent@example.com").await;
    let opened = a
        .post_as(&anna, "/api/cases", &json!({"order_id": "ord-T5WQ2", "conversation_id": conversation, "topic": "item-not-received",
            "channel": "email", "description": "Le tazzine non sono arrivate.", "lang": "it"}))
        .await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let case_id = opened.json()["id"].as_str().unwrap().to_string();
    let seen = b.get_as(&agent, &format!("/api/cases/{case_id}")).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let case_path = format!("/api/cases/{case_id}");
    let agent_message = b
        .post_as(
            &agent,
            &format!("{case_path}/messages"),
            &json!({"body": "Abbiamo chiesto al venditore."}),
        )
        .await;
    assert_eq!(agent_message.status, 201, "{}", agent_message.text);
    let anna_message = a
        .post_as(
            &anna,
            &format!("{case_path}/messages"),
            &json!({"body": "Grazie, aspetto."}),
        )
        .await;
    assert_eq!(anna_message.status, 201, "{}", anna_message.text);
    let resolved = b
        .post_as(
            &agent,
            &format!("{case_path}/resolution"),
            &json!({"actions": [{"type": "full_refund"}], "summary": "Rimborso completo."}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let outcome = a.get_as(&anna, &case_path).await.json();
    assert_eq!(outcome["status"], "resolved", "{outcome}");
    let messages_before: Value = a
        .get_as(&anna, &format!("{case_path}/messages"))
        .await
        .json();

    // Presence: the agent comes online through A; B sees the team online.
    let online = Reply::from(
        a.client
            .put(a.url("/api/agents/presence"))
            .bearer_auth(&agent)
            .json(&json!({"online": true, "languages": ["it"]}))
            .send()
            .await,
    )
    .await;
    assert_eq!(online.status, 200, "{}", online.text);
    let team = b.get_as(&agent, "/api/agents/presence").await;
    assert_eq!(
        team.json()["languages_online"],
        json!(["it"]),
        "{}",
        team.text
    );

    for app in [&a, &b] {
        assert_eq!(app.get("/api/health").await.status, 200);
    }

    // Redis dies (SIGKILL, as in a crash).
    redis.kill();
    for app in [&a, &b] {
        within_seconds(app.get_as(&anna, "/api/session"))
            .await
            .assert_problem(503);
        within_seconds(app.get_as(&anna, &case_path))
            .await
            .assert_problem(503);
        let health = within_seconds(app.get("/api/health"))
            .await
            .assert_problem(503);
        assert_eq!(health["failed"], json!(STORES), "{health}");
        let sign_in = app
            .client
            .post(app.url("/api/session"))
            .json(&json!({"email": "marco@example.com", "password": "demo"}))
            .send();
        within_seconds(async { Reply::from(sign_in.await).await })
            .await
            .assert_problem(503);
    }
    within_seconds(a.post_as(
        &anna,
        &format!("{case_path}/messages"),
        &json!({"body": "Ci siete?"}),
    ))
    .await
    .assert_problem(503);

    // Back on the same port and data: service resumes, and everything
    // acknowledged before the outage is there, on both instances.
    redis.restart().unwrap();
    for app in [&a, &b] {
        wait_until_healthy(app).await;
        let session = app.get_as(&anna, "/api/session").await;
        assert_eq!(
            (session.status, session.json()["user"]["id"].as_str()),
            (200, Some("u-anna")),
            "{}",
            session.text
        );
        assert_eq!(
            app.get_as(&anna, &format!("/api/answers/{conversation}"))
                .await
                .json(),
            read.json()
        );
        assert_eq!(app.get_as(&anna, &case_path).await.json(), outcome);
        assert_eq!(
            app.get_as(&anna, &format!("{case_path}/messages"))
                .await
                .json(),
            messages_before
        );
        assert_eq!(
            app.get_as(&agent, "/api/agents/presence").await.json()["languages_online"],
            json!(["it"])
        );
    }
    assert_eq!(b.get_as(&agent, "/api/session").await.status, 200);
    // New writes work again, and are shared again.
    let marco = b.sign_in("marco@example.com").await;
    assert_eq!(
        a.get_as(&marco, "/api/session").await.json()["user"]["id"],
        "u-marco"
    );

    a.shutdown().await;
    b.shutdown().await;
}
