//! The project's benchmark: how much each route costs compared with hello world.
//!
//! ```text
//! cargo run -p end-to-end --bin bench -- [--seconds N] [--rounds R] [--only TEXT]
//!                                          [--connections C] [--threads T]
//! ```
//!
//! In this one process it serves, on loopback ports the OS picks:
//!
//! - **plain hyper**: a hyper 1.x HTTP/1.1 server answering `hello, world\n`,
//!   no wasm at all: the floor for this machine, network stack and `wrk`;
//! - **the fixture app** (`tests/fixtures/spin.toml`) on the project's host,
//!   whose `/hello` route is the hello-world component: the cost of the host
//!   itself (routing, a fresh wasm instance per request, wasi-http);
//! - **the real app** (`spin.toml`) with its SQLite stores (sessions, marketplace) in a temporary
//!   folder, signed in as anna@example.com, its clock pinned on a weekday
//!   morning ([`end_to_end::WEEKDAY_MORNING`]) so that chat is open and the
//!   contact options do the same work at any hour.
//!
//! Then it runs `wrk --latency` against each target of [`targets`] (only
//! those whose name contains `--only`'s text, and the two hellos), after a
//! one-second warm-up run that is thrown away:
//!
//! - **latency**: one connection, one request at a time, on an otherwise idle
//!   server: how long one buyer waits. It is measured `--rounds` times, every
//!   target once per round, so that hello and the routes share the machine's
//!   slow and fast moments; each ratio is the median of its rounds' ratios,
//!   and their lowest and highest are printed beside it;
//! - **under load**: `--connections` connections from `--threads` threads,
//!   which keeps both CPUs busy. Here p50 is mostly queueing (connections /
//!   throughput), so this table says what a route costs in capacity.
//!
//! Each prints requests per second and the 50th and 99th latency percentiles.
//!
//! Then [`paired`] measures latency once more without `wrk`: hello and each
//! target take turns every few milliseconds, so the machine's slow spells
//! fall on both. Its ratios move by a few percent between rounds where
//! `wrk`'s move by tens, so the issues' latency targets ("within 2x of hello
//! world") are read off that table.
//!
//! Reading the ratios: every route is compared with the **host hello fixture**,
//! so that the host's own overhead cancels out and what is left is the route's
//! work (reading the session store, JSON, a bigger component...):
//!
//! - `p50 x` and `p99 x` are *route latency / hello latency*;
//! - `req/s x` is *hello requests per second / route requests per second*.
//!
//! Both read the same way: `1.00x` costs as much as hello world, `3.00x` is
//! three times as expensive. The last line compares the host's hello with
//! plain hyper (hello / hyper for latency, hyper / hello for throughput): the
//! price of running a wasm component per request at all.
//!
//! Absolute figures depend on the machine and on the build profile (the dev
//! profile optimises dependencies but not the workspace crates); `wrk` shares
//! the CPUs with the servers. Compare ratios, not raw numbers, across machines.
//!
//! A target that answers anything but 2xx/3xx, or whose connections fail, is
//! reported loudly and makes the command exit non-zero.
//!
//! It also prints how long `App::load` of the real `spin.toml` takes with a
//! cold and with a warm compile cache, and the size of every `.wasm` file in
//! `target/wasm32-wasip2/release` that the two manifests use.

mod paired;

