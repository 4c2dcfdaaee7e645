//! The plain functions together, on in-memory stores with the demo
//! marketplace: what the end-to-end tests show through the host, natively.

use crate::{api, create, resolution};
use api_conventions::{ApiResponse, Problem};
use case_records::{Channel, IN_FLIGHT_GRACE_SECS, Status};
use key_value::{HookedStore, KeyValue, MemoryStore, StoreError};
use serde_json::{Value, json};
use sessions::{Role, User};
use std::cell::Cell;

const NOW: i64 = 1_795_000_000;

fn user(id: &str, role: Role, lang: &str) -> User {
    User {
        id: id.into(),
        name: id.into(),
        email: format!("{id}@example.com"),
        roles: vec![role],
        lang: lang.into(),
        languages: vec![],
    }
}

fn anna() -> User {
    user("u-anna", Role::Buyer, "it")
}
fn marco() -> User {
    user("u-marco", Role::Buyer, "nl")
}
fn rossi() -> User {
    user("u-studio-rossi", Role::Seller, "it")
}
fn agent() -> User {
    user("u-agent", Role::Agent, "en")
}

struct World {
    cases: MemoryStore,
    market: MemoryStore,
    conversations: MemoryStore,
    next_id: std::cell::Cell<u32>,
}

impl World {
    fn new() -> Self {
        let market = MemoryStore::default();
        marketplace::writer::ensure_seeded(&market, NOW - 3600).unwrap();
        Self {
            cases: MemoryStore::default(),
            market,
            conversations: MemoryStore::default(),
            next_id: std::cell::Cell::new(0),
        }
    }

    fn begin(
        &self,
        caller: &User,
        body: &Value,
        key: Option<&str>,
    ) -> Result<create::Begin, Problem> {
        create::begin(
            &self.cases,
            &self.market,
            &self.conversations,
            caller,
            body.to_string().as_bytes(),
            key,
            None,
            NOW,
        )
    }

    fn open(&self, caller: &User, body: &Value, key: Option<&str>) -> Result<ApiResponse, Problem> {
        match self.begin(caller, body, key)? {
            create::Begin::Replay(response) => Ok(response),
            create::Begin::Proceed(draft) => {
                create::finish(&self.cases, *draft, "eu-west", NOW, || {
                    self.next_id.set(self.next_id.get() + 1);
                    Ok(format!("EU-TEST-{:04}", self.next_id.get()))
                })
            }
        }
    }

    /// Opens a case that must open, and gives its id.
    fn open_id(&self, caller: &User, body: &Value) -> String {
        self.open(caller, body, None).unwrap().json_body()["id"].as_str().unwrap().to_string()
    }

    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        self.cases
            .keys()
            .into_iter()
            .map(|k| (k.clone(), self.cases.get(&k).unwrap().unwrap_or_default()))
            .collect()
    }
}

fn refund_request() -> Value {
    json!({"order_id": "ord-T5WQ2", "topic": "item-not-received", "channel": "email", "description": "The cups have not arrived.", "lang": "it"})
}

fn resolve(world: &World, caller: &User, id: &str, body: Value) -> Result<Value, Problem> {
    resolution::resolve(
        &world.cases,
        &world.market,
        caller,
        id,
        body.to_string().as_bytes(),
        NOW + 60,
    )
    .map(|(r, _)| r.json_body())
}

