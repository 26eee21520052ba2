use crate::domain::InvoiceInput;
use crate::events::{action, InvoiceEvent};
use crate::models::InvoiceRow;
use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::outbox::{self, OutboxMessage};

/// Inserts an invoice and its `created` event in the caller's transaction.
/// The caller commits; if anything fails before that, neither exists.
pub async fn insert_with_event(
    tx: &mut Transaction<'_, Postgres>,
    invoices_topic: &str,
    input: &InvoiceInput,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    let (date, created_at): (chrono::NaiveDate, chrono::DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO invoices (id, customer_id, amount_cents, status) VALUES ($1, $2, $3, $4)
         RETURNING date, created_at",
    )
    .bind(id)
    .bind(input.customer_id)
    .bind(input.amount.cents())
    .bind(input.status.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let _ = date;
    let event = InvoiceEvent {
        event_id: Uuid::new_v4(),
        invoice_id: id.to_string(),
        action: action::CREATED.into(),
        customer_id: input.customer_id.to_string(),
        amount: input.amount.cents(),
        status: input.status.as_str().into(),
        timestamp: created_at,
        metadata: serde_json::Value::Null,
    };
    let key = event.invoice_id.clone();
    outbox::enqueue(
        tx,
        OutboxMessage { event_id: event.event_id, topic: invoices_topic, key: &key, event_type: action::CREATED, payload: &event },
    )
    .await?;
    Ok(id)
}

/// Creates an invoice and its event atomically.
pub async fn create(pool: &PgPool, invoices_topic: &str, input: &InvoiceInput) -> Result<Uuid, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = insert_with_event(&mut tx, invoices_topic, input).await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether a customer exists (the form may post an id that was deleted meanwhile).
pub async fn customer_exists(pool: &PgPool, customer_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1)")
        .bind(customer_id)
        .fetch_one(pool)
        .await
}

/// Newest first, with their customers.
pub async fn latest(pool: &PgPool, limit: i64) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.amount_cents, i.status, i.date, c.name, c.email, c.image_url
         FROM invoices i JOIN customers c ON c.id = i.customer_id
         ORDER BY i.date DESC, i.created_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
