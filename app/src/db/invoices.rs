use crate::domain::InvoiceInput;
use crate::events::{action, InvoiceEvent};
use crate::models::{InvoiceEditable, InvoiceRow};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::outbox::{self, OutboxMessage};

/// Rows per page of the invoices table, as in the Next.js dashboard.
pub const PAGE_SIZE: i64 = 6;

/// What an invoice looked like when an event was written about it.
struct Snapshot {
    id: Uuid,
    customer_id: Uuid,
    amount_cents: i64,
    status: String,
}

/// Writes one event about an invoice to the outbox, in the caller's transaction.
async fn record_event(
    tx: &mut Transaction<'_, Postgres>,
    topic: &str,
    event_type: &str,
    invoice: &Snapshot,
    at: DateTime<Utc>,
    metadata: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let event = InvoiceEvent {
        event_id: Uuid::new_v4(),
        invoice_id: invoice.id.to_string(),
        action: event_type.into(),
        customer_id: invoice.customer_id.to_string(),
        amount: invoice.amount_cents,
        status: invoice.status.clone(),
        timestamp: at,
        metadata,
        acted_by: crate::audit::acting().as_ref().map(Into::into),
    };
    let key = event.invoice_id.clone();
    let trace = crate::trace::next();
    tracing::info!(
        trace_id = %trace.trace_id(),
        event_id = %event.event_id,
        invoice_id = %event.invoice_id,
        action = event_type,
        "invoice event written to the outbox"
    );
    outbox::enqueue(
        tx,
        OutboxMessage {
            event_id: event.event_id,
            topic,
            key: &key,
            event_type,
            payload: &event,
            trace,
        },
    )
    .await
}

/// Records the change in the audit trail, in the caller's transaction, when someone is acting
/// (see `audit::acting_as`).
async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    action: &str,
    invoice: &Snapshot,
) -> Result<(), sqlx::Error> {
    let Some(actor) = crate::audit::acting() else {
        return Ok(());
    };
    let change = crate::audit::Change {
        action,
        target: &invoice.id.to_string(),
        outcome: crate::audit::SUCCEEDED,
        details: json!({ "amountCents": invoice.amount_cents, "status": invoice.status, "customerId": invoice.customer_id }),
    };
    crate::audit::record(&mut **tx, Some(&actor), change).await
}

/// Inserts an invoice and its `created` event in the caller's transaction.
/// The caller commits; if anything fails before that, neither exists.
pub async fn insert_with_event(
    tx: &mut Transaction<'_, Postgres>,
    invoices_topic: &str,
    input: &InvoiceInput,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    let created_at: DateTime<Utc> = sqlx::query_scalar!(
        r#"INSERT INTO invoices (id, customer_id, amount_cents, status) VALUES ($1, $2, $3, $4) RETURNING created_at AS "created_at: DateTime<Utc>""#,
        id,
        input.customer_id,
        input.amount.cents(),
        input.status.as_str(),
    )
    .fetch_one(&mut **tx)
    .await?;
    let snapshot = Snapshot {
        id,
        customer_id: input.customer_id,
        amount_cents: input.amount.cents(),
        status: input.status.as_str().into(),
    };
    record_event(
        tx,
        invoices_topic,
        action::CREATED,
        &snapshot,
        created_at,
        serde_json::Value::Null,
    )
    .await?;
    audit(tx, crate::audit::action::INVOICE_CREATE, &snapshot).await?;
    Ok(id)
}

/// Creates an invoice and its event atomically.
pub async fn create(
    pool: &PgPool,
    invoices_topic: &str,
    input: &InvoiceInput,
) -> Result<Uuid, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = insert_with_event(&mut tx, invoices_topic, input).await?;
    tx.commit().await?;
    Ok(id)
}

