//! Handles invoice events (group `invoice-processor-group`; `partition_workers` takes them
//! from Kafka): records each as processed, writes its side effects and its activity item, a
//! whole batch in one transaction, and only then is the offset stored: at-least-once
//! delivery, effects once per `eventId`.
//!
//! A message that can never be processed (not JSON, not an invoice event, an unknown action
//! or invoice) goes to the dead-letter topic at once. One that fails for now is tried again
//! briefly, then parked (see `parked_events`) so that other invoices' events keep flowing;
//! later events of a parked invoice are parked behind it, keeping that invoice's order. If
//! even parking fails (the database is down), the partition waits and retries in line. A dead
//! letter is acknowledged by the broker before the offset moves on.

use crate::parked_events::Parked;
use crate::side_effects;
use crate::telemetry_metrics::{
    BATCH_SIZE, CONSUMER_LAG, DEAD_LETTERS, PROCESSED, PROCESSING_SECONDS, RETRIES,
};
use app::events::{action, ActivityItem, InvoiceEvent};
use chrono::Utc;
use rdkafka::{consumer::BaseConsumer, ClientConfig, TopicPartitionList};
use rdkafka::{
    consumer::Consumer,
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::{HashMap, HashSet};
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

/// Tries made in line before a failing event is parked.
const TRIES_BEFORE_PARKING: u32 = 2;

/// Handles a batch taken from one partition until every message in it is processed, parked
/// or dead-lettered; `false` when the server shut down first (then the caller stores no
/// offset and the messages are delivered again).
///
/// The batch goes through in one transaction. Events of an invoice that has parked events
/// are parked behind them, one by one as before. If the transaction fails, each message is
/// handled on its own, so one message that cannot be processed never fails its neighbours.
pub async fn handle_batch_until_done(
    processor: &Processor,
    batch: Vec<Parked>,
    shutdown: &CancellationToken,
) -> bool {
    let keys: Vec<&str> = batch.iter().map(|m| m.invoice_key.as_str()).collect();
    let waiting = match crate::parked_events::parked_among(&processor.pool, &keys).await {
        Ok(waiting) => waiting,
        Err(e) => {
            tracing::warn!(error = %e, "could not look for parked events");
            return one_by_one(processor, &batch, shutdown).await;
        }
    };
    let (behind, ready): (Vec<Parked>, Vec<Parked>) = batch
        .into_iter()
        .partition(|m| waiting.contains(&m.invoice_key));
    if !ready.is_empty() {
        let span = tracing::info_span!(
            "invoice_events",
            partition = ready[0].partition,
            first_offset = ready[0].offset,
            count = ready.len()
        );
        let started = std::time::Instant::now();
        let outcomes = processor
            .handle_batch(&ready)
            .instrument(span.clone())
            .await;
        metrics::histogram!(PROCESSING_SECONDS).record(started.elapsed().as_secs_f64());
        metrics::histogram!(BATCH_SIZE).record(ready.len() as f64);
        match outcomes {
            Ok(outcomes) => {
                for (message, outcome) in ready.iter().zip(outcomes) {
                    match outcome {
                        Ok(outcome) => counted(&span, message, &outcome),
                        Err(failure) => {
                            if !dead_letter_until_sent(
                                processor,
                                message,
                                &failure.to_string(),
                                1,
                                &span,
                                shutdown,
                            )
                            .await
                            {
                                return false;
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(parent: &span, error = %e, "batch failed; handling its messages one by one");
                if !one_by_one(processor, &ready, shutdown).await {
                    return false;
                }
            }
        }
    }
    one_by_one(processor, &behind, shutdown).await
}

async fn one_by_one(
    processor: &Processor,
    messages: &[Parked],
    shutdown: &CancellationToken,
) -> bool {
    for message in messages {
        if !handle_until_done(processor, message, shutdown).await {
            return false;
        }
    }
    true
}

fn counted(span: &tracing::Span, message: &Parked, outcome: &Outcome) {
    tracing::debug!(parent: span, offset = message.offset, ?outcome, "invoice event handled");
    if let Outcome::Processed { action, .. } = outcome {
        metrics::counter!(PROCESSED, "action" => action.clone()).increment(1);
    }
}

/// Handles one message until it is processed, parked or dead-lettered; `false` when the server
/// shut down first (then the offset is not stored and the message is delivered again).
async fn handle_until_done(
    processor: &Processor,
    message: &Parked,
    shutdown: &CancellationToken,
) -> bool {
    match crate::parked_events::has_parked(&processor.pool, &message.invoice_key).await {
        Ok(true) => {
            if crate::parked_events::park(
                &processor.pool,
                message,
                0,
                "waiting behind an earlier event of this invoice",
            )
            .await
            .is_ok()
            {
                tracing::info!(invoice = %message.invoice_key, offset = message.offset, "parked behind an earlier event");
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
            partition = message.partition,
            offset = message.offset,
            attempt
        );
        let started = std::time::Instant::now();
        // Instrument, not enter: a span entered across an await leaks into other tasks.
        let result = processor
            .handle_message(message)
            .instrument(span.clone())
            .await;
        metrics::histogram!(PROCESSING_SECONDS).record(started.elapsed().as_secs_f64());
        let reason = match result {
            Ok(outcome) => {
                counted(&span, message, &outcome);
                return true;
            }
            Err(Failure::Permanent(reason)) => reason,
            Err(Failure::Transient(e))
                if attempt >= TRIES_BEFORE_PARKING
                    && attempt < processor.dead_letters.max_attempts
                    && crate::parked_events::park(
                        &processor.pool,
                        message,
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
        return dead_letter_until_sent(processor, message, &reason, attempt, &span, shutdown).await;
    }
}

/// The dead letter must be acknowledged before the offset moves past the message: tries until
/// it is, or until the server shuts down (`false`).
async fn dead_letter_until_sent(
    processor: &Processor,
    message: &Parked,
    reason: &str,
    attempts: u32,
    span: &tracing::Span,
    shutdown: &CancellationToken,
) -> bool {
    loop {
        match processor.dead_letter(message, reason, attempts).await {
            Ok(()) => {
                metrics::counter!(DEAD_LETTERS).increment(1);
                tracing::error!(parent: span, %reason, topic = %processor.dead_letters.topic, "dead-lettered");
                return true;
            }
            Err(e) => {
                tracing::warn!(parent: span, error = %e, "could not write the dead letter; retrying");
                tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
            }
        }
    }
}

impl DeadLetters {
    /// Copies the message (key, value, headers) to the dead-letter topic with where it came
    /// from, why it failed and how often it was tried.
    pub async fn send(
        &self,
        message: &Parked,
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
        message: &Parked,
        reason: &str,
        attempts: u32,
    ) -> Result<(), rdkafka::error::KafkaError> {
        self.dead_letters.send(message, reason, attempts).await?;
        crate::activity_feed::record_dead_letter(&self.pool, &self.activity_topic, message, reason)
            .await;
        Ok(())
    }

    /// Handles one message: a batch of one.
    pub async fn handle(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        payload: Option<&[u8]>,
    ) -> Result<Outcome, Failure> {
        let message = Parked {
            invoice_key: String::new(),
            topic: topic.to_string(),
            partition,
            offset,
            key: None,
            payload: payload.map(<[u8]>::to_vec),
            headers: Vec::new(),
        };
        self.handle_message(&message).await
    }

    /// A detached message, as a batch of one.
    async fn handle_message(&self, message: &Parked) -> Result<Outcome, Failure> {
        let mut outcomes = self.handle_batch(std::slice::from_ref(message)).await?;
        outcomes.pop().expect("one outcome per message")
    }

    /// Handles messages in one transaction and returns an outcome for each, in order:
    /// processed, already processed, or a permanent failure (nothing written for that one).
    /// A database error fails the whole batch and writes nothing.
    pub async fn handle_batch(
        &self,
        messages: &[Parked],
    ) -> Result<Vec<Result<Outcome, Failure>>, sqlx::Error> {
        let mut outcomes: Vec<Option<Result<Outcome, Failure>>> =
            messages.iter().map(|_| None).collect();
        let mut readable = Vec::with_capacity(messages.len());
        for (i, message) in messages.iter().enumerate() {
            match read_event(message.payload.as_deref()) {
                Ok((event, invoice_id)) => readable.push((i, event, invoice_id)),
                Err(reason) => outcomes[i] = Some(Err(Failure::Permanent(reason))),
            }
        }
        if !readable.is_empty() {
            let mut tx = self.pool.begin().await?;
            let customers = customers_of(&mut tx, readable.iter().map(|r| &r.1)).await?;
            let (known, unknown): (Vec<_>, Vec<_>) = readable
                .into_iter()
                .partition(|(_, event, _)| customer_of(&customers, event).is_some());
            if !unknown.is_empty() {
                let ids: Vec<uuid::Uuid> = unknown.iter().map(|u| u.1.event_id).collect();
                let done: HashSet<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT event_id FROM processed_events WHERE event_id = ANY($1)",
                )
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
                for (i, event, _) in unknown {
                    outcomes[i] = Some(if done.contains(&event.event_id) {
                        Ok(Outcome::AlreadyProcessed)
                    } else {
                        Err(Failure::Permanent(format!(
                            "unknown customer `{}`",
                            event.customer_id
                        )))
                    });
                }
            }
            let first_time = record_processed(&mut tx, messages, &known).await?;
            let (new, repeated): (Vec<_>, Vec<_>) = known
                .into_iter()
                .zip(first_time)
                .partition(|(_, first)| *first);
            for ((i, _, _), _) in repeated {
                outcomes[i] = Some(Ok(Outcome::AlreadyProcessed));
            }
            let new: Vec<_> = new.into_iter().map(|(r, _)| r).collect();
            if new.is_empty() {
                tx.rollback().await?;
            } else {
                let payments: Vec<_> = new
                    .iter()
                    .filter_map(|(_, event, invoice_id)| side_effects::payment(event, *invoice_id))
                    .collect();
                let first_payments = side_effects::record_payments(&mut tx, &payments).await?;
                let mut effects = side_effects::Effects::default();
                let mut items: Vec<ActivityItem> = new
                    .iter()
                    .map(|(_, event, invoice_id)| {
                        let (customer, image) =
                            customer_of(&customers, event).expect("known customers only");
                        let labels = effects.plan(
                            event,
                            *invoice_id,
                            customer,
                            first_payments.contains(&event.event_id),
                        );
                        activity_item(event, customer, image, labels)
                    })
                    .collect();
                effects.write(&mut tx).await?;
                crate::activity_feed::append_all(&mut tx, &self.activity_topic, &mut items).await?;
                tx.commit().await?;
                for ((i, event, _), item) in new.into_iter().zip(items) {
                    outcomes[i] = Some(Ok(Outcome::Processed {
                        seq: item.seq,
                        action: event.action,
                    }));
                }
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every message has an outcome"))
            .collect())
    }
}

/// The event in a message, or why it can never be processed.
fn read_event(payload: Option<&[u8]>) -> Result<(InvoiceEvent, uuid::Uuid), String> {
    let event: InvoiceEvent = match payload.map(serde_json::from_slice) {
        Some(Ok(event)) => event,
        Some(Err(e)) => return Err(format!("not an invoice event: {e}")),
        None => return Err("empty message".into()),
    };
    if !KNOWN_ACTIONS.contains(&event.action.as_str()) {
        return Err(format!("unknown action `{}`", event.action));
    }
    match uuid::Uuid::parse_str(&event.invoice_id) {
        Ok(invoice_id) => Ok((event, invoice_id)),
        Err(_) => Err(format!("unknown invoice `{}`", event.invoice_id)),
    }
}

type Customers = HashMap<uuid::Uuid, (side_effects::Customer, String)>;

/// The customers the events name, with their image.
async fn customers_of<'e>(
    tx: &mut Transaction<'_, Postgres>,
    events: impl Iterator<Item = &'e InvoiceEvent>,
) -> Result<Customers, sqlx::Error> {
    let ids: HashSet<uuid::Uuid> = events
        .filter_map(|e| uuid::Uuid::parse_str(&e.customer_id).ok())
        .collect();
    let ids: Vec<uuid::Uuid> = ids.into_iter().collect();
    let rows: Vec<(uuid::Uuid, String, String, String)> =
        sqlx::query_as("SELECT id, name, email, image_url FROM customers WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, image)| (id, (side_effects::Customer { name, email }, image)))
        .collect())
}

fn customer_of<'c>(
    customers: &'c Customers,
    event: &InvoiceEvent,
) -> Option<&'c (side_effects::Customer, String)> {
    uuid::Uuid::parse_str(&event.customer_id)
        .ok()
        .and_then(|id| customers.get(&id))
}

/// Records each event as processed; `true` for those seen for the first time. An event that
/// comes twice in one batch counts once, at its first place.
async fn record_processed(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[Parked],
    events: &[(usize, InvoiceEvent, uuid::Uuid)],
) -> Result<Vec<bool>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let inserted: HashSet<uuid::Uuid> = sqlx::query_scalar(
        "INSERT INTO processed_events (event_id, invoice_id, action, kafka_topic, kafka_partition, kafka_offset)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
    )
    .bind(events.iter().map(|e| e.1.event_id).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.1.invoice_id.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.1.action.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| messages[e.0].topic.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| messages[e.0].partition).collect::<Vec<_>>())
    .bind(events.iter().map(|e| messages[e.0].offset).collect::<Vec<_>>())
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let mut claimed = HashSet::new();
    Ok(events
        .iter()
        .map(|e| inserted.contains(&e.1.event_id) && claimed.insert(e.1.event_id))
        .collect())
}

/// What the feed shows for a processed event.
fn activity_item(
    event: &InvoiceEvent,
    customer: &side_effects::Customer,
    image: &str,
    effects: Vec<String>,
) -> ActivityItem {
    let previous_status = ["oldStatus", "previousStatus"]
        .iter()
        .find_map(|key| event.metadata.get(*key).and_then(|v| v.as_str()))
        .filter(|old| *old != event.status)
        .map(str::to_string);
    ActivityItem {
        seq: 0,
        event_id: event.event_id,
        action: event.action.clone(),
        invoice_id: event.invoice_id.clone(),
        customer_id: event.customer_id.clone(),
        customer_name: Some(customer.name.clone()),
        customer_image: Some(image.to_string()),
        amount: event.amount,
        status: event.status.clone(),
        previous_status,
        occurred_at: event.timestamp,
        processed_at: Utc::now(),
        effects,
        reason: None,
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
