//! Contact-method selection end to end: the real `contact.wasm` (with
//! `auth.wasm` and `orders.wasm`) on the project's host, walking the test
//! clock through a week, both daylight-saving changes and two regions, and
//! agents going online and offline.

use end_to_end::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

const NINE: [&str; 9] = ["en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"];
const PHONE: [&str; 6] = ["en", "es", "it", "fr", "nl", "de"];

/// The app of one region, its clock at `first` (a local time there).
async fn start(name: &str, tz: &str, first: &str, variables: &[(&str, &str)]) -> Running {
    let mut options = app_options(&temp_dir(name));
    options.clock = spin_host::Clock::fixed(local(tz, first));
    options.variables.insert("timezone".into(), tz.into());
    for (name, value) in variables {
        options
            .variables
            .insert(name.to_string(), value.to_string());
    }
    Running::start(options).await.unwrap()
}

/// A wall-clock time in `tz` as an instant.
fn local(tz: &str, at: &str) -> Timestamp {
    TimeZone::get(tz)
        .unwrap()
        .to_timestamp(at.parse().unwrap())
        .unwrap()
}

/// A signed-in user whose session is renewed when the clock has moved past it
/// (sessions last 12 hours; a week of clock moves outlives many).
struct Visitor<'a> {
    app: &'a Running,
    email: &'static str,
    session: Option<(String, Timestamp)>,
}

impl<'a> Visitor<'a> {
    fn new(app: &'a Running, email: &'static str) -> Self {
        Self {
            app,
            email,
            session: None,
        }
    }