use anyhow::{Context, Result, bail};
use end_to_end::{Running, app_options, fixture_options, repo_root, temp_dir};
use spin_host::{App, AppOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: bench [--seconds N] [--rounds R] [--only TEXT] [--connections C] [--threads T]";

/// The target plain hyper answers; the floor.
const HYPER_HELLO: &str = "hyper hello";
/// The target every route is compared with.
const HOST_HELLO: &str = "host hello (fixture)";

/// How long the discarded warm-up run of each target lasts.
const WARM_UP_SECONDS: u32 = 1;

/// The servers under test and what it takes to call them.
struct Servers {
    hyper: String,
    fixture: Running,
    real: Running,
    /// A session token for anna@example.com on the real app.
    token: String,
    /// A case of Anna's on the real app, to post messages on.
    case_id: String,
    /// The real app with an answers component whose index holds a synthetic
    /// knowledge base [`KB_SCALE`] times the size of `kb/`, and a token on it;
    /// `None` when no measured target needs it.
    scaled_kb: Option<(Running, String)>,
}

/// How many times bigger than `kb/` the synthetic knowledge base is.
const KB_SCALE: usize = 20;

/// The list of what gets measured, in order: one line per target.
fn targets(s: &Servers) -> Vec<Target> {
    let mut targets = vec![
        Target::new(HYPER_HELLO, format!("{}/", s.hyper)),
        Target::new(HOST_HELLO, s.fixture.url("/hello")),
        Target::new("GET /api/session", s.real.url("/api/session")).bearer(&s.token),
        Target::new("GET /api/orders", s.real.url("/api/orders")).bearer(&s.token),
        // Anna's shipped order: the detail joins the item and both parties.
        Target::new("GET /api/orders/{id}", s.real.url("/api/orders/ord-T5WQ2")).bearer(&s.token),
        // A general question, then one about an order: retrieval, the order's facts, a conversation written.
        Target::new("POST /api/answers", s.real.url("/api/answers"))
            .bearer(&s.token)
            .post_json(serde_json::json!({"question": "il pacco non è arrivato, cosa faccio?"})),
        Target::new("POST /api/answers (order)", s.real.url("/api/answers"))
            .bearer(&s.token)
            .post_json(serde_json::json!({"question": "dov'è il mio pacco?", "order_id": "ord-T5WQ2"})),
    ];
    targets.extend(s.scaled_kb.as_ref().map(|(scaled_kb, token)| {
        Target::new(&scaled_kb_target(), scaled_kb.url("/api/answers"))
            .bearer(token)
            .post_json(serde_json::json!({"question": "il pacco non è arrivato, cosa faccio?"}))
    }));
    targets.extend([
        // An email case opened (idempotency key reserved; email is always open, so its hours are not checked),
        // the same as a chat case (the contact options computed too), and a message added.
        Target::new("POST /api/cases", s.real.url("/api/cases"))
            .bearer(&s.token)
            .post_json(new_case("email"))
            .fresh_idempotency_key(),
        Target::new("POST /api/cases (chat)", s.real.url("/api/cases"))
            .bearer(&s.token)
            .post_json(new_case("chat"))
            .fresh_idempotency_key(),
        Target::new("POST /api/cases/{id}/messages", s.real.url(&format!("/api/cases/{}/messages", s.case_id)))
            .bearer(&s.token)
            .post_json(serde_json::json!({"body": "Any news about my question?"})),
        // The order question's options: schedules, the order and the seller's reply window.
        Target::new("GET /api/contact-options", s.real.url("/api/contact-options?order_id=ord-T5WQ2&topic=item-not-received&tz=America/New_York"))
            .bearer(&s.token),
    ]);
    targets
}

fn scaled_kb_target() -> String {
    format!("POST /api/answers (KB x{KB_SCALE})")
}

/// One URL to load, with the headers each request carries.
#[derive(Debug, Clone)]
struct Target {
    name: String,
    url: String,
    headers: Vec<(String, String)>,
    /// A JSON body: the request is a POST of it.
    body: Option<serde_json::Value>,
    /// Every request carries an `Idempotency-Key` of its own, so none is a replay.
    fresh_idempotency_key: bool,
}

impl Target {
    fn new(name: &str, url: String) -> Self {
        Self {
            name: name.to_string(),
            url,
            headers: Vec::new(),
            body: None,
            fresh_idempotency_key: false,
        }
    }

    /// Every request is a POST of this JSON body.
    fn post_json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    fn fresh_idempotency_key(mut self) -> Self {
        self.fresh_idempotency_key = true;
        self
    }

    /// The wrk script that POSTs the body, each request with a key of its own if asked.
    fn lua(&self) -> Option<String> {
        let body = self.body.as_ref()?;
        // A JSON string literal is a valid Lua string literal for what JSON escapes.
        let literal = serde_json::to_string(&body.to_string()).ok()?;
        let post = format!(
            "wrk.method = \"POST\"\nwrk.body = {literal}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        );
        Some(if self.fresh_idempotency_key { post + FRESH_IDEMPOTENCY_KEY_LUA } else { post })
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }
}

/// How hard and how long to load each target.
#[derive(Debug, Clone, Copy)]
struct Load {
    seconds: u32,
    connections: u32,
    threads: u32,
}

/// What the command line asks for.
#[derive(Debug, Clone)]
struct Args {
    load: Load,
    /// How many times the latency table is measured.
    rounds: u32,
    /// Only the targets whose name contains this (the hellos always).
    only: Option<String>,
}

impl Args {
    fn wants(&self, target: &str) -> bool {
        target == HYPER_HELLO
            || target == HOST_HELLO
            || self.only.as_deref().is_none_or(|text| target.contains(text))
    }

    fn parse() -> Result<Self> {
        let mut load = Load {
            seconds: 5,
            connections: 16,
            threads: 2,
        };
        let mut rounds = 3;
        let mut only = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<u32> {
                let value = args
                    .next()
                    .with_context(|| format!("{name} needs a value\n{USAGE}"))?;
                match value.parse() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => bail!("{name} takes a whole number above 0, not {value:?}\n{USAGE}"),
                }
            };
            match arg.as_str() {
                "--seconds" => load.seconds = number("--seconds")?,
                "--connections" => load.connections = number("--connections")?,
                "--threads" => load.threads = number("--threads")?,
                "--rounds" => rounds = number("--rounds")?,
                "--only" => {
                    only = Some(
                        args.next()
                            .with_context(|| format!("--only needs a text\n{USAGE}"))?,
                    )
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        if load.threads > load.connections {
            bail!(
                "wrk needs at least as many connections ({}) as threads ({})",
                load.connections,
                load.threads
            );
        }
        Ok(Args { load, rounds, only })
    }
}

/// What one `wrk --latency` run reports.
#[derive(Debug, Clone, PartialEq)]
struct WrkResult {
    requests: u64,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Responses whose status was not 2xx or 3xx.
    non_2xx_3xx: u64,
    socket_errors: SocketErrors,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct SocketErrors {
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
}

impl SocketErrors {
    fn total(&self) -> u64 {
        self.connect + self.read + self.write + self.timeout
    }
}

impl WrkResult {
    /// Why this run does not count, if it does not.
    fn problem(&self) -> Option<String> {
        let mut problems = Vec::new();
        if self.requests == 0 {
            problems.push("no request completed".to_string());
        }
        if self.non_2xx_3xx > 0 {
            problems.push(format!("{} responses were not 2xx/3xx", self.non_2xx_3xx));
        }
        let e = self.socket_errors;
        if e.total() > 0 {
            problems.push(format!(
                "socket errors: connect {}, read {}, write {}, timeout {}",
                e.connect, e.read, e.write, e.timeout
            ));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }
}

/// Reads the figures out of what `wrk --latency` prints.
fn parse_wrk_output(text: &str) -> Result<WrkResult> {
    let mut requests = None;
    let mut requests_per_sec = None;
    let mut p50_ms = None;
    let mut p99_ms = None;
    let mut non_2xx_3xx = 0;
    let mut socket_errors = SocketErrors::default();
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if let Some(value) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = Some(
                value
                    .trim()
                    .parse::<f64>()
                    .with_context(|| format!("bad line {line:?}"))?,
            );
        } else if let Some(value) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx_3xx = value
                .trim()
                .parse()
                .with_context(|| format!("bad line {line:?}"))?;
        } else if let Some(value) = line.strip_prefix("Socket errors:") {
            socket_errors =
                parse_socket_errors(value).with_context(|| format!("bad line {line:?}"))?;
        } else if first == "50%" || first == "99%" {
            let value = words
                .next()
                .with_context(|| format!("no latency on line {line:?}"))?;
            let ms = Some(latency_ms(value)?);
            if first == "50%" {
                p50_ms = ms
            } else {
                p99_ms = ms
            }
        } else if line.contains(" requests in ") {
            requests = Some(
                first
                    .parse::<u64>()
                    .with_context(|| format!("bad line {line:?}"))?,
            );
        }
    }
    let missing = |what: &str| format!("wrk printed no {what} (was --latency passed?):\n{text}");
    Ok(WrkResult {
        requests: requests.with_context(|| missing("request count"))?,
        requests_per_sec: requests_per_sec.with_context(|| missing("Requests/sec"))?,
        p50_ms: p50_ms.with_context(|| missing("50% latency"))?,
        p99_ms: p99_ms.with_context(|| missing("99% latency"))?,
        non_2xx_3xx,
        socket_errors,
    })
}

/// `connect 0, read 1, write 0, timeout 2`
fn parse_socket_errors(text: &str) -> Result<SocketErrors> {
    let mut errors = SocketErrors::default();
    for part in text.split(',') {
        let (kind, count) = part
            .trim()
            .split_once(' ')
            .with_context(|| format!("no count in {part:?}"))?;
        let count: u64 = count.trim().parse()?;
        match kind {
            "connect" => errors.connect = count,
            "read" => errors.read = count,
            "write" => errors.write = count,
            "timeout" => errors.timeout = count,
            other => bail!("unknown kind of socket error {other:?}"),
        }
    }
    Ok(errors)
}

/// A wrk time such as `452.00us`, `1.23ms` or `2.00s`, in milliseconds.
fn latency_ms(text: &str) -> Result<f64> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("no unit in {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .with_context(|| format!("bad number in {text:?}"))?;
    let per_unit = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        other => bail!("unknown time unit {other:?} in {text:?}"),
    };
    Ok(number * per_unit)
}

/// Runs `wrk --latency` against one target for `seconds` and reads its report.
async fn run_wrk(target: &Target, load: Load, seconds: u32) -> Result<WrkResult> {
    let mut command = tokio::process::Command::new("wrk");
    command
        .arg("--latency")
        .args(["--threads", &load.threads.to_string()])
        .args(["--connections", &load.connections.to_string()])
        .args(["--duration", &format!("{seconds}s")]);
    for (name, value) in &target.headers {
        command.args(["--header", &format!("{name}: {value}")]);
    }
    let script_file = match &target.lua() {
        Some(lua) => {
            let file = temp_dir("wrk-script").join("request.lua");
            std::fs::write(&file, lua).context("writing the wrk script")?;
            command.args(["--script".as_ref(), file.as_os_str()]);
            Some(file)
        }
        None => None,
    };
    command.arg(&target.url).kill_on_drop(true);
    let output = command.output().await.map_err(wrk_missing)?;
    if let Some(file) = script_file {
        let _ = std::fs::remove_dir_all(file.parent().unwrap_or(&file));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed on {} ({}):\n{stdout}{}",
            target.name,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_wrk_output(&stdout).with_context(|| format!("reading wrk's report on {}", target.name))
}

fn wrk_missing(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        anyhow::anyhow!(
            "wrk is not installed: install it with `apt-get install wrk` (Debian/Ubuntu package `wrk`)"
        )
    } else {
        anyhow::Error::new(e).context("cannot run wrk")
    }
}

/// Fails early, with a clear message, when wrk is not on the PATH.
async fn check_wrk() -> Result<()> {
    tokio::process::Command::new("wrk")
        .arg("--version")
        .output()
        .await
        .map_err(wrk_missing)?;
    Ok(())
}

/// Serves `hello, world\n` with plain hyper; returns the base URL.
async fn start_hyper_hello() -> Result<(String, tokio::task::JoinHandle<()>)> {
    use http_body_util::Full;
    use hyper::{Request, Response, body::Incoming, header};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    eprintln!("hyper hello: accepting a connection failed: {e}");
                    continue;
                }
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    let mut response =
                        Response::new(Full::new(bytes::Bytes::from_static(b"hello, world\n")));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        header::HeaderValue::from_static("text/plain"),
                    );
                    Ok::<_, std::convert::Infallible>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((base, task))
}

