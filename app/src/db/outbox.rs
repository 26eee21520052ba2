//! Writing to the transactional outbox. Always inside the caller's transaction, so the
//! event exists if and only if the change it announces was committed.

use serde::Serialize;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

pub struct OutboxMessage<'a, T: Serialize> {
    pub event_id: Uuid,
    pub topic: &'a str,
    pub key: &'a str,
    pub event_type: &'a str,
    pub payload: &'a T,
}

pub async fn enqueue<T: Serialize>(
    tx: &mut Transaction<'_, Postgres>,
    message: OutboxMessage<'_, T>,
) -> Result<(), sqlx::Error> {
    let payload =
        serde_json::to_value(message.payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO outbox (event_id, topic, message_key, event_type, payload) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(message.event_id)
    .bind(message.topic)
    .bind(message.key)
    .bind(message.event_type)
    .bind(payload)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
