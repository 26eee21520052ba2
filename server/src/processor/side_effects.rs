//! What each invoice event makes happen (our users' list), written in the processor's
//! transaction. Mail and webhooks are only queued here (`email_outbox`, `webhook_outbox`);
//! their senders deliver them.
//!
//! Planning is pure: `Effects::plan` turns one event into rows and returns the labels its
//! activity item lists. `Effects::write` then writes a whole batch's rows with one
//! multi-row statement per table, so a batch of 200 events costs a handful of round trips.

use app::domain::format_usd;
use app::domain::InvoiceStatus;
use app::events::{AcceptedEvent, Action, InvoiceEvent};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{json, Value};
use sqlx::{Postgres, Transaction};
use std::collections::{BTreeMap, HashSet};
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

/// A payment an event reports. Recorded once per invoice and time, whichever event reports
/// it first; only that event sends the receipt and thank-you mails and counts the revenue.
#[derive(Debug, PartialEq)]
pub struct Payment {
    pub invoice_id: Uuid,
    pub paid_at: DateTime<Utc>,
    pub event_id: Uuid,
    pub amount_cents: i64,
}

fn previous_status(event: &InvoiceEvent) -> Option<&str> {
    event.metadata.get("previousStatus").and_then(Value::as_str)
}

/// The payment `event` reports, if any.
pub fn payment(event: &AcceptedEvent, invoice_id: Uuid) -> Option<Payment> {
    let paid = match event.action {
        Action::Created => event.status == InvoiceStatus::Paid,
        Action::Updated => {
            previous_status(event) == Some(InvoiceStatus::Pending.as_str())
                && event.status == InvoiceStatus::Paid
        }
        Action::StatusChanged => new_status(event) == InvoiceStatus::Paid.as_str(),
        Action::Deleted | Action::DeadLettered => false,
    };
    paid.then(|| Payment {
        invoice_id,
        paid_at: event.timestamp,
        event_id: event.event_id,
        amount_cents: event.amount,
    })
}

fn new_status(event: &AcceptedEvent) -> &str {
    event
        .metadata
        .get("newStatus")
        .and_then(Value::as_str)
        .unwrap_or(event.status.as_str())
}

/// Records the payments; returns the events whose payment was the first of its kind.
pub async fn record_payments(
    tx: &mut Transaction<'_, Postgres>,
    payments: &[Payment],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    if payments.is_empty() {
        return Ok(HashSet::new());
    }
    let invoices: Vec<Uuid> = payments.iter().map(|p| p.invoice_id).collect();
    let paid_at: Vec<DateTime<Utc>> = payments.iter().map(|p| p.paid_at).collect();
    let events: Vec<Uuid> = payments.iter().map(|p| p.event_id).collect();
    let amounts: Vec<i64> = payments.iter().map(|p| p.amount_cents).collect();
    let first: Vec<Uuid> = sqlx::query_scalar!(
        "INSERT INTO payments (invoice_id, paid_at, event_id, amount_cents)
         SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[], $3::uuid[], $4::bigint[])
         ON CONFLICT DO NOTHING RETURNING event_id",
        &invoices,
        &paid_at as &[DateTime<Utc>],
        &events,
        &amounts,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(first.into_iter().collect())
}

struct Email {
    dedupe_key: String,
    event_id: Uuid,
    kind: &'static str,
    recipient: String,
    subject: String,
    body: String,
}

struct Webhook {
    dedupe_key: String,
    event_id: Uuid,
    target: &'static str,
    body: Value,
}

/// One row of the processor's audit log: an invoice's change, and who made it.
struct Audit {
    event_id: Uuid,
    invoice_id: Uuid,
    action: String,
    before: Value,
    after: Value,
    at: DateTime<Utc>,
    acted_by: Option<String>,
}

/// The rows a batch of events makes happen, collected before anything is written.
#[derive(Default)]
pub struct Effects {
    emails: Vec<Email>,
    webhooks: Vec<Webhook>,
    /// event id, invoice id, title, due date
    tasks: Vec<(Uuid, Uuid, String, NaiveDate)>,
    audits: Vec<Audit>,
    /// event id, invoice id, the event as it was
    archives: Vec<(Uuid, Uuid, Value)>,
    /// Sorted by name, so that concurrent batches lock the figures' rows in the same order.
    metrics: BTreeMap<&'static str, i64>,
}