/// Updates an invoice with its `updated` event (and `status_changed` when the status
/// flipped), atomically. `false` when there is no such invoice.
pub async fn update(
    pool: &PgPool,
    invoices_topic: &str,
    id: Uuid,
    input: &InvoiceInput,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!(
        "SELECT customer_id, amount_cents, status FROM invoices WHERE id = $1 FOR UPDATE",
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Ok(false);
    };
    let (old_customer, old_amount, old_status) =
        (before.customer_id, before.amount_cents, before.status);
    let updated_at: DateTime<Utc> = sqlx::query_scalar!(
        r#"UPDATE invoices SET customer_id = $2, amount_cents = $3, status = $4, updated_at = now() WHERE id = $1 RETURNING updated_at AS "updated_at: DateTime<Utc>""#,
        id,
        input.customer_id,
        input.amount.cents(),
        input.status.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let after = Snapshot {
        id,
        customer_id: input.customer_id,
        amount_cents: input.amount.cents(),
        status: input.status.as_str().into(),
    };
    let metadata = json!({
        "previousStatus": old_status,
        "previousAmount": old_amount,
        "previousCustomerId": old_customer.to_string(),
    });
    record_event(
        &mut tx,
        invoices_topic,
        action::UPDATED,
        &after,
        updated_at,
        metadata,
    )
    .await?;
    if old_status != after.status {
        let metadata = json!({ "oldStatus": old_status, "newStatus": after.status });
        record_event(
            &mut tx,
            invoices_topic,
            action::STATUS_CHANGED,
            &after,
            updated_at,
            metadata,
        )
        .await?;
    }
    audit(&mut tx, crate::audit::action::INVOICE_UPDATE, &after).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes an invoice with its `deleted` event, atomically. `false` when it was already gone.
pub async fn delete(pool: &PgPool, invoices_topic: &str, id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query!(
        "DELETE FROM invoices WHERE id = $1 RETURNING customer_id, amount_cents, status",
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(gone) = gone else {
        return Ok(false);
    };
    let snapshot = Snapshot {
        id,
        customer_id: gone.customer_id,
        amount_cents: gone.amount_cents,
        status: gone.status,
    };
    record_event(
        &mut tx,
        invoices_topic,
        action::DELETED,
        &snapshot,
        Utc::now(),
        serde_json::Value::Null,
    )
    .await?;
    audit(&mut tx, crate::audit::action::INVOICE_DELETE, &snapshot).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether a customer exists (the form may post an id that was deleted meanwhile).
pub async fn customer_exists(pool: &PgPool, customer_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1) AS "exists!""#,
        customer_id,
    )
    .fetch_one(pool)
    .await
}

/// Newest first, with their customers.
pub async fn latest(pool: &PgPool, limit: i64) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as!(
        InvoiceRow,
        r#"SELECT id AS "id!", amount_cents AS "amount_cents!", status AS "status!",
                  date AS "date!: NaiveDate", name AS "name!", email AS "email!", image_url AS "image_url!"
           FROM invoice_rows ORDER BY date DESC, created_at DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// One page (1-based) of the invoices matching `query` (see `invoice_row_matches` in the
/// migrations), newest first.
pub async fn search_page(
    pool: &PgPool,
    query: &str,
    page: i64,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as!(
        InvoiceRow,
        r#"SELECT id AS "id!", amount_cents AS "amount_cents!", status AS "status!",
                  date AS "date!: NaiveDate", name AS "name!", email AS "email!", image_url AS "image_url!"
           FROM invoice_rows r WHERE invoice_row_matches(r, $1, $2)
           ORDER BY date DESC, created_at DESC LIMIT $3 OFFSET $4"#,
        query,
        like_pattern(query),
        PAGE_SIZE,
        (page.max(1) - 1) * PAGE_SIZE,
    )
    .fetch_all(pool)
    .await
}

/// How many pages the invoices matching `query` fill.
pub async fn search_pages(pool: &PgPool, query: &str) -> Result<i64, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM invoice_rows r WHERE invoice_row_matches(r, $1, $2)"#,
        query,
        like_pattern(query),
    )
    .fetch_one(pool)
    .await?;
    Ok((count + PAGE_SIZE - 1) / PAGE_SIZE)
}

/// `%query%` with the LIKE wildcards in the query taken literally.
pub fn like_pattern(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn editable(pool: &PgPool, id: Uuid) -> Result<Option<InvoiceEditable>, sqlx::Error> {
    sqlx::query_as!(
        InvoiceEditable,
        "SELECT id, customer_id, amount_cents, status FROM invoices WHERE id = $1",
        id,
    )
    .fetch_optional(pool)
    .await
}
