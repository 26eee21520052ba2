//! Appending to the activity feed: one row in `activity_items` with the next `seq`, and the
//! same item queued in the outbox for `invoice-activity`, inside the caller's transaction.
//! Processed events and dead letters both end up here.

use crate::kafka::DetachedMessage;
use app::backoff::Backoff;
use app::db::outbox;
use app::events::{Action, ActivityItem, InvoiceEvent};
use app::trace::TraceParent;
use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashSet;
use std::time::Duration;

/// Held for the rest of a transaction that appends to the feed, so that `seq` order is
/// commit order and a reader never sees seq 7 before seq 6 appears.
const FEED_APPEND_LOCK: i64 = 0x0ac3_feed;

/// Gives `item` the next `seq` and appends it; `false` when an item for `item.event_id`
/// is already in the feed (a repeat delivery).
pub async fn append(
    tx: &mut Transaction<'_, Postgres>,
    activity_topic: &str,
    item: &mut ActivityItem,
    trace: TraceParent,
) -> Result<bool, sqlx::Error> {
    Ok(append_all(tx, activity_topic, std::slice::from_mut(item), &[trace]).await? == 1)
}

/// Gives each item the next `seq`, in order, and appends them with their outbox messages, a
/// statement per table; `traces[i]` is the trace of the work that made `items[i]` (its
/// message carries it on). Items already in the feed (repeat deliveries) are skipped and keep
/// `seq` 0. Returns how many were appended.
pub async fn append_all(
    tx: &mut Transaction<'_, Postgres>,
    activity_topic: &str,
    items: &mut [ActivityItem],
    traces: &[TraceParent],
) -> Result<usize, sqlx::Error> {
    assert_eq!(items.len(), traces.len(), "one trace per item");
    if items.is_empty() {
        return Ok(0);
    }
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", FEED_APPEND_LOCK)
        .execute(&mut **tx)
        .await?;
    let ids: Vec<uuid::Uuid> = items.iter().map(|i| i.event_id).collect();
    let present: HashSet<uuid::Uuid> = sqlx::query_scalar!(
        "SELECT event_id FROM activity_items WHERE event_id = ANY($1)",
        &ids,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let mut seen = HashSet::new();
    let fresh: Vec<usize> = (0..items.len())
        .filter(|&i| !present.contains(&items[i].event_id) && seen.insert(items[i].event_id))
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let mut seqs: Vec<i64> = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('activity_items', 'seq')) AS "seq!" FROM generate_series(1, $1)"#,
        fresh.len() as i32,
    )
    .fetch_all(&mut **tx)
    .await?;
    seqs.sort_unstable();
    for (&i, seq) in fresh.iter().zip(seqs) {
        items[i].seq = seq;
    }
    let fresh_traces: Vec<TraceParent> = fresh.iter().map(|&i| traces[i].child()).collect();
    let fresh: Vec<&ActivityItem> = fresh.iter().map(|&i| &items[i]).collect();
    let json = fresh
        .iter()
        .map(|item| serde_json::to_value(item))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let (seqs, event_ids): (Vec<i64>, Vec<uuid::Uuid>) =
        fresh.iter().map(|i| (i.seq, i.event_id)).unzip();
    // created_at: when the item was written (not when its transaction began).
    sqlx::query!(
        "INSERT INTO activity_items (seq, event_id, item, created_at)
         SELECT s, e, i, clock_timestamp() FROM UNNEST($1::bigint[], $2::uuid[], $3::jsonb[]) AS t(s, e, i)",
        &seqs,
        &event_ids,
        &json,
    )
    .execute(&mut **tx)
    .await?;
    let messages: Vec<(uuid::Uuid, &str, &str, &ActivityItem, TraceParent)> = fresh
        .iter()
        .zip(fresh_traces)
        .map(|(item, trace)| {
            tracing::debug!(
                trace_id = %trace.trace_id(),
                event_id = %item.event_id,
                invoice_id = %item.invoice_id,
                seq = item.seq,
                "activity item appended"
            );
            (
                uuid::Uuid::new_v4(),
                item.invoice_id.as_str(),
                item.action.as_str(),
                *item,
                trace,
            )
        })
        .collect();
    outbox::enqueue_many(tx, activity_topic, &messages).await?;
    Ok(fresh.len())
}

