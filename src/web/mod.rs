//! The web log: staff work the mention log from a browser (the shop's computer or a phone).
//!
//! Server-rendered HTML (maud escapes everything by default), no JavaScript build step.
//! The same query layer as the CLI ([`crate::store::MentionFilter`]). State changes are POST
//! with a CSRF token ([`csrf`]); off loopback a shared token and login are required ([`auth`]),
//! and once there is a team everyone signs in as themselves ([`signin`]).

pub mod auth;
pub mod chart;
pub mod csrf;
mod layout;
mod pages;
pub mod signin;

use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use anyhow::Context;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::store::{Store, StoreError, StoreHandle};

pub use auth::{check_exposure, token_from_env, TOKEN_ENV};
pub use csrf::Keys;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database, shared with the poller: pages read from its read pool.
    pub store: StoreHandle,
    /// The validated config.
    pub config: Arc<Config>,
    /// The secret that signs CSRF tokens and login cookies (kept in the database).
    pub keys: Arc<Keys>,
    /// `$EARSHOT_WEB_TOKEN`: when set, staff log in with it.
    pub token: Option<Arc<str>>,
    /// Wrong login tokens and passwords per client address.
    pub logins: Arc<auth::LoginLimiter>,
    /// Wrong passwords per account, and sign-in link requests.
    pub limits: Arc<signin::Limits>,
    /// The reloadable config of `earshot run` (its sources page shows the sources in
    /// force and adds new ones); `None` for `earshot serve` and tests.
    pub live: Option<Arc<crate::live::Live>>,
}

impl AppState {
    /// State with a fresh random secret.
    pub fn new(config: Arc<Config>, store: StoreHandle, token: Option<String>) -> AppState {
        let keys = Arc::new(Keys::kept(store.web_secret()));
        AppState {
            store,
            config,
            keys,
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
            logins: Arc::default(),
            limits: Arc::default(),
            live: None,
        }
    }

    /// The same state, serving `live`'s config as it is reloaded.
    pub fn with_live(mut self, live: Arc<crate::live::Live>) -> AppState {
        self.live = Some(live);
        self
    }

    /// The config in force now (reloaded under `earshot run`).
    pub fn current_config(&self) -> Arc<Config> {
        self.live
            .as_ref()
            .map(|live| live.config())
            .unwrap_or_else(|| self.config.clone())
    }

    /// Run `f` on a read connection: it never waits behind a poll's write.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        self.store.try_read(f).await.unwrap_or_else(panicked)
    }

    /// Run `f` on the writer (a staff step), after the writes queued before it.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        self.store.try_write(f).await.unwrap_or_else(panicked)
    }
}

/// A page whose store work panicked answers 500, like any other internal error.
fn panicked<T>(panic: Box<dyn std::any::Any + Send>) -> Result<T, WebError> {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned());
    Err(WebError::Internal(message))
}

/// Every route of the web log, with sessions, CSRF, login (when a token is set) and
/// security headers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::log::page))
        .merge(mention_routes(state.clone()))
        .route("/customers", get(pages::customers::list))
        .route("/customers/{id}", get(pages::customers::detail))
        .route("/sources", get(pages::sources::page))
        .route("/sources/add", post(pages::sources::add))
        .route("/chart", get(chart::page))
        .route("/team", get(pages::team::page))
        .route("/team/add", post(pages::team::add))
        .route("/team/{id}/remove", post(pages::team::remove))
        .route("/account", get(pages::account::page))
        .route("/account/password", post(pages::account::set_password))
        .route("/login", get(signin::login_page).post(signin::login))
        .route("/login/link", post(signin::request_link))
        .route(
            "/sign-in/{token}",
            get(signin::link_page).post(signin::use_link),
        )
        .route("/logout", post(signin::logout))
        .route("/static/style.css", get(layout::stylesheet))
        .route("/static/copy.js", get(layout::script))
        .fallback(|| async { WebError::NotFound("no such page".into()) })
        .layer(from_fn_with_state(state.clone(), auth::require_login))
        .layer(from_fn_with_state(state.clone(), csrf::session_and_csrf))
        .layer(from_fn(log_and_secure))
        .with_state(state)
}

