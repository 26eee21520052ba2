//! What each invoice event makes happen (our users' list), written in the processor's
//! transaction. Mail and webhooks are only queued here (`email_outbox`, `webhook_outbox`);
//! their senders deliver them. Returns the effects, as the activity item lists them.

use app::domain::format_usd;
use app::events::{action, InvoiceEvent};
use chrono::{Days, Utc};
use serde_json::{json, Value};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// Invoices above this amount are reported to the accounting system ($1,000).
pub const ACCOUNTING_THRESHOLD_CENTS: i64 = 100_000;
/// A follow-up task is due this many days after an invoice is created.
pub const FOLLOW_UP_DAYS: u64 = 7;

/// The customer an event is about.
pub struct Customer {
    pub name: String,
    pub email: String,
}

type Tx<'a> = Transaction<'a, Postgres>;

pub async fn apply(
    tx: &mut Tx<'_>,
    event: &InvoiceEvent,
    invoice_id: Uuid,
    customer: &Customer,
) -> Result<Vec<String>, sqlx::Error> {
    let mut effects = Vec::new();
    let amount = format_usd(event.amount);
    match event.action.as_str() {
        action::CREATED => {
            let subject = format!("Invoice of {amount} created");
            let body = format!(
                "Dear {},\n\nan invoice of {amount} has been created for you (status: {}).\n\nAcme",
                customer.name, event.status
            );
            queue_email(
                tx,
                event,
                "confirmation",
                &customer.email,
                &subject,
                &body,
                &mut effects,
            )
            .await?;
            add_to_metric(tx, "invoices_created", 1).await?;
            add_to_metric(tx, "amount_created_cents", event.amount).await?;
            effects.push("analytics".into());
            let due = event
                .timestamp
                .date_naive()
                .checked_add_days(Days::new(FOLLOW_UP_DAYS))
                .unwrap_or(event.timestamp.date_naive());
            sqlx::query("INSERT INTO follow_up_tasks (event_id, invoice_id, title, due_on) VALUES ($1, $2, $3, $4)")
                .bind(event.event_id)
                .bind(invoice_id)
                .bind(format!("Follow up on the {amount} invoice of {}", customer.name))
                .bind(due)
                .execute(&mut **tx)
                .await?;
            effects.push("task:follow_up".into());
            if event.amount > ACCOUNTING_THRESHOLD_CENTS {
                queue_webhook(
                    tx,
                    event,
                    "accounting",
                    "invoice.large_created",
                    &mut effects,
                )
                .await?;
            }
            if event.status == "paid" {
                record_payment(tx, event, invoice_id, customer, &mut effects).await?;
            }
        }
        action::UPDATED => {
            let meta = &event.metadata;
            let before = json!({
                "status": meta.get("previousStatus"),
                "amount": meta.get("previousAmount"),
                "customerId": meta.get("previousCustomerId"),
            });
            let after = json!({ "status": event.status, "amount": event.amount, "customerId": event.customer_id });
            sqlx::query("INSERT INTO audit_log (event_id, invoice_id, action, before, after, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(event.event_id)
                .bind(invoice_id)
                .bind(&event.action)
                .bind(&before)
                .bind(&after)
                .bind(event.timestamp)
                .execute(&mut **tx)
                .await?;
            effects.push("audit".into());
            let subject = format!("Your invoice of {amount} was updated");
            let body = format!(
                "Dear {},\n\nyour invoice is now {amount} (status: {}).\n\nAcme",
                customer.name, event.status
            );
            queue_email(
                tx,
                event,
                "update_notice",
                &customer.email,
                &subject,
                &body,
                &mut effects,
            )
            .await?;
            if meta.get("previousStatus").and_then(Value::as_str) == Some("pending")
                && event.status == "paid"
            {
                record_payment(tx, event, invoice_id, customer, &mut effects).await?;
            }
        }
        action::STATUS_CHANGED => {
            let old = event.metadata.get("oldStatus").and_then(Value::as_str);
            let new = event
                .metadata
                .get("newStatus")
                .and_then(Value::as_str)
                .unwrap_or(&event.status);
            match (old, new) {
                (_, "paid") => {
                    record_payment(tx, event, invoice_id, customer, &mut effects).await?
                }
                (Some("paid"), "pending") => {
                    queue_webhook(
                        tx,
                        event,
                        "finance",
                        "invoice.payment_reverted",
                        &mut effects,
                    )
                    .await?
                }
                _ => {}
            }
        }
        action::DELETED => {
            sqlx::query(
                "INSERT INTO invoice_archive (event_id, invoice_id, data) VALUES ($1, $2, $3)",
            )
            .bind(event.event_id)
            .bind(invoice_id)
            .bind(sqlx::types::Json(event))
            .execute(&mut **tx)
            .await?;
            effects.push("archive".into());
            queue_webhook(tx, event, "accounting", "invoice.deleted", &mut effects).await?;
            queue_webhook(tx, event, "team_chat", "invoice.deleted", &mut effects).await?;
        }
        _ => {}
    }
    Ok(effects)
}

/// The payment actions, once per payment whichever event reports it first: receipt and
/// thank-you mails, and the revenue figure.
async fn record_payment(
    tx: &mut Tx<'_>,
    event: &InvoiceEvent,
    invoice_id: Uuid,
    customer: &Customer,
    effects: &mut Vec<String>,
) -> Result<(), sqlx::Error> {
    let first = sqlx::query("INSERT INTO payments (invoice_id, paid_at, event_id, amount_cents) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(invoice_id)
        .bind(event.timestamp)
        .bind(event.event_id)
        .bind(event.amount)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1;
    if !first {
        return Ok(());
    }
    let amount = format_usd(event.amount);
    let payment = format!("{invoice_id}:{}", event.timestamp.timestamp_micros());
    let receipt = format!(
        "Dear {},\n\nwe received your payment of {amount}. This is your receipt.\n\nAcme",
        customer.name
    );
    queue_email_keyed(
        tx,
        event,
        &format!("receipt:{payment}"),
        "receipt",
        &customer.email,
        &format!("Receipt for your payment of {amount}"),
        &receipt,
        effects,
    )
    .await?;
    let thanks = format!(
        "Dear {},\n\nthank you for paying your invoice of {amount}.\n\nAcme",
        customer.name
    );
    queue_email_keyed(
        tx,
        event,
        &format!("thank_you:{payment}"),
        "thank_you",
        &customer.email,
        "Thank you for your payment",
        &thanks,
        effects,
    )
    .await?;
    add_to_metric(tx, "revenue_collected_cents", event.amount).await?;
    add_to_metric(tx, "payments", 1).await?;
    effects.push("revenue".into());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn queue_email_keyed(
    tx: &mut Tx<'_>,
    event: &InvoiceEvent,
    dedupe_key: &str,
    kind: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    effects: &mut Vec<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_outbox (dedupe_key, event_id, kind, recipient, subject, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(dedupe_key)
    .bind(event.event_id)
    .bind(kind)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .execute(&mut **tx)
    .await?;
    effects.push(format!("email:{kind}"));
    Ok(())
}

async fn queue_email(
    tx: &mut Tx<'_>,
    event: &InvoiceEvent,
    kind: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    effects: &mut Vec<String>,
) -> Result<(), sqlx::Error> {
    queue_email_keyed(
        tx,
        event,
        &format!("{kind}:{}", event.event_id),
        kind,
        recipient,
        subject,
        body,
        effects,
    )
    .await
}

async fn queue_webhook(
    tx: &mut Tx<'_>,
    event: &InvoiceEvent,
    target: &str,
    kind: &str,
    effects: &mut Vec<String>,
) -> Result<(), sqlx::Error> {
    let body = json!({ "type": kind, "sentAt": Utc::now(), "event": event });
    sqlx::query("INSERT INTO webhook_outbox (dedupe_key, event_id, target, body) VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING")
        .bind(format!("{target}:{kind}:{}", event.event_id))
        .bind(event.event_id)
        .bind(target)
        .bind(&body)
        .execute(&mut **tx)
        .await?;
    effects.push(format!("webhook:{target}"));
    Ok(())
}

async fn add_to_metric(tx: &mut Tx<'_>, metric: &str, delta: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invoice_analytics (metric, value) VALUES ($1, $2)
         ON CONFLICT (metric) DO UPDATE SET value = invoice_analytics.value + EXCLUDED.value, updated_at = now()",
    )
    .bind(metric)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
