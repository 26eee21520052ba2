//! The messages that travel through Kafka, shared by the writer (outbox), the processor
//! and the browser. Field names are the ones our users' guide uses (camelCase JSON).

use crate::domain::InvoiceStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Kafka header names, one spelling for whoever writes and whoever reads them.
pub mod headers {
    /// The event's action (`created`, `updated`, ...), as in our users' guide.
    pub const EVENT_TYPE: &str = "event-type";
    /// Who published the message.
    pub const SOURCE: &str = "source";
    /// Every header the dead-letter topic adds starts with this.
    pub const DLQ_PREFIX: &str = "dlq-";
    pub const DLQ_ORIGINAL_TOPIC: &str = "dlq-original-topic";
    pub const DLQ_ORIGINAL_PARTITION: &str = "dlq-original-partition";
    pub const DLQ_ORIGINAL_OFFSET: &str = "dlq-original-offset";
    /// Why the message could not be processed.
    pub const DLQ_ERROR: &str = "dlq-error";
    /// How often it was tried.
    pub const DLQ_ATTEMPTS: &str = "dlq-attempts";
    /// On a replayed dead letter: `topic/partition/offset` of the dead letter it came from.
    pub const REPLAYED_FROM: &str = "dlq-replayed-from";
}

/// The `event-type` header and `action` field of an invoice event.
pub mod action {
    pub const CREATED: &str = "created";
    pub const UPDATED: &str = "updated";
    pub const STATUS_CHANGED: &str = "status_changed";
    pub const DELETED: &str = "deleted";
    /// Not an event type on `invoices`: the feed's name for a message sent to the dead-letter topic.
    pub const DEAD_LETTERED: &str = "dead_lettered";
}

/// What happened, once a message is accepted: an invoice event's action, or the feed's
/// `dead_lettered`. On the wire it is the snake_case name (the `event-type` header, the
/// `action` field), as in our users' guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    StatusChanged,
    Deleted,
    DeadLettered,
}

impl Action {
    /// What can happen to an invoice (the actions of the `invoices` topic).
    pub const OF_INVOICES: [Self; 4] = [
        Self::Created,
        Self::Updated,
        Self::StatusChanged,
        Self::Deleted,
    ];
    /// Every action the feed shows, in the order its filter lists them.
    pub const IN_THE_FEED: [Self; 5] = [
        Self::Created,
        Self::Updated,
        Self::StatusChanged,
        Self::Deleted,
        Self::DeadLettered,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => action::CREATED,
            Self::Updated => action::UPDATED,
            Self::StatusChanged => action::STATUS_CHANGED,
            Self::Deleted => action::DELETED,
            Self::DeadLettered => action::DEAD_LETTERED,
        }
    }

    /// The action an invoice event names, if it is one.
    pub fn of_invoice_event(name: &str) -> Option<Self> {
        Self::OF_INVOICES.into_iter().find(|a| a.as_str() == name)
    }

    /// The action a feed filter names, if it is one.
    pub fn in_the_feed(name: &str) -> Option<Self> {
        Self::IN_THE_FEED.into_iter().find(|a| a.as_str() == name)
    }

    /// Whether the invoice is gone after it (its page would be a 404).
    pub fn leaves_no_invoice(self) -> bool {
        matches!(self, Self::Deleted | Self::DeadLettered)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Action {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The value of a message on the `invoices` topic (key = invoice id), as it travels: its
/// `action` is checked (`Action::of_invoice_event`) when the processor accepts it.
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
    /// Who made the change (a person, or an API token): the processor's audit log names them.
    /// Absent for changes nobody signed in made (scripts, the produce API with no token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acted_by: Option<ActedBy>,
}

/// The person or token behind an invoice event, in its `actedBy` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActedBy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Uuid>,
    /// The user's email, or `token:<name>`.
    pub name: String,
}

impl From<&crate::auth::roles::Actor> for ActedBy {
    fn from(actor: &crate::auth::roles::Actor) -> Self {
        Self {
            user_id: actor.user,
            token_id: actor.token,
            name: actor.name.clone(),
        }
    }
}

/// An invoice event the processor accepted: typed where the wire has text. Reads like the
/// event itself (`Deref`), with `action` and `status` typed and the invoice's id parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedEvent {
    pub event: InvoiceEvent,
    pub action: Action,
    pub status: InvoiceStatus,
    pub invoice: Uuid,
}

