//! The messages that travel through Kafka, shared by the writer (outbox), the processor
//! and the browser. Field names are the ones our users' guide uses (camelCase JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The `event-type` header and `action` field of an invoice event.
pub mod action {
    pub const CREATED: &str = "created";
    pub const UPDATED: &str = "updated";
    pub const STATUS_CHANGED: &str = "status_changed";
    pub const DELETED: &str = "deleted";
}

/// The value of a message on the `invoices` topic (key = invoice id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceEvent {
    pub event_id: Uuid,
    pub invoice_id: String,
    pub action: String,
    pub customer_id: String,
    /// Integer cents.
    pub amount: i64,
    pub status: String,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub metadata: serde_json::Value,
}

/// One processed event as the activity feed shows it (topic `invoice-activity`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    /// Position in the feed: strictly increasing, so a browser can ask for what it missed.
    pub seq: i64,
    pub event_id: Uuid,
    pub action: String,
    pub invoice_id: String,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub customer_image: Option<String>,
    pub amount: i64,
    pub status: String,
    /// When the change was made (the event's timestamp).
    pub occurred_at: DateTime<Utc>,
    pub processed_at: DateTime<Utc>,
    /// What the processor did for this event, e.g. `email:confirmation`, `task:follow_up`.
    #[serde(default)]
    pub effects: Vec<String>,
}

/// What the server sends on `/ws/activity`, one JSON text frame each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FeedMessage {
    /// An item the browser has not seen yet, in `seq` order.
    Item { item: ActivityItem },
    /// The browser fell too far behind: it should reconnect asking for what it missed.
    Resync,
}
