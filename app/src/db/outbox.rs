//! Writing to the transactional outbox. Always inside the caller's transaction, so the
//! event exists if and only if the change it announces was committed.

use crate::trace::TraceParent;
use serde::Serialize;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

pub struct OutboxMessage<'a, T: Serialize> {
    pub event_id: Uuid,
    pub topic: &'a str,
    pub key: &'a str,
    pub event_type: &'a str,
    pub payload: &'a T,
    /// The unit of work that wrote it (sent as the `traceparent` header).
    pub trace: TraceParent,
}

pub async fn enqueue<T: Serialize>(
    tx: &mut Transaction<'_, Postgres>,
    message: OutboxMessage<'_, T>,
) -> Result<(), sqlx::Error> {
    let payload =
        serde_json::to_value(message.payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query!(
        "INSERT INTO outbox (event_id, topic, message_key, event_type, payload, traceparent) VALUES ($1, $2, $3, $4, $5, $6)",
        message.event_id,
        message.topic,
        message.key,
        message.event_type,
        payload,
        message.trace.to_string(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues many messages for one topic with one statement (one notification for the relay).
/// Each message: its event id, key, event type, payload and the unit of work that wrote it.
pub async fn enqueue_many<T: Serialize>(
    tx: &mut Transaction<'_, Postgres>,
    topic: &str,
    messages: &[(Uuid, &str, &str, &T, TraceParent)],
) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let payloads = messages
        .iter()
        .map(|m| serde_json::to_value(m.3))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let event_ids: Vec<Uuid> = messages.iter().map(|m| m.0).collect();
    let keys: Vec<String> = messages.iter().map(|m| m.1.to_string()).collect();
    let event_types: Vec<String> = messages.iter().map(|m| m.2.to_string()).collect();
    let traces: Vec<String> = messages.iter().map(|m| m.4.to_string()).collect();
    sqlx::query!(
        "INSERT INTO outbox (event_id, topic, message_key, event_type, payload, traceparent)
         SELECT e, $1, k, t, p, tp FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::text[]) AS m(e, k, t, p, tp)",
        topic,
        &event_ids,
        &keys,
        &event_types,
        &payloads,
        &traces,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
