//! A loaded Spin application: compiled components, their stores, variables
//! and outbound rules, and the per-request instance lifecycle.

use crate::clock::Clock;
use crate::key_value::{KeyValueStore, RedisStore, SqliteStore, sqlite_store};
use crate::llm::OpenAiClient;
use crate::manifest::{Manifest, Route};
use crate::outbound::AllowedHosts;
use crate::outbound_http::OutboundHooks;
use crate::problem;
use crate::request_log::{LogSink, RequestRecord};
use crate::routes::{RouteMatch, Router};
use crate::runtime_config::{KeyValueStoreConfig, LlmComputeConfig, RuntimeConfig};
use crate::state::HostState;
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body::Body;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

/// How often the engine's epoch advances; deadlines are counted in these.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Everything needed to load and serve an application.
#[derive(Clone)]
pub struct AppOptions {
    pub manifest: PathBuf,
    pub runtime_config: Option<PathBuf>,
    /// Where the default SQLite store and the compile cache live (default: `.spin` beside `spin.toml`).
    pub state_dir: Option<PathBuf>,
    /// Where compiled components are cached (default: `cache` in the state
    /// folder). Tests share one so that each app they start does not
    /// compile every component again.
    pub cache_dir: Option<PathBuf>,
    /// `--variable name=value` values, which beat the environment.
    pub variables: BTreeMap<String, String>,
    pub clock: Clock,
    /// After this a request gets `504` and its instance is stopped.
    pub request_timeout: Duration,
    /// How long an LLM inference may take before the component gets an error
    /// (and can answer without it); well inside `request_timeout`.
    pub llm_timeout: Duration,
    /// The address the app is served on, for `spin-full-url`.
    pub listen_addr: SocketAddr,
    /// Log one JSON line per request (off for load tests).
    pub log_requests: bool,
    /// Where those lines go: stderr, or memory for tests.
    pub log_sink: LogSink,
}

impl AppOptions {
    pub fn new(manifest: impl Into<PathBuf>) -> Self {
        Self {
            manifest: manifest.into(),
            runtime_config: None,
            state_dir: None,
            cache_dir: None,
            variables: BTreeMap::new(),
            clock: Clock::system(),
            request_timeout: Duration::from_secs(30),
            llm_timeout: Duration::from_secs(10),
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            log_requests: true,
            log_sink: LogSink::Stderr,
        }
    }
}

/// What one component may use, shared by all of its instances.
pub struct ComponentContext {
    pub id: String,
    pub key_value_stores: Vec<String>,
    pub stores: HashMap<String, Arc<dyn KeyValueStore>>,
    pub variables: HashMap<String, String>,
    pub allowed_hosts: AllowedHosts,
    pub ai_models: Vec<String>,
    pub llm: Option<Arc<OpenAiClient>>,
    environment: Vec<(String, String)>,
}

struct LoadedComponent {
    context: Arc<ComponentContext>,
    pre: ProxyPre<HostState>,
}

pub struct App {
    name: String,
    engine: Engine,
    router: Router,
    components: HashMap<String, LoadedComponent>,
    stores: BTreeMap<String, Arc<dyn KeyValueStore>>,
    /// The application's `region` variable, for the request log.
    region: String,
    options: AppOptions,
    this: Weak<App>,
}

fn engine(cache_dir: &std::path::Path) -> Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    let mut cache = wasmtime::CacheConfig::new();
    cache.with_directory(cache_dir);
    config.cache(Some(
        wasmtime::Cache::new(cache).map_err(anyhow::Error::from)?,
    ));
    // Instances come from a pre-allocated pool: a fresh one per request is cheap.
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_component_instances(1000)
        .total_core_instances(2000)
        .total_memories(1000)
        .total_tables(2000)
        .max_memory_size(256 << 20)
        .max_component_instance_size(1 << 20)
        // A returned instance's dirty pages are found with PAGEMAP_SCAN (Linux
        // 6.7+, else every kept page) and written back in place, up to these
        // sizes, instead of being handed back to the kernel: the next request
        // then pays neither an madvise with its TLB shootdown nor a page fault
        // per page it touches. This cut the host's own cost per request by
        // about 40% (bench: hello-world requests per second x1.7).
        .linear_memory_keep_resident(16 << 20)
        .table_keep_resident(256 << 10)
        .pagemap_scan(wasmtime::Enabled::Auto);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    Ok(Engine::new(&config)?)
}

