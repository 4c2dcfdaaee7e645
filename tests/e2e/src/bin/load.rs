//! A load run: many users at once doing what users do, then a count of what
//! was written.
//!
//! ```text
//! cargo run -p end-to-end --bin load -- [--requests N] [--connections C] [--backend sqlite|redis] [--seed S]
//! ```
//!
//! It starts the real app (`spin.toml`) in this process, with every store in
//! SQLite files of a temporary folder, or with `--backend redis` in a
//! `redis-server` of its own (one database per store), and the clock pinned to
//! a Tuesday morning in Amsterdam, inside chat hours.
//!
//! `C` workers (tokio tasks on one HTTP client, so at most `C` connections)
//! share a budget of `N` requests. Each worker is a buyer (Anna or Marco, in
//! turn) signed in once before the clock starts, and picks every request from
//! a weighted mix ([`MIX`]): sign-in of any demo account, the order list, one
//! of the buyer's orders, an AI answer (questions in the nine languages,
//! half of them about an order), the contact options, opening an email case
//! (a fresh `Idempotency-Key` each), and a message on a case the worker opened
//! (opening one first when it has none yet). Requests are drawn from a seeded
//! generator, so a run can be repeated.
//!
//! Every response that is not 2xx, every connection error and every timeout
//! is an error. Per route it prints requests, errors, requests/s (that
//! route's requests over the whole run's wall time), p50 and p99.
//!
//! Then it counts what was written: every case whose `201` came back must be
//! listed for its buyer (`GET /api/cases`) and readable (`GET
//! /api/cases/{id}`), and hold exactly as many messages (`GET
//! /api/cases/{id}/messages`, numbered 1, 2, ... without gaps) as were
//! acknowledged with a `201`. Anything missing is a lost write. It exits
//! non-zero on any error or lost write.

use anyhow::{Context, Result, bail};
use end_to_end::{RedisServer, Running, app_options, redis_runtime_config, temp_dir};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: load [--requests N] [--connections C] [--backend sqlite|redis] [--seed S]";

/// The buyers the workers act as, in turn.
const BUYERS: [&str; 2] = ["anna@example.com", "marco@example.com"];
/// Every demo account: the sign-ins of the mix.
const ACCOUNTS: [&str; 4] = [
    "anna@example.com",
    "marco@example.com",
    "studio.rossi@example.com",
    "agent@example.com",
];

use end_to_end::WEEKDAY_MORNING as CLOCK;

/// Longer than the host's request deadline (30 s): a slow answer is measured,
/// a hung one is an error.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// Questions of the answers route, with their language.
const QUESTIONS: [(&str, &str); 9] = [
    ("it", "dov'è il mio pacco?"),
    ("en", "Where is my parcel? It has not arrived yet."),
    ("nl", "Mijn pakket is nog niet aangekomen, wat nu?"),
    ("es", "¿Cómo pido un reembolso?"),
    ("fr", "Comment annuler ma commande ?"),
    ("de", "Welche Zahlungsmethoden kann ich verwenden?"),
    ("zh", "我的包裹在哪里？"),
    ("pt", "Como altero o meu endereço de entrega?"),
    ("pl", "Jak zwrócić przedmiot?"),
];

/// Topics asked about in contact options and cases (KB topic ids).
const TOPICS: [&str; 6] = [
    "item-not-received",
    "payment-failed",
    "returns",
    "refunds",
    "item-damaged",
    "tracking",
];

/// What a worker does, and how often (weights sum to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Route {
    SignIn,
    Orders,
    Order,
    Answers,
    ContactOptions,
    OpenCase,
    Message,
}

const MIX: [(Route, u64); 7] = [
    (Route::SignIn, 5),
    (Route::Orders, 20),
    (Route::Order, 15),
    (Route::Answers, 20),
    (Route::ContactOptions, 15),
    (Route::OpenCase, 10),
    (Route::Message, 15),
];

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::SignIn => "POST /api/session",
            Route::Orders => "GET /api/orders",
            Route::Order => "GET /api/orders/{id}",
            Route::Answers => "POST /api/answers",
            Route::ContactOptions => "GET /api/contact-options",
            Route::OpenCase => "POST /api/cases",
            Route::Message => "POST /api/cases/{id}/messages",
        }
    }

    fn pick(rng: &mut Rng) -> Route {
        let total: u64 = MIX.iter().map(|(_, w)| w).sum();
        let mut roll = rng.below(total);
        for (route, weight) in MIX {
            if roll < weight {
                return route;
            }
            roll -= weight;
        }
        Route::Orders
    }
}

