//! Order lookup end to end: the real `orders.wasm` and `auth.wasm` from
//! spin.toml on the project's host, walking Anna, Marco, the seller and the
//! agent through every route, and the upstream mode against a fake orders API.

use end_to_end::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NOW: &str = "2026-11-23T10:00:00Z";

/// A request with the path sent exactly as written: HTTP clients normalise
/// `..` away, attackers do not.
async fn raw_get(app: &Running, token: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(app.server.addr)
        .await
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn anna_sees_her_orders_in_every_state_and_her_recent_items() {
    let app = start_app("orders-anna", NOW, &[]).await;
    let anna = app.sign_in("anna@example.com").await;

    let list = app.get_as(&anna, "/api/orders").await;
    assert_eq!(list.header("cache-control"), Some("private, no-store"));
    let body = list.json();
    let orders = body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 7);
    assert!(
        orders
            .iter()
            .all(|o| o["buyer_id"] == "u-anna" && o["caller_role"] == "buyer")
    );
    let created: Vec<i64> = orders
        .iter()
        .map(|o| o["created_at"].as_i64().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
    for state in [
        "awaiting_payment",
        "paid",
        "shipped",
        "delivered",
        "cancelled",
        "refunded",
    ] {
        assert!(orders.iter().any(|o| o["state"] == state), "{state}");
    }
    // Money is integer minor units with a currency, and adds up.
    for summary in orders {
        assert!(
            summary["item_title"].is_string() && summary["total"]["amount"].is_i64(),
            "{summary}"
        );
        let o = app
            .get_as(
                &anna,
                &format!("/api/orders/{}", summary["id"].as_str().unwrap()),
            )
            .await
            .json();
        let fees: i64 = o["fees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["amount"]["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(
            o["item_price"]["amount"].as_i64().unwrap()
                + o["shipping"]["amount"].as_i64().unwrap()
                + fees,
            o["total"]["amount"].as_i64().unwrap()
        );
        assert_eq!(o["total"]["currency"], "EUR");
    }

    let shipped = app.get_as(&anna, "/api/orders?state=shipped").await;
    assert_eq!(ids(&shipped), ["ord-T5WQ2", "ord-K8D5V"]);
    assert_eq!(shipped.json()["orders"][0]["delivery_overdue"], false);
    assert_eq!(shipped.json()["orders"][1]["delivery_overdue"], true);

    // Cursor pagination walks the whole list once; page numbers agree with it.
    let mut walked = Vec::new();
    let mut path = "/api/orders?limit=2".to_string();
    loop {
        let page = app.get_as(&anna, &path).await;
        walked.extend(ids(&page));
        match page.json()["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/orders?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(walked, ids(&list));
    assert_eq!(
        ids(&app.get_as(&anna, "/api/orders?limit=2&page=2").await),
        &walked[2..4]
    );
    assert!(ids(&app.get_as(&anna, "/api/orders?page=9").await).is_empty());

    let detail = app.get_as(&anna, "/api/orders/ord-T5WQ2").await.json();
    assert_eq!(detail["shipment"]["carrier"], "Poste Italiane");
    assert!(
        detail["shipment"]["tracking_number"]
            .as_str()
            .unwrap()
            .starts_with("TRK")
    );
    assert_eq!(detail["item"]["title"], "Vintage espresso cups (set of 4)");
    assert_eq!(detail["seller"]["name"], "Studio Rossi");
    assert_eq!(detail["shipping_address"]["city"], "Firenze");
    assert_eq!(detail["buyer_protection_active"], true);

    let recent = app.get_as(&anna, "/api/items/recent").await.json();
    let recent_ids: Vec<&str> = recent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(recent_ids, ["itm-J7R2A", "itm-U4K8T", "itm-Q8B5Z"]);
    let item = app.get_as(&anna, "/api/items/itm-U4K8T").await;
    assert_eq!(item.status, 200);
    assert_eq!(
        item.json()["price"],
        json!({"amount": 5400, "currency": "EUR"})
    );
    assert!(
        item.json()["image_urls"][0]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    assert_eq!(
        app.post_as(&anna, "/api/items/itm-Q8B5Z/view", &json!({}))
            .await
            .status,
        204
    );
    let recent = app.get_as(&anna, "/api/items/recent").await.json();
    assert_eq!(recent["items"][0]["item"]["id"], "itm-Q8B5Z");
    assert_eq!(recent["items"].as_array().unwrap().len(), 3);
    app.shutdown().await;
}

/// A fresh app seeds the demo marketplace on first use, and the page's first
/// requests come together (orders and recent items): each must see all of
/// it, never the part another request has written so far, and none of it may
/// be lost. A race shows only now and then, so three fresh apps are tried.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_requests_at_once_each_see_the_whole_marketplace() {
    for attempt in 0..3 {
        let app = std::sync::Arc::new(
            start_app(&format!("orders-first-at-once-{attempt}"), NOW, &[]).await,
        );
        let anna = app.sign_in("anna@example.com").await;
        let tasks: Vec<_> = ["/api/orders", "/api/items/recent"]
            .into_iter()
            .cycle()
            .take(24)
            .map(|path| {
                let (app, anna) = (app.clone(), anna.clone());
                tokio::spawn(async move { (path, app.get_as(&anna, path).await) })
            })
            .collect();
        for task in tasks {
            let (path, reply) = task.await.unwrap();
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            let (list, whole) = match path {
                "/api/orders" => ("orders", 7),
                _ => ("items", 3),
            };
            assert_eq!(
                reply.json()[list].as_array().unwrap().len(),
                whole,
                "{path}: {}",
                reply.text
            );
        }
        assert_eq!(
            ids(&app.get_as(&anna, "/api/orders").await).len(),
            7,
            "and after"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_sees_what_is_not_theirs() {
    let app = start_app("orders-isolation", NOW, &[]).await;
    let anna = app.sign_in("anna@example.com").await;
    let marco = app.sign_in("marco@example.com").await;
    let rossi = app.sign_in("studio.rossi@example.com").await;
    let agent = app.sign_in("agent@example.com").await;

    let marcos = ids(&app.get_as(&marco, "/api/orders").await);
    assert_eq!(marcos.len(), 3);
    let anna_ids = ids(&app.get_as(&anna, "/api/orders").await);
    assert!(marcos.iter().all(|id| !anna_ids.contains(id)));
    let marco_list = app.get_as(&marco, "/api/orders").await.json();
    assert_eq!(
        marco_list["orders"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["seller_id"] == "u-studio-rossi")
            .count(),
        2
    );

    // The seller sees sales to Anna and to Marco, and none of Casa Verde's.
    let sales = app.get_as(&rossi, "/api/orders?limit=100").await.json();
    let sales = sales["orders"].as_array().unwrap();
    assert!(
        sales
            .iter()
            .all(|o| o["seller_id"] == "u-studio-rossi" && o["caller_role"] == "seller")
    );
    assert!(
        sales.iter().any(|o| o["buyer_id"] == "u-anna")
            && sales.iter().any(|o| o["buyer_id"] == "u-marco")
    );
    assert_eq!(
        app.get_as(&rossi, "/api/orders/ord-W4H6S").await.json()["buyer"]["name"],
        "Marco de Vries"
    );
    app.get_as(&rossi, "/api/orders/ord-M3X8D")
        .await
        .assert_problem(404);

    // The agent sees everything.
    assert_eq!(app.get_as(&agent, "/api/orders").await.json()["total"], 10);
    assert_eq!(
        app.get_as(&agent, "/api/orders/ord-W4H6S").await.json()["caller_role"],
        "agent"
    );
    assert_eq!(app.get_as(&agent, "/api/items/itm-V5C8J").await.status, 200);

    // Another user's ids and ids that do not exist look the same: 404.
    let long = format!("/api/orders/ord-{}", "A".repeat(5000));
    for path in [
        "/api/orders/ord-W4H6S",
        "/api/orders/ord-P7Z3G",
        "/api/orders/ord-ZZZZZ",
        "/api/orders/ord-W4H6S%2F",
        "/api/orders/ord-7Q2K9%2F..%2F..%2Fsession",
        "/api/orders/%2E%2E",
        "/api/orders/ord-%C3%A9%E2%9C%93",
        "/api/orders/ord-W4H6S/items",
        "/api/items/itm-V5C8J",
        "/api/items/itm-NOPE0",
        "/api/items/itm-V5C8J/view",
        "/api/items/recent/extra",
        long.as_str(),
    ] {
        let reply = if path.ends_with("/view") {
            app.post_as(&anna, path, &json!({})).await
        } else {
            app.get_as(&anna, path).await
        };
        let body = reply.assert_problem(404);
        assert!(!reply.text.contains("ord-W4H6S\""), "{path}: {body}");
    }
    let missing = app.get_as(&anna, "/api/orders/ord-ZZZZZ").await.text;
    assert_eq!(
        app.get_as(&anna, "/api/orders/ord-W4H6S").await.text,
        missing,
        "existing and missing ids answer alike"
    );

    // Paths sent verbatim, `..` and non-ASCII included.
    for path in [
        "/api/orders/..",
        "/api/orders/../orders/ord-W4H6S",
        "/api/orders/ord-W4H6S/..",
        "/api/items/../orders/ord-W4H6S",
        "/api/orders/ordé",
    ] {
        let (status, text) = raw_get(&app, &anna, path).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(!text.contains("Marco"), "{path}: {text}");
    }
    // Anna's recent items never include Marco's.
    let recent = app.get_as(&anna, "/api/items/recent").await.text;
    assert!(!recent.contains("itm-Z9F4E"));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_callers_bad_parameters_and_wrong_methods() {
    let app = start_app("orders-errors", NOW, &[]).await;
    for path in [
        "/api/orders",
        "/api/orders/ord-7Q2K9",
        "/api/items/recent",
        "/api/items/itm-U4K8T",
        "/api/orders/ord-NOPE0",
    ] {
        app.get(path).await.assert_problem(401);
        Reply::from(
            app.client
                .get(app.url(path))
                .bearer_auth("x".repeat(43))
                .send()
                .await,
        )
        .await
        .assert_problem(401);
    }
    Reply::from(
        app.client
            .post(app.url("/api/items/itm-U4K8T/view"))
            .send()
            .await,
    )
    .await
    .assert_problem(401);

    let anna = app.sign_in("anna@example.com").await;
    // The cookie works as well as the bearer token.
    let with_cookie = Reply::from(
        app.client
            .get(app.url("/api/orders"))
            .header("cookie", format!("hc_session={anna}"))
            .send()
            .await,
    )
    .await;
    assert_eq!(with_cookie.status, 200);
    for (query, field) in [
        ("state=lost", "state"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=x", "limit"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("cursor=ord-W4H6S", "cursor"),
        ("cursor=%2F", "cursor"),
        ("cursor=ord-7Q2K9&page=2", "page"),
    ] {
        let body = app
            .get_as(&anna, &format!("/api/orders?{query}"))
            .await
            .assert_problem(400);
        assert_eq!(body["field"], field, "{query}");
    }
    for (method, path, allow) in [
        ("POST", "/api/orders", "GET"),
        ("DELETE", "/api/orders/ord-7Q2K9", "GET"),
        ("PUT", "/api/items/recent", "GET"),
        ("GET", "/api/items/itm-U4K8T/view", "POST"),
    ] {
        let request = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&anna);
        let reply = Reply::from(request.send().await).await;
        reply.assert_problem(405);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
    app.shutdown().await;
}

fn upstream_order(id: &str, buyer: &str, state: &str, created_at: i64) -> Value {
    json!({
        "id": id, "buyer_id": buyer, "seller_id": "u-shop-1", "item_id": "itm-UP001", "state": state,
        "created_at": created_at, "updated_at": created_at,
        "item_price": {"amount": 1999, "currency": "GBP"}, "shipping": {"amount": 350, "currency": "GBP"},
        "fees": [{"kind": "buyer_protection", "amount": {"amount": 170, "currency": "GBP"}}],
        "total": {"amount": 2519, "currency": "GBP"},
        "payment": {"status": "held", "method": "card", "paid_at": created_at + 60},
        "shipment": null,
        "shipping_address": {"name": "Anna Bianchi", "line1": "1 High St", "postal_code": "N1 1AA", "city": "London", "country": "GB"},
        "buyer_protection_until": null, "cancelled_at": null, "refunded_at": null
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_mode_reads_the_marketplace_api_and_reports_its_failures() {
    let (base, _task) = fake_service(|method, path, _| {
        assert_eq!(method, "GET");
        let orders = vec![
            upstream_order("up-1001", "u-anna", "paid", 1_795_000_000),
            upstream_order("up-1002", "u-anna", "awaiting_payment", 1_795_100_000),
            // Someone else's order the upstream wrongly includes: filtered out.
            upstream_order("up-2001", "u-marco", "paid", 1_795_200_000),
        ];
        match path {
            "/v1/orders" => (200, json!({ "orders": orders }).to_string()),
            "/v1/orders/up-1001" => (200, orders[0].to_string()),
            "/v1/orders/up-2001" => (200, orders[2].to_string()),
            "/v1/orders/up-garbage" => (200, "{\"id\": 7}".to_string()),
            "/v1/orders/up-boom" => (500, "{}".to_string()),
            "/v1/items/itm-UP001" => (200, json!({"id": "itm-UP001", "seller_id": "u-shop-1", "title": "Tea towel", "description": "Cotton.",
                "category": "home", "condition": "new", "price": {"amount": 1999, "currency": "GBP"}, "image_urls": [], "listed": false}).to_string()),
            _ => (404, "{}".to_string()),
        }
    })
    .await
    .unwrap();
    let app = start_app(
        "orders-upstream",
        NOW,
        &[
            ("orders_source", "upstream"),
            ("orders_upstream_url", base.as_str()),
            ("orders_upstream_token", "s3cret"),
        ],
    )
    .await;
    let anna = app.sign_in("anna@example.com").await;
    assert_eq!(
        ids(&app.get_as(&anna, "/api/orders").await),
        ["up-1002", "up-1001"]
    );
    let detail = app.get_as(&anna, "/api/orders/up-1001").await.json();
    assert_eq!(detail["total"], json!({"amount": 2519, "currency": "GBP"}));
    assert_eq!(detail["item"]["title"], "Tea towel");
    app.get_as(&anna, "/api/orders/up-2001")
        .await
        .assert_problem(404);
    app.get_as(&anna, "/api/orders/up-9999")
        .await
        .assert_problem(404);
    assert_eq!(
        app.get_as(&anna, "/api/items/itm-UP001").await.status,
        200,
        "bought by Anna"
    );
    let garbage = app
        .get_as(&anna, "/api/orders/up-garbage")
        .await
        .assert_problem(502);
    assert!(!garbage.to_string().contains("s3cret"));
    app.get_as(&anna, "/api/orders/up-boom")
        .await
        .assert_problem(502);
    app.shutdown().await;

    // An upstream that is down is a 502 too, not a hang or a 500.
    let closed = format!("http://127.0.0.1:{}", free_port().unwrap());
    let app = start_app(
        "orders-upstream-down",
        NOW,
        &[
            ("orders_source", "upstream"),
            ("orders_upstream_url", closed.as_str()),
        ],
    )
    .await;
    let anna = app.sign_in("anna@example.com").await;
    app.get_as(&anna, "/api/orders").await.assert_problem(502);
    app.shutdown().await;
}