fn real_options(state_dir: &Path) -> AppOptions {
    // Every store of the real app, as in `deploy/local/runtime-config.toml`
    // but in a temporary folder.
    let mut options = app_options(state_dir);
    options.log_requests = false;
    options.clock = spin_host::Clock::fixed(end_to_end::WEEKDAY_MORNING.parse().expect("an RFC 3339 time"));
    options
}

/// How long `App::load` of the real app takes.
struct StartUp {
    cold: Duration,
    warm: Duration,
}

/// Loads the real app twice into a fresh state folder: first with an empty
/// compile cache, then with the cache the first load filled.
async fn measure_start_up(state_dir: &Path) -> Result<StartUp> {
    let mut times = Vec::new();
    for _ in 0..2 {
        let mut options = real_options(state_dir);
        // Its own cache in the fresh state folder: the first load is truly cold.
        options.cache_dir = None;
        let elapsed = tokio::task::spawn_blocking(move || -> Result<Duration> {
            let started = Instant::now();
            let app = App::load(options)?;
            let elapsed = started.elapsed();
            drop(app);
            Ok(elapsed)
        })
        .await??;
        times.push(elapsed);
    }
    Ok(StartUp {
        cold: times[0],
        warm: times[1],
    })
}

/// Writes a knowledge base [`KB_SCALE`] times the size of `kb/` into `dir`:
/// every article again under new topic ids (`refunds-s1`, ...), so that
/// every posting list is that many times longer, which is the worst case
/// for retrieval that reads postings.
fn write_scaled_kb(dir: &Path) -> Result<()> {
    let kb = repo_root().join("kb");
    for lang in std::fs::read_dir(&kb)?
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        let out = dir.join(lang.file_name());
        std::fs::create_dir_all(&out)?;
        for article in std::fs::read_dir(lang.path())?.flatten() {
            let text = std::fs::read_to_string(article.path())?;
            let id = article
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            std::fs::write(out.join(format!("{id}.md")), &text)?;
            for copy in 1..KB_SCALE {
                let renamed =
                    text.replacen(&format!("id: {id}\n"), &format!("id: {id}-s{copy}\n"), 1);
                std::fs::write(out.join(format!("{id}-s{copy}.md")), renamed)?;
            }
        }
    }
    Ok(())
}

