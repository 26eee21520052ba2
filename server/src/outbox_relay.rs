//! Publishes outbox rows to Kafka, in id order, each marked published only after the broker
//! acknowledged it. Wakes on the `outbox_new` notification sent at commit; a session-level
//! advisory lock makes sure only one relay publishes at a time across server processes.

use crate::kafka::SOURCE;
use crate::telemetry::metrics::{OUTBOX_BACKLOG, PUBLISHED};
use app::backoff::{Backoff, Retries};
use app::events::headers;
use futures::future::join_all;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use sqlx::{postgres::PgListener, PgConnection, PgPool};
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
    traceparent: Option<String>,
}

/// After a failure the relay waits 400 ms, doubling, at most 10 s (with jitter).
pub const RETRY: Backoff = Backoff::new(Duration::from_millis(400), Duration::from_secs(10));

pub async fn run(pool: PgPool, producer: FutureProducer, shutdown: CancellationToken) {
    run_counting(pool, producer, shutdown, Retries::new(RETRY)).await;
}

/// The relay, counting failures in a row in `retries` (returned when it stops): every batch
/// that goes out starts the count again, so an outage long ago does not slow the retries of
/// the next one.
pub async fn run_counting(
    pool: PgPool,
    producer: FutureProducer,
    shutdown: CancellationToken,
    mut retries: Retries,
) -> Retries {
    while !shutdown.is_cancelled() {
        match relay_while_elected(&pool, &producer, &shutdown, &mut retries).await {
            Ok(()) => break,
            Err(e) => {
                let delay = retries.failed();
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "outbox relay failed; retrying");
                tokio::select! { _ = shutdown.cancelled() => break, _ = tokio::time::sleep(delay) => {} }
            }
        }
    }
    retries
}

async fn relay_while_elected(
    pool: &PgPool,
    producer: &FutureProducer,
    shutdown: &CancellationToken,
    retries: &mut Retries,
) -> Result<(), RelayError> {
    // A connection of our own: the lock lives as long as it does.
    let mut conn = pool.acquire().await?.detach();
    loop {
        let elected = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock($1) AS "elected!""#,
            RELAY_LOCK
        )
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
        retries.succeeded();
        if published as i64 == BATCH {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            notification = listener.recv() => { notification?; }
            _ = tokio::time::sleep(IDLE_POLL) => {}
        }
        // One look at the table answers every commit announced so far.
        while listener.next_buffered().is_some() {}
    }
}

/// Sends the oldest unpublished rows and waits for every acknowledgement.
/// Returns how many were published.
pub async fn publish_batch(
    conn: &mut PgConnection,
    producer: &FutureProducer,
) -> Result<usize, RelayError> {
    let rows: Vec<OutboxRow> = sqlx::query_as!(
        OutboxRow,
        r#"SELECT id, topic, message_key, event_type, payload::text AS "payload!", traceparent FROM outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1"#,
        BATCH,
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        metrics::gauge!(OUTBOX_BACKLOG).set(0.0);
        return Ok(0);
    }
    // Queue all, then await: the idempotent producer keeps each partition in order.
    let deliveries = rows.iter().map(|row| {
        let mut headers = OwnedHeaders::new()
            .insert(Header {
                key: headers::EVENT_TYPE,
                value: Some(row.event_type.as_str()),
            })
            .insert(Header {
                key: headers::SOURCE,
                value: Some(SOURCE),
            });
        if let Some(trace) = &row.traceparent {
            tracing::debug!(
                traceparent = %trace,
                outbox_id = row.id,
                topic = %row.topic,
                key = %row.message_key,
                event_type = %row.event_type,
                "publishing"
            );
            headers = headers.insert(Header {
                key: app::trace::HEADER,
                value: Some(trace.as_str()),
            });
        }
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
    // One statement for the whole batch: acknowledged rows are published, the others keep
    // their error for the next round.
    let (ids, errors): (Vec<i64>, Vec<Option<&str>>) = acked
        .iter()
        .map(|id| (*id, None))
        .chain(failed.iter().map(|(id, e)| (*id, Some(e.as_str()))))
        .unzip();
    sqlx::query!(
        "UPDATE outbox o SET attempts = o.attempts + 1,
                published_at = CASE WHEN f.error IS NULL THEN now() ELSE o.published_at END,
                last_error = COALESCE(f.error, o.last_error)
         FROM UNNEST($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id",
        &ids,
        &errors as &[Option<&str>],
    )
    .execute(&mut *conn)
    .await?;
    tracing::debug!(
        published = acked.len(),
        failed = failed.len(),
        "outbox batch"
    );
    // A short batch took everything there was; only a full one needs the backlog counted.
    let backlog: i64 = if (rows.len() as i64) < BATCH {
        failed.len() as i64
    } else {
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "backlog!" FROM outbox WHERE published_at IS NULL"#
        )
        .fetch_one(&mut *conn)
        .await?
    };
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

#[cfg(test)]
mod tests {
    use super::RETRY;
    use std::time::Duration;

    #[test]
    fn retries_back_off_from_400_ms_to_at_most_10_s() {
        assert_eq!(RETRY.ceiling(1), Duration::from_millis(400));
        assert_eq!(RETRY.ceiling(2), Duration::from_millis(800));
        assert_eq!(RETRY.ceiling(6), Duration::from_millis(10_000));
        assert_eq!(RETRY.ceiling(60), Duration::from_millis(10_000));
        assert!(RETRY.delay(1) <= Duration::from_millis(400));
        assert!(RETRY.delay(60) >= Duration::from_secs(5));
    }
}