impl App {
    pub fn load(options: AppOptions) -> Result<Arc<Self>> {
        let manifest = Manifest::load(&options.manifest)?;
        let state_dir = options
            .state_dir
            .clone()
            .unwrap_or_else(|| manifest.dir.join(".spin"));
        let state_dir = std::path::absolute(&state_dir)
            .with_context(|| format!("cannot resolve the state folder {}", state_dir.display()))?;
        let runtime_config = match &options.runtime_config {
            Some(path) => RuntimeConfig::load(path, &state_dir)?,
            None => RuntimeConfig::defaults(&state_dir),
        };
        let values = crate::variables::application_values(&manifest, &options.variables, &|k| {
            std::env::var(k).ok()
        })?;
        let variables = crate::variables::resolve(&manifest, &values)?;
        let region = values.get("region").cloned().unwrap_or_default();
        let outbound_hosts = crate::variables::allowed_outbound_hosts(&manifest, &values)?;

        let mut public_routes = Vec::new();
        for (route, component) in &manifest.http_triggers {
            if let Route::Public(path) = route {
                public_routes.push((path.as_str(), component.as_str()));
            }
        }
        let router = Router::build(public_routes)?;

        let stores = open_stores(&manifest, &runtime_config)?;
        let llm = match &runtime_config.llm {
            Some(LlmComputeConfig::RemoteHttp {
                url, auth_token, ..
            }) => Some(Arc::new(OpenAiClient::new(
                url,
                auth_token.clone(),
                options.llm_timeout,
            )?)),
            None => None,
        };

        let engine = engine(
            &options
                .cache_dir
                .clone()
                .unwrap_or_else(|| state_dir.join("cache")),
        )?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        crate::spin_interfaces::add_to_linker(&mut linker)?;

        let mut components = HashMap::new();
        for (_, id) in &manifest.http_triggers {
            if components.contains_key(id) {
                continue;
            }
            let spec = &manifest.components[id];
            let source = manifest.component_source(id);
            let started = Instant::now();
            let component = Component::from_file(&engine, &source).map_err(anyhow::Error::from).with_context(|| {
                format!(
                    "cannot load component {id:?} from {}: build it first (`spin-host build`, or the component's build command)",
                    source.display()
                )
            })?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component {id:?} imports an interface this host does not provide")
                })?;
            let pre = ProxyPre::new(pre)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!(
                        "component {id:?} is not an HTTP component (wasi:http/incoming-handler)"
                    )
                })?;
            eprintln!("loaded component {id} in {:?}", started.elapsed());
            let context = ComponentContext {
                id: id.clone(),
                key_value_stores: spec.key_value_stores.clone(),
                stores: spec
                    .key_value_stores
                    .iter()
                    .filter_map(|label| stores.get(label).map(|s| (label.clone(), s.clone())))
                    .collect(),
                variables: variables[id].clone(),
                allowed_hosts: AllowedHosts::parse(&outbound_hosts[id])
                    .with_context(|| format!("component {id:?}"))?,
                ai_models: spec.ai_models.clone(),
                llm: llm.clone(),
                environment: spec
                    .environment
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            components.insert(
                id.clone(),
                LoadedComponent {
                    context: Arc::new(context),
                    pre,
                },
            );
        }

        let ticker = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = ticker.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });

        Ok(Arc::new_cyclic(|this| App {
            name: manifest.application.name.clone(),
            engine,
            router,
            components,
            stores,
            region,
            options,
            this: this.clone(),
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn clock(&self) -> &Clock {
        &self.options.clock
    }

    /// Each configured store label and whether its backend answers.
    pub async fn store_health(&self) -> Vec<(String, Result<()>)> {
        let mut out = Vec::new();
        for (label, store) in &self.stores {
            out.push((label.clone(), store.ping().await));
        }
        out
    }

    /// Serves one request from outside: routes it, then runs the component.
    pub async fn handle<B>(
        &self,
        req: http::Request<B>,
        client: SocketAddr,
    ) -> http::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let Some(route) = self.router.route(&path) else {
            let response =
                problem::response(http::StatusCode::NOT_FOUND, "No route matches this path.");
            self.log_request(&method, &path, None, response.status(), started);
            return response;
        };
        // Copied only when there is a line to write.
        let matched = self
            .options
            .log_requests
            .then(|| (route.raw_route.clone(), route.component.clone()));
        let response = self.run(route, req, client).await;
        self.log_request(&method, &path, matched.as_ref(), response.status(), started);
        response
    }

    /// `matched`: the manifest route and its component.
    fn log_request(
        &self,
        method: &http::Method,
        path: &str,
        matched: Option<&(String, String)>,
        status: http::StatusCode,
        started: Instant,
    ) {
        if !self.options.log_requests {
            return;
        }
        let record = RequestRecord {
            time: jiff::Timestamp::now(),
            method: method.as_str(),
            route: matched.map(|(route, _)| route.as_str()),
            component: matched.map(|(_, component)| component.as_str()),
            path,
            status: status.as_u16(),
            latency: started.elapsed(),
            region: &self.region,
        };
        self.options.log_sink.write(record.line());
    }

    /// Serves a request a component sent to `http://<id>.spin.internal` or `http://self`.
    pub(crate) async fn handle_internal<B>(
        &self,
        target: InternalTarget,
        req: http::Request<B>,
    ) -> http::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let path = req.uri().path().to_string();
        let route = match target {
            InternalTarget::Component(id) if self.components.contains_key(&id) => {
                self.router.match_for_component(&id, &path)
            }
            InternalTarget::Component(id) => {
                return problem::response(
                    http::StatusCode::NOT_FOUND,
                    &format!("No component {id:?} in this application."),
                );
            }
            InternalTarget::SelfRoute => match self.router.route(&path) {
                Some(route) => route,
                None => {
                    return problem::response(
                        http::StatusCode::NOT_FOUND,
                        "No route matches this path.",
                    );
                }
            },
        };
        self.run(route, req, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
    }

    async fn run<B>(
        &self,
        route: RouteMatch,
        req: http::Request<B>,
        client: SocketAddr,
    ) -> http::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let Some(component) = self.components.get(&route.component) else {
            return problem::response(http::StatusCode::NOT_FOUND, "No route matches this path.");
        };
        let req = self.with_spin_headers(req, &route, client);
        match self.instantiate_and_call(component, req).await {
            Ok(response) => response,
            Err(Failure::Timeout) => {
                eprintln!(
                    "component {} ran past the {:?} deadline and was stopped",
                    route.component, self.options.request_timeout
                );
                problem::response(
                    http::StatusCode::GATEWAY_TIMEOUT,
                    "The request took too long and was stopped.",
                )
            }
            Err(Failure::Error(e)) => {
                eprintln!("component {} failed: {e:?}", route.component);
                problem::response(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "The request failed inside the application.",
                )
            }
        }
    }

    fn with_spin_headers<B>(
        &self,
        req: http::Request<B>,
        route: &RouteMatch,
        client: SocketAddr,
    ) -> http::Request<B> {
        let (mut parts, body) = req.into_parts();
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| self.options.listen_addr.to_string());
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_string();
        let full_url = format!("http://{host}{path_and_query}");
        // The URI a component sees is absolute, as under Spin.
        if let Ok(uri) = full_url.parse() {
            parts.uri = uri;
        }
        let mut set = |name: &str, value: &str| {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(name),
                http::HeaderValue::try_from(value),
            ) {
                parts.headers.insert(name, value);
            }
        };
        set("spin-full-url", &full_url);
        set("spin-path-info", &route.path_info);
        set("spin-matched-route", &route.raw_route);
        set("spin-raw-component-route", &route.raw_route);
        set("spin-component-route", &route.component_route);
        set("spin-base-path", "/");
        set("spin-client-addr", &client.to_string());
        for (name, value) in &route.params {
            set(&format!("spin-path-match-{name}"), value);
        }
        http::Request::from_parts(parts, body)
    }

    async fn instantiate_and_call<B>(
        &self,
        component: &LoadedComponent,
        req: http::Request<B>,
    ) -> Result<http::Response<HyperOutgoingBody>, Failure>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let context = component.context.clone();
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout()
            .inherit_stderr()
            .wall_clock(self.options.clock.clone());
        for (k, v) in &context.environment {
            wasi.env(k, v);
        }
        let state = HostState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks::new(self.this.clone(), context.clone()),
            component: context,
            limits: wasmtime::StoreLimitsBuilder::new()
                .memory_size(256 << 20)
                .build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks =
            (self.options.request_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();

        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .map_err(Failure::Error)?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(Failure::Error)?;
        let pre = component.pre.clone();
        let timeout = self.options.request_timeout;
        let task = tokio::spawn(async move {
            let call = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            };
            match tokio::time::timeout(timeout, call).await {
                Ok(result) => result.map_err(Failure::Error),
                Err(_) => Err(Failure::Timeout),
            }
        });

        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(Failure::Error(wasmtime::format_err!(
                "the component answered with an error: {code:?}"
            ))),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(Failure::Error(wasmtime::format_err!(
                    "the component returned without sending a response"
                ))),
                Ok(Err(Failure::Error(e))) if is_deadline_trap(&e) => Err(Failure::Timeout),
                Ok(Err(failure)) => Err(failure),
                Err(join) => Err(Failure::Error(wasmtime::format_err!(
                    "the request task failed: {join}"
                ))),
            },
        }
    }
}