impl Effects {
    /// Adds what `event` makes happen; `first_payment` says whether the payment it reports
    /// (see [`payment`]) was recorded by it. Returns the effects as the activity item lists them.
    pub fn plan(
        &mut self,
        event: &AcceptedEvent,
        invoice_id: Uuid,
        customer: &Customer,
        first_payment: bool,
    ) -> Vec<String> {
        let mut labels = Vec::new();
        let amount = format_usd(event.amount);
        match event.action {
            Action::Created => {
                let body = format!(
                    "Dear {},\n\nan invoice of {amount} has been created for you (status: {}).\n\nAcme",
                    customer.name, event.status
                );
                self.email(
                    event,
                    None,
                    "confirmation",
                    customer,
                    format!("Invoice of {amount} created"),
                    body,
                    &mut labels,
                );
                self.add_to_metric("invoices_created", 1);
                self.add_to_metric("amount_created_cents", event.amount);
                labels.push("analytics".into());
                let created = event.timestamp.date_naive();
                let due = created
                    .checked_add_days(Days::new(FOLLOW_UP_DAYS))
                    .unwrap_or(created);
                let title = format!("Follow up on the {amount} invoice of {}", customer.name);
                self.tasks.push((event.event_id, invoice_id, title, due));
                labels.push("task:follow_up".into());
                if event.amount > ACCOUNTING_THRESHOLD_CENTS {
                    self.webhook(event, "accounting", "invoice.large_created", &mut labels);
                }
            }
            Action::Updated => {
                let meta = &event.metadata;
                let before = json!({
                    "status": meta.get("previousStatus"),
                    "amount": meta.get("previousAmount"),
                    "customerId": meta.get("previousCustomerId"),
                });
                let after = json!({ "status": event.status, "amount": event.amount, "customerId": event.customer_id });
                self.audits.push(Audit {
                    event_id: event.event_id,
                    invoice_id,
                    action: event.action.to_string(),
                    before,
                    after,
                    at: event.timestamp,
                    acted_by: event.acted_by.as_ref().map(|by| by.name.clone()),
                });
                labels.push("audit".into());
                let body = format!(
                    "Dear {},\n\nyour invoice is now {amount} (status: {}).\n\nAcme",
                    customer.name, event.status
                );
                self.email(
                    event,
                    None,
                    "update_notice",
                    customer,
                    format!("Your invoice of {amount} was updated"),
                    body,
                    &mut labels,
                );
            }
            Action::StatusChanged => {
                let old = event.metadata.get("oldStatus").and_then(Value::as_str);
                if old == Some("paid") && new_status(event) == "pending" {
                    self.webhook(event, "finance", "invoice.payment_reverted", &mut labels);
                }
            }
            Action::Deleted => {
                self.archives
                    .push((event.event_id, invoice_id, json!(event.event)));
                labels.push("archive".into());
                self.webhook(event, "accounting", "invoice.deleted", &mut labels);
                self.webhook(event, "team_chat", "invoice.deleted", &mut labels);
            }
            Action::DeadLettered => {}
        }
        if first_payment && payment(event, invoice_id).is_some() {
            self.payment_effects(event, invoice_id, customer, &mut labels);
        }
        labels
    }

    /// Receipt and thank-you mails and the revenue figure, once per payment.
    fn payment_effects(
        &mut self,
        event: &InvoiceEvent,
        invoice_id: Uuid,
        customer: &Customer,
        labels: &mut Vec<String>,
    ) {
        let amount = format_usd(event.amount);
        let payment = format!("{invoice_id}:{}", event.timestamp.timestamp_micros());
        let receipt = format!(
            "Dear {},\n\nwe received your payment of {amount}. This is your receipt.\n\nAcme",
            customer.name
        );
        self.email(
            event,
            Some(format!("receipt:{payment}")),
            "receipt",
            customer,
            format!("Receipt for your payment of {amount}"),
            receipt,
            labels,
        );
        let thanks = format!(
            "Dear {},\n\nthank you for paying your invoice of {amount}.\n\nAcme",
            customer.name
        );
        self.email(
            event,
            Some(format!("thank_you:{payment}")),
            "thank_you",
            customer,
            "Thank you for your payment".into(),
            thanks,
            labels,
        );
        self.add_to_metric("revenue_collected_cents", event.amount);
        self.add_to_metric("payments", 1);
        labels.push("revenue".into());
    }