impl AcceptedEvent {
    /// Accepts an event whose action is one of an invoice's, whose status is known and whose
    /// invoice id is a uuid; otherwise says why it never can be processed.
    pub fn accept(event: InvoiceEvent) -> Result<Self, String> {
        let Some(action) = Action::of_invoice_event(&event.action) else {
            return Err(format!("unknown action `{}`", event.action));
        };
        let Ok(invoice) = Uuid::parse_str(&event.invoice_id) else {
            return Err(format!("unknown invoice `{}`", event.invoice_id));
        };
        let Ok(status) = event.status.parse::<InvoiceStatus>() else {
            return Err(format!("unknown status `{}`", event.status));
        };
        Ok(Self {
            event,
            action,
            status,
            invoice,
        })
    }
}

impl std::ops::Deref for AcceptedEvent {
    type Target = InvoiceEvent;

    fn deref(&self) -> &InvoiceEvent {
        &self.event
    }
}

/// One processed event as the activity feed shows it (topic `invoice-activity`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    /// Position in the feed: strictly increasing, so a browser can ask for what it missed.
    pub seq: i64,
    pub event_id: Uuid,
    pub action: Action,
    pub invoice_id: String,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub customer_image: Option<String>,
    pub amount: i64,
    pub status: String,
    /// The status before, when this event changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<String>,
    /// When the change was made (the event's timestamp).
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::wire_time::utc"))]
    pub occurred_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::wire_time::utc"))]
    pub processed_at: DateTime<Utc>,
    /// What the processor did for this event, e.g. `email:confirmation`, `task:follow_up`.
    #[serde(default)]
    pub effects: Vec<String>,
    /// Why a dead-lettered message could not be processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What the server sends on `/ws/activity`, one JSON text frame each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", try_from = "WireFeedMessage")]
pub enum FeedMessage {
    /// First on every connection: every item after `position` follows, in order.
    Hello { position: i64 },
    /// An item the browser has not seen yet, in `seq` order.
    Item { item: ActivityItem },
    /// The browser fell too far behind: it should reconnect asking for what it missed.
    Resync,
    /// The signed-in user was disabled or given a new role: the page reloads (and lands on the
    /// login page, or shows what the new role may do).
    SessionChanged,
}

/// A feed message as the browser reads it: the same JSON as a flat struct (serde would buffer
/// every field of an internally tagged enum first, and that code would be in every page's wasm).
#[derive(Deserialize)]
struct WireFeedMessage {
    #[serde(rename = "type")]
    kind: FeedKind,
    position: Option<i64>,
    item: Option<ActivityItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum FeedKind {
    Hello,
    Item,
    Resync,
    SessionChanged,
}

impl TryFrom<WireFeedMessage> for FeedMessage {
    type Error = &'static str;

    fn try_from(wire: WireFeedMessage) -> Result<Self, Self::Error> {
        Ok(match wire.kind {
            FeedKind::Hello => Self::Hello {
                position: wire.position.ok_or("missing field `position`")?,
            },
            FeedKind::Item => Self::Item {
                item: wire.item.ok_or("missing field `item`")?,
            },
            FeedKind::Resync => Self::Resync,
            FeedKind::SessionChanged => Self::SessionChanged,
        })
    }
}

/// Which feed items a reader wants: by action and by customer; empty means all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

impl FeedFilter {
    /// Empty strings (an "all" choice in a form) mean no filter.
    pub fn new(action: Option<String>, customer: Option<String>) -> Self {
        let keep = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Self {
            action: keep(action),
            customer: keep(customer),
        }
    }

    pub fn matches(&self, item: &ActivityItem) -> bool {
        self.action
            .as_ref()
            .is_none_or(|a| item.action == a.as_str())
            && self
                .customer
                .as_ref()
                .is_none_or(|c| *c == item.customer_id)
    }