/// Builds `answers.wasm` with the scaled knowledge base (in its own target
/// directory, so the real build is untouched) and writes a copy of
/// `spin.toml` that uses it; returns that manifest.
fn scaled_kb_manifest(state_dir: &Path) -> Result<PathBuf> {
    let kb = state_dir.join("kb");
    write_scaled_kb(&kb)?;
    let target_dir = repo_root().join("target/bench-scaled-kb");
    eprintln!(
        "building answers.wasm with a knowledge base {KB_SCALE} times kb/ (the first time takes minutes)..."
    );
    let status = std::process::Command::new("cargo")
        .args([
            "build",
            "-q",
            "--target",
            "wasm32-wasip2",
            "--release",
            "-p",
            "answers",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env("HELP_CENTER_KB", &kb)
        .current_dir(repo_root())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("building answers.wasm with the scaled knowledge base failed ({status})");
    }
    let manifest = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let release = repo_root().join("target/wasm32-wasip2/release");
    let scaled = target_dir.join("wasm32-wasip2/release/answers.wasm");
    let manifest = manifest
        .replace(
            "\"target/wasm32-wasip2/release/answers.wasm\"",
            &format!("{:?}", scaled.display().to_string()),
        )
        .replace(
            "\"target/wasm32-wasip2/release/",
            &format!("\"{}/", release.display()),
        );
    let path = state_dir.join("spin.toml");
    std::fs::write(&path, manifest)?;
    Ok(path)
}

/// Sends `request`, a setup step that must answer `201 Created` with JSON;
/// the string `field` of that answer. `what` names the step in errors.
async fn created(request: reqwest::RequestBuilder, what: &str, field: &str) -> Result<String> {
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    if status.as_u16() != 201 {
        bail!("{what} answered {status}: {text}");
    }
    let body: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{what}: the answer is not JSON: {text}"))?;
    body[field]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("{what}: the answer has no {field}: {text}"))
}