/// A stable id for the feed item of a dead letter, from where the message was: a repeat
/// dead-lettering of the same message (after a crash) does not show twice.
pub fn dead_letter_item_id(message: &DetachedMessage) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!(
        "dead-letter:{}:{}:{}",
        message.topic, message.partition, message.offset
    ));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// What the feed shows for a message that was dead-lettered: as much of the event as can be
/// read from it, and the reason.
pub fn dead_letter_item(message: &DetachedMessage, reason: &str) -> ActivityItem {
    let event = message
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_slice::<InvoiceEvent>(p).ok());
    let key = message.invoice_key.clone();
    ActivityItem {
        seq: 0,
        event_id: dead_letter_item_id(message),
        action: Action::DeadLettered,
        invoice_id: event.as_ref().map(|e| e.invoice_id.clone()).unwrap_or(key),
        customer_id: event
            .as_ref()
            .map(|e| e.customer_id.clone())
            .unwrap_or_default(),
        customer_name: None,
        customer_image: None,
        amount: event.as_ref().map(|e| e.amount).unwrap_or(0),
        status: event.as_ref().map(|e| e.status.clone()).unwrap_or_default(),
        previous_status: None,
        occurred_at: event.as_ref().map(|e| e.timestamp).unwrap_or_else(Utc::now),
        processed_at: Utc::now(),
        effects: vec!["dead_letter".into()],
        reason: Some(reason.to_string()),
    }
}

const SHOW_RETRY: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(1));

/// Shows a dead letter in the feed. The letter is already safe on its topic; this is for the
/// people watching, so a few tries and then a warning.
pub async fn record_dead_letter(
    pool: &PgPool,
    activity_topic: &str,
    message: &DetachedMessage,
    reason: &str,
) {
    let mut item = dead_letter_item(message, reason);
    for attempt in 1..=3u64 {
        let result = async {
            let mut tx = pool.begin().await?;
            if let Ok(id) = uuid::Uuid::parse_str(&item.customer_id) {
                let customer =
                    sqlx::query!("SELECT name, image_url FROM customers WHERE id = $1", id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(customer) = customer {
                    item.customer_name = Some(customer.name);
                    item.customer_image = Some(customer.image_url);
                }
            }
            append(&mut tx, activity_topic, &mut item, message.trace()).await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "could not show a dead letter in the activity feed");
                tokio::time::sleep(SHOW_RETRY.delay(attempt as u32)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(payload: &[u8], offset: i64) -> DetachedMessage {
        DetachedMessage {
            invoice_key: "key-1".into(),
            topic: "invoices".into(),
            partition: 2,
            offset,
            key: Some(b"key-1".to_vec()),
            payload: Some(payload.to_vec()),
            headers: vec![],
        }
    }

    #[test]
    fn a_broken_message_still_shows_its_key_and_reason() {
        let item = dead_letter_item(&parked(b"{not json", 7), "not an invoice event");
        assert_eq!(item.action, "dead_lettered");
        assert_eq!(item.invoice_id, "key-1");
        assert_eq!(item.reason.as_deref(), Some("not an invoice event"));
    }

    #[test]
    fn a_readable_event_shows_its_invoice_and_amount() {
        let payload = br#"{"eventId":"5b1c8a4e-4a8e-4d43-9a53-2f1a8f1e0a11","invoiceId":"inv-9","action":"teleported","customerId":"c-1","amount":1234,"status":"paid","timestamp":"2026-11-27T10:00:00Z"}"#;
        let item = dead_letter_item(&parked(payload, 7), "unknown action `teleported`");
        assert_eq!(
            (item.invoice_id.as_str(), item.amount, item.status.as_str()),
            ("inv-9", 1234, "paid")
        );
    }

    #[test]
    fn the_same_message_gets_the_same_feed_id_and_another_message_another() {
        assert_eq!(
            dead_letter_item_id(&parked(b"x", 7)),
            dead_letter_item_id(&parked(b"y", 7))
        );
        assert_ne!(
            dead_letter_item_id(&parked(b"x", 7)),
            dead_letter_item_id(&parked(b"x", 8))
        );
    }
}
