//! One event's journey, hop by hop, from what every hop wrote down: committed with its change
//! (the outbox row), published by the relay, parked while it could not be processed,
//! processed (topic, partition, offset), each side effect with its delivery state, and the
//! activity item the feed pushed to browsers. Each hop with its time and the time since the
//! one before.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Committed,
    Published,
    Parked,
    Processed,
    Mail,
    Webhook,
    Task,
    AuditLog,
    Archive,
    Payment,
    ActivityItem,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Committed => "committed",
            Step::Published => "published",
            Step::Parked => "parked",
            Step::Processed => "processed",
            Step::Mail => "mail",
            Step::Webhook => "webhook",
            Step::Task => "task",
            Step::AuditLog => "audit_log",
            Step::Archive => "archive",
            Step::Payment => "payment",
            Step::ActivityItem => "activity_item",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HopState {
    Done,
    /// Not yet (queued, or waiting for its next try).
    Waiting,
    /// Tried and failed; will be tried again.
    Failing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    pub step: Step,
    pub state: HopState,
    /// When it happened (for a hop not done yet: when it was queued).
    pub at: Option<DateTime<Utc>>,
    /// Milliseconds since the hop before that has a time.
    pub since_previous_ms: Option<i64>,
    /// Where and what: `invoices/2@17`, `confirmation to lee@robinson.com`, the last error...
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journey {
    pub event_id: Uuid,
    pub invoice_id: String,
    pub event_type: String,
    pub trace_id: Option<String>,
    pub hops: Vec<Hop>,
}

/// One event of an invoice, as its page lists them (each opening its journey).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceEventRef {
    pub event_id: Uuid,
    pub event_type: String,
    pub committed_at: DateTime<Utc>,
    pub processed: bool,
}

/// The events of an invoice (on the invoices topic), oldest first.
#[cfg(feature = "ssr")]
pub async fn of_invoice(
    pool: &sqlx::PgPool,
    topic: &str,
    invoice_id: Uuid,
) -> Result<Vec<InvoiceEventRef>, sqlx::Error> {
    sqlx::query_as!(
        InvoiceEventRef,
        r#"SELECT o.event_id, o.event_type, o.created_at AS "committed_at: DateTime<Utc>",
                  (p.event_id IS NOT NULL) AS "processed!"
           FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.event_id
           WHERE o.topic = $1 AND o.message_key = $2
           ORDER BY o.id"#,
        topic,
        invoice_id.to_string(),
    )
    .fetch_all(pool)
    .await
}

impl Journey {
    /// From commit to the activity item, when both happened.
    pub fn commit_to_feed_ms(&self) -> Option<i64> {
        let at = |step: Step| self.hops.iter().find(|h| h.step == step).and_then(|h| h.at);
        Some((at(Step::ActivityItem)? - at(Step::Committed)?).num_milliseconds())
    }
}

/// Orders hops by time (hops without one last, in the order given) and fills in the time
/// since the previous hop.
pub fn in_order(mut hops: Vec<Hop>) -> Vec<Hop> {
    hops.sort_by_key(|h| (h.at.is_none(), h.at));
    let mut previous: Option<DateTime<Utc>> = None;
    for hop in &mut hops {
        hop.since_previous_ms = match (previous, hop.at) {
            (Some(p), Some(at)) => Some((at - p).num_milliseconds().max(0)),
            _ => None,
        };
        if hop.at.is_some() {
            previous = hop.at;
        }
    }
    hops
}