#[test]
fn anna_opens_a_case_the_seller_answers_and_an_agent_resolves_it_with_a_partial_refund() {
    let world = World::new();
    let created = world.open(&anna(), &refund_request(), None).unwrap();
    assert_eq!(created.status, 201);
    let case = created.json_body();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["status"], "open");
    assert_eq!(case["order"]["order"]["id"], "ord-T5WQ2");
    assert_eq!(case["seller_id"], "u-studio-rossi");

    let (_, note) = api::post_message(
        &world.cases,
        &rossi(),
        &id,
        br#"{"body":"Shipped on Monday, tracking attached."}"#,
        NOW + 10,
    )
    .unwrap();
    // Email case: Anna is told a reply arrived, without its text.
    let note = note.unwrap();
    assert_eq!(note.recipients, ["u-anna"]);
    assert!(!serde_json::to_string(&note).unwrap().contains("Monday"));
    api::post_message(
        &world.cases,
        &anna(),
        &id,
        br#"{"body":"Still nothing."}"#,
        NOW + 20,
    )
    .unwrap();
    let messages = api::list_messages(&world.cases, &anna(), &id, "after=0", NOW + 30)
        .unwrap()
        .json_body();
    let roles: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author_role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["seller", "buyer"]);
    assert_eq!(
        api::list_messages(&world.cases, &rossi(), &id, "after=2", NOW + 30)
            .unwrap()
            .json_body()["messages"],
        json!([])
    );

    api::set_status(
        &world.cases,
        &agent(),
        &id,
        br#"{"status":"waiting_on_buyer"}"#,
        NOW + 30,
    )
    .unwrap();
    // Anna's answer is what the team waited for: the case is back in review.
    api::post_message(
        &world.cases,
        &anna(),
        &id,
        br#"{"body":"Here are the photos."}"#,
        NOW + 40,
    )
    .unwrap();
    assert_eq!(
        api::get_case(&world.cases, &agent(), &id)
            .unwrap()
            .json_body()["status"],
        "in_review"
    );
    let total = case["order"]["order"]["total"]["amount"].as_i64().unwrap();
    let resolved = resolve(&world, &agent(), &id, json!({
        "actions": [{"type": "partial_refund", "amount": {"amount": total / 2, "currency": "EUR"}}],
        "summary": "Half the price back for the delay."
    }))
    .unwrap();
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolution"]["notice"]["lang"], "it");
    assert_eq!(
        resolved["resolution"]["notice"]["external_dispute_resolution_url"],
        "https://www.acm.nl/"
    );
    let history: Vec<&str> = resolved["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["opened", "status_changed", "status_changed", "resolved"]
    );
}