/// Signs in on the real app; returns the session token.
async fn sign_in(app: &Running, email: &str, password: &str) -> Result<String> {
    let request = app
        .client
        .post(app.url("/api/session"))
        .json(&serde_json::json!({ "email": email, "password": password }));
    created(request, &format!("signing in as {email}"), "token").await
}

/// Lists the signed-in user's orders, as the page does first: `orders`
/// seeds the demo marketplace on that request, and the other components
/// only read it.
async fn list_orders(app: &Running, token: &str) -> Result<()> {
    let response = app.client.get(app.url("/api/orders")).bearer_auth(token).send().await?;
    let status = response.status();
    if !status.is_success() {
        bail!("listing orders answered {status}: {}", response.text().await.unwrap_or_default());
    }
    Ok(())
}

/// A new case by `channel`.
fn new_case(channel: &str) -> serde_json::Value {
    serde_json::json!({"topic": "payment-methods", "channel": channel, "description": "Which cards do you take?"})
}

/// Opens an email case as the signed-in user; returns its id.
async fn open_case(app: &Running, token: &str) -> Result<String> {
    let request = app.client.post(app.url("/api/cases")).bearer_auth(token).json(&new_case("email"));
    created(request, "opening a case", "id").await
}

/// Gives each request an `Idempotency-Key` of its own (time, wrk thread and
/// request number).
const FRESH_IDEMPOTENCY_KEY_LUA: &str = r#"local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local sent = 0
function request()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = "bench-" .. os.time() .. "-" .. tostring(tid) .. "-" .. sent
  return wrk.format()
end
"#;

/// One request to a target before loading it: it must answer 2xx.
async fn check_answers(client: &reqwest::Client, target: &Target) -> Result<()> {
    let mut request = match &target.body {
        Some(body) => client.post(&target.url).json(body),
        None => client.get(&target.url),
    };
    for (name, value) in &target.headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("{} ({}) does not answer", target.name, target.url))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        bail!(
            "{} ({}) answered {status} before any load: {text}",
            target.name,
            target.url
        );
    }
    Ok(())
}

