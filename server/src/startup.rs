//! Builds the whole server from settings: database (migrated, seeded), topics, the outbox
//! relay, the processor, the activity hub and the HTTP router. Tests call it too.

use crate::{activity_hub::ActivityHub, auth_gate, invoice_processor, kafka, outbox_relay, seed, settings::Settings, ws_activity};
use anyhow::Context;
use axum::{extract::FromRef, middleware, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rdkafka::consumer::Consumer;
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
    pub shutdown: CancellationToken,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Application {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

pub async fn connect_database(settings: &Settings) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&settings.database_url)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL (setting `database_url`): is it running? try scripts/services.sh start"))?;
    sqlx::migrate!("../migrations").run(&pool).await.context("running database migrations")?;
    Ok(pool)
}

impl Application {
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let pool = connect_database(&settings).await?;
        if settings.seed_demo_data {
            seed::demo_data(&pool).await.context("seeding the demo data")?;
        }
        kafka::topics::ensure(
            &settings.kafka_broker,
            &[(&settings.invoices_topic, settings.invoices_partitions), (&settings.activity_topic, settings.activity_partitions)],
        )
        .await
        .with_context(|| format!("cannot set up Kafka topics on {} (setting `kafka_broker`): is the broker running? try scripts/services.sh start", settings.kafka_broker))?;

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();

        let producer = kafka::producer(&settings.kafka_broker)?;
        tasks.spawn(outbox_relay::run(pool.clone(), producer, shutdown.clone()));

        if settings.run_processor {
            let consumer = kafka::consumer(&settings.kafka_broker, &settings.processor_group_id, "earliest")?;
            consumer.subscribe(&[&settings.invoices_topic])?;
            let processor = invoice_processor::Processor { pool: pool.clone(), activity_topic: settings.activity_topic.clone() };
            tasks.spawn(invoice_processor::run(consumer, processor, shutdown.clone()));
        }

        // Each process sees every activity item: a group of its own, starting at the end
        // (what came before is in the database and replayed from there).
        let hub = ActivityHub::default();
        let hub_group = format!("acme-activity-feed-{}", uuid::Uuid::new_v4());
        let hub_consumer = kafka::consumer(&settings.kafka_broker, &hub_group, "latest")?;
        hub_consumer.subscribe(&[&settings.activity_topic])?;
        tasks.spawn(hub.clone().run(hub_consumer, shutdown.clone()));

        let sessions = PostgresStore::new(pool.clone());
        sessions.migrate().await.context("creating the session table")?;
        let sessions = SessionManagerLayer::new(sessions)
            .with_name("acme_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(settings.secure_cookies)
            .with_expiry(Expiry::OnInactivity(time::Duration::days(7)));

        let state = AppState {
            app: app::state::AppState { pool, invoices_topic: settings.invoices_topic.clone() },
            leptos_options: leptos_options.clone(),
            hub,
            shutdown: shutdown.clone(),
        };
        let listener = tokio::net::TcpListener::bind(&leptos_options.site_addr)
            .await
            .with_context(|| format!("cannot listen on {} (setting `site-addr` or LEPTOS_SITE_ADDR)", leptos_options.site_addr))?;
        let addr = listener.local_addr()?;
        let router = router(state).layer(sessions);
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(async move { stop.cancelled().await }).await;
            if let Err(e) = served {
                tracing::error!(error = %e, "http server failed");
            }
        });
        tracing::info!(%addr, "listening on http://{addr}");
        Ok(Self { addr, shutdown, tasks })
    }

    /// Runs until `shutdown` is cancelled, then waits (bounded) for the tasks to finish.
    pub async fn run_until_stopped(mut self) {
        self.shutdown.cancelled().await;
        let drained = tokio::time::timeout(Duration::from_secs(8), async { while self.tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!("some tasks did not stop within 8 s");
        }
    }
}

fn router(state: AppState) -> Router<()> {
    let routes = generate_route_list(app::App);
    let app_state = state.app.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/ws/activity", get(ws_activity::upgrade))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(app_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(middleware::from_fn(auth_gate::require_session))
        .layer(middleware::from_fn(auth_gate::refuse_cross_site))
        .with_state(state)
}
