//! Helpers for end-to-end tests: start an application on the project's host
//! on a free loopback port, talk to it, and start the real servers it needs.

use anyhow::{Context, Result, bail};
use spin_host::{App, AppOptions, Clock, LogSink, Server};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// A fresh, empty folder for one test's state.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("help-center-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// An application served on 127.0.0.1 for the length of a test.
pub struct Running {
    pub server: Server,
    pub base: String,
    pub client: reqwest::Client,
}

impl Running {
    pub async fn start(options: AppOptions) -> Result<Self> {
        for wasm in wasm_files(&options.manifest)? {
            if !wasm.exists() {
                bail!(
                    "{} is missing: build the components first (`cargo run -p spin-host -- build`, or tests/run)",
                    wasm.display()
                );
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mut options = options;
        options.listen_addr = listener.local_addr()?;
        let app = tokio::task::spawn_blocking(move || App::load(options)).await??;
        let server = Server::start(app, listener).await?;
        let base = format!("http://{}", server.addr);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Self {
            server,
            base,
            client,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn clock(&self) -> &Clock {
        self.server.app.clock()
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await).await
    }

    /// Signs in a demo account (password `demo`) and returns its token.
    pub async fn sign_in(&self, email: &str) -> String {
        let body = serde_json::json!({"email": email, "password": "demo"});
        let reply = Reply::from(
            self.client
                .post(self.url("/api/session"))
                .json(&body)
                .send()
                .await,
        )
        .await;
        assert_eq!(reply.status, 201, "signing in {email}: {}", reply.text);
        reply.json()["token"].as_str().expect("a token").to_string()
    }

    /// `GET path` as the holder of `token`.
    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        Reply::from(
            self.client
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await,
        )
        .await
    }

    /// `POST path` with a JSON body as the holder of `token`.
    pub async fn post_as(&self, token: &str, path: &str, body: &serde_json::Value) -> Reply {
        Reply::from(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body)
                .send()
                .await,
        )
        .await
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn wasm_files(manifest: &Path) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    Ok(text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("source = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .map(|source| dir.join(source))
        .collect())
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub async fn from(result: reqwest::Result<reqwest::Response>) -> Self {
        let response = result.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        Self {
            status,
            headers,
            text,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status.
    pub fn assert_problem(&self, status: u16) -> serde_json::Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(
            body["title"].is_string() && body["detail"].is_string(),
            "{body}"
        );
        body
    }
}

/// A real `redis-server` on a free port, stopped when dropped.
pub struct RedisServer {
    pub port: u16,
    child: std::process::Child,
    /// Where a persistent server keeps its append-only file.
    data_dir: Option<PathBuf>,
}

impl RedisServer {
    /// A server that keeps nothing on disk.
    pub fn start() -> Result<Self> {
        let port = free_port()?;
        Ok(Self {
            port,
            child: spawn_redis(port, None)?,
            data_dir: None,
        })
    }

    /// A server whose data survives a crash: an append-only file in `dir`,
    /// synced on every write, so every acknowledged write is on disk.
    pub fn start_persistent(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        Ok(Self {
            port,
            child: spawn_redis(port, Some(dir))?,
            data_dir: Some(dir.to_path_buf()),
        })
    }

    /// Kills the server as a crash would (no shutdown save).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port with the same data folder.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        self.child = spawn_redis(self.port, self.data_dir.as_deref())?;
        Ok(())
    }

    pub fn url(&self, db: u8) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_redis(port: u16, data_dir: Option<&Path>) -> Result<std::process::Child> {
    let mut command = std::process::Command::new("redis-server");
    command.args([
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
    ]);
    match data_dir {
        Some(dir) => {
            command
                .arg("--dir")
                .arg(dir)
                .args(["--appendonly", "yes", "--appendfsync", "always"])
        }
        None => command.args(["--appendonly", "no"]),
    };
    let child = command
        .stdout(std::process::Stdio::null())
        .spawn()
        .context(
            "cannot start redis-server: install it (apt-get install redis-server); tests/run does",
        )?;
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("redis-server did not start listening on port {port}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child)
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A small HTTP server for tests to stand in for outside services; it
/// answers every request with `respond(method, path, body)`.
pub async fn fake_service<F>(respond: F) -> Result<(String, tokio::task::JoinHandle<()>)>
where
    F: Fn(&str, &str, &[u8]) -> (u16, String) + Send + Sync + 'static,
{
    use http_body_util::{BodyExt, Full};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let respond = std::sync::Arc::new(respond);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let respond = respond.clone();
                        async move {
                            let method = req.method().to_string();
                            let path = req.uri().path().to_string();
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let (status, text) = respond(&method, &path, &body);
                            let mut response =
                                hyper::Response::new(Full::new(bytes::Bytes::from(text)));
                            *response.status_mut() = hyper::StatusCode::from_u16(status)
                                .unwrap_or(hyper::StatusCode::OK);
                            response.headers_mut().insert(
                                "content-type",
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((base, task))
}

/// Options for the fixture application in `tests/fixtures`.
pub fn fixture_options(state_dir: &Path) -> AppOptions {
    let mut options = AppOptions::new(repo_root().join("tests/fixtures/spin.toml"));
    options.state_dir = Some(state_dir.to_path_buf());
    options.cache_dir = Some(shared_compile_cache());
    options.log_sink = quiet_log();
    options
        .variables
        .insert("api_key".into(), "fixture-key".into());
    options.runtime_config = Some(runtime_config(
        state_dir,
        "[key_value_store.sessions]\ntype = \"spin\"\npath = \"sessions.db\"\n",
    ));
    options
}

/// Every key-value store the real app (`spin.toml`) uses, in SQLite files of a
/// test's state folder: a store missing here is a start-up error.
pub const APP_RUNTIME_CONFIG: &str = "[key_value_store.sessions]\ntype = \"spin\"\npath = \"sessions.db\"\n\
[key_value_store.marketplace]\ntype = \"spin\"\npath = \"marketplace.db\"\n\
[key_value_store.conversations]\ntype = \"spin\"\npath = \"conversations.db\"\n\
[key_value_store.cases]\ntype = \"spin\"\npath = \"cases.db\"\n\
[key_value_store.presence]\ntype = \"spin\"\npath = \"presence.db\"\n";

/// The stores of [`APP_RUNTIME_CONFIG`] in `redis`, each in its own database
/// (Redis keeps keys as they are, so stores must not share one).
pub fn redis_runtime_config(redis: &RedisServer) -> String {
    APP_RUNTIME_CONFIG
        .lines()
        .filter_map(|line| line.strip_prefix("[key_value_store.")?.strip_suffix(']'))
        .zip(0u8..)
        .map(|(label, db)| {
            format!(
                "[key_value_store.{label}]\ntype = \"redis\"\nurl = \"{}\"\n",
                redis.url(db)
            )
        })
        .collect()
}

/// Options for the real application (`spin.toml`) with its state in `state_dir`.
pub fn app_options(state_dir: &Path) -> AppOptions {
    let mut options = AppOptions::new(repo_root().join("spin.toml"));
    options.state_dir = Some(state_dir.to_path_buf());
    options.cache_dir = Some(shared_compile_cache());
    options.log_sink = quiet_log();
    options.runtime_config = Some(runtime_config(state_dir, APP_RUNTIME_CONFIG));
    options
}

/// Request lines kept in memory: on stderr, the lines of every test's app
/// would bury a failing test's own message (a test reads them back with its
/// own [`LogSink::memory`]).
fn quiet_log() -> LogSink {
    LogSink::memory()
}

/// One compile cache for every app the tests start (keyed by each
/// component's bytes, so a rebuilt component is compiled afresh). The real
/// app is compiled into it once per test process before any test uses it:
/// tests start in parallel, and each compiling every component at once
/// would cost more than all their requests.
pub fn shared_compile_cache() -> PathBuf {
    static WARM: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WARM.get_or_init(|| {
        let cache = repo_root().join("target/spin-host-cache");
        let dir = temp_dir("warm-compile-cache");
        let mut options = AppOptions::new(repo_root().join("spin.toml"));
        options.state_dir = Some(dir.clone());
        options.cache_dir = Some(cache.clone());
        options.runtime_config = Some(runtime_config(&dir, APP_RUNTIME_CONFIG));
        // A failure shows again, with its message, in the test that loads the app.
        let _ = spin_host::App::load(options);
        cache
    })
    .clone()
}

/// A Tuesday, 10:00 in Amsterdam: chat and phone are open. The load run and
/// the benchmark pin their apps' clocks here, so that every run does the
/// same work whatever the hour.
pub const WEEKDAY_MORNING: &str = "2026-11-24T09:00:00Z";

/// The real app with its clock pinned at `now` (RFC 3339) and these
/// variables, its state in a fresh temporary folder named for `name`.
pub async fn start_app(name: &str, now: &str, variables: &[(&str, &str)]) -> Running {
    let mut options = app_options(&temp_dir(name));
    options.clock = Clock::fixed(now.parse().expect("an RFC 3339 time"));
    for (name, value) in variables {
        options
            .variables
            .insert(name.to_string(), value.to_string());
    }
    Running::start(options).await.expect("the app starts")
}

/// Writes a runtime config into `dir` and returns its path.
pub fn runtime_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("runtime-config.toml");
    std::fs::write(&path, text).expect("write runtime config");
    path
}