    async fn token(&mut self) -> String {
        let now =
            Timestamp::from_second(self.app.clock().now_since_epoch().as_secs() as i64).unwrap();
        match &self.session {
            Some((token, since))
                if now.as_second() - since.as_second() < 11 * 3600 && now >= *since =>
            {
                token.clone()
            }
            _ => {
                let token = self.app.sign_in(self.email).await;
                self.session = Some((token.clone(), now));
                token
            }
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        let token = self.token().await;
        Reply::from(
            self.app
                .client
                .get(self.app.url(path))
                .bearer_auth(token)
                .send()
                .await,
        )
        .await
    }

    /// `GET /api/contact-options?{query}`, which must succeed.
    async fn options(&mut self, query: &str) -> Value {
        let reply = self.get(&format!("/api/contact-options?{query}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header("cache-control"), Some("private, no-store"));
        reply.json()
    }

    async fn presence(&mut self, body: Value) -> Reply {
        let token = self.token().await;
        Reply::from(
            self.app
                .client
                .put(self.app.url("/api/agents/presence"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await,
        )
        .await
    }
}

fn option<'a>(body: &'a Value, channel: &str) -> &'a Value {
    body["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["channel"] == channel)
        .unwrap_or(&Value::Null)
}

/// Whether `channel` is open now, and when it opens next if not.
fn open(body: &Value, channel: &str) -> (bool, Option<String>) {
    let option = option(body, channel);
    (
        option["available"].as_bool().unwrap(),
        option["next_available_at"].as_str().map(str::to_string),
    )
}

fn email_is_always_there(body: &Value) {
    let email = option(body, "email");
    assert_eq!(email["available"], true, "{body}");
    assert_eq!(email["languages"], json!(NINE));
}

const AMSTERDAM: &str = "Europe/Amsterdam";
const NEW_YORK: &str = "America/New_York";

/// Two regions, each one app, walked through a week, both daylight-saving
/// changes and every situation in turn (starting an app compiles every
/// component: that, not the requests, is what takes time).
#[tokio::test(flavor = "multi_thread")]
async fn amsterdam_and_new_york_through_a_week_the_clock_changes_and_each_situation() {
    let us_east = [
        ("region", "us-east"),
        ("holidays", "01-01, 07-04, 2026-11-26, 12-25"),
    ];
    let (eu, us) = tokio::join!(
        start("contact-eu", AMSTERDAM, "2026-11-23T07:59", &[]),
        start("contact-us", NEW_YORK, "2026-11-23T02:30", &us_east),
    );
    a_week_in_amsterdam_opens_and_closes_chat_and_phone_on_the_minute(&eu).await;
    daylight_saving_changes_keep_opening_hours_on_the_wall_clock(&eu).await;
    two_regions_answer_by_their_own_time_zone_and_holidays(&eu, &us).await;
    the_situation_decides_the_recommendation_and_strangers_get_nothing(&eu).await;
    tokio::join!(eu.shutdown(), us.shutdown());
}

async fn a_week_in_amsterdam_opens_and_closes_chat_and_phone_on_the_minute(app: &Running) {
    // Monday 23 November 2026; defaults: chat mon-fri 08-20 and sat 09-17, phone mon-fri 09-17,
    // holidays 01-01, 12-25, 12-26.
    app.clock().set(local(AMSTERDAM, "2026-11-23T07:59"));
    let mut anna = Visitor::new(app, "anna@example.com");
    let at = |when: &str| app.clock().set(local(AMSTERDAM, when));

    let before = anna.options("").await;
    assert_eq!(before["now"], "2026-11-23T07:59:00+01:00");
    assert_eq!(
        open(&before, "chat"),
        (false, Some("2026-11-23T08:00:00+01:00".into()))
    );
    assert_eq!(
        open(&before, "phone"),
        (false, Some("2026-11-23T09:00:00+01:00".into()))
    );
    assert_eq!(
        option(&before, "chat")["unavailable_reason"],
        "outside_hours"
    );
    email_is_always_there(&before);

    at("2026-11-23T08:00");
    let opening = anna.options("").await;
    assert_eq!(open(&opening, "chat"), (true, None));
    assert!(!open(&opening, "phone").0);

    at("2026-11-23T16:59");
    assert_eq!(open(&anna.options("").await, "phone"), (true, None));
    at("2026-11-23T17:00");
    assert_eq!(
        open(&anna.options("").await, "phone"),
        (false, Some("2026-11-24T09:00:00+01:00".into()))
    );
    at("2026-11-23T19:59");
    assert_eq!(open(&anna.options("").await, "chat"), (true, None));
    at("2026-11-23T20:00");
    let closing = anna.options("").await;
    assert_eq!(
        open(&closing, "chat"),
        (false, Some("2026-11-24T08:00:00+01:00".into()))
    );
    email_is_always_there(&closing);

    // Night, told in the caller's own time zone.
    at("2026-11-24T03:00");
    let night = anna.options("tz=America/New_York").await;
    assert_eq!(night["now"], "2026-11-23T21:00:00-05:00");
    assert_eq!(
        open(&night, "chat"),
        (false, Some("2026-11-24T02:00:00-05:00".into()))
    );
    assert_eq!(
        open(&night, "phone"),
        (false, Some("2026-11-24T03:00:00-05:00".into()))
    );
    email_is_always_there(&night);

    // Saturday: chat only, until 17:00; Sunday nothing but email.
    at("2026-11-28T16:59");
    let saturday = anna.options("").await;
    assert_eq!(open(&saturday, "chat"), (true, None));
    assert_eq!(
        open(&saturday, "phone"),
        (false, Some("2026-11-30T09:00:00+01:00".into()))
    );
    at("2026-11-29T12:00");
    let sunday = anna.options("").await;
    assert_eq!(
        open(&sunday, "chat"),
        (false, Some("2026-11-30T08:00:00+01:00".into()))
    );
    email_is_always_there(&sunday);

    // Christmas (a Friday) and Boxing Day are holidays: Monday is next.
    at("2026-12-25T10:00");
    let christmas = anna.options("topic=item-not-received").await;
    assert_eq!(
        open(&christmas, "chat"),
        (false, Some("2026-12-28T08:00:00+01:00".into()))
    );
    assert_eq!(option(&christmas, "chat")["unavailable_reason"], "holiday");
    assert_eq!(christmas["recommended"], "email");
    email_is_always_there(&christmas);

    // Each language inside hours: email and chat in all nine, phone in six only.
    at("2026-11-25T10:00");
    let mut reasons = Vec::new();
    for lang in NINE {
        let body = anna
            .options(&format!("lang={lang}&topic=account-security"))
            .await;
        assert_eq!(body["lang"], lang);
        email_is_always_there(&body);
        assert_eq!(open(&body, "chat"), (true, None), "{lang}");
        let phone = option(&body, "phone");
        if PHONE.contains(&lang) {
            assert_eq!(
                (phone["available"].as_bool(), body["recommended"].as_str()),
                (Some(true), Some("phone")),
                "{lang}"
            );
            assert_eq!(body["not_offered"], json!([]));
        } else {
            assert_eq!(phone, &Value::Null, "{lang} is never offered phone");
            assert_eq!(body["recommended"], "chat", "{lang}");
            assert_eq!(body["not_offered"][0]["channel"], "phone");
            assert_eq!(body["not_offered"][0]["languages"], json!(PHONE));
        }
        reasons.push(body["reason"].as_str().unwrap().to_string());
    }
    assert!(reasons.iter().all(|r| !r.is_empty()));
}

async fn daylight_saving_changes_keep_opening_hours_on_the_wall_clock(app: &Running) {
    app.clock().set(local(AMSTERDAM, "2026-03-28T18:00"));
    let mut anna = Visitor::new(app, "anna@example.com");
    let at = |when: &str| app.clock().set(local(AMSTERDAM, when));

    // Summer time starts on Sunday 29 March: Monday opens at 08:00 +02:00, an hour earlier in UTC.
    assert_eq!(
        open(&anna.options("").await, "chat"),
        (false, Some("2026-03-30T08:00:00+02:00".into()))
    );
    app.clock().set("2026-03-30T05:59:00Z".parse().unwrap());
    assert!(!open(&anna.options("").await, "chat").0);
    app.clock().set("2026-03-30T06:00:00Z".parse().unwrap());
    assert_eq!(open(&anna.options("").await, "chat"), (true, None));

    // Winter time is back on Sunday 25 October.
    at("2026-10-24T18:00");
    assert_eq!(
        open(&anna.options("").await, "chat"),
        (false, Some("2026-10-26T08:00:00+01:00".into()))
    );
    app.clock().set("2026-10-26T06:59:00Z".parse().unwrap());
    assert!(!open(&anna.options("").await, "chat").0);
    app.clock().set("2026-10-26T07:00:00Z".parse().unwrap());
    assert_eq!(open(&anna.options("").await, "chat"), (true, None));
}

async fn two_regions_answer_by_their_own_time_zone_and_holidays(eu: &Running, us: &Running) {
    let (mut anna_eu, mut anna_us) = (
        Visitor::new(eu, "anna@example.com"),
        Visitor::new(us, "anna@example.com"),
    );
    let both = |utc: &str| {
        eu.clock().set(utc.parse().unwrap());
        us.clock().set(utc.parse().unwrap());
    };

    // 07:30 UTC: 08:30 in Amsterdam, 02:30 in New York.
    both("2026-11-23T07:30:00Z");
    let (e, u) = (anna_eu.options("").await, anna_us.options("").await);
    assert_eq!(
        (e["region"].as_str(), u["region"].as_str()),
        (Some("eu-west"), Some("us-east"))
    );
    assert_eq!(u["time_zone"], NEW_YORK);
    assert_eq!(open(&e, "chat"), (true, None));
    assert_eq!(
        open(&u, "chat"),
        (false, Some("2026-11-23T08:00:00-05:00".into()))
    );

    // 17:30 UTC: 18:30 in Amsterdam (phone closed), 12:30 in New York (open).
    both("2026-11-23T17:30:00Z");
    let (e, u) = (anna_eu.options("").await, anna_us.options("").await);
    assert!(!open(&e, "phone").0);
    assert_eq!(open(&u, "phone"), (true, None));

    // Thanksgiving is a holiday in the us-east region only.
    both("2026-11-26T15:00:00Z");
    let (e, u) = (anna_eu.options("").await, anna_us.options("").await);
    assert_eq!(open(&e, "chat"), (true, None));
    assert_eq!(option(&u, "chat")["unavailable_reason"], "holiday");
    assert_eq!(
        open(&u, "chat").1.as_deref(),
        Some("2026-11-27T08:00:00-05:00")
    );

    // New York's changes come on other Sundays: 8 March and 1 November 2026.
    us.clock().set(local(NEW_YORK, "2026-03-07T17:00"));
    assert_eq!(
        open(&anna_us.options("").await, "chat"),
        (false, Some("2026-03-09T08:00:00-04:00".into()))
    );
    us.clock().set("2026-03-09T12:00:00Z".parse().unwrap());
    assert_eq!(open(&anna_us.options("").await, "chat"), (true, None));
    us.clock().set(local(NEW_YORK, "2026-10-31T17:00"));
    assert_eq!(
        open(&anna_us.options("").await, "chat"),
        (false, Some("2026-11-02T08:00:00-05:00".into()))
    );
    us.clock().set("2026-11-02T12:59:00Z".parse().unwrap());
    assert!(!open(&anna_us.options("").await, "chat").0);
    us.clock().set("2026-11-02T13:00:00Z".parse().unwrap());
    assert_eq!(open(&anna_us.options("").await, "chat"), (true, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_presence_required_live_channels_open_only_for_languages_of_online_agents() {
    let app = start(
        "contact-presence",
        AMSTERDAM,
        "2026-11-23T10:00",
        &[("presence_required", "true")],
    )
    .await;
    let (mut anna, mut agent) = (
        Visitor::new(&app, "anna@example.com"),
        Visitor::new(&app, "agent@example.com"),
    );

    // Inside the hours, but nobody is online: email only.
    let empty = anna.options("topic=item-not-received").await;
    assert_eq!(empty["presence_required"], true);
    assert_eq!(
        option(&empty, "chat")["unavailable_reason"],
        "no_agent_online"
    );
    assert_eq!(
        option(&empty, "phone")["unavailable_reason"],
        "no_agent_online"
    );
    assert_eq!(empty["recommended"], "email");
    email_is_always_there(&empty);

    // Presence is the team's: a buyer is refused, an anonymous caller is asked to sign in.
    anna.presence(json!({"online": true, "languages": ["it"]}))
        .await
        .assert_problem(403);
    anna.get("/api/agents/presence").await.assert_problem(403);
    Reply::from(app.client.get(app.url("/api/agents/presence")).send().await)
        .await
        .assert_problem(401);
    let wrong_method = Reply::from(
        app.client
            .delete(app.url("/api/agents/presence"))
            .send()
            .await,
    )
    .await;
    assert_eq!(wrong_method.assert_problem(405)["status"], 405);
    assert_eq!(wrong_method.header("allow"), Some("GET, PUT"));
    let bad = agent
        .presence(json!({"online": true, "languages": ["sv"]}))
        .await;
    assert_eq!(bad.assert_problem(400)["field"], "languages");

    // The agent (en, it, nl, de in the profile) comes online for English and German only.
    let online = agent
        .presence(json!({"online": true, "languages": ["en", "de"]}))
        .await;
    assert_eq!(online.status, 200, "{}", online.text);
    assert_eq!(online.json()["presence"]["languages"], json!(["en", "de"]));
    let team = agent.get("/api/agents/presence").await.json();
    assert_eq!(team["agents"][0]["agent_id"], "u-agent");
    assert_eq!(team["languages_online"], json!(["en", "de"]));

    let italian = anna.options("topic=item-not-received").await;
    assert_eq!(
        option(&italian, "chat")["available"],
        false,
        "nobody online speaks Italian"
    );
    assert_eq!(option(&italian, "chat")["open_in"], json!(["en", "de"]));
    let german = anna.options("topic=item-not-received&lang=de").await;
    assert_eq!(open(&german, "chat"), (true, None));
    assert_eq!(option(&german, "chat")["estimated_wait_minutes"], 0);
    assert_eq!(german["recommended"], "chat");
    let german_urgent = anna.options("topic=account-security&lang=de").await;
    assert_eq!(german_urgent["recommended"], "phone");

    // Without a refresh the presence lapses after five minutes.
    app.clock().advance(std::time::Duration::from_secs(5 * 60));
    assert_eq!(
        option(&anna.options("lang=de").await, "chat")["unavailable_reason"],
        "no_agent_online"
    );

    // Back online with the profile's languages; outside the hours presence opens nothing.
    let profile = agent.presence(json!({"online": true})).await.json();
    assert_eq!(
        profile["presence"]["languages"],
        json!(["en", "it", "nl", "de"])
    );
    assert_eq!(open(&anna.options("").await, "chat"), (true, None));
    app.clock().set(local(AMSTERDAM, "2026-11-23T21:00"));
    agent.presence(json!({"online": true})).await;
    assert_eq!(
        option(&anna.options("").await, "chat")["unavailable_reason"],
        "outside_hours"
    );

    // Offline.
    app.clock().set(local(AMSTERDAM, "2026-11-24T10:00"));
    assert_eq!(
        agent.presence(json!({"online": false})).await.json(),
        json!({"online": false})
    );
    assert_eq!(
        agent.get("/api/agents/presence").await.json()["agents"],
        json!([])
    );
    assert_eq!(
        option(&anna.options("").await, "chat")["unavailable_reason"],
        "no_agent_online"
    );
    app.shutdown().await;
}

async fn the_situation_decides_the_recommendation_and_strangers_get_nothing(app: &Running) {
    app.clock().set(local(AMSTERDAM, "2026-11-25T10:00"));
    let mut anna = Visitor::new(app, "anna@example.com");
    // The page lists the orders first; that also seeds the demo marketplace.
    assert_eq!(anna.get("/api/orders").await.status, 200);

    let general = anna.options("topic=payment-methods").await;
    assert_eq!(
        (
            general["recommended"].as_str(),
            general["situation"].as_str()
        ),
        (Some("email"), Some("general"))
    );
    assert_eq!(option(&general, "email")["recommended"], true);
    assert!(option(&general, "email")["reason"].as_str().unwrap().len() > 10);
    assert_eq!(general["message_seller_first"], false);

    // A shipped order, and Anna has not written to the seller yet.
    let shipped = anna.options("order_id=ord-T5WQ2").await;
    assert_eq!(shipped["message_seller_first"], true);
    assert!(
        shipped["seller_first_reason"]
            .as_str()
            .unwrap()
            .contains("2 giorni")
    );
    assert_eq!(
        (
            shipped["recommended"].as_str(),
            shipped["order_id"].as_str()
        ),
        (Some("chat"), Some("ord-T5WQ2"))
    );
    // The overdue parcel: she wrote four days ago and heard nothing, so straight to the team.
    let overdue = anna
        .options("order_id=ord-K8D5V&topic=item-not-received")
        .await;
    assert_eq!(
        (
            overdue["message_seller_first"].as_bool(),
            overdue["recommended"].as_str()
        ),
        (Some(false), Some("chat"))
    );
    // Fraud goes to the team by phone, never via the seller.
    let fraud = anna
        .options("order_id=ord-T5WQ2&topic=fraud-and-phishing")
        .await;
    assert_eq!(
        (
            fraud["message_seller_first"].as_bool(),
            fraud["recommended"].as_str()
        ),
        (Some(false), Some("phone"))
    );

    // Not hers, not anyone's, not a conversation of hers: the same 404.
    for query in [
        "order_id=ord-W4H6S",
        "order_id=ord-NOPE",
        "order_id=..%2F..%2Fsessions",
        "conversation_id=c-0123456789abcdef0123456789abcdef",
    ] {
        anna.get(&format!("/api/contact-options?{query}"))
            .await
            .assert_problem(404);
    }
    let bad_tz = anna.get("/api/contact-options?tz=Mars/Olympus").await;
    assert_eq!(bad_tz.assert_problem(400)["field"], "tz");
    let bad_topic = anna.get("/api/contact-options?topic=weather").await;
    assert_eq!(bad_topic.assert_problem(400)["field"], "topic");
    let twice = anna.get("/api/contact-options?lang=it&lang=de").await;
    assert_eq!(twice.assert_problem(400)["field"], "lang");
    let unsupported = anna.options("lang=sv").await;
    assert_eq!(
        (
            unsupported["lang"].as_str(),
            unsupported["lang_unsupported"].as_str()
        ),
        (Some("en"), Some("sv"))
    );

    Reply::from(app.client.get(app.url("/api/contact-options")).send().await)
        .await
        .assert_problem(401);
    Reply::from(
        app.client
            .get(app.url("/api/contact-options?order_id=ord-T5WQ2"))
            .bearer_auth("x".repeat(43))
            .send()
            .await,
    )
    .await
    .assert_problem(401);
    let post = Reply::from(
        app.client
            .post(app.url("/api/contact-options"))
            .send()
            .await,
    )
    .await;
    post.assert_problem(405);
    assert_eq!(post.header("allow"), Some("GET"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_schedule_variable_is_a_500_naming_it() {
    let app = start(
        "contact-malformed",
        AMSTERDAM,
        "2026-11-23T10:00",
        &[("phone_hours", "weekdays 9 to 5")],
    )
    .await;
    let mut anna = Visitor::new(&app, "anna@example.com");
    let problem = anna.get("/api/contact-options").await.assert_problem(500);
    assert_eq!(problem["variable"], "phone_hours");
    assert!(
        problem["detail"].as_str().unwrap().contains("phone_hours"),
        "{problem}"
    );
    app.shutdown().await;
}