    /// The filter as URL query parameters (`action=…&customer=…`), empty for none.
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = &self.action {
            parts.push(format!(
                "action={}",
                crate::components::search::urlencode(a)
            ));
        }
        if let Some(c) = &self.customer {
            parts.push(format!(
                "customer={}",
                crate::components::search::urlencode(c)
            ));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_accepted_typed_or_refused_with_the_reason() {
        let wire = |action: &str, invoice: &str, status: &str| InvoiceEvent {
            event_id: Uuid::nil(),
            invoice_id: invoice.into(),
            action: action.into(),
            customer_id: "c".into(),
            amount: 100,
            status: status.into(),
            timestamp: Utc::now(),
            metadata: serde_json::Value::Null,
            acted_by: None,
        };
        let id = Uuid::new_v4().to_string();
        let accepted = AcceptedEvent::accept(wire("status_changed", &id, "paid")).unwrap();
        assert_eq!(accepted.action, Action::StatusChanged);
        assert_eq!(accepted.status, InvoiceStatus::Paid);
        assert_eq!(accepted.invoice.to_string(), id);
        assert_eq!(accepted.amount, 100, "reads like the event");
        let refused = |e: InvoiceEvent| AcceptedEvent::accept(e).unwrap_err();
        assert_eq!(
            refused(wire("archived", &id, "paid")),
            "unknown action `archived`"
        );
        assert_eq!(
            refused(wire("dead_lettered", &id, "paid")),
            "unknown action `dead_lettered`"
        );
        assert_eq!(
            refused(wire("created", "INV-1", "paid")),
            "unknown invoice `INV-1`"
        );
        assert_eq!(
            refused(wire("created", &id, "overdue")),
            "unknown status `overdue`"
        );
    }

    #[test]
    fn actions_travel_by_their_snake_case_names_and_invoices_never_dead_letter_themselves() {
        for action in Action::IN_THE_FEED {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
            assert_eq!(Action::in_the_feed(action.as_str()), Some(action));
        }
        assert_eq!(Action::StatusChanged.as_str(), "status_changed");
        assert_eq!(Action::of_invoice_event("deleted"), Some(Action::Deleted));
        assert_eq!(Action::of_invoice_event("dead_lettered"), None);
        assert_eq!(Action::of_invoice_event("archived"), None);
        assert!(Action::DeadLettered.leaves_no_invoice() && !Action::Updated.leaves_no_invoice());
    }

    fn item(action: &str, customer: &str) -> ActivityItem {
        ActivityItem {
            seq: 1,
            event_id: Uuid::nil(),
            action: Action::in_the_feed(action).expect("a feed action"),
            invoice_id: "i".into(),
            customer_id: customer.into(),
            customer_name: None,
            customer_image: None,
            amount: 1,
            status: "paid".into(),
            previous_status: None,
            occurred_at: Utc::now(),
            processed_at: Utc::now(),
            effects: vec![],
            reason: None,
        }
    }

    #[test]
    fn an_empty_filter_keeps_everything_and_blank_choices_are_no_filter() {
        let all = FeedFilter::new(Some("".into()), Some("  ".into()));
        assert_eq!(all, FeedFilter::default());
        assert!(all.matches(&item("deleted", "c1")));
        assert_eq!(all.query_string(), "");
    }

    #[test]
    fn both_parts_of_a_filter_must_match() {
        let filter = FeedFilter::new(Some("created".into()), Some("c1".into()));
        assert!(filter.matches(&item("created", "c1")));
        assert!(!filter.matches(&item("created", "c2")));
        assert!(!filter.matches(&item("deleted", "c1")));
        assert_eq!(filter.query_string(), "action=created&customer=c1");
    }

    #[test]
    fn items_written_before_the_new_fields_still_read() {
        let old = r#"{"seq":3,"eventId":"00000000-0000-0000-0000-000000000000","action":"created","invoiceId":"i","customerId":"c","customerName":null,"customerImage":null,"amount":5,"status":"paid","occurredAt":"2026-11-27T10:00:00Z","processedAt":"2026-11-27T10:00:01Z","effects":[]}"#;
        let item: ActivityItem = serde_json::from_str(old).unwrap();
        assert_eq!((item.previous_status, item.reason), (None, None));
    }

    #[test]
    fn feed_messages_read_back_as_they_were_sent() {
        for sent in [
            FeedMessage::Hello { position: 42 },
            FeedMessage::Item {
                item: item("created", "c1"),
            },
            FeedMessage::Resync,
            FeedMessage::SessionChanged,
        ] {
            let json = serde_json::to_string(&sent).unwrap();
            assert_eq!(
                serde_json::from_str::<FeedMessage>(&json).unwrap(),
                sent,
                "{json}"
            );
        }
        assert_eq!(
            serde_json::to_string(&FeedMessage::Hello { position: 7 }).unwrap(),
            r#"{"type":"hello","position":7}"#
        );
        assert_eq!(
            serde_json::from_str::<FeedMessage>(r#"{"position":7,"type":"hello"}"#).unwrap(),
            FeedMessage::Hello { position: 7 }
        );
        let missing = serde_json::from_str::<FeedMessage>(r#"{"type":"item"}"#).unwrap_err();
        assert!(
            missing.to_string().contains("missing field `item`"),
            "{missing}"
        );
        assert!(serde_json::from_str::<FeedMessage>(r#"{"type":"bye"}"#).is_err());
    }
}
