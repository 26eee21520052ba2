//! One batch of invoice events in one transaction: read each event, record it as processed
//! (once per `eventId`), plan and write its side effects, append its activity item.

use super::{side_effects, Failure, Outcome, Processor};
use crate::kafka::DetachedMessage;
use app::events::{AcceptedEvent, ActivityItem, InvoiceEvent};
use chrono::Utc;
use sqlx::{Postgres, Transaction};
use std::collections::{HashMap, HashSet};

impl Processor {
    /// Handles one message: a batch of one.
    pub async fn handle(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        payload: Option<&[u8]>,
    ) -> Result<Outcome, Failure> {
        let message = DetachedMessage {
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
    pub(super) async fn handle_message(
        &self,
        message: &DetachedMessage,
    ) -> Result<Outcome, Failure> {
        let mut outcomes = self.handle_batch(std::slice::from_ref(message)).await?;
        outcomes.pop().expect("one outcome per message")
    }

    /// Handles messages in one transaction and returns an outcome for each, in order:
    /// processed, already processed, or a permanent failure (nothing written for that one).
    /// A database error fails the whole batch and writes nothing.
    pub async fn handle_batch(
        &self,
        messages: &[DetachedMessage],
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
            let customers = customers_of(&mut tx, readable.iter().map(|r| &r.1.event)).await?;
            let (known, unknown): (Vec<_>, Vec<_>) = readable
                .into_iter()
                .partition(|(_, event, _)| customer_of(&customers, event).is_some());
            if !unknown.is_empty() {
                let ids: Vec<uuid::Uuid> = unknown.iter().map(|u| u.1.event_id).collect();
                let done: HashSet<uuid::Uuid> = sqlx::query_scalar!(
                    "SELECT event_id FROM processed_events WHERE event_id = ANY($1)",
                    &ids,
                )
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
                let traces: Vec<_> = new.iter().map(|(i, _, _)| messages[*i].trace()).collect();
                crate::activity::feed::append_all(
                    &mut tx,
                    &self.activity_topic,
                    &mut items,
                    &traces,
                )
                .await?;
                tx.commit().await?;
                for (((i, event, _), item), trace) in new.into_iter().zip(items).zip(traces) {
                    tracing::debug!(
                        trace_id = %trace.trace_id(),
                        event_id = %event.event_id,
                        invoice_id = %event.invoice_id,
                        action = %event.action,
                        seq = item.seq,
                        partition = messages[i].partition,
                        offset = messages[i].offset,
                        "invoice event processed"
                    );
                    outcomes[i] = Some(Ok(Outcome::Processed {
                        seq: item.seq,
                        action: item.action,
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

/// The event in a message, accepted, with its invoice's id; or why it can never be processed.
fn read_event(payload: Option<&[u8]>) -> Result<(AcceptedEvent, uuid::Uuid), String> {
    let event: InvoiceEvent = match payload.map(serde_json::from_slice) {
        Some(Ok(event)) => event,
        Some(Err(e)) => return Err(format!("not an invoice event: {e}")),
        None => return Err("empty message".into()),
    };
    let accepted = AcceptedEvent::accept(event)?;
    let invoice = accepted.invoice;
    Ok((accepted, invoice))
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
    let rows = sqlx::query!(
        "SELECT id, name, email, image_url FROM customers WHERE id = ANY($1)",
        &ids,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let customer = side_effects::Customer {
                name: c.name,
                email: c.email,
            };
            (c.id, (customer, c.image_url))
        })
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
    messages: &[DetachedMessage],
    events: &[(usize, AcceptedEvent, uuid::Uuid)],
) -> Result<Vec<bool>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let event_ids: Vec<uuid::Uuid> = events.iter().map(|e| e.1.event_id).collect();
    let invoice_ids: Vec<String> = events.iter().map(|e| e.1.invoice_id.clone()).collect();
    let actions: Vec<String> = events.iter().map(|e| e.1.action.to_string()).collect();
    let topics: Vec<String> = events.iter().map(|e| messages[e.0].topic.clone()).collect();
    let partitions: Vec<i32> = events.iter().map(|e| messages[e.0].partition).collect();
    let offsets: Vec<i64> = events.iter().map(|e| messages[e.0].offset).collect();
    let inserted: HashSet<uuid::Uuid> = sqlx::query_scalar!(
        r#"INSERT INTO processed_events (event_id, invoice_id, action, kafka_topic, kafka_partition, kafka_offset, processed_by)
         SELECT e, i, a, t, p, o, $7 FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[]) AS x(e, i, a, t, p, o)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id"#,
        &event_ids,
        &invoice_ids,
        &actions,
        &topics,
        &partitions,
        &offsets,
        super::instance(),
    )
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
    event: &AcceptedEvent,
    customer: &side_effects::Customer,
    image: &str,
    effects: Vec<String>,
) -> ActivityItem {
    let previous_status = ["oldStatus", "previousStatus"]
        .iter()
        .find_map(|key| event.metadata.get(*key).and_then(|v| v.as_str()))
        .filter(|old| *old != event.status.as_str())
        .map(str::to_string);
    ActivityItem {
        seq: 0,
        event_id: event.event_id,
        action: event.action,
        invoice_id: event.invoice_id.clone(),
        customer_id: event.customer_id.clone(),
        customer_name: Some(customer.name.clone()),
        customer_image: Some(image.to_string()),
        amount: event.amount,
        status: event.status.to_string(),
        previous_status,
        occurred_at: event.timestamp,
        processed_at: Utc::now(),
        effects,
        reason: None,
    }
}
