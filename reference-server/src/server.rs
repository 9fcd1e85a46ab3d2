//! Router assembly and server lifecycle: bind (plain or TLS), serve, shut down. Used by the
//! binary and, in-process, by specgate and the tests.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use crate::config::Config;
use crate::db::{Db, DbError};
use crate::handlers::{meta, resources};
use crate::middleware::{authenticate, common, ip_limit};
use crate::model::{CATEGORIES, COMMENTS, ITEMS};
use crate::problem::Problem;
use crate::seed::{self, SeedOutput};
use crate::state::{AppState, SharedState};
use crate::webhooks::{self, Events};
use crate::{files, idempotency, jobs};

/// Errors starting a server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("failed to bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("failed to load TLS certificate/key: {0}")]
    Tls(std::io::Error),
    #[error("failed to seed tokens: {0}")]
    Seed(rusqlite::Error),
}

/// Builds the application router over `state`.
pub fn router(state: SharedState) -> Router {
    let protected = Router::new()
        .merge(resources::routes(&ITEMS, true))
        .merge(resources::routes(&CATEGORIES, false))
        .merge(resources::routes(&COMMENTS, false))
        .route("/api/v1/items/{id}/links", get(crate::links::item_links))
        .route("/api/v1/enums", get(meta::enums))
        .route("/api/v1/token", get(meta::token_info))
        .route("/api/v1/tokens/{id}", delete(meta::revoke_token))
        .route("/api/v1/exports", post(jobs::create_export))
        .route("/api/v1/exports/{id}/download", get(jobs::download))
        .route("/api/v1/jobs/{id}", get(jobs::get_job))
        .route(
            "/api/v1/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhooks/{id}",
            get(webhooks::get_one).delete(webhooks::delete),
        )
        .route(
            "/api/v1/files",
            get(files::list)
                .post(files::upload)
                .layer(DefaultBodyLimit::max(files::DIRECT_BODY_LIMIT)),
        )
        .route("/api/v1/files/presign", post(files::presign))
        .route(
            "/api/v1/files/{id}",
            get(files::get_one).delete(files::delete),
        )
        .route("/api/v1/files/{id}/restore", post(files::restore))
        .route("/api/v1/files/{id}/confirm", post(files::confirm))
        .route("/api/v1/files/{id}/download", get(files::download))
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    let agents = Router::new()
        .route("/api/v1/agents", get(meta::agents))
        .route_layer(from_fn_with_state(state.clone(), ip_limit));
    Router::new()
        .merge(protected)
        .merge(agents)
        .route("/health", get(meta::health_redirect))
        .route("/health/live", get(meta::live))
        .route("/health/ready", get(meta::ready))
        .route("/api/v1/openapi.json", get(meta::openapi))
        .route(
            "/ui/workspaces/{slug}/tokens",
            get(crate::ui::list_tokens).post(crate::ui::create_token),
        )
        .route(
            "/api/v1/uploads/{id}",
            put(files::put_upload)
                .layer(DefaultBodyLimit::max(files::MAX_PRESIGNED as usize + 1024)),
        )
        .fallback(|uri: Uri| async move {
            Problem::new(
                crate::problem::NOT_FOUND,
                format!("No route matches {}.", uri.path()),
            )
        })
        .layer(from_fn_with_state(state.clone(), common))
        .with_state(state)
}

