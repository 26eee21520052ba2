//! Events that failed for now wait here instead of holding up their partition. The worker
//! retries the oldest parked event of each invoice when it is due; success lets the next one
//! of that invoice go, too many failures send it to the dead-letter topic. One worker at a
//! time across processes (an advisory lock per round).

use crate::kafka::DetachedMessage;
use crate::processor::{Failure, Processor};
use app::backoff::Backoff;
use sqlx::PgPool;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const WORKER_LOCK: i64 = 0x0ac3_9a4c;
const IDLE: Duration = Duration::from_millis(500);

/// Which of these invoices have events waiting aside.
pub async fn parked_among(
    pool: &PgPool,
    invoice_keys: &[&str],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let found: Vec<String> = sqlx::query_scalar!(
        "SELECT DISTINCT invoice_key FROM parked_events WHERE invoice_key = ANY($1)",
        invoice_keys as &[&str],
    )
    .fetch_all(pool)
    .await?;
    Ok(found.into_iter().collect())
}

pub async fn has_parked(pool: &PgPool, invoice_key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM parked_events WHERE invoice_key = $1) AS "parked!""#,
        invoice_key,
    )
    .fetch_one(pool)
    .await
}

pub async fn park(
    pool: &PgPool,
    message: &DetachedMessage,
    attempts: u32,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO parked_events (invoice_key, kafka_topic, kafka_partition, kafka_offset, message_key, payload, headers, attempts, last_error, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))
         ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING",
        message.invoice_key,
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.payload,
        sqlx::types::Json(&message.headers) as _,
        attempts as i32,
        error,
        backoff_seconds(attempts),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A parked event is tried again after 2 s, 4 s, 8 s ... at most 5 minutes (with jitter).
pub const RETRY: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));

fn backoff_seconds(attempts: u32) -> f64 {
    RETRY.delay(attempts).as_secs_f64()
}

pub async fn run(processor: Processor, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        if let Err(e) = retry_due(&processor).await {
            tracing::warn!(error = %e, "parked events round failed");
        }
        tokio::select! { _ = shutdown.cancelled() => break, _ = tokio::time::sleep(IDLE) => {} }
    }
}

/// One round: the oldest parked event of each invoice, if it is due. Returns how many left.
pub async fn retry_due(processor: &Processor) -> Result<usize, sqlx::Error> {
    let pool = &processor.pool;
    let mut guard = pool.begin().await?;
    let elected = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock($1) AS "elected!""#,
        WORKER_LOCK,
    )
    .fetch_one(&mut *guard)
    .await?;
    if !elected {
        return Ok(0);
    }
    let heads = sqlx::query!(
        r#"SELECT id AS "id!", attempts AS "attempts!" FROM (SELECT DISTINCT ON (invoice_key) id, attempts, next_attempt_at FROM parked_events ORDER BY invoice_key, id) heads
         WHERE next_attempt_at <= now()"#,
    )
    .fetch_all(&mut *guard)
    .await?;
    let mut done = 0;
    for head in heads {
        let (id, attempts) = (head.id, head.attempts);
        let row = sqlx::query!(
            r#"SELECT invoice_key, kafka_topic, kafka_partition, kafka_offset, message_key, payload,
                      headers AS "headers: sqlx::types::Json<Vec<(String, String)>>"
               FROM parked_events WHERE id = $1"#,
            id,
        )
        .fetch_one(&mut *guard)
        .await?;
        let parked = DetachedMessage {
            invoice_key: row.invoice_key,
            topic: row.kafka_topic,
            partition: row.kafka_partition,
            offset: row.kafka_offset,
            key: row.message_key,
            payload: row.payload,
            headers: row.headers.0,
        };
        let attempts = attempts as u32 + 1;
        // The message as it came, headers and all: its trace goes on.
        let outcome = processor.handle_message(&parked).await;
        let dead_letter = match outcome {
            Ok(_) => None,
            Err(Failure::Permanent(reason)) => Some(reason),
            Err(Failure::Transient(e)) if attempts >= processor.dead_letters.max_attempts => {
                Some(format!("retries used up after {attempts} attempts: {e}"))
            }
            Err(Failure::Transient(e)) => {
                sqlx::query!(
                    "UPDATE parked_events SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1",
                    id,
                    attempts as i32,
                    e.to_string(),
                    backoff_seconds(attempts),
                )
                .execute(&mut *guard)
                .await?;
                continue;
            }
        };
        if let Some(reason) = dead_letter {
            if let Err(e) = processor.dead_letter(&parked, &reason, attempts).await {
                tracing::warn!(error = %e, "could not dead-letter a parked event; will retry");
                continue;
            }
            tracing::error!(%reason, "parked event dead-lettered");
        }
        sqlx::query!("DELETE FROM parked_events WHERE id = $1", id)
            .execute(&mut *guard)
            .await?;
        done += 1;
    }
    guard.commit().await?;
    Ok(done)
}
