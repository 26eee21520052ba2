//! Builds the whole server from settings: database (migrated, seeded), topics, the outbox
//! relay, the processor, the activity hub and the HTTP router. Tests call it too.

use crate::{
    activity_hub::ActivityHub,
    auth_gate, invoice_processor, kafka, outbox_relay,
    produce_api::{self, ProduceApi},
    seed,
    settings::Settings,
    ws_activity,
};
use anyhow::Context;
use axum::{
    extract::{DefaultBodyLimit, FromRef, State},
    http::StatusCode,
    middleware,
    routing::get,
    Json, Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rdkafka::{consumer::Consumer, producer::Producer};
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{net::SocketAddr, time::Duration};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Built once at start-up; handed to axum handlers and (as `app::state::AppState`) to Leptos.
#[derive(Clone)]
pub struct AppState {
    pub app: app::state::AppState,
    pub leptos_options: LeptosOptions,
    pub hub: ActivityHub,
    pub feed_ping: std::time::Duration,
    /// The most items one activity export writes (setting `export_max_items`).
    pub export_max_items: i64,
    pub produce: ProduceApi,
    pub shutdown: CancellationToken,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for ProduceApi {
    fn from_ref(state: &AppState) -> Self {
        state.produce.clone()
    }
}

pub struct Application {
    pub addr: SocketAddr,
    /// Where /metrics and /readyz answer (setting `metrics_addr`), if anywhere.
    pub metrics_addr: Option<SocketAddr>,
    pub shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

pub async fn connect_database(settings: &Settings) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&settings.database_url)
        .await
        .context("cannot connect to PostgreSQL (setting `database_url`): is it running? try scripts/services.sh start")?;
    sqlx::migrate!("../migrations")
        .run(&pool)
        .await
        .context("running database migrations")?;
    Ok(pool)
}

/// Creates our topics when missing.
pub async fn ensure_topics(settings: &Settings) -> anyhow::Result<()> {
    kafka::topics::ensure(
        &settings.kafka_broker,
        &[
            (&settings.invoices_topic, settings.invoices_partitions),
            (&settings.activity_topic, settings.activity_partitions),
            (&settings.dlq_topic, 1),
        ],
    )
    .await
    .with_context(|| format!("cannot set up Kafka topics on {} (setting `kafka_broker`): is the broker running? try scripts/services.sh start", settings.kafka_broker))
}

/// The event pipeline: the outbox relay always (only one publishes at a time across
/// processes), and the invoice events processor when `with_processor`.
pub fn spawn_pipeline(
    tasks: &mut JoinSet<()>,
    settings: &Settings,
    pool: &PgPool,
    shutdown: &CancellationToken,
    with_processor: bool,
) -> anyhow::Result<()> {
    crate::telemetry_metrics::handle();
    kafka::bound_queues(settings.kafka_queue_limits());
    let producer = kafka::producer(&settings.kafka_broker)?;
    tasks.spawn(outbox_relay::run(
        pool.clone(),
        producer.clone(),
        shutdown.clone(),
    ));
    if with_processor {
        let consumer = kafka::consumer(
            &settings.kafka_broker,
            &settings.processor_group_id,
            "earliest",
        )?;
        consumer.subscribe(&[&settings.invoices_topic])?;
        let processor = invoice_processor::Processor {
            pool: pool.clone(),
            activity_topic: settings.activity_topic.clone(),
            dead_letters: invoice_processor::DeadLetters {
                producer,
                topic: settings.dlq_topic.clone(),
                max_attempts: settings.processor_max_attempts,
            },
        };
        tasks.spawn(crate::parked_events::run(
            processor.clone(),
            shutdown.clone(),
        ));
        tasks.spawn(crate::partition_workers::run(
            consumer,
            processor,
            crate::partition_workers::BatchLimits {
                max: settings.processor_batch_max,
                wait: Duration::from_millis(settings.processor_batch_wait_ms),
            },
            shutdown.clone(),
        ));
        let (brokers, group, topic, stop) = (
            settings.kafka_broker.clone(),
            settings.processor_group_id.clone(),
            settings.invoices_topic.clone(),
            shutdown.clone(),
        );
        tasks.spawn(async move {
            let _ = tokio::task::spawn_blocking(move || {
                invoice_processor::watch_lag(brokers, group, topic, stop)
            })
            .await;
        });
        // The processor's mail and webhooks go out from wherever it runs.
        tasks.spawn(
            crate::delivery::Delivery::from_settings(settings, pool.clone())?.run(shutdown.clone()),
        );
    }
    Ok(())
}

impl Application {
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        crate::telemetry_metrics::handle();
        let pool = connect_database(&settings).await?;
        if settings.seed_demo_data {
            seed::demo_data(&pool, settings.password_cost())
                .await
                .context("seeding the demo data")?;
        }
        ensure_topics(&settings).await?;

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        if settings.dev_mail_catcher {
            crate::mail_catcher::start(
                &settings.smtp_host,
                settings.smtp_port,
                pool.clone(),
                &mut tasks,
                &shutdown,
            )
            .await;
        }
        spawn_pipeline(
            &mut tasks,
            &settings,
            &pool,
            &shutdown,
            settings.run_processor,
        )?;

        // Each process sees every activity item: a group of its own, starting at the end
        // (what came before is in the database and replayed from there).
        let hub = ActivityHub::new(settings.feed_client_buffer);
        let hub_group = format!("acme-activity-feed-{}", uuid::Uuid::new_v4());
        let hub_consumer = kafka::consumer(&settings.kafka_broker, &hub_group, "latest")?;
        hub_consumer.subscribe(&[&settings.activity_topic])?;
        tasks.spawn(hub.clone().run(hub_consumer, shutdown.clone()));

        let sessions = PostgresStore::new(pool.clone());
        sessions
            .migrate()
            .await
            .context("creating the session table")?;
        let sessions = SessionManagerLayer::new(sessions)
            .with_name("acme_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(settings.secure_cookies)
            .with_expiry(Expiry::OnInactivity(time::Duration::days(7)));

        let produce = ProduceApi {
            producer: kafka::quick_producer(&settings.kafka_broker)?,
            broker: settings.kafka_broker.clone(),
            allowed_topics: settings.produce_allowed_topics.clone(),
        };
        let access = auth_gate::Access {
            api_token: Some(settings.api_token.clone()).filter(|t| !t.is_empty()),
        };
        let state = AppState {
            app: app::state::AppState {
                pool,
                invoices_topic: settings.invoices_topic.clone(),
                kafka: settings.kafka_tools(),
                mail_catcher: settings.dev_mail_catcher,
                password_checks: std::sync::Arc::new(
                    app::auth::password_checks::PasswordChecks::start(
                        settings.password_check_threads,
                        Duration::from_millis(settings.password_check_wait_ms),
                    ),
                ),
            },
            leptos_options: leptos_options.clone(),
            feed_ping: std::time::Duration::from_secs(settings.feed_ping_seconds),
            export_max_items: settings.export_max_items,
            hub,
            produce,
            shutdown: shutdown.clone(),
        };
        let listener = tokio::net::TcpListener::bind(&leptos_options.site_addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (setting `site-addr` or LEPTOS_SITE_ADDR)",
                    leptos_options.site_addr
                )
            })?;
        let addr = listener.local_addr()?;
        // Pages stream in several writes: without NODELAY, Nagle's algorithm holds each later
        // write until the browser's delayed ACK (about 40 ms per response).
        let listener =
            axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
            });
        let metrics_addr = match settings.metrics_addr.as_str() {
            "" => None,
            addr => Some(serve_operations(addr, state.clone(), &mut tasks, &shutdown).await?),
        };
        let limit = crate::client_errors::BodyLimit(settings.max_body_bytes);
        let router = router(state, access, limit).layer(sessions);
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "http server failed");
            }
        });
        tracing::info!(%addr, "listening on http://{addr}");
        Ok(Self {
            addr,
            metrics_addr,
            shutdown,
            tasks,
        })
    }

    /// Runs until `shutdown` is cancelled, then waits (bounded) for the tasks to finish.
    pub async fn run_until_stopped(self) {
        wait_for_tasks(self.shutdown, self.tasks).await;
    }
}