/// splitmix64: small, seedable, good enough to pick requests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Redis,
}

#[derive(Debug, Clone, Copy)]
struct Args {
    requests: usize,
    connections: usize,
    backend: Backend,
    seed: u64,
}

impl Args {
    fn parse() -> Result<Self> {
        let mut parsed = Args {
            requests: 20_000,
            connections: 64,
            backend: Backend::Sqlite,
            seed: 1,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .with_context(|| format!("{name} needs a value\n{USAGE}"))
            };
            let number = |name: &str, text: String| -> Result<usize> {
                match text.parse() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => bail!("{name} takes a whole number above 0, not {text:?}\n{USAGE}"),
                }
            };
            match arg.as_str() {
                "--requests" => parsed.requests = number("--requests", value("--requests")?)?,
                "--connections" => {
                    parsed.connections = number("--connections", value("--connections")?)?
                }
                "--seed" => parsed.seed = number("--seed", value("--seed")?)? as u64,
                "--backend" => {
                    parsed.backend = match value("--backend")?.as_str() {
                        "sqlite" => Backend::Sqlite,
                        "redis" => Backend::Redis,
                        other => bail!("--backend is sqlite or redis, not {other:?}\n{USAGE}"),
                    }
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        Ok(parsed)
    }
}

/// What one request came to.
struct Sample {
    route: Route,
    latency: Duration,
    /// Why it failed, if it did.
    error: Option<String>,
}

/// A buyer, signed in, and what the run needs to know of them.
#[derive(Clone)]
struct Buyer {
    email: &'static str,
    token: String,
    order_ids: Vec<String>,
}

/// One worker's view of the run: its samples and the writes acknowledged to it.
struct Worker {
    id: usize,
    buyer: Buyer,
    rng: Rng,
    samples: Vec<Sample>,
    /// Cases whose `201` came back, in order, with the messages acknowledged on each.
    cases: Vec<(String, u64)>,
    opened: u64,
}

/// The app's answer to one request: status and body, or why there was none.
async fn send(request: reqwest::RequestBuilder) -> Result<(u16, String), String> {
    let response = request.send().await.map_err(describe)?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(describe)?;
    Ok((status, text))
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        format!("timeout: {e}")
    } else if e.is_connect() {
        format!("connection: {e}")
    } else {
        format!("transport: {e}")
    }
}

