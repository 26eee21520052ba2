//! Publishes outbox rows to Kafka, in id order, each marked published only after the broker
//! acknowledged it. Wakes on the `outbox_new` notification sent at commit; a session-level
//! advisory lock makes sure only one relay publishes at a time across server processes.

use crate::kafka::SOURCE;
use crate::telemetry_metrics::{OUTBOX_BACKLOG, PUBLISHED};
use futures::future::join_all;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use sqlx::{postgres::PgListener, Acquire, PgConnection, PgPool};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Arbitrary but fixed: the advisory lock id that elects the relay.
const RELAY_LOCK: i64 = 0x0ac3_0b0c;
const BATCH: i64 = 500;
/// Even without a notification, look for rows this often (e.g. after a lost connection).
const IDLE_POLL: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{failed} of {total} messages were not acknowledged: {first_error}")]
    Kafka {
        failed: usize,
        total: usize,
        first_error: String,
    },
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    topic: String,
    message_key: String,
    event_type: String,
    payload: String,
}

pub async fn run(pool: PgPool, producer: FutureProducer, shutdown: CancellationToken) {
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        match relay_while_elected(&pool, &producer, &shutdown).await {
            Ok(()) => return,
            Err(e) => {
                failures += 1;
                let delay = Duration::from_millis((200u64 << failures.min(6)).min(10_000));
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "outbox relay failed; retrying");
                tokio::select! { _ = shutdown.cancelled() => return, _ = tokio::time::sleep(delay) => {} }
            }
        }
    }
}

async fn relay_while_elected(
    pool: &PgPool,
    producer: &FutureProducer,
    shutdown: &CancellationToken,
) -> Result<(), RelayError> {
    // A connection of our own: the lock lives as long as it does.
    let mut conn = pool.acquire().await?.detach();
    loop {
        let elected: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RELAY_LOCK)
            .fetch_one(&mut conn)
            .await?;
        if elected {
            break;
        }
        tokio::select! { _ = shutdown.cancelled() => return Ok(()), _ = tokio::time::sleep(Duration::from_secs(2)) => {} }
    }
    tracing::info!("outbox relay elected; publishing");
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen("outbox_new").await?;
    loop {
        let published = publish_batch(&mut conn, producer).await?;
        if published as i64 == BATCH {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            notification = listener.recv() => { notification?; }
            _ = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

/// Sends the oldest unpublished rows and waits for every acknowledgement.
/// Returns how many were published.
pub async fn publish_batch(
    conn: &mut PgConnection,
    producer: &FutureProducer,
) -> Result<usize, RelayError> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT id, topic, message_key, event_type, payload::text AS payload FROM outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(BATCH)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        metrics::gauge!(OUTBOX_BACKLOG).set(0.0);
        return Ok(0);
    }
    // Queue all, then await: the idempotent producer keeps each partition in order.
    let deliveries = rows.iter().map(|row| {
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "event-type",
                value: Some(row.event_type.as_str()),
            })
            .insert(Header {
                key: "source",
                value: Some(SOURCE),
            });
        let record = FutureRecord::to(&row.topic)
            .key(&row.message_key)
            .payload(&row.payload)
            .headers(headers);
        producer.send(record, Duration::from_secs(5))
    });
    let results = join_all(deliveries).await;

    let mut acked = Vec::new();
    let mut failed = Vec::new();
    for (row, result) in rows.iter().zip(results) {
        match result {
            Ok(_) => {
                metrics::counter!(PUBLISHED, "topic" => row.topic.clone()).increment(1);
                acked.push(row.id);
            }
            Err((e, _)) => failed.push((row.id, e.to_string())),
        }
    }
    let mut tx = conn.begin().await?;
    sqlx::query(
        "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)",
    )
    .bind(&acked)
    .execute(&mut *tx)
    .await?;
    for (id, error) in &failed {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1")
            .bind(id)
            .bind(error)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::debug!(
        published = acked.len(),
        failed = failed.len(),
        "outbox batch"
    );
    let backlog: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(&mut *conn)
        .await?;
    metrics::gauge!(OUTBOX_BACKLOG).set(backlog as f64);
    match failed.first() {
        None => Ok(acked.len()),
        Some((_, first_error)) => Err(RelayError::Kafka {
            failed: failed.len(),
            total: rows.len(),
            first_error: first_error.clone(),
        }),
    }
}
