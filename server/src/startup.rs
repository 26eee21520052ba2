//! Builds the whole server from settings, in the order an invoice travels: database
//! (migrated, seeded), topics, the pipeline (outbox relay, processor, delivery), the feed's
//! hub and the HTTP side. Tests call it too.

use crate::{
    activity::hub::ActivityHub,
    http::{auth_gate, produce_api::ProduceApi},
    kafka, outbox_relay, processor, seed,
    settings::Settings,
    state::ServerState,
};
use anyhow::Context;
use leptos::prelude::*;
use rdkafka::consumer::Consumer;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{net::SocketAddr, time::Duration};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

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
/// processes; it publishes both tables' rows: invoice events to `invoices`, activity items to
/// `invoice-activity`), and when `with_processor` the invoice events processor with its parked
/// events worker, lag gauge and the delivery of its mails and webhooks.
pub fn spawn_pipeline(
    tasks: &mut JoinSet<()>,
    settings: &Settings,
    pool: &PgPool,
    shutdown: &CancellationToken,
    with_processor: bool,
) -> anyhow::Result<()> {
    crate::telemetry::metrics::handle();
    kafka::bound_queues(settings.kafka_queue_limits());
    let producer = kafka::producer(&settings.kafka_broker)?;
    tasks.spawn(outbox_relay::run(
        pool.clone(),
        producer.clone(),
        shutdown.clone(),
    ));
    if with_processor {
        let (brokers, group, topic) = (
            settings.kafka_broker.clone(),
            settings.processor_group_id.clone(),
            settings.invoices_topic.clone(),
        );
        let consumer = move || -> anyhow::Result<_> {
            let consumer = kafka::consumer(&brokers, &group, "earliest")?;
            consumer.subscribe(&[&topic])?;
            Ok(consumer)
        };
        let first = consumer()?;
        let processor = processor::Processor {
            pool: pool.clone(),
            activity_topic: settings.activity_topic.clone(),
            dead_letters: processor::DeadLetters {
                producer,
                topic: settings.dlq_topic.clone(),
                max_attempts: settings.processor_max_attempts,
            },
        };
        tasks.spawn(crate::processor::parked::run(
            processor.clone(),
            shutdown.clone(),
        ));
        // In the group, except while an operator resets its offsets.
        let membership = processor::pausing::Membership {
            group: settings.processor_group_id.clone(),
            consumer,
            processor,
            limits: crate::processor::partition_workers::BatchLimits {
                max: settings.processor_batch_max,
                wait: Duration::from_millis(settings.processor_batch_wait_ms),
            },
        };
        tasks.spawn(membership.run(first, shutdown.clone()));
        let (brokers, group, topic, stop) = (
            settings.kafka_broker.clone(),
            settings.processor_group_id.clone(),
            settings.invoices_topic.clone(),
            shutdown.clone(),
        );
        tasks.spawn(async move {
            let _ = tokio::task::spawn_blocking(move || {
                processor::lag::watch_lag(brokers, group, topic, stop)
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

/// The end of the pipeline in this process: the hub reads the activity topic (a group of its
/// own, starting at the end: what came before is in the database and replayed from there) and
/// hands each item to this process's feed sockets.
pub fn spawn_feed_hub(
    tasks: &mut JoinSet<()>,
    settings: &Settings,
    shutdown: &CancellationToken,
) -> anyhow::Result<ActivityHub> {
    let hub = ActivityHub::new(settings.feed_client_buffer);
    let group = format!("acme-activity-feed-{}", uuid::Uuid::new_v4());
    let consumer = kafka::consumer(&settings.kafka_broker, &group, "latest")?;
    consumer.subscribe(&[&settings.activity_topic])?;
    tasks.spawn(hub.clone().run(consumer, shutdown.clone()));
    Ok(hub)
}

impl Application {
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        crate::telemetry::metrics::handle();
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
            crate::delivery::mail_catcher::start(
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

        let hub = spawn_feed_hub(&mut tasks, &settings, &shutdown)?;

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
            pool: pool.clone(),
            broker: settings.kafka_broker.clone(),
            allowed_topics: settings.produce_allowed_topics.clone(),
        };
        let access = auth_gate::Access {
            api_token: Some(settings.api_token.clone()).filter(|t| !t.is_empty()),
            pool: pool.clone(),
        };
        let session_changes = crate::http::session_changes::spawn(&pool, &mut tasks, &shutdown);
        let state = ServerState {
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
                password_cost: settings.password_cost(),
            },
            leptos_options: leptos_options.clone(),
            feed_ping: std::time::Duration::from_secs(settings.feed_ping_seconds),
            export_max_items: settings.export_max_items,
            hub,
            session_changes,
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
            addr => Some(
                crate::http::serve_operations(addr, state.clone(), &mut tasks, &shutdown).await?,
            ),
        };
        let limit = crate::http::client_errors::BodyLimit(settings.max_body_bytes);
        let router = crate::http::router(state, access, limit).layer(sessions);
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