/// Waits for cancellation, then up to 8 s for the tasks to finish what they were doing.
pub async fn wait_for_tasks(shutdown: CancellationToken, mut tasks: JoinSet<()>) {
    shutdown.cancelled().await;
    let drained = tokio::time::timeout(Duration::from_secs(8), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("some tasks did not stop within 8 s");
    }
}

/// Ready when both the database and the broker answer.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = sqlx::query("SELECT 1")
        .execute(&state.app.pool)
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
fn site_assets(options: &LeptosOptions) -> Router<AppState> {
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

/// Our HTTP routes besides the pages, the server functions and /pkg. One table, so that the
/// tests that walk every route (tests/client_mistakes.rs) see a new one without being told.
pub fn http_routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    vec![
        ("/healthz", get(|| async { "ok" })),
        ("/ws/activity", get(ws_activity::upgrade)),
        ("/api/activity/export", get(crate::activity_export::export)),
        (
            "/api/kafka/produce",
            get(produce_api::health)
                .post(produce_api::produce)
                .layer(DefaultBodyLimit::max(produce_api::MAX_BODY_BYTES)),
        ),
    ]
}

/// /metrics and /readyz on a listener of their own (loopback by default), so that only who may
/// reach that address reads them; /healthz stays on the app's port.
async fn serve_operations(
    addr: &str,
    state: AppState,
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
        .route("/metrics", get(crate::telemetry_metrics::render))
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

fn router(
    state: AppState,
    access: auth_gate::Access,
    limit: crate::client_errors::BodyLimit,
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
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        // Inside compression: it reads error bodies as the handlers wrote them.
        .layer(middleware::from_fn_with_state(
            limit,
            crate::client_errors::client_errors,
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
            crate::client_errors::read_declared_body,
        ))
        .with_state(state)
}