/// Every distinct `.wasm` under `target/wasm32-wasip2/release` that a
/// manifest's components use, with its size and the manifests using it.
fn wasm_sizes(manifests: &[PathBuf]) -> Result<BTreeMap<PathBuf, (u64, Vec<String>)>> {
    let release = repo_root().join("target/wasm32-wasip2/release");
    let mut sizes: BTreeMap<PathBuf, (u64, Vec<String>)> = BTreeMap::new();
    for manifest in manifests {
        let text = std::fs::read_to_string(manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("parsing {}", manifest.display()))?;
        let dir = manifest.parent().unwrap_or(Path::new("."));
        let shown = manifest
            .strip_prefix(repo_root())
            .unwrap_or(manifest)
            .display()
            .to_string();
        let components = table
            .get("component")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten();
        for (_, component) in components {
            let Some(source) = component.get("source").and_then(toml::Value::as_str) else {
                continue;
            };
            let path = dir.join(source);
            let path = path
                .canonicalize()
                .with_context(|| format!("{} is missing", path.display()))?;
            if path.parent() != Some(release.as_path()) {
                continue;
            }
            let size = std::fs::metadata(&path)?.len();
            let entry = sizes.entry(path).or_insert((size, Vec::new()));
            if !entry.1.contains(&shown) {
                entry.1.push(shown.clone());
            }
        }
    }
    Ok(sizes)
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A target's runs, one per round.
struct Measured {
    target: Target,
    rounds: Vec<WrkResult>,
}

impl Measured {
    /// The median over rounds of `figure`.
    fn median(&self, figure: impl Fn(&WrkResult) -> f64) -> f64 {
        median(self.rounds.iter().map(figure).collect())
    }

    /// Per round, `figure` of this target against `figure` of `baseline`
    /// in the same round, `route / baseline`.
    fn ratios(&self, baseline: &Measured, figure: impl Fn(&WrkResult) -> f64) -> Vec<f64> {
        self.rounds
            .iter()
            .zip(&baseline.rounds)
            .filter(|(_, b)| figure(b) > 0.0)
            .map(|(r, b)| figure(r) / figure(b))
            .collect()
    }

    fn problems(&self) -> Vec<String> {
        self.rounds.iter().filter_map(WrkResult::problem).collect()
    }
}

fn times(ratios: Vec<f64>) -> String {
    if ratios.is_empty() {
        "-".to_string()
    } else {
        format!("{:.2}x", median(ratios))
    }
}

fn print_results(title: &str, results: &[Measured], load: Load) {
    let hello = results.iter().find(|m| m.target.name == HOST_HELLO);
    let rounds = results.first().map_or(0, |m| m.rounds.len());
    let width = results
        .iter()
        .map(|m| m.target.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    println!();
    println!("{title}");
    println!(
        "wrk: {} threads, {} connections, {}s per target (after a {WARM_UP_SECONDS}s warm-up), {rounds} round(s)",
        load.threads, load.connections, load.seconds
    );
    println!(
        "ratios are against {HOST_HELLO:?}: req/s x = hello / route, p50 x and p99 x = route / hello (higher costs more)"
    );
    if rounds > 1 {
        println!(
            "figures are medians over the rounds; each ratio compares a round with hello's in the same round; p50 x range is the lowest and highest"
        );
    }
    println!();
    println!(
        "{:<width$}  {:>10}  {:>9}  {:>9}  {:>8}  {:>8}  {:>8}  {:>13}  errors",
        "target", "req/s", "p50 ms", "p99 ms", "req/s x", "p50 x", "p99 x", "p50 x range"
    );
    println!(
        "{}",
        "-".repeat(width + 2 + 10 + 2 + 9 + 2 + 9 + 2 + 8 + 2 + 8 + 2 + 8 + 2 + 13 + 2 + 6)
    );
    for m in results {
        let (rps_x, p50_x, p99_x, range) = match hello {
            Some(h) => {
                let p50 = m.ratios(h, |r| r.p50_ms);
                let lowest = p50.iter().copied().fold(f64::INFINITY, f64::min);
                let highest = p50.iter().copied().fold(0.0, f64::max);
                (
                    times(h.ratios(m, |r| r.requests_per_sec)),
                    times(p50.clone()),
                    times(m.ratios(h, |r| r.p99_ms)),
                    if p50.is_empty() { "-".to_string() } else { format!("{lowest:.2}-{highest:.2}x") },
                )
            }
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let errors = if m.problems().is_empty() {
            "none"
        } else {
            "YES (see below)"
        };
        println!(
            "{:<width$}  {:>10.0}  {:>9.3}  {:>9.3}  {:>8}  {:>8}  {:>8}  {:>13}  {errors}",
            m.target.name,
            m.median(|r| r.requests_per_sec),
            m.median(|r| r.p50_ms),
            m.median(|r| r.p99_ms),
            rps_x,
            p50_x,
            p99_x,
            range
        );
    }
    let hyper = results.iter().find(|m| m.target.name == HYPER_HELLO);
    if let (Some(h), Some(hyper)) = (hello, hyper) {
        println!();
        println!(
            "host hello vs plain hyper: req/s {} (hyper / hello), p50 {}, p99 {} (hello / hyper)",
            times(hyper.ratios(h, |r| r.requests_per_sec)),
            times(h.ratios(hyper, |r| r.p50_ms)),
            times(h.ratios(hyper, |r| r.p99_ms))
        );
    }
}

fn print_start_up(start_up: &StartUp) {
    println!();
    println!(
        "start-up of spin.toml (App::load): cold compile cache {:.0} ms, warm {:.0} ms",
        start_up.cold.as_secs_f64() * 1000.0,
        start_up.warm.as_secs_f64() * 1000.0
    );
}

fn print_wasm_sizes(sizes: &BTreeMap<PathBuf, (u64, Vec<String>)>) {
    println!();
    println!("components (target/wasm32-wasip2/release):");
    for (path, (size, manifests)) in sizes {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "  {name:<12} {size:>9} bytes  used by {}",
            manifests.join(", ")
        );
    }
}

/// Prints errors as one message, without a backtrace: they are about setup, not bugs.
fn main() -> std::process::ExitCode {
    let result = Args::parse().and_then(|args| {
        let dirs = StateDirs {
            real: temp_dir("bench-real"),
            fixture: temp_dir("bench-fixture"),
            scaled_kb: temp_dir("bench-scaled-kb"),
        };
        let result = bench(&args, &dirs);
        // Only now: until the runtime is gone the apps' compile caches still write into these.
        let _ = std::fs::remove_dir_all(&dirs.real);
        let _ = std::fs::remove_dir_all(&dirs.fixture);
        let _ = std::fs::remove_dir_all(&dirs.scaled_kb);
        result
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The state folders (stores, compile caches) of the apps.
struct StateDirs {
    real: PathBuf,
    fixture: PathBuf,
    scaled_kb: PathBuf,
}

#[tokio::main]
async fn bench(args: &Args, dirs: &StateDirs) -> Result<()> {
    let load = args.load;
    check_wrk().await?;
    let manifests = [
        repo_root().join("spin.toml"),
        repo_root().join("tests/fixtures/spin.toml"),
    ];
    let sizes = wasm_sizes(&manifests)?;

    eprintln!("timing App::load of spin.toml (cold, then warm compile cache)...");
    let start_up = measure_start_up(&dirs.real).await?;

    eprintln!("starting plain hyper, the fixture app and the real app...");
    let (hyper, hyper_task) = start_hyper_hello().await?;
    let mut fixture = fixture_options(&dirs.fixture);
    fixture.log_requests = false;
    let fixture = Running::start(fixture)
        .await
        .context("starting the fixture app")?;
    let real = Running::start(real_options(&dirs.real))
        .await
        .context("starting the real app")?;
    let token = sign_in(&real, "anna@example.com", "demo").await?;
    list_orders(&real, &token).await?;
    let case_id = open_case(&real, &token).await?;
    let scaled_kb = if args.wants(&scaled_kb_target()) {
        let mut scaled = real_options(&dirs.scaled_kb);
        scaled.manifest = scaled_kb_manifest(&dirs.scaled_kb)?;
        let scaled_kb = Running::start(scaled)
            .await
            .context("starting the app with the scaled knowledge base")?;
        let token = sign_in(&scaled_kb, "anna@example.com", "demo").await?;
        list_orders(&scaled_kb, &token).await?;
        Some((scaled_kb, token))
    } else {
        None
    };
    let servers = Servers {
        hyper,
        fixture,
        real,
        token,
        case_id,
        scaled_kb,
    };

    let targets: Vec<Target> = targets(&servers)
        .into_iter()
        .filter(|t| args.wants(&t.name))
        .collect();
    for target in &targets {
        check_answers(&servers.fixture.client, target).await?;
    }
    // Latency is measured on an idle server, one request at a time: what one
    // buyer waits. Under load the figures are queueing (connections /
    // throughput), so that table says what each route costs in capacity.
    let one_at_a_time = Load {
        threads: 1,
        connections: 1,
        ..load
    };
    let mut latency: Vec<Measured> = targets
        .iter()
        .map(|target| Measured { target: target.clone(), rounds: Vec::new() })
        .collect();
    for target in &targets {
        eprintln!("{}: warming up {WARM_UP_SECONDS}s ({})", target.name, target.url);
        run_wrk(target, load, WARM_UP_SECONDS).await?;
    }
    for round in 1..=args.rounds {
        eprintln!("latency, round {round} of {}: {}s per target, one request at a time", args.rounds, load.seconds);
        for measured in &mut latency {
            let idle = run_wrk(&measured.target, one_at_a_time, load.seconds).await?;
            measured.rounds.push(idle);
        }
    }
    let paired = {
        let (targets, rounds, seconds) = (targets.clone(), args.rounds, load.seconds);
        tokio::task::spawn_blocking(move || paired::measure(&targets, rounds, seconds)).await??
    };
    let mut under_load = Vec::new();
    for target in targets {
        eprintln!("{}: {}s under load", target.name, load.seconds);
        let loaded = run_wrk(&target, load, load.seconds).await?;
        under_load.push(Measured { target, rounds: vec![loaded] });
    }

    servers.fixture.shutdown().await;
    servers.real.shutdown().await;
    hyper_task.abort();

    print_results("Latency: an idle server, one request at a time", &latency, one_at_a_time);
    paired::print(&paired, load.seconds);
    print_results("Under load: what each route costs in capacity", &under_load, load);
    print_start_up(&start_up);
    print_wasm_sizes(&sizes);

    let results: Vec<&Measured> = latency.iter().chain(&under_load).collect();
    let failed: Vec<(&Target, Vec<String>)> = results
        .iter()
        .map(|m| (&m.target, m.problems()))
        .filter(|(_, problems)| !problems.is_empty())
        .collect();
    if !failed.is_empty() {
        eprintln!();
        for (target, problems) in &failed {
            eprintln!("!!! {} ({}): {}", target.name, target.url, problems.join("; "));
        }
        eprintln!(
            "!!! these figures are not valid: the targets above did not answer every request with 2xx/3xx"
        );
        bail!("{} of {} targets had errors", failed.len(), results.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by wrk 4.1.0 (Debian) against a small local server.
    const CLEAN: &str = "\
Running 2s test @ http://127.0.0.1:18777/hello
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    23.62ms   86.45ms 837.53ms   94.90%
    Req/Sec   701.48    436.99     1.66k    64.52%
  Latency Distribution
     50%    4.09ms
     75%    8.15ms
     90%   17.50ms
     99%  489.91ms
  2224 requests in 2.10s, 462.80KB read
Requests/sec:   1058.56
Transfer/sec:    220.28KB
";

    /// Printed by wrk 4.1.0 against a route that answers 503 after 2.5s.
    const FAILING: &str = "\
Running 3s test @ http://127.0.0.1:18779/slow
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  4 requests in 3.00s, 524.00B read
  Socket errors: connect 0, read 0, write 0, timeout 4
  Non-2xx or 3xx responses: 4
Requests/sec:      1.33
Transfer/sec:     174.45B
";

    #[test]
    fn reads_a_clean_wrk_report() {
        let r = parse_wrk_output(CLEAN).unwrap();
        assert_eq!(r.requests, 2224);
        assert_eq!(r.requests_per_sec, 1058.56);
        assert!((r.p50_ms - 4.09).abs() < 1e-9, "{}", r.p50_ms);
        assert!((r.p99_ms - 489.91).abs() < 1e-9, "{}", r.p99_ms);
        assert_eq!(r.non_2xx_3xx, 0);
        assert_eq!(r.socket_errors, SocketErrors::default());
        assert_eq!(r.problem(), None);
    }

    #[test]
    fn reads_errors_and_bad_statuses() {
        let r = parse_wrk_output(FAILING).unwrap();
        assert_eq!(r.requests, 4);
        assert_eq!(r.p50_ms, 0.0);
        assert_eq!(r.non_2xx_3xx, 4);
        assert_eq!(
            r.socket_errors,
            SocketErrors {
                connect: 0,
                read: 0,
                write: 0,
                timeout: 4
            }
        );
        let problem = r.problem().unwrap();
        assert!(
            problem.contains("4 responses were not 2xx/3xx") && problem.contains("timeout 4"),
            "{problem}"
        );
    }

    #[test]
    fn a_ratio_compares_rounds_with_the_same_round_of_the_baseline() {
        let run = |p50_ms: f64| WrkResult {
            requests: 1,
            requests_per_sec: 1.0 / p50_ms,
            p50_ms,
            p99_ms: p50_ms,
            non_2xx_3xx: 0,
            socket_errors: SocketErrors::default(),
        };
        let measured = |p50s: &[f64]| Measured {
            target: Target::new("t", String::new()),
            rounds: p50s.iter().copied().map(run).collect(),
        };
        // The machine is slow in round 2: both slow down, the ratio holds.
        let hello = measured(&[0.10, 0.30, 0.11]);
        let route = measured(&[0.20, 0.60, 0.21]);
        let ratios = route.ratios(&hello, |r| r.p50_ms);
        assert_eq!(ratios.len(), 3);
        assert!((median(ratios) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(Vec::new()), 0.0);
    }

    #[test]
    fn converts_latency_units_to_milliseconds() {
        assert_eq!(latency_ms("500.00us").unwrap(), 0.5);
        assert_eq!(latency_ms("2.50ms").unwrap(), 2.5);
        assert_eq!(latency_ms("1.10s").unwrap(), 1100.0);
        assert!(latency_ms("3.00xs").is_err());
    }

    #[test]
    fn a_report_without_latency_distribution_is_an_error() {
        let text: String = CLEAN
            .lines()
            .filter(|l| !l.trim_start().starts_with("99%"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(parse_wrk_output(&text).is_err());
    }
}
