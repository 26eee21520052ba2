//! What a browser or an API client reaches: the pages and server functions (Leptos), the
//! site's assets, our own routes (the feed socket, the export, the produce API), behind the
//! sign-in gate and the client-error layers; and the operations listener (/metrics, /readyz).

pub mod audit_export;
pub mod auth_gate;
pub mod client_errors;
pub mod produce_api;
pub mod session_changes;

use crate::{activity, state::ServerState};
use anyhow::Context;
use axum::{
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware,
    routing::get,
    Json, Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rdkafka::producer::Producer;
use std::{net::SocketAddr, time::Duration};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Our HTTP routes besides the pages, the server functions and /pkg. One table, so that the
/// tests that walk every route (tests/it/client_mistakes.rs) see a new one without being told.
pub fn http_routes() -> Vec<(&'static str, axum::routing::MethodRouter<ServerState>)> {
    vec![
        ("/healthz", get(|| async { "ok" })),
        ("/ws/activity", get(activity::socket::upgrade)),
        ("/api/activity/export", get(activity::export::export)),
        ("/api/audit/export", get(audit_export::export)),
        (
            "/api/kafka/produce",
            get(produce_api::health)
                .post(produce_api::produce)
                .layer(DefaultBodyLimit::max(produce_api::MAX_BODY_BYTES)),
        ),
    ]
}

pub fn router(
    state: ServerState,
    access: auth_gate::Access,
    limit: client_errors::BodyLimit,
) -> Router<()> {
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    let routes = generate_route_list(app::App);
    let app_state = state.app.clone();
    let pkg = format!("/{}", state.leptos_options.site_pkg_dir);
    let mut router = Router::new().nest(&pkg, site_assets(&state.leptos_options));
    for (path, handler) in http_routes() {
        router = router.route(path, handler);
    }
    router
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(app_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(
            app::shell,
        ))
        // Inside compression: it reads error bodies as the handlers wrote them.
        .layer(middleware::from_fn_with_state(
            limit,
            client_errors::client_errors,
        ))
        .layer(DefaultBodyLimit::max(limit.0))
        // Pages and server function answers, compressed as they stream (fast settings: this
        // runs per request); precompressed assets and the socket upgrade pass untouched.
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(CompressionLevel::Precise(4)),
        )
        .layer(middleware::from_fn_with_state(
            access,
            auth_gate::require_session,
        ))
        .layer(middleware::from_fn(auth_gate::refuse_cross_site))
        .layer(middleware::from_fn_with_state(
            limit,
            client_errors::read_declared_body,
        ))
        .with_state(state)
}

/// /metrics and /readyz on a listener of their own (loopback by default), so that only who may
/// reach that address reads them; /healthz stays on the app's port.
pub async fn serve_operations(
    addr: &str,
    state: ServerState,
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (setting `metrics_addr`)"))?;
    let bound = listener.local_addr()?;
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(crate::telemetry::metrics::render))
        .with_state(state);
    let stop = shutdown.clone();
    tasks.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
    tracing::info!(addr = %bound, "metrics and readiness on http://{bound}");
    Ok(bound)
}

/// Ready when both the database and the broker answer.
async fn ready(State(state): State<ServerState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = sqlx::query_scalar!("SELECT 1 AS one")
        .fetch_one(&state.app.pool)
        .await
        .is_ok();
    let producer = state.produce.producer.clone();
    let broker = tokio::task::spawn_blocking(move || {
        producer
            .client()
            .fetch_metadata(None, Duration::from_secs(2))
            .is_ok()
    })
    .await
    .unwrap_or(false);
    let status = if database && broker {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({ "database": database, "broker": broker })),
    )
}

/// `/pkg` (the wasm, JS and CSS of the site): precompressed files when the release build made
/// them (`.br`, `.gz`), cached for a year when their names carry a content hash, else
/// revalidated on each use.
fn site_assets(options: &LeptosOptions) -> Router<ServerState> {
    use axum::http::{header, HeaderValue};
    use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let policy = if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(policy),
        ))
}
