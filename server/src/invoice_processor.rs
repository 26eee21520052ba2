//! Consumes invoice events (group `invoice-processor-group`), records each as processed and
//! turns it into an activity item, all in one transaction, and only then stores the offset:
//! at-least-once delivery, effects once per `eventId`.
//!
//! A message that can never be processed (not JSON, not an invoice event, an unknown action
//! or invoice) goes to the dead-letter topic at once. One that fails for now is tried again
//! briefly, then parked (see `parked_events`) so that other invoices' events keep flowing;
//! later events of a parked invoice are parked behind it, keeping that invoice's order. If
//! even parking fails (the database is down), the partition waits and retries in line. A dead
//! letter is acknowledged by the broker before the offset moves on.

use crate::side_effects;
use crate::telemetry_metrics::{
    CONSUMED, CONSUMER_LAG, DEAD_LETTERS, PROCESSED, PROCESSING_SECONDS, RETRIES,
};
use app::events::{action, ActivityItem, InvoiceEvent};
use chrono::Utc;
use rdkafka::{consumer::BaseConsumer, ClientConfig, TopicPartitionList};
use rdkafka::{
    consumer::{CommitMode, Consumer, StreamConsumer},
    message::{BorrowedMessage, Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
    Message,
};
use sqlx::PgPool;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

#[derive(Clone)]
pub struct Processor {
    pub pool: PgPool,
    pub activity_topic: String,
    pub dead_letters: DeadLetters,
}

/// Where messages that cannot be processed go, and how many tries a failing one gets.
#[derive(Clone)]
pub struct DeadLetters {
    pub producer: FutureProducer,
    pub topic: String,
    pub max_attempts: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed { seq: i64, action: String },
    AlreadyProcessed,
}

/// Why a message was not processed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Trying again cannot help: straight to the dead-letter topic.
    #[error("{0}")]
    Permanent(String),
    /// Might work on a later try.
    #[error("database: {0}")]
    Transient(#[from] sqlx::Error),
}

/// The actions the processor knows.
const KNOWN_ACTIONS: [&str; 4] = [
    action::CREATED,
    action::UPDATED,
    action::STATUS_CHANGED,
    action::DELETED,
];

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
        metrics::counter!(CONSUMED).increment(1);
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

/// Tries made in line before a failing event is parked.
const TRIES_BEFORE_PARKING: u32 = 2;

/// Handles one message until it is processed, parked or dead-lettered; `false` when the server
/// shut down first (then the offset is not stored and the message is delivered again).
async fn handle_until_done(
    processor: &Processor,
    message: &BorrowedMessage<'_>,
    shutdown: &CancellationToken,
) -> bool {
    let parked = crate::parked_events::Parked::from_message(message);
    match crate::parked_events::has_parked(&processor.pool, &parked.invoice_key).await {
        Ok(true) => {
            if crate::parked_events::park(
                &processor.pool,
                &parked,
                0,
                "waiting behind an earlier event of this invoice",
            )
            .await
            .is_ok()
            {
                tracing::info!(invoice = %parked.invoice_key, offset = message.offset(), "parked behind an earlier event");
                return true;
            }
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not look for parked events"),
    }
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let span = tracing::info_span!(
            "invoice_event",
            partition = message.partition(),
            offset = message.offset(),
            attempt
        );
        let started = std::time::Instant::now();
        // Instrument, not enter: a span entered across an await leaks into other tasks.
        let result = processor
            .handle(
                message.topic(),
                message.partition(),
                message.offset(),
                message.payload(),
            )
            .instrument(span.clone())
            .await;
        metrics::histogram!(PROCESSING_SECONDS).record(started.elapsed().as_secs_f64());
        let reason = match result {
            Ok(outcome) => {
                tracing::info!(parent: &span, ?outcome, "invoice event handled");
                if let Outcome::Processed { action, .. } = &outcome {
                    metrics::counter!(PROCESSED, "action" => action.clone()).increment(1);
                }
                return true;
            }
            Err(Failure::Permanent(reason)) => reason,
            Err(Failure::Transient(e))
                if attempt >= TRIES_BEFORE_PARKING
                    && attempt < processor.dead_letters.max_attempts
                    && crate::parked_events::park(
                        &processor.pool,
                        &parked,
                        attempt,
                        &e.to_string(),
                    )
                    .await
                    .is_ok() =>
            {
                metrics::counter!(RETRIES).increment(1);
                tracing::warn!(parent: &span, error = %e, "processing failed; parked for a later retry");
                return true;
            }
            Err(Failure::Transient(e)) if attempt < processor.dead_letters.max_attempts => {
                let delay = Duration::from_millis((100u64 << attempt.min(7)).min(10_000));
                metrics::counter!(RETRIES).increment(1);
                tracing::warn!(parent: &span, error = %e, "processing failed; retrying");
                tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(delay) => {} }
                continue;
            }
            Err(Failure::Transient(e)) => format!("retries used up after {attempt} attempts: {e}"),
        };
        // The dead letter must be acknowledged before the offset moves past the message.
        loop {
            match processor.dead_letter(&parked, &reason, attempt).await {
                Ok(()) => {
                    metrics::counter!(DEAD_LETTERS).increment(1);
                    tracing::error!(parent: &span, %reason, topic = %processor.dead_letters.topic, "dead-lettered");
                    return true;
                }
                Err(e) => {
                    tracing::warn!(parent: &span, error = %e, "could not write the dead letter; retrying");
                    tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
                }
            }
        }
    }
}