/// `Ok(body)` for a 2xx, else the error to record.
fn expect_2xx(result: Result<(u16, String), String>) -> Result<String, String> {
    match result {
        Ok((status, text)) if (200..300).contains(&status) => Ok(text),
        Ok((status, text)) => Err(format!(
            "HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        )),
        Err(e) => Err(e),
    }
}

impl Worker {
    async fn run(mut self, app: Arc<Running>, budget: Arc<AtomicUsize>, requests: usize) -> Worker {
        while budget.fetch_add(1, Ordering::Relaxed) < requests {
            let mut route = Route::pick(&mut self.rng);
            // A message needs a case of the worker's own: open one first.
            if route == Route::Message && self.cases.is_empty() {
                route = Route::OpenCase;
            }
            let started = Instant::now();
            let error = self.request(&app, route).await.err();
            self.samples.push(Sample {
                route,
                latency: started.elapsed(),
                error,
            });
        }
        self
    }

    async fn request(&mut self, app: &Running, route: Route) -> Result<(), String> {
        let client = &app.client;
        let token = self.buyer.token.clone();
        let order = self.rng.choose(&self.buyer.order_ids).clone();
        match route {
            Route::SignIn => {
                let email = self.rng.choose(&ACCOUNTS);
                let body = json!({"email": email, "password": "demo"});
                expect_2xx(send(client.post(app.url("/api/session")).json(&body)).await).map(drop)
            }
            Route::Orders => {
                expect_2xx(send(client.get(app.url("/api/orders")).bearer_auth(&token)).await)
                    .map(drop)
            }
            Route::Order => expect_2xx(
                send(
                    client
                        .get(app.url(&format!("/api/orders/{order}")))
                        .bearer_auth(&token),
                )
                .await,
            )
            .map(drop),
            Route::Answers => {
                let (lang, question) = *self.rng.choose(&QUESTIONS);
                let mut body = json!({"question": question});
                if self.rng.chance(50) {
                    body["order_id"] = json!(order);
                }
                if self.rng.chance(50) {
                    body["lang"] = json!(lang);
                }
                expect_2xx(
                    send(
                        client
                            .post(app.url("/api/answers"))
                            .bearer_auth(&token)
                            .json(&body),
                    )
                    .await,
                )
                .map(drop)
            }
            Route::ContactOptions => {
                let topic = self.rng.choose(&TOPICS);
                let path = if self.rng.chance(70) {
                    format!("/api/contact-options?order_id={order}&topic={topic}")
                } else {
                    format!("/api/contact-options?topic={topic}")
                };
                expect_2xx(send(client.get(app.url(&path)).bearer_auth(&token)).await).map(drop)
            }
            Route::OpenCase => {
                let topic = self.rng.choose(&TOPICS);
                let (lang, _) = *self.rng.choose(&QUESTIONS);
                self.opened += 1;
                let mut body = json!({
                    "topic": topic,
                    "channel": "email",
                    "lang": lang,
                    "description": format!("Load run: worker {} opens case {}.", self.id, self.opened),
                });
                if self.rng.chance(60) {
                    body["order_id"] = json!(order);
                }
                let key = format!("load-{}-{}", self.id, self.opened);
                let request = client
                    .post(app.url("/api/cases"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", key)
                    .json(&body);
                let text = match send(request).await {
                    Ok((201, text)) => text,
                    other => return expect_2xx(other).and(Err("expected 201".into())),
                };
                let case: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("201 without a JSON case ({e})"))?;
                let id = case["id"].as_str().ok_or("201 without a case id")?;
                self.cases.push((id.to_string(), 0));
                Ok(())
            }
            Route::Message => {
                let index = self.rng.below(self.cases.len() as u64) as usize;
                let (case_id, acknowledged) = &self.cases[index];
                let body = json!({"body": format!("Load run: message {} on this case.", acknowledged + 1)});
                let path = format!("/api/cases/{case_id}/messages");
                match send(client.post(app.url(&path)).bearer_auth(&token).json(&body)).await {
                    Ok((201, _)) => {
                        self.cases[index].1 += 1;
                        Ok(())
                    }
                    other => expect_2xx(other).and(Err("expected 201".into())),
                }
            }
        }
    }
}

/// Signs `email` in, as a setup step (not measured).
async fn sign_in(app: &Running, email: &'static str) -> Result<String> {
    let body = json!({"email": email, "password": "demo"});
    let text = expect_2xx(send(app.client.post(app.url("/api/session")).json(&body)).await)
        .map_err(|e| anyhow::anyhow!("signing in {email}: {e}"))?;
    let reply: Value = serde_json::from_str(&text)?;
    Ok(reply["token"].as_str().context("a token")?.to_string())
}

/// A GET as `token` that must answer 200 with JSON (verification).
async fn get_json(app: &Running, token: &str, path: &str) -> Result<Value> {
    let (status, text) = send(app.client.get(app.url(path)).bearer_auth(token))
        .await
        .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    if status != 200 {
        bail!("{path}: HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// The ids `GET /api/cases` lists, every page of them, and its `total`.
async fn listed_cases(app: &Running, token: &str) -> Result<(std::collections::HashSet<String>, u64)> {
    let mut listed = std::collections::HashSet::new();
    let mut path = "/api/cases".to_string();
    loop {
        let page = get_json(app, token, &path).await?;
        let ids = page["cases"].as_array().context("no cases array")?.iter();
        listed.extend(ids.filter_map(|c| c["id"].as_str().map(str::to_string)));
        match page["next_before"].as_u64() {
            Some(before) => path = format!("/api/cases?before={before}"),
            None => return Ok((listed, page["total"].as_u64().context("no total")?)),
        }
    }
}

/// The messages of a case, every page of them, checked to be numbered 1..n.
async fn message_count(app: &Running, token: &str, case_id: &str) -> Result<u64> {
    let mut after = 0u64;
    loop {
        let page = get_json(
            app,
            token,
            &format!("/api/cases/{case_id}/messages?after={after}&limit=500"),
        )
        .await?;
        let messages = page["messages"].as_array().context("no messages array")?;
        if messages.is_empty() {
            return Ok(after);
        }
        for message in messages {
            let seq = message["seq"].as_u64().context("a message without seq")?;
            if seq != after + 1 {
                bail!("case {case_id}: message {seq} follows {after}");
            }
            after = seq;
        }
    }
}

/// Every acknowledged write read back; returns what is missing.
async fn lost_writes(app: &Running, workers: &[Worker]) -> Result<(Vec<String>, usize, u64)> {
    let mut lost = Vec::new();
    let mut by_buyer: BTreeMap<&str, (String, Vec<&str>)> = BTreeMap::new();
    for worker in workers {
        let entry = by_buyer
            .entry(worker.buyer.email)
            .or_insert_with(|| (worker.buyer.token.clone(), Vec::new()));
        entry
            .1
            .extend(worker.cases.iter().map(|(id, _)| id.as_str()));
    }
    for (email, (token, acknowledged)) in &by_buyer {
        let (listed, total) = listed_cases(app, token).await?;
        if (total as usize) < acknowledged.len() {
            lost.push(format!(
                "{email}: GET /api/cases lists {total} cases, {} were acknowledged",
                acknowledged.len()
            ));
        }
        for id in acknowledged.iter().filter(|id| !listed.contains(**id)) {
            lost.push(format!(
                "{email}: case {id} was acknowledged but is not listed"
            ));
        }
    }
    let (mut cases, mut messages) = (0, 0);
    for worker in workers {
        for (id, acknowledged) in &worker.cases {
            let token = &worker.buyer.token;
            match get_json(app, token, &format!("/api/cases/{id}")).await {
                Ok(case) if case["id"] == id.as_str() => cases += 1,
                Ok(case) => lost.push(format!("case {id}: read back as {}", case["id"])),
                Err(e) => lost.push(format!("case {id}: {e}")),
            }
            match message_count(app, token, id).await {
                Ok(count) if count == *acknowledged => messages += count,
                Ok(count) => lost.push(format!(
                    "case {id}: {count} messages stored, {acknowledged} acknowledged"
                )),
                Err(e) => lost.push(format!("case {id}: {e}")),
            }
        }
    }
    Ok((lost, cases, messages))
}

/// The `q` quantile (0..1) of sorted latencies, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

fn print_table(samples: &[Sample], wall: Duration) {
    let mut by_route: BTreeMap<Route, Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        by_route.entry(sample.route).or_default().push(sample);
    }
    let mut rows: Vec<(String, Vec<&Sample>)> = by_route
        .into_iter()
        .map(|(r, s)| (r.name().to_string(), s))
        .collect();
    rows.push(("all".to_string(), samples.iter().collect()));
    println!(
        "{:<32} {:>9} {:>7} {:>9} {:>9} {:>9}",
        "route", "requests", "errors", "req/s", "p50 ms", "p99 ms"
    );
    for (name, route_samples) in rows {
        let mut latencies: Vec<Duration> = route_samples.iter().map(|s| s.latency).collect();
        latencies.sort();
        let errors = route_samples.iter().filter(|s| s.error.is_some()).count();
        println!(
            "{:<32} {:>9} {:>7} {:>9.1} {:>9.2} {:>9.2}",
            name,
            route_samples.len(),
            errors,
            route_samples.len() as f64 / wall.as_secs_f64(),
            quantile_ms(&latencies, 0.50),
            quantile_ms(&latencies, 0.99),
        );
    }
    println!("wall time: {:.2} s", wall.as_secs_f64());
}

/// The distinct errors seen, with how often, per route.
fn print_errors(samples: &[Sample]) -> usize {
    let mut seen: BTreeMap<(Route, String), usize> = BTreeMap::new();
    for sample in samples {
        if let Some(error) = &sample.error {
            *seen.entry((sample.route, error.clone())).or_default() += 1;
        }
    }
    for ((route, error), count) in seen.iter().take(20) {
        println!("  {count} x {}: {error}", route.name());
    }
    seen.values().sum()
}

async fn run(args: Args) -> Result<bool> {
    let dir = temp_dir(&format!(
        "load-{}",
        if args.backend == Backend::Redis {
            "redis"
        } else {
            "sqlite"
        }
    ));
    let mut options = app_options(&dir);
    let redis = match args.backend {
        Backend::Sqlite => None,
        Backend::Redis => {
            let redis = RedisServer::start()?;
            options.runtime_config = Some(end_to_end::runtime_config(
                &dir,
                &redis_runtime_config(&redis),
            ));
            Some(redis)
        }
    };
    options.log_requests = false;
    options.clock = spin_host::Clock::fixed(CLOCK.parse()?);
    let mut app = Running::start(options).await?;
    // One pool as big as the workers: each worker has at most one request out.
    app.client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .pool_max_idle_per_host(args.connections)
        .build()?;
    let app = Arc::new(app);

    // Setup, not measured: each buyer's own orders, then every worker signed in.
    let mut orders_of: HashMap<&str, Vec<String>> = HashMap::new();
    for email in BUYERS {
        let token = sign_in(&app, email).await?;
        let listing = get_json(&app, &token, "/api/orders").await?;
        let ids: Vec<String> = listing["orders"]
            .as_array()
            .context("no orders")?
            .iter()
            .filter_map(|o| o["id"].as_str().map(String::from))
            .collect();
        if ids.is_empty() {
            bail!("{email} has no orders to ask about");
        }
        orders_of.insert(email, ids);
    }
    let mut sign_ins = tokio::task::JoinSet::new();
    for id in 0..args.connections {
        let (app, email) = (app.clone(), BUYERS[id % BUYERS.len()]);
        let order_ids = orders_of[email].clone();
        sign_ins.spawn(async move {
            let token = sign_in(&app, email).await?;
            Ok::<_, anyhow::Error>(Worker {
                id,
                buyer: Buyer {
                    email,
                    token,
                    order_ids,
                },
                rng: Rng(args.seed.wrapping_mul(1_000_003).wrapping_add(id as u64)),
                samples: Vec::new(),
                cases: Vec::new(),
                opened: 0,
            })
        });
    }
    let mut ready = Vec::new();
    while let Some(worker) = sign_ins.join_next().await {
        ready.push(worker??);
    }

    println!(
        "load: {} requests, {} workers, {} stores, clock {CLOCK}",
        args.requests,
        args.connections,
        if redis.is_some() { "Redis" } else { "SQLite" }
    );
    let budget = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for worker in ready {
        running.spawn(worker.run(app.clone(), budget.clone(), args.requests));
    }
    let mut workers = Vec::new();
    while let Some(worker) = running.join_next().await {
        workers.push(worker?);
    }
    let wall = started.elapsed();

    let samples: Vec<Sample> = workers
        .iter_mut()
        .flat_map(|w| std::mem::take(&mut w.samples))
        .collect();
    println!();
    print_table(&samples, wall);
    let errors = print_errors(&samples);
    println!("errors: {errors}");

    let (lost, cases, messages) = lost_writes(&app, &workers).await?;
    println!("read back: {cases} cases, {messages} messages");
    if lost.is_empty() {
        println!("lost writes: 0");
    } else {
        println!("lost writes: {}", lost.len());
        for line in lost.iter().take(50) {
            println!("  {line}");
        }
    }
    drop(redis);
    Ok(errors == 0 && lost.is_empty())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = match Args::parse() {
        Ok(args) => run(args).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("load: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