#[cfg(feature = "ssr")]
pub async fn of_event(pool: &sqlx::PgPool, event_id: Uuid) -> Result<Option<Journey>, sqlx::Error> {
    use DateTime as T;
    let Some(outbox) = sqlx::query!(
        r#"SELECT topic, message_key, event_type, traceparent, created_at AS "created_at: T<Utc>",
                  published_at AS "published_at: T<Utc>", attempts, last_error
           FROM outbox WHERE event_id = $1"#,
        event_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let processed = sqlx::query!(
        r#"SELECT kafka_topic, kafka_partition, kafka_offset, processed_at AS "processed_at: T<Utc>", processed_by
           FROM processed_events WHERE event_id = $1"#,
        event_id
    )
    .fetch_optional(pool)
    .await?;
    let hop = |step, state, at, detail: String| Hop {
        step,
        state,
        at,
        since_previous_ms: None,
        detail,
    };
    let mut hops = vec![hop(
        Step::Committed,
        HopState::Done,
        Some(outbox.created_at),
        format!(
            "{} {} (key {})",
            outbox.topic, outbox.event_type, outbox.message_key
        ),
    )];
    let position = processed
        .as_ref()
        .map(|p| format!("{}/{}@{}", p.kafka_topic, p.kafka_partition, p.kafka_offset))
        .unwrap_or_else(|| outbox.topic.clone());
    hops.push(match outbox.published_at {
        Some(at) => hop(Step::Published, HopState::Done, Some(at), position.clone()),
        None => match outbox.last_error {
            Some(error) => hop(
                Step::Published,
                HopState::Failing,
                None,
                format!("{} attempt(s): {error}", outbox.attempts),
            ),
            None => hop(Step::Published, HopState::Waiting, None, String::new()),
        },
    });
    let id_text = event_id.to_string();
    let parked = sqlx::query!(
        r#"SELECT kafka_partition, kafka_offset, attempts, last_error, parked_at AS "parked_at: T<Utc>",
                  next_attempt_at AS "next_attempt_at: T<Utc>"
           FROM parked_events WHERE invoice_key = $1 AND position($2 in encode(payload, 'escape')) > 0"#,
        outbox.message_key,
        id_text,
    )
    .fetch_all(pool)
    .await?;
    for p in parked {
        hops.push(hop(
            Step::Parked,
            HopState::Failing,
            Some(p.parked_at),
            format!(
                "{}@{}: {} attempt(s), next {}; {}",
                p.kafka_partition,
                p.kafka_offset,
                p.attempts,
                crate::formatting::clock(p.next_attempt_at),
                p.last_error.unwrap_or_default()
            ),
        ));
    }
    if let Some(p) = &processed {
        let by = p
            .processed_by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        let detail = format!("{position}{by}");
        hops.push(hop(
            Step::Processed,
            HopState::Done,
            Some(p.processed_at),
            detail,
        ));
    }
    let delivery = |sent: Option<T<Utc>>, attempts: i32, error: Option<String>, next: T<Utc>| match (
        sent, error,
    ) {
        (Some(_), _) => (HopState::Done, format!("sent ({attempts} attempt(s))")),
        (None, Some(e)) => (
            HopState::Failing,
            format!(
                "retrying at {} after {attempts} attempt(s): {e}",
                crate::formatting::clock(next)
            ),
        ),
        (None, None) => (HopState::Waiting, "queued".to_string()),
    };
    for m in sqlx::query!(
        r#"SELECT kind, recipient, created_at AS "created_at: T<Utc>", sent_at AS "sent_at: T<Utc>",
                  attempts, last_error, next_attempt_at AS "next_attempt_at: T<Utc>"
           FROM email_outbox WHERE event_id = $1 ORDER BY id"#,
        event_id
    )
    .fetch_all(pool)
    .await?
    {
        let (state, how) = delivery(m.sent_at, m.attempts, m.last_error, m.next_attempt_at);
        let at = m.sent_at.or(Some(m.created_at));
        hops.push(hop(
            Step::Mail,
            state,
            at,
            format!("{} to {}: {how}", m.kind, m.recipient),
        ));
    }
    for w in sqlx::query!(
        r#"SELECT target, created_at AS "created_at: T<Utc>", sent_at AS "sent_at: T<Utc>",
                  attempts, last_error, next_attempt_at AS "next_attempt_at: T<Utc>"
           FROM webhook_outbox WHERE event_id = $1 ORDER BY id"#,
        event_id
    )
    .fetch_all(pool)
    .await?
    {
        let (state, how) = delivery(w.sent_at, w.attempts, w.last_error, w.next_attempt_at);
        let at = w.sent_at.or(Some(w.created_at));
        hops.push(hop(
            Step::Webhook,
            state,
            at,
            format!("{}: {how}", w.target),
        ));
    }
    let recorded = sqlx::query!(
        r#"SELECT (SELECT title FROM follow_up_tasks WHERE event_id = $1) AS task,
                  (SELECT created_at FROM follow_up_tasks WHERE event_id = $1) AS "task_at: T<Utc>",
                  (SELECT acted_by FROM audit_log WHERE event_id = $1) AS audit_by,
                  (SELECT count(*) FROM audit_log WHERE event_id = $1) AS "audits!",
                  (SELECT archived_at FROM invoice_archive WHERE event_id = $1) AS "archived_at: T<Utc>",
                  (SELECT amount_cents FROM payments WHERE event_id = $1) AS payment,
                  (SELECT seq FROM activity_items WHERE event_id = $1) AS seq,
                  (SELECT created_at FROM activity_items WHERE event_id = $1) AS "item_at: T<Utc>""#,
        event_id
    )
    .fetch_one(pool)
    .await?;
    let processed_at = processed.as_ref().map(|p| p.processed_at);
    if let Some(task) = recorded.task {
        hops.push(hop(Step::Task, HopState::Done, recorded.task_at, task));
    }
    if recorded.audits > 0 {
        let by = recorded
            .audit_by
            .map(|b| format!("by {b}"))
            .unwrap_or_default();
        hops.push(hop(Step::AuditLog, HopState::Done, processed_at, by));
    }
    if recorded.archived_at.is_some() {
        hops.push(hop(
            Step::Archive,
            HopState::Done,
            recorded.archived_at,
            String::new(),
        ));
    }
    if let Some(cents) = recorded.payment {
        let amount = crate::formatting::money(cents, crate::i18n::Locale::en);
        hops.push(hop(Step::Payment, HopState::Done, processed_at, amount));
    }
    if let Some(seq) = recorded.seq {
        let detail = format!("feed item #{seq}, pushed to open feeds");
        hops.push(hop(
            Step::ActivityItem,
            HopState::Done,
            recorded.item_at,
            detail,
        ));
    }
    Ok(Some(Journey {
        event_id,
        invoice_id: outbox.message_key,
        event_type: outbox.event_type,
        trace_id: outbox
            .traceparent
            .as_deref()
            .and_then(crate::trace::TraceParent::parse)
            .map(|t| t.trace_id()),
        hops: in_order(hops),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_are_ordered_by_time_with_the_time_since_the_one_before() {
        let at =
            |ms: i64| Some(DateTime::<Utc>::from_timestamp_millis(1_700_000_000_000 + ms).unwrap());
        let hop = |step, at| Hop {
            step,
            state: HopState::Done,
            at,
            since_previous_ms: None,
            detail: String::new(),
        };
        let hops = in_order(vec![
            hop(Step::Committed, at(0)),
            hop(Step::Mail, None),
            hop(Step::Processed, at(120)),
            hop(Step::Published, at(15)),
        ]);
        let steps: Vec<_> = hops.iter().map(|h| (h.step, h.since_previous_ms)).collect();
        assert_eq!(
            steps,
            [
                (Step::Committed, None),
                (Step::Published, Some(15)),
                (Step::Processed, Some(105)),
                (Step::Mail, None)
            ]
        );
    }
}