/// A mention's page and its actions, each behind [`only_their_location`].
fn mention_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/mentions/{id}", get(pages::mention::page))
        .route("/mentions/{id}/ack", post(pages::actions::acknowledge))
        .route("/mentions/{id}/promise", post(pages::actions::promise))
        .route("/mentions/{id}/resolve", post(pages::actions::resolve))
        .route("/mentions/{id}/link", post(pages::actions::link))
        .route("/mentions/{id}/unlink", post(pages::actions::unlink))
        .route("/mentions/{id}/relabel", post(pages::actions::relabel))
        .route("/mentions/{id}/priority", post(pages::actions::priority))
        .route("/mentions/{id}/dismiss", post(pages::actions::dismiss))
        .route("/mentions/{id}/assign", post(pages::actions::assign))
        .route_layer(from_fn_with_state(state, only_their_location))
}

/// A location manager sees only their location's mentions: another location's mention
/// (page or action, even by a direct link) answers 404 with words, as if it were not there.
async fn only_their_location(
    axum::extract::State(state): axum::extract::State<AppState>,
    visitor: csrf::Visitor,
    axum::extract::Path(id): axum::extract::Path<i64>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(mine) = visitor.location().map(str::to_owned) else {
        return next.run(request).await;
    };
    match state.read(move |s| Ok(s.mention_location(id)?)).await {
        Ok(heard_at) if heard_at.as_deref() == Some(mine.as_str()) => next.run(request).await,
        Ok(_) => WebError::NotFound(format!(
            "there is no mention #{id} in {mine}'s log: you manage {mine} and see only its \
             mentions (ask an owner about another location's)"
        ))
        .into_response(),
        Err(error) => error.into_response(),
    }
}

/// Log each request, and add the headers every response carries: no inline script, no
/// framing, no referrer to review sites.
async fn log_and_secure(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64, "web request");
    let headers = response.headers_mut();
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A request that went wrong, as an HTTP status and a page that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 400: a filter or form value that does not parse.
    #[error("{0}")]
    BadRequest(String),
    /// 403: a form without a valid CSRF token.
    #[error("this form has expired or did not come from Earshot; go back, reload the page and try again")]
    Forbidden,
    /// 403: a page or action for owners, asked for by staff.
    #[error("Only an owner can {0}. Ask an owner of the team to do it, or to make you one.")]
    OwnerOnly(&'static str),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: e.g. the case is already closed.
    #[error("{0}")]
    Conflict(String),
    /// 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> WebError {
        match error {
            StoreError::NoSuchMention(_) | StoreError::NoSuchCustomer(_) => {
                WebError::NotFound(error.to_string())
            }
            StoreError::CaseClosed { .. } | StoreError::StaffNameTaken(_) => {
                WebError::Conflict(error.to_string())
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<crate::staff::StaffError> for WebError {
    fn from(error: crate::staff::StaffError) -> WebError {
        use crate::staff::StaffError;
        match error {
            StaffError::OwnerOnly(what) => WebError::OwnerOnly(what),
            StaffError::Store(e) => e.into(),
            StaffError::LastOwner(_) => WebError::Conflict(error.to_string()),
            other => WebError::BadRequest(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden | WebError::OwnerOnly(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "web request failed");
        }
        (status, layout::error_page(status, &self.to_string())).into_response()
    }
}

/// Bind the configured `[web] listen` address, refusing an address reachable from other
/// machines unless a token is set or a team signs in.
pub async fn bind(listen: &str, token: Option<&str>, team: bool) -> anyhow::Result<TcpListener> {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .with_context(|| {
            format!("[web] listen = \"{listen}\" is not an address; write e.g. \"127.0.0.1:8080\"")
        })?
        .collect();
    check_exposure(listen, &addrs, token, team)?;
    let listener = TcpListener::bind(addrs.as_slice())
        .await
        .with_context(|| {
            format!("cannot listen on {listen} for the web log; is another program using the port? Change [web] listen")
        })?;
    Ok(listener)
}

/// Serve the web log on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, login = state.token.is_some(), "web log at http://{addr}/");
    }
    // The client's address is recorded for the login limit.
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// `earshot serve`: the web log alone, until Ctrl-C or SIGTERM.
pub fn run(config: Arc<Config>, store: StoreHandle) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let token = token_from_env();
        let team = store.read(|s| s.has_staff()).await?;
        let listener = bind(&config.web_listen, token.as_deref(), team).await?;
        let state = AppState::new(config, store.clone(), token);
        // The web log writes too (case steps): `earshot restore` waits for it to stop.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let beating = tokio::spawn(crate::service::heartbeat_loop(store, stopped));
        let served = serve(listener, state, crate::service::shutdown_signal()).await;
        let _ = stop.send(true);
        let _ = beating.await;
        served?;
        Ok(())
    })
}