impl DeadLetters {
    /// Copies the message (key, value, headers) to the dead-letter topic with where it came
    /// from, why it failed and how often it was tried.
    pub async fn send(
        &self,
        message: &crate::parked_events::Parked,
        reason: &str,
        attempts: u32,
    ) -> Result<(), rdkafka::error::KafkaError> {
        let (partition, offset, attempts) = (
            message.partition.to_string(),
            message.offset.to_string(),
            attempts.to_string(),
        );
        let mut headers = OwnedHeaders::new();
        for (key, value) in &message.headers {
            headers = headers.insert(Header {
                key: key.as_str(),
                value: Some(value.as_bytes()),
            });
        }
        let headers = headers
            .insert(Header {
                key: "dlq-original-topic",
                value: Some(message.topic.as_str()),
            })
            .insert(Header {
                key: "dlq-original-partition",
                value: Some(partition.as_str()),
            })
            .insert(Header {
                key: "dlq-original-offset",
                value: Some(offset.as_str()),
            })
            .insert(Header {
                key: "dlq-error",
                value: Some(reason),
            })
            .insert(Header {
                key: "dlq-attempts",
                value: Some(attempts.as_str()),
            });
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(&self.topic).headers(headers);
        if let Some(key) = &message.key {
            record = record.key(key.as_slice());
        }
        if let Some(payload) = &message.payload {
            record = record.payload(payload.as_slice());
        }
        self.producer
            .send(record, Duration::from_secs(5))
            .await
            .map(|_| ())
            .map_err(|(e, _)| e)
    }
}

impl Processor {
    /// Sends the message to the dead-letter topic, then shows it in the activity feed.
    pub async fn dead_letter(
        &self,
        message: &crate::parked_events::Parked,
        reason: &str,
        attempts: u32,
    ) -> Result<(), rdkafka::error::KafkaError> {
        self.dead_letters.send(message, reason, attempts).await?;
        crate::activity_feed::record_dead_letter(&self.pool, &self.activity_topic, message, reason)
            .await;
        Ok(())
    }

    pub async fn handle(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        payload: Option<&[u8]>,
    ) -> Result<Outcome, Failure> {
        let event: InvoiceEvent = match payload.map(serde_json::from_slice) {
            Some(Ok(event)) => event,
            Some(Err(e)) => return Err(Failure::Permanent(format!("not an invoice event: {e}"))),
            None => return Err(Failure::Permanent("empty message".into())),
        };
        if !KNOWN_ACTIONS.contains(&event.action.as_str()) {
            return Err(Failure::Permanent(format!(
                "unknown action `{}`",
                event.action
            )));
        }
        let Ok(invoice_id) = uuid::Uuid::parse_str(&event.invoice_id) else {
            return Err(Failure::Permanent(format!(
                "unknown invoice `{}`",
                event.invoice_id
            )));
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
        let customer: Option<(String, String, String)> =
            match uuid::Uuid::parse_str(&event.customer_id) {
                Ok(id) => {
                    sqlx::query_as("SELECT name, email, image_url FROM customers WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                Err(_) => None,
            };
        let Some((customer_name, customer_email, customer_image)) = customer else {
            return Err(Failure::Permanent(format!(
                "unknown customer `{}`",
                event.customer_id
            )));
        };
        let customer = side_effects::Customer {
            name: customer_name,
            email: customer_email,
        };
        let effects = side_effects::apply(&mut tx, &event, invoice_id, &customer).await?;
        let previous_status = ["oldStatus", "previousStatus"]
            .iter()
            .find_map(|key| event.metadata.get(*key).and_then(|v| v.as_str()))
            .filter(|old| *old != event.status)
            .map(str::to_string);
        let mut item = ActivityItem {
            seq: 0,
            event_id: event.event_id,
            action: event.action.clone(),
            invoice_id: event.invoice_id.clone(),
            customer_id: event.customer_id.clone(),
            customer_name: Some(customer.name),
            customer_image: Some(customer_image),
            amount: event.amount,
            status: event.status.clone(),
            previous_status,
            occurred_at: event.timestamp,
            processed_at: Utc::now(),
            effects,
            reason: None,
        };
        crate::activity_feed::append(&mut tx, &self.activity_topic, &mut item).await?;
        let seq = item.seq;
        tx.commit().await?;
        Ok(Outcome::Processed {
            seq,
            action: event.action,
        })
    }
}

/// Every few seconds: how far the group's committed offsets trail each partition's end.
/// Runs on a blocking thread (the admin calls wait on the broker).
pub fn watch_lag(brokers: String, group: String, topic: String, shutdown: CancellationToken) {
    let consumer: BaseConsumer = match ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", &group)
        .create()
    {
        Ok(c) => c,
        Err(e) => return tracing::warn!(error = %e, "consumer lag watcher not started"),
    };
    let timeout = Duration::from_secs(2);
    while !shutdown.is_cancelled() {
        let partitions = consumer
            .fetch_metadata(Some(&topic), timeout)
            .ok()
            .and_then(|m| {
                m.topics()
                    .first()
                    .map(|t| t.partitions().iter().map(|p| p.id()).collect::<Vec<_>>())
            })
            .unwrap_or_default();
        let mut wanted = TopicPartitionList::new();
        for p in &partitions {
            wanted.add_partition(&topic, *p);
        }
        if let Ok(committed) = consumer.committed_offsets(wanted, timeout) {
            for element in committed.elements() {
                let Ok((low, high)) =
                    consumer.fetch_watermarks(&topic, element.partition(), timeout)
                else {
                    continue;
                };
                let position = element.offset().to_raw().filter(|o| *o >= 0).unwrap_or(low);
                metrics::gauge!(CONSUMER_LAG, "partition" => element.partition().to_string())
                    .set((high - position).max(0) as f64);
            }
        }
        for _ in 0..50 {
            if shutdown.is_cancelled() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
