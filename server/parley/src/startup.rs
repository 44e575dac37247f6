//! Building and running the server, the same way in production and in tests:
//! [`Application::build`] connects, checks the schema and binds (port 0 is fine), then
//! [`Application::run_until_stopped`] serves until the shutdown token fires and in-flight
//! requests have drained (or the grace period has passed).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use parley_api::app_router;
use parley_app::AppState;
use parley_app::auth::{PasswordHasher, TokenIssuer};
use parley_app::limits::rest::RestLimits;
use parley_core::{SnowflakeGenerator, Timestamp};
use parley_events::EventBus;
use parley_events::redis::RedisBusOptions;
use parley_gateway::Gateway;
use parley_gateway::registry::SessionRegistry;
use parley_store::migrations::{self, schema_status};
use parley_store::{Backend, Store, StoreOptions};
use parley_voice::VoiceServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::keys::load_or_create_signing_key;
use crate::settings::{Settings, WorkerId};
use crate::tls::TlsMode;
use crate::tls::expiry::ExpiryGauge;
use crate::tls::files::FileCertificate;
use crate::tls::listener::TlsListener;

/// Access tokens live 15 minutes (DESIGN.md, decision 7).
pub const ACCESS_TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// How often expired refresh tokens and long-revoked sessions are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);
/// Revoked sessions stay listed (for audit) this long before they are deleted.
const KEEP_REVOKED_SESSIONS_MS: i64 = 30 * 24 * 3600 * 1000;

/// Where the HTTPS certificate comes from, when Parley terminates TLS itself.
enum Certificates {
    Files(Arc<FileCertificate>),
    /// The resolver, and the task that orders and renews (started with the server).
    Acme(Arc<rustls_acme::ResolvesServerCertAcme>, Pin<Box<dyn Future<Output = ()> + Send>>),
}

pub struct Application {
    listener: TcpListener,
    certificates: Option<Certificates>,
    /// The plain-HTTP listener that redirects to HTTPS, and where to.
    redirect: Option<(TcpListener, String)>,
    /// The `/metrics`-only listener, when `metrics_bind` is set.
    metrics: Option<(TcpListener, axum::Router)>,
    router: axum::Router,
    store: Store,
    bus: EventBus,
    gateway: Gateway,
    voice: VoiceServer,
    address: SocketAddr,
    admin_setup_link: Option<String>,
    shutdown_grace: Duration,
    /// Work started while building (the Redis bus); joined by `run_until_stopped`.
    tasks: TaskTracker,
    /// Stops that work once serving has ended (so events of the last requests still go out).
    background: CancellationToken,
}

/// Opens the store and brings or checks its schema: SQLite migrates itself; PostgreSQL
/// migrates only when asked, and otherwise refuses a schema that is not exactly current.
pub async fn open_store(settings: &Settings, migrate: bool) -> anyhow::Result<Store> {
    if settings.database_url.backend() == Backend::Sqlite {
        crate::private_files::private_dir(&settings.data_dir, "data_dir")?;
        // An in-memory database (`sqlite::memory:`) has no file.
        if let Some(path) = settings.database_url.sqlite_path().filter(|p| !p.is_empty() && !p.starts_with(':')) {
            let path = std::path::Path::new(path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private_files::private_dir(dir, "database_url")?;
            }
            crate::private_files::private_database(path)?;
        }
    }
    let url = &settings.database_url;
    if migrate || url.backend() == Backend::Sqlite {
        migrations::migrate(url).await.with_context(|| format!("cannot migrate the database at {}", url.redacted()))?;
    }
    let options = StoreOptions { max_connections: settings.database_max_connections, ..StoreOptions::default() };
    let store = Store::connect(url, &options)
        .await
        .with_context(|| format!("cannot connect to the database at {} (setting database_url)", url.redacted()))?;
    let status = schema_status(&store).await.context("cannot read the database's schema version")?;
    if status.is_past_a_contract() {
        bail!(
            "the database schema is at version {}, past a contract migration (version {}) newer \
             than this Parley (version {}): it removed or changed what this build reads; run the \
             Parley release that migrated it, or a newer one",
            status.applied.unwrap_or_default(),
            status.contract.unwrap_or_default(),
            status.required
        );
    }
    if status.is_ahead() {
        // A rolling upgrade's migrations ran before this node (an older release) stopped:
        // they only added, so it keeps serving until it is replaced.
        tracing::warn!(
            applied = status.applied,
            required = status.required,
            "the database schema is newer than this build, by additions only: serving until this node is upgraded"
        );
    }
    if status.is_behind() {
        bail!(
            "the database schema is at version {}, but this Parley needs version {}; \
             run `parley migrate` first (or start with `parley serve --migrate`)",
            status.applied.map_or("none (empty database)".to_owned(), |v| v.to_string()),
            status.required
        );
    }
    Ok(store)
}