    /// Queues a mail, once per dedupe key (by default: its kind and the event).
    #[allow(clippy::too_many_arguments)]
    fn email(
        &mut self,
        event: &InvoiceEvent,
        dedupe_key: Option<String>,
        kind: &'static str,
        customer: &Customer,
        subject: String,
        body: String,
        labels: &mut Vec<String>,
    ) {
        self.emails.push(Email {
            dedupe_key: dedupe_key.unwrap_or_else(|| format!("{kind}:{}", event.event_id)),
            event_id: event.event_id,
            kind,
            recipient: customer.email.clone(),
            subject,
            body,
        });
        labels.push(format!("email:{kind}"));
    }

    fn webhook(
        &mut self,
        event: &InvoiceEvent,
        target: &'static str,
        kind: &str,
        labels: &mut Vec<String>,
    ) {
        self.webhooks.push(Webhook {
            dedupe_key: format!("{target}:{kind}:{}", event.event_id),
            event_id: event.event_id,
            target,
            body: json!({ "type": kind, "sentAt": Utc::now(), "event": event }),
        });
        labels.push(format!("webhook:{target}"));
    }

    fn add_to_metric(&mut self, metric: &'static str, delta: i64) {
        *self.metrics.entry(metric).or_default() += delta;
    }

    /// Writes every planned row: one statement per table that has rows.
    pub async fn write(self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        let Effects {
            emails,
            webhooks,
            tasks,
            audits,
            archives,
            metrics,
        } = self;
        if !emails.is_empty() {
            let keys: Vec<&str> = emails.iter().map(|e| e.dedupe_key.as_str()).collect();
            let events: Vec<Uuid> = emails.iter().map(|e| e.event_id).collect();
            let kinds: Vec<&str> = emails.iter().map(|e| e.kind).collect();
            let recipients: Vec<&str> = emails.iter().map(|e| e.recipient.as_str()).collect();
            let subjects: Vec<&str> = emails.iter().map(|e| e.subject.as_str()).collect();
            let bodies: Vec<&str> = emails.iter().map(|e| e.body.as_str()).collect();
            sqlx::query!(
                "INSERT INTO email_outbox (dedupe_key, event_id, kind, recipient, subject, body)
                 SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
                 ON CONFLICT (dedupe_key) DO NOTHING",
                &keys as &[&str],
                &events,
                &kinds as &[&str],
                &recipients as &[&str],
                &subjects as &[&str],
                &bodies as &[&str],
            )
            .execute(&mut **tx)
            .await?;
        }
        if !webhooks.is_empty() {
            let keys: Vec<&str> = webhooks.iter().map(|w| w.dedupe_key.as_str()).collect();
            let events: Vec<Uuid> = webhooks.iter().map(|w| w.event_id).collect();
            let targets: Vec<&str> = webhooks.iter().map(|w| w.target).collect();
            let bodies: Vec<Value> = webhooks.iter().map(|w| w.body.clone()).collect();
            sqlx::query!(
                "INSERT INTO webhook_outbox (dedupe_key, event_id, target, body)
                 SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::jsonb[])
                 ON CONFLICT (dedupe_key) DO NOTHING",
                &keys as &[&str],
                &events,
                &targets as &[&str],
                &bodies,
            )
            .execute(&mut **tx)
            .await?;
        }
        if !tasks.is_empty() {
            let (events, invoices, titles, due): (Vec<_>, Vec<_>, Vec<_>, Vec<_>) = unzip4(tasks);
            sqlx::query!(
                "INSERT INTO follow_up_tasks (event_id, invoice_id, title, due_on)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::date[])",
                &events,
                &invoices,
                &titles,
                &due as &[NaiveDate],
            )
            .execute(&mut **tx)
            .await?;
        }
        if !audits.is_empty() {
            let events: Vec<Uuid> = audits.iter().map(|a| a.event_id).collect();
            let invoices: Vec<Uuid> = audits.iter().map(|a| a.invoice_id).collect();
            let actions: Vec<&str> = audits.iter().map(|a| a.action.as_str()).collect();
            let befores: Vec<Value> = audits.iter().map(|a| a.before.clone()).collect();
            let afters: Vec<Value> = audits.iter().map(|a| a.after.clone()).collect();
            let at: Vec<DateTime<Utc>> = audits.iter().map(|a| a.at).collect();
            let acted_by: Vec<Option<String>> = audits.iter().map(|a| a.acted_by.clone()).collect();
            sqlx::query!(
                "INSERT INTO audit_log (event_id, invoice_id, action, before, after, at, acted_by)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[], $6::timestamptz[], $7::text[])",
                &events,
                &invoices,
                &actions as &[&str],
                &befores,
                &afters,
                &at as &[DateTime<Utc>],
                &acted_by as &[Option<String>],
            )
            .execute(&mut **tx)
            .await?;
        }
        if !archives.is_empty() {
            let (events, invoices, data): (Vec<Uuid>, Vec<Uuid>, Vec<Value>) = archives
                .into_iter()
                .fold(Default::default(), |mut columns, (e, i, d)| {
                    columns.0.push(e);
                    columns.1.push(i);
                    columns.2.push(d);
                    columns
                });
            sqlx::query!(
                "INSERT INTO invoice_archive (event_id, invoice_id, data)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::jsonb[])",
                &events,
                &invoices,
                &data,
            )
            .execute(&mut **tx)
            .await?;
        }
        // Last: the figures' rows are shared by every batch, so hold their locks briefly.
        if !metrics.is_empty() {
            let names: Vec<&str> = metrics.keys().copied().collect();
            let deltas: Vec<i64> = metrics.values().copied().collect();
            sqlx::query!(
                "INSERT INTO invoice_analytics (metric, value)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[])
                 ON CONFLICT (metric) DO UPDATE SET value = invoice_analytics.value + EXCLUDED.value, updated_at = now()",
                &names as &[&str],
                &deltas,
            )
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

fn unzip4<A, B, C, D>(rows: Vec<(A, B, C, D)>) -> (Vec<A>, Vec<B>, Vec<C>, Vec<D>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (a, b, c, d) in rows {
        out.0.push(a);
        out.1.push(b);
        out.2.push(c);
        out.3.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, status: &str, metadata: Value, amount: i64) -> AcceptedEvent {
        AcceptedEvent::accept(InvoiceEvent {
            event_id: Uuid::new_v4(),
            invoice_id: Uuid::nil().to_string(),
            action: action.into(),
            customer_id: Uuid::nil().to_string(),
            amount,
            status: status.into(),
            timestamp: "2026-11-27T10:00:00Z".parse().unwrap(),
            metadata,
            acted_by: None,
        })
        .expect("an event the processor accepts")
    }

    fn customer() -> Customer {
        Customer {
            name: "Lee".into(),
            email: "lee@example.com".into(),
        }
    }

    #[test]
    fn a_paid_creation_ends_with_the_payment_effects() {
        let e = event("created", "paid", Value::Null, 150_000);
        let mut effects = Effects::default();
        let labels = effects.plan(&e, Uuid::nil(), &customer(), true);
        assert!(
            labels.contains(&"webhook:accounting".to_string()),
            "{labels:?}"
        );
        assert!(labels.ends_with(&[
            "email:receipt".into(),
            "email:thank_you".into(),
            "revenue".into()
        ]));
        assert_eq!(effects.metrics["invoices_created"], 1);
        assert_eq!(effects.metrics["revenue_collected_cents"], 150_000);
    }

    #[test]
    fn a_payment_reported_twice_counts_once() {
        let e = event(
            "status_changed",
            "paid",
            json!({"oldStatus": "pending", "newStatus": "paid"}),
            500,
        );
        assert!(payment(&e, Uuid::nil()).is_some());
        let mut effects = Effects::default();
        assert!(effects.plan(&e, Uuid::nil(), &customer(), false).is_empty());
        assert!(effects.metrics.is_empty());
    }

    #[test]
    fn figures_of_a_batch_add_up_per_metric() {
        let mut effects = Effects::default();
        for amount in [100, 250] {
            effects.plan(
                &event("created", "pending", Value::Null, amount),
                Uuid::nil(),
                &customer(),
                false,
            );
        }
        assert_eq!(effects.metrics["invoices_created"], 2);
        assert_eq!(effects.metrics["amount_created_cents"], 350);
        assert_eq!(effects.tasks.len(), 2);
    }

    #[test]
    fn an_update_from_pending_to_paid_reports_a_payment_and_an_update_without_does_not() {
        let paid = event("updated", "paid", json!({"previousStatus": "pending"}), 1);
        let same = event("updated", "paid", json!({"previousStatus": "paid"}), 1);
        assert!(payment(&paid, Uuid::nil()).is_some());
        assert!(payment(&same, Uuid::nil()).is_none());
    }
}