#[test]
fn a_reply_whose_post_fails_halfway_is_posted_once_by_the_retry() {
    // Anna answers the case that waits on her. The store fails once: first
    // on the case's move back to review, then (a second world) on the message.
    for failing in ["the case", "the message"] {
        let world = World::new();
        let id = world.open_id(&anna(), &refund_request());
        api::set_status(&world.cases, &agent(), &id, br#"{"status":"waiting_on_buyer"}"#, NOW + 10).unwrap();
        let fail = Cell::new(true);
        let store = HookedStore {
            inner: &world.cases,
            before_write: |_: &MemoryStore, key: &str| {
                let target = match failing {
                    "the case" => key == format!("case:{id}"),
                    _ => key.starts_with(&format!("case:{id}:message:")),
                };
                if target && fail.replace(false) {
                    return Err(StoreError("the store is unreachable".into()));
                }
                Ok(())
            },
        };
        let post = || api::post_message(&store, &anna(), &id, br#"{"body":"Here are the photos."}"#, NOW + 20);
        assert_eq!(post().unwrap_err().status, 503, "{failing} fails");
        assert_eq!(post().unwrap().0.status, 201, "{failing} fails, then the retry");

        // Past the grace an unwritten message slot holds later ones back for.
        let listed = api::list_messages(&world.cases, &agent(), &id, "after=0", NOW + 20 + IN_FLIGHT_GRACE_SECS)
            .unwrap()
            .json_body();
        let bodies: Vec<&str> = listed["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["Here are the photos."], "{failing} fails");
        assert_eq!(listed["status"], "in_review", "{failing} fails");
    }
}

#[test]
fn broken_rules_are_refused_and_change_nothing() {
    let world = World::new();
    let id = world.open_id(&anna(), &refund_request());
    let delivered = world.open_id(&anna(), &json!({"order_id": "ord-B9R4L", "topic": "item-damaged", "channel": "email", "description": "Cracked."}));
    let before = world.snapshot();
    let refused = [
        resolve(
            &world,
            &agent(),
            &id,
            json!({"actions": [{"type": "partial_refund", "amount": {"amount": 999_999, "currency": "EUR"}}], "summary": "x"}),
        ),
        resolve(
            &world,
            &agent(),
            &id,
            json!({"actions": [{"type": "partial_refund", "amount": {"amount": 100, "currency": "USD"}}], "summary": "x"}),
        ),
        resolve(
            &world,
            &agent(),
            &delivered,
            json!({"actions": [{"type": "order_cancellation"}], "summary": "x"}),
        ),
        resolve(
            &world,
            &agent(),
            &id,
            json!({"actions": [{"type": "law_enforcement_referral", "evidence": ["photos"]}], "summary": "x"}),
        ),
        resolve(
            &world,
            &agent(),
            &id,
            json!({"actions": [{"type": "account_suspension", "user_id": "u-marco", "reason": "r", "duration_days": 30}], "summary": "x"}),
        ),
        resolve(
            &world,
            &agent(),
            &id,
            json!({"actions": [{"type": "full_refund"}, {"type": "partial_refund", "amount": {"amount": 1, "currency": "EUR"}}], "summary": "x"}),
        ),
    ];
    for r in &refused {
        assert_eq!(r.as_ref().unwrap_err().status, 422, "{r:?}");
    }
    assert_eq!(
        resolve(
            &world,
            &anna(),
            &id,
            json!({"actions": [{"type": "full_refund"}], "summary": "x"})
        )
        .unwrap_err()
        .status,
        403
    );
    // A malformed action is a 400 naming where in the body it went wrong.
    let malformed = resolve(
        &world,
        &agent(),
        &id,
        json!({"actions": [{"type": "account_suspension", "user_id": "u-marco", "reason": "r", "duration_days": "a month"}], "summary": "x"}),
    )
    .unwrap_err();
    assert_eq!(
        (malformed.status, malformed.extensions["field"].as_str()),
        (400, Some("actions[0].duration_days"))
    );
    assert_eq!(
        api::get_case(&world.cases, &marco(), &id)
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        api::post_message(&world.cases, &marco(), &id, br#"{"body":"hi"}"#, NOW)
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        api::set_status(&world.cases, &anna(), &id, br#"{"status":"closed"}"#, NOW)
            .unwrap_err()
            .status,
        403
    );
    assert_eq!(
        api::set_status(&world.cases, &agent(), &id, br#"{"status":"closed"}"#, NOW)
            .unwrap_err()
            .status,
        409
    );
    assert_eq!(
        api::queue(&world.cases, &anna(), "", NOW)
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(world.snapshot(), before);
}

#[test]
fn several_actions_combine_and_a_resolved_case_is_not_resolved_again() {
    let world = World::new();
    let id = world.open_id(&anna(), &json!({"order_id": "ord-K8D5V", "topic": "counterfeit-report", "channel": "email", "description": "Fake tiles."}));
    let body = json!({
        "actions": [
            {"type": "full_refund"},
            {"type": "order_cancellation"},
            {"type": "account_suspension", "user_id": "u-studio-rossi", "reason": "Counterfeit goods", "duration_days": 90},
            {"type": "law_enforcement_referral", "category": "counterfeit", "evidence": ["photos of the tiles", "the listing"]}
        ],
        "summary": "Refunded; the seller is suspended and reported."
    });
    let resolved = resolve(&world, &agent(), &id, body.clone()).unwrap();
    assert_eq!(
        resolved["resolution"]["actions"].as_array().unwrap().len(),
        4
    );
    assert_eq!(
        resolve(&world, &agent(), &id, body).unwrap_err().status,
        409
    );
}

#[test]
fn a_case_needing_no_action_is_resolved_with_a_summary_alone() {
    // The parcel turned up: nothing to refund or cancel, but the parties
    // still hear the outcome and where to turn if they disagree.
    let world = World::new();
    let id = world.open_id(&anna(), &json!({"order_id": "ord-T5WQ2", "topic": "item-not-received", "channel": "email", "description": "Not here yet."}));
    let before = world.snapshot();
    let no_summary = resolve(&world, &agent(), &id, json!({"actions": [], "summary": " "})).unwrap_err();
    assert_eq!((no_summary.status, no_summary.extensions["field"].as_str()), (400, Some("summary")));
    assert_eq!(world.snapshot(), before);
    let resolved = resolve(&world, &agent(), &id, json!({"actions": [], "summary": "The parcel arrived."})).unwrap();
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolution"]["actions"], json!([]));
    assert!(resolved["resolution"]["notice"]["outcome"].as_str().unwrap().contains("The parcel arrived."));
    assert_eq!(resolved["resolution"]["notice"]["external_dispute_resolution_url"], "https://www.acm.nl/");
}

#[test]
fn one_idempotency_key_makes_one_case_and_a_different_body_is_422() {
    let world = World::new();
    let first = world
        .open(&anna(), &refund_request(), Some("key-1"))
        .unwrap();
    let again = world
        .open(&anna(), &refund_request(), Some("key-1"))
        .unwrap();
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.json_body()["id"], again.json_body()["id"]);
    assert!(
        again
            .headers
            .contains(&("idempotent-replayed".into(), "true".into()))
    );
    let mut other = refund_request();
    other["description"] = json!("Something else.");
    assert_eq!(
        world
            .open(&anna(), &other, Some("key-1"))
            .unwrap_err()
            .status,
        422
    );
    // Keys are per user: Marco's key-1 is his own.
    let marco_case = world.open(
        &marco(),
        &json!({"topic": "payment-failed", "channel": "email", "description": "x"}),
        Some("key-1"),
    );
    assert_eq!(marco_case.unwrap().status, 201);
    assert_eq!(api::queue(&world.cases, &agent(), "status=open", NOW).unwrap().json_body()["total"], 2);
}

#[test]
fn a_retry_while_the_first_is_in_flight_is_409_and_changes_nothing() {
    let world = World::new();
    // The first request has checked everything and is asking whether its channel is open.
    let create::Begin::Proceed(first) = world.begin(&anna(), &refund_request(), Some("k")).unwrap()
    else {
        panic!()
    };
    let create::Begin::Proceed(second) =
        world.begin(&anna(), &refund_request(), Some("k")).unwrap()
    else {
        panic!()
    };
    let first = create::finish(&world.cases, *first, "eu-west", NOW, || {
        Ok("EU-TEST-0001".into())
    })
    .unwrap();
    // The second lost the race: it replays the first's case rather than making another.
    let second = create::finish(&world.cases, *second, "eu-west", NOW, || {
        Ok("EU-TEST-0002".into())
    })
    .unwrap();
    assert_eq!(first.json_body()["id"], second.json_body()["id"]);
    // While a first request holds the key, a retry is told to wait.
    let create::Begin::Proceed(held) = world
        .begin(
            &anna(),
            &json!({"topic": "fees", "channel": "email", "description": "?"}),
            Some("k2"),
        )
        .unwrap()
    else {
        panic!()
    };
    let record = case_records::writer::IdempotencyRecord {
        body_hash: body_hash(&json!({"topic": "fees", "channel": "email", "description": "?"})),
        created_at: NOW,
        case_id: "EU-TEST-0009".into(),
    };
    case_records::writer::reserve_idempotency_key(
        &world.cases,
        "u-anna",
        &held_key_hash("k2"),
        &record,
        create::IDEMPOTENCY,
    )
    .unwrap();
    let before = world.snapshot();
    assert_eq!(
        create::finish(&world.cases, *held, "eu-west", NOW, || Ok(
            "EU-TEST-0003".into()
        ))
        .unwrap_err()
        .status,
        409
    );
    assert_eq!(world.snapshot(), before);
}

fn held_key_hash(key: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn body_hash(body: &Value) -> String {
    held_key_hash(&body.to_string())
}

#[test]
fn bad_requests_name_the_field_and_strangers_orders_are_404() {
    let world = World::new();
    let cases = [
        (
            json!({"topic": "fees", "channel": "fax", "description": "d"}),
            "channel",
        ),
        (
            json!({"topic": "Not a topic!", "channel": "email", "description": "d"}),
            "topic",
        ),
        // Well-formed, but not one of the knowledge base's topics.
        (
            json!({"topic": "lost-my-cat", "channel": "email", "description": "d"}),
            "topic",
        ),
        (
            json!({"topic": "fees", "channel": "email", "description": "   "}),
            "description",
        ),
        (
            json!({"topic": "fees", "channel": "email", "description": "d", "lang": "sv"}),
            "lang",
        ),
        (json!({"topic": "fees", "channel": "email"}), "description"),
    ];
    for (body, field) in cases {
        let problem = world.begin(&anna(), &body, None).unwrap_err();
        assert_eq!(
            (problem.status, problem.extensions["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }
    let marcos_order =
        json!({"order_id": "ord-W4H6S", "topic": "fees", "channel": "email", "description": "d"});
    assert_eq!(
        world
            .begin(&anna(), &marcos_order, None)
            .unwrap_err()
            .status,
        404
    );
    let not_hers = json!({"conversation_id": "c-0123456789abcdef0123456789abcdef", "topic": "fees", "channel": "email", "description": "d"});
    assert_eq!(
        world.begin(&anna(), &not_hers, None).unwrap_err().status,
        404
    );
    assert_eq!(
        world
            .begin(&anna(), &refund_request(), Some(""))
            .unwrap_err()
            .status,
        400
    );
    assert!(world.cases.keys().is_empty());
}

#[test]
fn the_lifecycle_moves_only_forward_along_its_rules() {
    use Status::*;
    assert!(
        api::can_move(Open, InReview)
            && api::can_move(InReview, WaitingOnSeller)
            && api::can_move(WaitingOnBuyer, InReview)
    );
    assert!(api::can_move(Resolved, Closed) && api::can_move(Resolved, InReview));
    assert!(
        !api::can_move(Open, Resolved)
            && !api::can_move(Open, Closed)
            && !api::can_move(Closed, InReview)
            && !api::can_move(InReview, InReview)
    );
}

#[test]
fn lists_and_the_queue_show_each_viewer_their_own() {
    let world = World::new();
    world.open(&anna(), &refund_request(), None).unwrap();
    world.open(&marco(), &json!({"order_id": "ord-P7Z3G", "topic": "tracking", "channel": "email", "description": "Where?", "lang": "nl"}), None).unwrap();
    let ids = |v: Value| -> Vec<String> {
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let annas = api::list_cases(&world.cases, &anna(), "", NOW).unwrap().json_body();
    assert_eq!(
        (&annas["cases"][0]["order_id"], &annas["cases"][0]["seller_id"]),
        (&json!("ord-T5WQ2"), &json!("u-studio-rossi")),
        "a list shows the order and its seller"
    );
    assert_eq!(ids(annas), ["EU-TEST-0001"]);
    assert_eq!(
        ids(api::list_cases(&world.cases, &marco(), "", NOW)
            .unwrap()
            .json_body()),
        ["EU-TEST-0002"]
    );
    assert_eq!(
        ids(api::list_cases(&world.cases, &rossi(), "", NOW)
            .unwrap()
            .json_body())
        .len(),
        2
    );
    assert_eq!(
        ids(api::queue(&world.cases, &agent(), "", NOW)
            .unwrap()
            .json_body()),
        ["EU-TEST-0001", "EU-TEST-0002"]
    );
    assert_eq!(
        ids(
            api::queue(&world.cases, &agent(), "lang=nl&channel=email", NOW)
                .unwrap()
                .json_body()
        ),
        ["EU-TEST-0002"]
    );
    assert!(
        ids(api::queue(&world.cases, &agent(), "min_age_minutes=5", NOW)
            .unwrap()
            .json_body())
        .is_empty()
    );
    assert_eq!(
        ids(
            api::queue(&world.cases, &agent(), "min_age_minutes=5", NOW + 600)
                .unwrap()
                .json_body()
        )
        .len(),
        2
    );
    assert_eq!(
        api::queue(&world.cases, &agent(), "status=nope", NOW)
            .unwrap_err()
            .status,
        400
    );
    // The seller sees the case but not Anna's AI conversation or phone number.
    let seen_by_seller = api::get_case(&world.cases, &rossi(), "EU-TEST-0001")
        .unwrap()
        .json_body();
    assert_eq!(seen_by_seller["caller_role"], "seller");
    assert!(seen_by_seller["conversation"].is_null());
}

#[test]
fn lists_and_the_queue_come_a_page_at_a_time() {
    let world = World::new();
    for n in 1..=3 {
        world.open_id(&anna(), &json!({"topic": "fees", "channel": "email", "description": format!("Question {n}")}));
    }
    let page = |body: Value| -> (Vec<String>, Value, Value) {
        let ids = body["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
        let next = body.get("next_before").or(body.get("next_after")).cloned().unwrap();
        (ids, body["total"].clone(), next)
    };
    let list = |query: &str| page(api::list_cases(&world.cases, &anna(), query, NOW).unwrap().json_body());
    assert_eq!(list("limit=2"), (vec!["EU-TEST-0003".to_string(), "EU-TEST-0002".into()], json!(3), json!(2)));
    assert_eq!(list("limit=2&before=2"), (vec!["EU-TEST-0001".to_string()], json!(3), Value::Null));
    // The queue's `total` counts every match; `next_after` is only for a walk cut short.
    let queue = |query: &str| page(api::queue(&world.cases, &agent(), query, NOW).unwrap().json_body());
    assert_eq!(queue("limit=1"), (vec!["EU-TEST-0001".to_string()], json!(3), Value::Null));
    assert_eq!(queue("after=2"), (vec!["EU-TEST-0003".to_string()], json!(1), Value::Null));
    for bad in ["before=0", "limit=0", "limit=501", "before=x"] {
        assert_eq!(api::list_cases(&world.cases, &anna(), bad, NOW).unwrap_err().status, 400, "{bad}");
    }
    assert_eq!(api::queue(&world.cases, &agent(), "after=-1", NOW).unwrap_err().status, 400);
}

#[test]
fn a_callback_needs_a_phone_case_an_e164_number_and_phone_hours() {
    let world = World::new();
    let id = world.open_id(&anna(), &json!({"topic": "fees", "channel": "phone", "description": "Call me"}));
    let open = |_slot: i64| true;
    let ask = |body: Value, phone_open: &dyn Fn(i64) -> bool| {
        api::request_callback(
            &world.cases,
            &anna(),
            &id,
            body.to_string().as_bytes(),
            NOW,
            phone_open,
        )
    };
    assert_eq!(
        ask(json!({"phone": "0612345678", "slot": NOW + 3600}), &open)
            .unwrap_err()
            .status,
        400
    );
    assert_eq!(
        ask(json!({"phone": "+31612345678", "slot": NOW - 1}), &open)
            .unwrap_err()
            .status,
        400
    );
    assert_eq!(
        ask(
            json!({"phone": "+31612345678", "slot": NOW + 3600}),
            &|_| false
        )
        .unwrap_err()
        .status,
        400
    );
    let booked = ask(
        json!({"phone": "+31 6 1234 5678", "slot": NOW + 3600}),
        &open,
    )
    .unwrap()
    .json_body();
    assert_eq!(booked["callback"]["phone"], "+31612345678");
    let email_case = world
        .open(
            &anna(),
            &json!({"topic": "fees", "channel": "email", "description": "x"}),
            None,
        )
        .unwrap()
        .json_body();
    let on_email = api::request_callback(
        &world.cases,
        &anna(),
        email_case["id"].as_str().unwrap(),
        br#"{"phone":"+31612345678","slot":1795003600}"#,
        NOW,
        open,
    );
    assert_eq!(on_email.unwrap_err().status, 409);
    assert_eq!(Channel::parse("phone"), Some(Channel::Phone));
}