impl Application {
    pub async fn build(settings: &Settings, migrate: bool) -> anyhow::Result<Self> {
        let store = open_store(settings, migrate).await?;
        let seed = load_or_create_signing_key(&settings.signing_key_file)?;
        let tokens = TokenIssuer::new(seed, settings.public_url.clone(), ACCESS_TOKEN_TTL_MS);
        let passwords = PasswordHasher::new(
            settings.password_hash_memory_kib,
            settings.password_hash_iterations,
            settings.password_hash_concurrency,
        )
        .map_err(|e| anyhow::anyhow!("invalid password hashing settings: {e}"))?;
        let tasks = TaskTracker::new();
        let background = CancellationToken::new();
        let worker_id = match (settings.worker_id, &settings.redis_url) {
            (WorkerId::Fixed(id), _) => id,
            (WorkerId::Auto, Some(url)) => {
                let (id, lease) =
                    crate::worker_lease::acquire(url, &settings.redis_key_prefix, background.clone()).await?;
                tasks.spawn(lease);
                id
            }
            (WorkerId::Auto, None) => bail!("worker_id = auto needs redis_url"),
        };
        let ids = SnowflakeGenerator::new(worker_id)?;
        // Outbox rows whose events reached the shared log, for the outbox task to remove.
        let (appended_tx, appended_rx) = tokio::sync::mpsc::channel(4096);
        let (bus, registry) = match &settings.redis_url {
            None => (EventBus::in_process(settings.event_bus_capacity), SessionRegistry::local()),
            Some(url) => {
                let options = RedisBusOptions {
                    url: url.clone(),
                    key_prefix: settings.redis_key_prefix.clone(),
                    capacity: settings.event_bus_capacity,
                    log_length: settings.redis_event_log_length,
                    appended: Some(appended_tx),
                };
                let bus = parley_events::redis::connect(&options, background.clone(), &tasks)
                    .await
                    .context("cannot reach Redis (setting redis_url)")?;
                let ttl = settings.gateway.resume_window + settings.gateway.heartbeat_interval * 2;
                let registry = SessionRegistry::redis(url, &settings.redis_key_prefix, bus.node(), ttl)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot reach Redis (setting redis_url): {e}"))?;
                (bus, registry)
            }
        };
        // Per-account limits: every node shares each account's budget through Redis, if set.
        let limits = match &settings.redis_url {
            Some(url) => RestLimits::shared(settings.api.rest_limits, url, &settings.redis_key_prefix)
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach Redis (setting redis_url): {e}"))?,
            None => RestLimits::local(settings.api.rest_limits),
        };
        let objects = crate::files::open(&settings.files).await?;
        let state = AppState::with_limits(
            store.clone(),
            ids,
            tokens,
            passwords,
            settings.api.clone(),
            bus.clone(),
            limits,
            objects,
        );
        tasks.spawn(parley_app::limits::rest::sweep(state.rest_limits.clone(), background.clone()));
        if !settings.files_sweep_every.is_zero() {
            tasks.spawn(parley_app::files::sweeper::run(state.clone(), settings.files_sweep_every, background.clone()));
        }
        if bus.is_shared() {
            // Runs until serving has ended, so the last requests' rows are removed too.
            tasks.spawn(parley_app::outbox::run(state.clone(), appended_rx, background.clone()));
        }
        let gateway_shutdown = CancellationToken::new();
        let gateway = Gateway::new(state.clone(), settings.gateway.clone(), registry, gateway_shutdown);
        let voice = VoiceServer::start(state.clone(), settings.voice.clone(), CancellationToken::new()).await?;
        let metrics = match settings.metrics_bind {
            Some(address) => {
                let listener = TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address} (setting metrics_bind)"))?;
                Some((listener, parley_api::metrics_router(state.clone())))
            }
            None => None,
        };
        let certificates = certificates(settings, &state, background.clone())?;
        let redirect = match (settings.tls.redirect_bind, &certificates) {
            (Some(address), Some(_)) => {
                let listener = TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address} (setting tls_redirect_bind)"))?;
                Some((listener, https_origin(&settings.public_url)))
            }
            _ => None,
        };
        let root = {
            let gateway = gateway.clone();
            // Discord's gateway is at `/`: a WebSocket upgrade there is a gateway connection
            // (bot libraries given a bare host connect there); anything else gets the page.
            axum::routing::get(move |request: axum::extract::Request| async move {
                let upgrade = request
                    .headers()
                    .get(axum::http::header::UPGRADE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
                if upgrade { gateway.upgrade_request(request).await } else { crate::web::index_for(request.headers()) }
            })
        };
        let pages = crate::web::router().route("/", root);
        let admin_setup_link = admin_setup_link(settings, &state).await?;
        let router = app_router(state, gateway.router().merge(voice.router()).merge(pages));
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {} (setting bind)", settings.bind))?;
        let address = listener.local_addr()?;
        Ok(Self {
            listener,
            certificates,
            redirect,
            metrics,
            router,
            store,
            bus,
            gateway,
            voice,
            address,
            shutdown_grace: settings.shutdown_grace,
            tasks,
            background,
            admin_setup_link,
        })
    }

    /// The link that makes the first admin, while an instance others can reach has none
    /// (`parley_app::auth::bootstrap`).
    pub fn admin_setup_link(&self) -> Option<&str> {
        self.admin_setup_link.as_deref()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `https` when Parley terminates TLS itself, otherwise `http`.
    pub fn scheme(&self) -> &'static str {
        if self.certificates.is_some() { "https" } else { "http" }
    }

    /// Where the HTTP-to-HTTPS redirect listener is, when `tls_redirect_bind` is set.
    pub fn redirect_address(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Where `/metrics` is served on its own (`metrics_bind`), if it is.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(listener, _)| listener.local_addr().ok())
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The gateway (its sessions and counters), for tests and the benchmark.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// The voice server (its SFU and media socket), for tests.
    pub fn voice(&self) -> &VoiceServer {
        &self.voice
    }

    /// The bus every state change is published on.
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, lets in-flight requests
    /// finish for up to the grace period, stops background tasks and closes the database.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let tasks = self.tasks.clone();
        tasks.spawn(purge_sessions_periodically(self.store.clone(), shutdown.clone()));
        self.gateway.start(&tasks);
        // Draining: gateway connections are told to reconnect (elsewhere) and close.
        // Calls end too: voice sockets close with 4016 (reconnect) and peer connections close.
        let gateway_shutdown = self.gateway.shutdown.clone();
        let voice_shutdown = self.voice.shutdown.clone();
        let drain = shutdown.clone();
        tasks.spawn(async move {
            tokio::select! {
                () = drain.cancelled() => {}
                () = gateway_shutdown.cancelled() => {}
            }
            gateway_shutdown.cancel();
            voice_shutdown.cancel();
        });
        if let Some((listener, router)) = self.metrics {
            let stop = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stop.cancelled_owned()).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        if let Some((listener, origin)) = self.redirect {
            let stop = shutdown.clone();
            tasks.spawn(async move {
                let router = crate::tls::redirect::router(origin);
                if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stop.cancelled_owned()).await {
                    tracing::error!(error = %e, "the HTTP redirect listener stopped");
                }
            });
        }

        let stop = shutdown.clone().cancelled_owned();
        let mut server = match self.certificates {
            None => {
                tasks.close();
                let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
                tokio::spawn(axum::serve(self.listener, service).with_graceful_shutdown(stop).into_future())
            }
            Some(certificates) => {
                let (resolver, acme): (Arc<dyn rustls::server::ResolvesServerCert>, bool) = match certificates {
                    Certificates::Files(files) => {
                        tasks.spawn(files.clone().watch(self.background.clone()));
                        (files, false)
                    }
                    Certificates::Acme(resolver, drive) => {
                        tasks.spawn(drive);
                        (resolver, true)
                    }
                };
                let config = crate::tls::server_config(resolver, acme)?;
                let listener = TlsListener::new(self.listener, config, &tasks, shutdown.clone())?;
                tasks.close();
                let service = crate::tls::listener::make_service(self.router);
                tokio::spawn(axum::serve(listener, service).with_graceful_shutdown(stop).into_future())
            }
        };
        let grace = self.shutdown_grace;
        let result = tokio::select! {
            result = &mut server => result.context("the server task failed")?.context("the server stopped with an error"),
            () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish within the shutdown grace period; stopping anyway");
                server.abort();
                Ok(())
            }
        };
        // However serving ended, the gateway's own tasks stop too, and then the bus.
        self.gateway.shutdown.cancel();
        self.voice.stop(grace).await;
        self.background.cancel();
        tasks.wait().await;
        self.store.close().await;
        tracing::info!("stopped");
        result
    }
}

