//! Cases end to end: the real `cases.wasm` with `auth`, `orders` and
//! `contact` from spin.toml on the project's host. Anna's walk from a
//! question to a resolved case, every rule broken on purpose, concurrent
//! creations with and without one `Idempotency-Key`, and concurrent messages.
//!
//! The clock is pinned to a Tuesday 10:00 in Amsterdam, inside chat and
//! phone hours, so no test depends on the hour it runs at.

use end_to_end::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Tuesday 24 November 2026, 10:00 Europe/Amsterdam.
const TUESDAY_10AM: &str = "2026-11-24T09:00:00Z";
/// The same Tuesday, 21:30 in Amsterdam: chat and phone have closed (the
/// sessions of the morning, 12 hours long, still hold).
const TUESDAY_930PM: &str = "2026-11-24T20:30:00Z";

/// Signs in and opens the orders page first, as the help-center page does
/// (the demo marketplace is seeded on the first request to `orders`).
async fn sign_in(app: &Running, email: &str) -> String {
    let token = app.sign_in(email).await;
    assert_eq!(app.get_as(&token, "/api/orders").await.status, 200);
    token
}

async fn open_case(app: &Running, token: &str, body: &Value, key: Option<&str>) -> Reply {
    let mut request = app
        .client
        .post(app.url("/api/cases"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    Reply::from(request.send().await).await
}

/// Opens a case without an `Idempotency-Key`, which must succeed; its id.
async fn opened(app: &Running, token: &str, body: &Value) -> String {
    let reply = open_case(app, token, body, None).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["id"].as_str().expect("a case id").to_string()
}

fn email_case(order_id: &str, topic: &str) -> Value {
    json!({"order_id": order_id, "topic": topic, "channel": "email", "description": "Please help with this order.", "lang": "it"})
}

/// Everything a party or an agent can read about a case, to compare before and after.
async fn read_back(app: &Running, token: &str, id: &str) -> (Value, Value) {
    let case = app.get_as(token, &format!("/api/cases/{id}")).await;
    assert_eq!(case.status, 200, "{}", case.text);
    let messages = app
        .get_as(token, &format!("/api/cases/{id}/messages"))
        .await;
    (case.json(), messages.json())
}

#[tokio::test(flavor = "multi_thread")]
async fn anna_walks_from_her_order_to_a_resolved_case_with_a_partial_refund() {
    let (webhook, _server, received) = webhook_receiver().await;
    let app = start_app(
        "cases-walk",
        TUESDAY_10AM,
        &[("notify_webhook_url", webhook.as_str())],
    )
    .await;
    let anna = sign_in(&app, "anna@example.com").await;
    let seller = sign_in(&app, "studio.rossi@example.com").await;
    let agent = sign_in(&app, "agent@example.com").await;

    // Anna asks about her shipped cups; the answer is not enough.
    let answer = app
        .post_as(
            &anna,
            "/api/answers",
            &json!({"question": "Le tazzine non sono ancora arrivate", "order_id": "ord-T5WQ2"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let conversation_id = answer.json()["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();

    // Live chat is open on a Tuesday morning: she talks to the team, which opens a case
    // with the conversation attached and its order (from the conversation) snapshotted.
    let created = open_case(
        &app,
        &anna,
        &json!({"conversation_id": conversation_id, "topic": "item-not-received", "channel": "chat", "description": "Le tazzine non sono arrivate.", "lang": "it"}),
        None,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let case = created.json();
    let id = case["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("EU-"), "{id}");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/cases/{id}").as_str())
    );
    assert_eq!(
        (
            case["status"].as_str(),
            case["channel"].as_str(),
            case["lang"].as_str()
        ),
        (Some("open"), Some("chat"), Some("it"))
    );
    assert_eq!(case["order"]["order"]["id"], "ord-T5WQ2");
    assert_eq!(case["order"]["order"]["state"], "shipped");
    assert_eq!(case["conversation"]["id"], conversation_id.as_str());
    assert!(
        case["conversation"]["exchanges"][0]["question"]
            .as_str()
            .unwrap()
            .contains("tazzine")
    );
    let total = case["order"]["order"]["total"].clone();

    // The seller sees it among their cases and answers; Anna polls and sees the answer.
    let sellers = app.get_as(&seller, "/api/cases").await.json();
    assert!(
        sellers["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "{sellers}"
    );
    // Anna's exchange with the assistant is hers: the seller does not see it.
    assert_eq!(
        app.get_as(&seller, &format!("/api/cases/{id}"))
            .await
            .json()["conversation"],
        Value::Null
    );
    let answer = app
        .post_as(
            &seller,
            &format!("/api/cases/{id}/messages"),
            &json!({"body": "Spedite lunedì, ecco il tracking."}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["seq"], 1);
    let polled = app
        .get_as(&anna, &format!("/api/cases/{id}/messages?after=0"))
        .await
        .json();
    assert_eq!(polled["messages"][0]["author_role"], "seller");
    assert_eq!(polled["messages"][0]["channel"], "chat");
    assert_eq!(polled["next_after"], 1);
    assert_eq!(
        app.post_as(
            &anna,
            &format!("/api/cases/{id}/messages"),
            &json!({"body": "Ancora niente."})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.get_as(&anna, &format!("/api/cases/{id}/messages?after=1"))
            .await
            .json()["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The agent finds it in the queue (Italian chat), reviews it and resolves it.
    let queue = app
        .get_as(&agent, "/api/agent/queue?lang=it&channel=chat&status=open")
        .await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    assert_eq!(queue.json()["cases"][0]["id"], id.as_str());
    let reviewed = app
        .post_as(
            &agent,
            &format!("/api/cases/{id}/status"),
            &json!({"status": "in_review"}),
        )
        .await;
    assert_eq!(reviewed.json()["status"], "in_review", "{}", reviewed.text);
    let waiting = app
        .post_as(
            &agent,
            &format!("/api/cases/{id}/status"),
            &json!({"status": "waiting_on_seller", "note": "Asked for proof of shipping."}),
        )
        .await;
    assert_eq!(
        waiting.json()["status"],
        "waiting_on_seller",
        "{}",
        waiting.text
    );
    let half =
        json!({"amount": total["amount"].as_i64().unwrap() / 2, "currency": total["currency"]});
    let resolved = app
        .post_as(
        &agent,
        &format!("/api/cases/{id}/resolution"),
        &json!({"actions": [{"type": "partial_refund", "amount": half}], "summary": "Metà dell'importo rimborsata per il ritardo."}),
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);

    // Anna reads the outcome, with where to turn next: the ACM, never the EU ODR platform.
    let (case, messages) = read_back(&app, &anna, &id).await;
    assert_eq!(case["status"], "resolved");
    assert_eq!(
        case["resolution"]["actions"][0],
        json!({"type": "partial_refund", "amount": half})
    );
    let notice = &case["resolution"]["notice"];
    assert_eq!(
        notice["external_dispute_resolution_url"],
        "https://www.acm.nl/"
    );
    assert!(notice["outcome"].as_str().unwrap().contains(&id));
    assert!(!case.to_string().contains("ec.europa.eu/consumers/odr"));
    let history: Vec<(&str, &str)> = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("opened", "u-anna"),
            ("status_changed", "u-agent"),
            ("status_changed", "u-agent"),
            ("resolved", "u-agent")
        ]
    );
    assert_eq!(messages["messages"].as_array().unwrap().len(), 2);
    assert!(
        app.get_as(&agent, "/api/agent/queue").await.json()["cases"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A chat case sends no email notifications.
    assert!(received.lock().unwrap().is_empty());
}

/// A fake webhook receiver: its origin, its task, and the bodies it received.
async fn webhook_receiver() -> (
    String,
    tokio::task::JoinHandle<()>,
    Arc<Mutex<Vec<(String, Value)>>>,
) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let (base, task) = fake_service(move |_method, path, body| {
        sink.lock().unwrap().push((
            path.to_string(),
            serde_json::from_slice(body).unwrap_or(Value::Null),
        ));
        (204, String::new())
    })
    .await
    .unwrap();
    (base, task, received)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_case_notifies_the_other_party_without_the_message() {
    let (webhook, _server, received) = webhook_receiver().await;
    let app = start_app(
        "cases-email",
        TUESDAY_10AM,
        &[("notify_webhook_url", webhook.as_str())],
    )
    .await;
    let anna = sign_in(&app, "anna@example.com").await;
    let seller = sign_in(&app, "studio.rossi@example.com").await;
    let id = opened(&app, &anna, &email_case("ord-K8D5V", "item-not-received")).await;
    assert_eq!(
        app.post_as(
            &seller,
            &format!("/api/cases/{id}/messages"),
            &json!({"body": "A secret reply"})
        )
        .await
        .status,
        201
    );
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let (path, event) = &received[0];
    assert_eq!(path, "/case-events");
    assert_eq!(
        (event["event"].as_str(), event["case_id"].as_str()),
        (Some("case.message"), Some(id.as_str()))
    );
    assert_eq!(event["recipients"], json!(["u-anna"]));
    assert!(!event.to_string().contains("secret"), "{event}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_case_books_a_callback_within_phone_hours() {
    let app = start_app("cases-callback", TUESDAY_10AM, &[]).await;
    let anna = sign_in(&app, "anna@example.com").await;
    let seller = sign_in(&app, "studio.rossi@example.com").await;
    let phone_case = json!({"order_id": "ord-K8D5V", "topic": "item-not-received", "channel": "phone", "description": "Chiamatemi.", "lang": "it"});
    let id = opened(&app, &anna, &phone_case).await;
    let now = app.clock().now_since_epoch().as_secs() as i64;
    let callback = |body: Value| {
        let (app, anna, id) = (&app, anna.clone(), id.clone());
        async move {
            app.post_as(&anna, &format!("/api/cases/{id}/callback"), &body)
                .await
        }
    };
    assert_eq!(
        callback(json!({"phone": "06 1234 5678", "slot": now + 3600}))
            .await
            .assert_problem(400)["field"],
        "phone"
    );
    assert_eq!(
        callback(json!({"phone": "+31612345678", "slot": now - 60}))
            .await
            .assert_problem(400)["field"],
        "slot"
    );
    let booked = callback(json!({"phone": "+39 06 1234 5678", "slot": now + 3600})).await;
    assert_eq!(booked.status, 200, "{}", booked.text);
    assert_eq!(booked.json()["callback"]["phone"], "+390612345678");
    // The seller sees that a call is booked, not Anna's number.
    let seen = app
        .get_as(&seller, &format!("/api/cases/{id}"))
        .await
        .json();
    assert_eq!(seen["callback"], json!({"slot": now + 3600}));
    let email = opened(&app, &anna, &email_case("ord-K8D5V", "tracking")).await;
    app.post_as(
        &anna,
        &format!("/api/cases/{email}/callback"),
        &json!({"phone": "+31612345678", "slot": now + 3600}),
    )
    .await
    .assert_problem(409);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_rule_is_refused_with_its_4xx_and_changes_nothing() {
    let app = start_app("cases-rules", TUESDAY_10AM, &[]).await;
    let anna = sign_in(&app, "anna@example.com").await;
    let marco = sign_in(&app, "marco@example.com").await;
    let agent = sign_in(&app, "agent@example.com").await;
    let shipped = opened(&app, &anna, &email_case("ord-T5WQ2", "item-not-received")).await;
    let delivered = opened(&app, &anna, &email_case("ord-B9R4L", "item-damaged")).await;
    let before = [
        read_back(&app, &agent, &shipped).await,
        read_back(&app, &agent, &delivered).await,
    ];
    let annas_cases = || async {
        app.get_as(&anna, "/api/cases").await.json()["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].clone(),
                    c["status"].clone(),
                    c["updated_at"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let annas_list = annas_cases().await;
    let resolve = |id: &str, actions: Value| {
        let (app, agent, id) = (&app, agent.clone(), id.to_string());
        async move {
            app.post_as(
                &agent,
                &format!("/api/cases/{id}/resolution"),
                &json!({"actions": actions, "summary": "Decision."}),
            )
            .await
        }
    };

    let above_total = resolve(
        &shipped,
        json!([{"type": "partial_refund", "amount": {"amount": 1_000_000, "currency": "EUR"}}]),
    )
    .await;
    assert_eq!(
        above_total.assert_problem(422)["field"],
        "actions[0].amount"
    );
    let after_delivery = resolve(&delivered, json!([{"type": "order_cancellation"}])).await;
    assert!(
        after_delivery.assert_problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("before delivery")
    );
    let no_category = resolve(
        &shipped,
        json!([{"type": "law_enforcement_referral", "evidence": ["photos of the item"]}]),
    )
    .await;
    assert_eq!(
        no_category.assert_problem(422)["field"],
        "actions[0].category"
    );
    let by_the_buyer = app
        .post_as(
            &anna,
            &format!("/api/cases/{shipped}/resolution"),
            &json!({"actions": [{"type": "full_refund"}], "summary": "Mine."}),
        )
        .await;
    by_the_buyer.assert_problem(403);
    app.get_as(&marco, &format!("/api/cases/{shipped}"))
        .await
        .assert_problem(404);
    app.post_as(
        &marco,
        &format!("/api/cases/{shipped}/messages"),
        &json!({"body": "hello"}),
    )
    .await
    .assert_problem(404);
    app.get_as(&marco, "/api/cases/EU-NOT-A-CASE")
        .await
        .assert_problem(404);
    app.get_as(&anna, "/api/agent/queue")
        .await
        .assert_problem(404);
    app.post_as(
        &agent,
        &format!("/api/cases/{shipped}/status"),
        &json!({"status": "closed"}),
    )
    .await
    .assert_problem(409);
    Reply::from(app.client.get(app.url("/api/cases")).send().await)
        .await
        .assert_problem(401);
    Reply::from(
        app.client
            .delete(app.url("/api/cases"))
            .bearer_auth(&anna)
            .send()
            .await,
    )
    .await
    .assert_problem(405);
    app.post_as(
        &anna,
        "/api/cases",
        &json!({"topic": "fees", "channel": "fax", "description": "x"}),
    )
    .await
    .assert_problem(400);
    app.post_as(
        &anna,
        "/api/cases",
        &json!({"order_id": "ord-W4H6S", "topic": "fees", "channel": "email", "description": "x"}),
    )
    .await
    .assert_problem(404);

    // In the evening live chat is closed: 409, with the channels that are open.
    app.clock().set(TUESDAY_930PM.parse().unwrap());
    let closed = open_case(&app, &anna, &json!({"order_id": "ord-T5WQ2", "topic": "item-not-received", "channel": "chat", "description": "Hello?", "lang": "it"}), None).await;
    let problem = closed.assert_problem(409);
    let open: Vec<&str> = problem["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["channel"].as_str().unwrap())
        .collect();
    assert!(
        open.contains(&"email") && !open.contains(&"chat"),
        "{problem}"
    );

    let after = [
        read_back(&app, &agent, &shipped).await,
        read_back(&app, &agent, &delivered).await,
    ];
    assert_eq!(after, before);
    assert_eq!(annas_cases().await, annas_list);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_creations_with_one_idempotency_key_make_one_case() {
    let app = Arc::new(start_app("cases-same-key", TUESDAY_10AM, &[]).await);
    let anna = sign_in(&app, "anna@example.com").await;
    let body = email_case("ord-K8D5V", "item-not-received");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, anna, body) = (app.clone(), anna.clone(), body.clone());
            tokio::spawn(async move {
                open_case(&app, &anna, &body, Some("3f1c9a52-double-click")).await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status {
            201 => drop(ids.insert(reply.json()["id"].as_str().unwrap().to_string())),
            409 => drop(reply.assert_problem(409)),
            other => panic!("{other}: {}", reply.text),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let listed = app.get_as(&anna, "/api/cases").await.json();
    assert_eq!(listed["total"], 1, "{listed}");
    // Once done, a retry gets the same case; another body with the key is 422.
    let retry = open_case(&app, &anna, &body, Some("3f1c9a52-double-click")).await;
    assert_eq!(
        (retry.status, retry.json()["id"].as_str().unwrap()),
        (201, ids.first().unwrap().as_str())
    );
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    open_case(
        &app,
        &anna,
        &email_case("ord-T5WQ2", "tracking"),
        Some("3f1c9a52-double-click"),
    )
    .await
    .assert_problem(422);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_creations_with_different_keys_make_fifty_cases() {
    let app = Arc::new(start_app("cases-many-keys", TUESDAY_10AM, &[]).await);
    let anna = sign_in(&app, "anna@example.com").await;
    let agent = sign_in(&app, "agent@example.com").await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (app, anna) = (app.clone(), anna.clone());
            tokio::spawn(async move {
                let body = json!({"topic": "payment-methods", "channel": "email", "description": format!("Question {i}")});
                open_case(&app, &anna, &body, Some(&format!("key-{i}"))).await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.insert(reply.json()["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 50);
    // Read back a page of 20 at a time, newest first.
    let mut listed = Vec::new();
    let mut path = "/api/cases?limit=20".to_string();
    loop {
        let page = app.get_as(&anna, &path).await.json();
        assert_eq!(page["total"], 50);
        listed.extend(page["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page["next_before"].as_u64() {
            Some(before) => path = format!("/api/cases?limit=20&before={before}"),
            None => break,
        }
    }
    assert_eq!(listed.len(), 50, "each case once");
    assert_eq!(listed.into_iter().collect::<std::collections::BTreeSet<_>>(), ids);
    let queued = app
        .get_as(&agent, "/api/agent/queue?limit=500")
        .await
        .json();
    assert_eq!(queued["total"], 50);
    for id in &ids {
        assert_eq!(
            app.get_as(&anna, &format!("/api/cases/{id}")).await.status,
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forty_messages_sent_at_once_by_both_parties_are_all_kept_in_one_order() {
    let app = Arc::new(start_app("cases-many-messages", TUESDAY_10AM, &[]).await);
    let anna = sign_in(&app, "anna@example.com").await;
    let seller = sign_in(&app, "studio.rossi@example.com").await;
    let id = opened(&app, &anna, &email_case("ord-T5WQ2", "tracking")).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (app, id) = (app.clone(), id.clone());
            let token = if i % 2 == 0 {
                anna.clone()
            } else {
                seller.clone()
            };
            tokio::spawn(async move {
                app.post_as(
                    &token,
                    &format!("/api/cases/{id}/messages"),
                    &json!({"body": format!("message {i}")}),
                )
                .await
            })
        })
        .collect();
    let mut told = std::collections::BTreeMap::new();
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text);
        let message = reply.json();
        told.insert(message["seq"].as_u64().unwrap(), message["body"].clone());
    }
    // Every writer got a position of its own, with none skipped...
    assert_eq!(
        told.keys().copied().collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    let listed = app
        .get_as(
            &seller,
            &format!("/api/cases/{id}/messages?after=0&limit=100"),
        )
        .await
        .json();
    // ...and reading them back finds each message, in order, at the position it was told.
    let read: Vec<(u64, Value)> = listed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["seq"].as_u64().unwrap(), m["body"].clone()))
        .collect();
    assert_eq!(read, told.into_iter().collect::<Vec<_>>(), "{listed}");
    assert_eq!(listed["next_after"], 40);
}