/// Where a chained request goes.
pub(crate) enum InternalTarget {
    Component(String),
    SelfRoute,
}

enum Failure {
    Timeout,
    Error(wasmtime::Error),
}

fn is_deadline_trap(e: &wasmtime::Error) -> bool {
    matches!(
        e.downcast_ref::<wasmtime::Trap>(),
        Some(wasmtime::Trap::Interrupt)
    )
}

/// Opens every store some component uses; a label the runtime config does not define is an error, as in Spin.
fn open_stores(
    manifest: &Manifest,
    config: &RuntimeConfig,
) -> Result<BTreeMap<String, Arc<dyn KeyValueStore>>> {
    let mut used: Vec<(&str, &str)> = Vec::new();
    for (id, component) in &manifest.components {
        for label in &component.key_value_stores {
            used.push((label, id));
        }
    }
    let mut databases: HashMap<Option<PathBuf>, sqlite_store::SharedDatabase> = HashMap::new();
    let mut stores: BTreeMap<String, Arc<dyn KeyValueStore>> = BTreeMap::new();
    for (label, component) in used {
        if stores.contains_key(label) {
            continue;
        }
        let Some(store_config) = config.key_value_stores.get(label) else {
            bail!(
                "component {component:?} uses the key-value store {label:?}, which is not defined: add [key_value_store.{label}] to the runtime config file (--runtime-config-file)"
            );
        };
        let store: Arc<dyn KeyValueStore> = match store_config {
            KeyValueStoreConfig::Spin { path } => {
                let db = match path {
                    // In-memory stores are never shared between labels.
                    None => sqlite_store::open_database(None)?,
                    Some(_) => match databases.get(path) {
                        Some(db) => db.clone(),
                        None => {
                            let db = sqlite_store::open_database(path.as_deref())?;
                            databases.insert(path.clone(), db.clone());
                            db
                        }
                    },
                };
                Arc::new(SqliteStore::new(db, label))
            }
            KeyValueStoreConfig::Redis { url } => Arc::new(RedisStore::new(url)?),
        };
        stores.insert(label.to_string(), store);
    }
    Ok(stores)
}