/// A running server. Dropping it does not stop it; call [`RunningServer::shutdown`].
pub struct RunningServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` (or https).
    pub base_url: String,
    pub state: SharedState,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub async fn shutdown(self) {
        self.handle
            .graceful_shutdown(Some(std::time::Duration::from_secs(2)));
        let _ = self.task.await;
    }

    /// Waits until the server task ends (the binary's main loop).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Opens the database, builds the state and starts serving on `config.addr`.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    crate::problem::set_base(&config.problem_base);
    let db = Db::open(config.db_path.as_deref())?;
    let (events, rx) = Events::channel();
    let state: SharedState = Arc::new(AppState::new(config.clone(), db, events));
    webhooks::spawn_dispatcher(Arc::downgrade(&state), rx);
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let listener = std::net::TcpListener::bind(config.addr).map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    // Fault: a TLS terminator left with TLSv1/TLSv1.1 enabled. A front listener answers legacy
    // ClientHellos with a ServerHello for their version and passes every other connection
    // through to the real (rustls) listener, which only speaks TLS 1.2 and 1.3.
    let (listener, addr, front) =
        if config.tls.is_some() && config.faults.contains("tls-legacy-accepted") {
            let public = tokio::net::TcpListener::from_std(listener)
                .map_err(|source| StartError::Bind { addr, source })?;
            let inner_addr: SocketAddr = ([127, 0, 0, 1], 0).into();
            let inner = std::net::TcpListener::bind(inner_addr)
                .and_then(|l| l.set_nonblocking(true).map(|_| l))
                .map_err(|source| StartError::Bind {
                    addr: inner_addr,
                    source,
                })?;
            let backend = inner.local_addr().map_err(|source| StartError::Bind {
                addr: inner_addr,
                source,
            })?;
            (
                inner,
                addr,
                Some(tokio::spawn(legacy_tls_front(public, backend))),
            )
        } else {
            (listener, addr, None)
        };
    let handle = axum_server::Handle::new();
    let (scheme, task) = match &config.tls {
        Some((cert, key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(StartError::Tls)?;
            let server = axum_server::from_tcp_rustls(listener, tls)
                .map_err(StartError::Tls)?
                .handle(handle.clone());
            (
                "https",
                tokio::spawn(async move {
                    if let Err(e) = server.serve(app).await {
                        tracing::error!(error = %e, "server stopped");
                    }
                }),
            )
        }
        None => {
            let server = axum_server::from_tcp(listener)
                .map_err(|source| StartError::Bind { addr, source })?
                .handle(handle.clone());
            (
                "http",
                tokio::spawn(async move {
                    if let Err(e) = server.serve(app).await {
                        tracing::error!(error = %e, "server stopped");
                    }
                }),
            )
        }
    };
    let task = match front {
        Some(front) => tokio::spawn(async move {
            let _ = task.await;
            front.abort();
        }),
        None => task,
    };
    Ok(RunningServer {
        addr,
        base_url: format!("{scheme}://{addr}"),
        state,
        handle,
        task,
    })
}

/// The `tls-legacy-accepted` front: reads each connection's first TLS record; a ClientHello
/// offering a version below TLS 1.2 gets a ServerHello for that version (what an OpenSSL
/// terminator with TLSv1 enabled sends), everything else is relayed to `backend`.
async fn legacy_tls_front(public: tokio::net::TcpListener, backend: SocketAddr) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut client, _)) = public.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let mut head = [0u8; 11];
            if client.read_exact(&mut head).await.is_err() {
                return;
            }
            let hello = head[0] == 0x16 && head[5] == 0x01;
            let version = u16::from_be_bytes([head[9], head[10]]);
            if hello && version < 0x0303 {
                let mut body = vec![head[9], head[10]];
                body.extend_from_slice(&[0x5a; 32]); // server random
                body.push(0); // no session id
                body.extend_from_slice(&[0x00, 0x2f, 0x00]); // TLS_RSA_WITH_AES_128_CBC_SHA, null
                let mut hs = vec![0x02];
                hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
                hs.extend_from_slice(&body);
                let mut rec = vec![0x16, head[9], head[10]];
                rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
                rec.extend_from_slice(&hs);
                let _ = client.write_all(&rec).await;
                return;
            }
            let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await else {
                return;
            };
            if upstream.write_all(&head).await.is_err() {
                return;
            }
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        });
    }
}

/// Starts a server and seeds it with the workspaces and tokens a certification needs.
pub async fn start_seeded(config: Config) -> Result<(RunningServer, SeedOutput), StartError> {
    let server = start(config).await?;
    let seeded = {
        let st = server.state.clone();
        tokio::task::spawn_blocking(move || {
            let conn = st.db.lock().map_err(|_| rusqlite::Error::InvalidQuery)?;
            seed::seed(&conn, &st.config)
        })
        .await
        .map_err(|_| StartError::Seed(rusqlite::Error::InvalidQuery))?
        .map_err(StartError::Seed)?
    };
    Ok((server, seeded))
}

/// A plain-HTTP listener that redirects every request to the HTTPS origin (`https.*` rules).
pub async fn serve_https_redirect(
    addr: SocketAddr,
    https_port: u16,
) -> Result<tokio::task::JoinHandle<()>, StartError> {
    serve_https_redirect_on(addr, https_port)
        .await
        .map(|(task, _)| task)
}

/// The plain-HTTP port of a TLS `server`, on `addr` (port 0 for any free one): the redirect of
/// [`serve_https_redirect_on`], unless the server's fault switch `plain-http-serves-api` is on
/// (the plain-HTTP listener mounts the application itself instead of the redirect, so the API
/// answers over plain HTTP). Returns the task and the port it bound.
pub async fn serve_http_port(
    addr: SocketAddr,
    server: &RunningServer,
) -> Result<(tokio::task::JoinHandle<()>, u16), StartError> {
    if !server.state.fault("plain-http-serves-api") {
        return serve_https_redirect_on(addr, server.addr.port()).await;
    }
    let (listener, port) = bind_with_port(addr).await?;
    let app = router(server.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    Ok((
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }),
        port,
    ))
}

/// Binds `addr` (port 0 for any free one) and tells the port it got.
async fn bind_with_port(addr: SocketAddr) -> Result<(tokio::net::TcpListener, u16), StartError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?
        .port();
    Ok((listener, port))
}

/// [`serve_https_redirect`] on `addr` (port 0 for any free one), returning the port it bound.
pub async fn serve_https_redirect_on(
    addr: SocketAddr,
    https_port: u16,
) -> Result<(tokio::task::JoinHandle<()>, u16), StartError> {
    let (listener, port) = bind_with_port(addr).await?;
    let app = Router::new().fallback(move |uri: Uri, headers: axum::http::HeaderMap| async move {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.split(':').next())
            .unwrap_or("localhost")
            .to_string();
        let target = format!(
            "https://{host}:{https_port}{}",
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
        );
        let mut r: Response = StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(v) = header::HeaderValue::from_str(&target) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    });
    Ok((
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }),
        port,
    ))
}