/// The certificate source `tls_mode` names, registering the expiry gauge when there is one.
fn certificates(
    settings: &Settings,
    state: &AppState,
    stop: CancellationToken,
) -> anyhow::Result<Option<Certificates>> {
    let expiry = || ExpiryGauge::register(&state.metrics.registry);
    Ok(match &settings.tls.mode {
        TlsMode::Off => None,
        TlsMode::Files { cert, key } => Some(Certificates::Files(FileCertificate::load(cert, key, expiry())?)),
        TlsMode::Acme(acme) => {
            crate::private_files::private_dir(&acme.cache_dir, "data_dir")?;
            let (resolver, drive) = crate::tls::acme::start(acme, expiry(), stop)?;
            Some(Certificates::Acme(resolver, Box::pin(drive)))
        }
    })
}

/// `https://host[:port]` of the public URL, where the redirect listener sends browsers.
fn https_origin(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("https://{host}")
}

async fn purge_sessions_periodically(store: Store, shutdown: CancellationToken) {
    let mut interval = tokio::time::interval(PURGE_INTERVAL);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = interval.tick() => {
                match store.purge_expired_sessions(Timestamp::now(), KEEP_REVOKED_SESSIONS_MS).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "purged expired refresh tokens and old sessions"),
                    Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
                }
            }
        }
    }
}

/// While others can reach the instance, registration is not closed and no admin exists: the link with the bootstrap token that makes the first account the admin.
pub async fn admin_setup_link(settings: &Settings, state: &AppState) -> anyhow::Result<Option<String>> {
    use parley_app::auth::bootstrap::{bootstrap_link, bootstrap_token};
    let pending = settings.api.admin_bootstrap
        && settings.api.registration != parley_app::RegistrationMode::Closed
        && !state.store.admin_claimed().await?;
    Ok(pending.then(|| bootstrap_link(&settings.public_url, &bootstrap_token(&state.tokens))))
}
