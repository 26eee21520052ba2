//! Consumes invoice events (group `invoice-processor-group`), records each as processed and
//! turns it into an activity item, all in one transaction, and only then stores the offset:
//! at-least-once delivery, effects once per `eventId`.
//!
//! Side effects (emails, webhooks), retries per invoice and the dead-letter topic come with
//! the processor issue; today a message that is not an invoice event is logged and skipped.

use app::db::outbox::{self, OutboxMessage};
use app::events::{ActivityItem, InvoiceEvent};
use chrono::Utc;
use rdkafka::{
    consumer::{CommitMode, Consumer, StreamConsumer},
    message::BorrowedMessage,
    Message,
};
use sqlx::PgPool;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Held for the rest of a transaction that appends to the feed, so that `seq` order is
/// commit order and a reader never sees seq 7 before seq 6 appears.
const FEED_APPEND_LOCK: i64 = 0x0ac3_feed;

#[derive(Clone)]
pub struct Processor {
    pub pool: PgPool,
    pub activity_topic: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed { seq: i64 },
    AlreadyProcessed,
    Skipped { reason: String },
}

pub async fn run(consumer: StreamConsumer, processor: Processor, shutdown: CancellationToken) {
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => break,
            message = consumer.recv() => message,
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "kafka consumer error");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if !handle_until_done(&processor, &message, &shutdown).await {
            break;
        }
        if let Err(e) = consumer.store_offset_from_message(&message) {
            tracing::error!(error = %e, "could not store the offset");
        }
    }
    // Commit what was stored before leaving the group.
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        tracing::debug!(error = %e, "final commit");
    }
    consumer.unsubscribe();
}

/// Retries a database failure until it succeeds or the server shuts down (then the offset
/// is not stored and the event is delivered again).
async fn handle_until_done(processor: &Processor, message: &BorrowedMessage<'_>, shutdown: &CancellationToken) -> bool {
    let mut attempt = 0u32;
    loop {
        let span = tracing::info_span!("invoice_event", partition = message.partition(), offset = message.offset());
        let _entered = span.enter();
        match processor.handle(message.topic(), message.partition(), message.offset(), message.payload()).await {
            Ok(outcome) => {
                tracing::info!(?outcome, "invoice event handled");
                return true;
            }
            Err(e) => {
                attempt += 1;
                let delay = Duration::from_millis((100u64 << attempt.min(7)).min(10_000));
                tracing::warn!(error = %e, attempt, "processing failed; retrying");
                drop(_entered);
                tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(delay) => {} }
            }
        }
    }
}

impl Processor {
    pub async fn handle(&self, topic: &str, partition: i32, offset: i64, payload: Option<&[u8]>) -> Result<Outcome, sqlx::Error> {
        let event: InvoiceEvent = match payload.map(serde_json::from_slice) {
            Some(Ok(event)) => event,
            Some(Err(e)) => return Ok(self.skip(format!("not an invoice event: {e}"))),
            None => return Ok(self.skip("empty message".into())),
        };
        let mut tx = self.pool.begin().await?;
        let first_time = sqlx::query(
            "INSERT INTO processed_events (event_id, invoice_id, action, kafka_topic, kafka_partition, kafka_offset)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event.event_id)
        .bind(&event.invoice_id)
        .bind(&event.action)
        .bind(topic)
        .bind(partition)
        .bind(offset)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_time {
            tx.rollback().await?;
            return Ok(Outcome::AlreadyProcessed);
        }
        let customer: Option<(String, String)> = match uuid::Uuid::parse_str(&event.customer_id) {
            Ok(id) => sqlx::query_as("SELECT name, image_url FROM customers WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?,
            Err(_) => None,
        };
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FEED_APPEND_LOCK).execute(&mut *tx).await?;
        let seq: i64 = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('activity_items', 'seq'))").fetch_one(&mut *tx).await?;
        let (customer_name, customer_image) = customer.unzip();
        let item = ActivityItem {
            seq,
            event_id: event.event_id,
            action: event.action.clone(),
            invoice_id: event.invoice_id.clone(),
            customer_id: event.customer_id.clone(),
            customer_name,
            customer_image,
            amount: event.amount,
            status: event.status.clone(),
            occurred_at: event.timestamp,
            processed_at: Utc::now(),
        };
        sqlx::query("INSERT INTO activity_items (seq, event_id, item) VALUES ($1, $2, $3)")
            .bind(seq)
            .bind(event.event_id)
            .bind(sqlx::types::Json(&item))
            .execute(&mut *tx)
            .await?;
        let activity_event_id = uuid::Uuid::new_v4();
        outbox::enqueue(
            &mut tx,
            OutboxMessage { event_id: activity_event_id, topic: &self.activity_topic, key: &item.invoice_id, event_type: &item.action, payload: &item },
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Processed { seq })
    }

    fn skip(&self, reason: String) -> Outcome {
        tracing::error!(%reason, "skipping a message (dead-letter topic not built yet)");
        Outcome::Skipped { reason }
    }
}
