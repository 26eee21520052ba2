//! The mail and webhooks the processor decided to send, as an operator follows them: to whom,
//! their state (sent, failing and when it is tried next, queued), attempts and the last error;
//! "retry now" for one or every failing one; a mail as it was sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Mail,
    Webhook,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Sent,
    /// Tried and failed: tried again at `next_attempt_at`.
    Failing,
    /// Not tried yet.
    Queued,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [Self::Failing, Self::Queued, Self::Sent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Failing => "failing",
            Self::Queued => "queued",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    #[cfg(feature = "ssr")]
    fn of(sent: bool, failed_before: bool) -> Self {
        match (sent, failed_before) {
            (true, _) => Self::Sent,
            (false, true) => Self::Failing,
            (false, false) => Self::Queued,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: Channel,
    pub id: i64,
    pub event_id: Uuid,
    /// The recipient of a mail, the target of a webhook.
    pub to: String,
    /// A mail's kind and subject; a webhook's event.
    pub what: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A mail as it was (or will be) sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailContent {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use sqlx::PgPool;

    /// The newest deliveries (mail and webhooks together), in one state or all.
    pub async fn list(
        pool: &PgPool,
        state: Option<DeliveryState>,
        limit: i64,
    ) -> Result<Vec<Delivery>, sqlx::Error> {
        let state = state.map(DeliveryState::as_str);
        let rows = sqlx::query!(
            r#"SELECT channel AS "channel!", id AS "id!", event_id AS "event_id!", recipient AS "to!",
                      what AS "what!", sent AS "sent!", attempts AS "attempts!",
                      next_attempt_at AS "next_attempt_at!: DateTime<Utc>", last_error,
                      created_at AS "created_at!: DateTime<Utc>", sent_at AS "sent_at: DateTime<Utc>"
               FROM (
                 SELECT 'mail' AS channel, id, event_id, recipient, kind || ': ' || subject AS what,
                        sent_at IS NOT NULL AS sent, attempts, next_attempt_at, last_error, created_at, sent_at
                 FROM email_outbox
                 UNION ALL
                 SELECT 'webhook', id, event_id, target, coalesce(body->>'event', ''), sent_at IS NOT NULL,
                        attempts, next_attempt_at, last_error, created_at, sent_at
                 FROM webhook_outbox
               ) d
               WHERE $1::text IS NULL
                  OR ($1 = 'sent' AND sent)
                  OR ($1 = 'failing' AND NOT sent AND attempts > 0)
                  OR ($1 = 'queued' AND NOT sent AND attempts = 0)
               ORDER BY created_at DESC, id DESC
               LIMIT $2"#,
            state,
            limit,
        )
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                channel: if r.channel == "mail" {
                    Channel::Mail
                } else {
                    Channel::Webhook
                },
                id: r.id,
                event_id: r.event_id,
                to: r.to,
                what: r.what,
                state: DeliveryState::of(r.sent, r.attempts > 0),
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                created_at: r.created_at,
                sent_at: r.sent_at,
            })
            .collect())
    }

    /// Makes a failing delivery (or, with `None`, every failing one) due now; how many.
    pub async fn retry_now(
        pool: &PgPool,
        which: Option<(Channel, i64)>,
    ) -> Result<u64, sqlx::Error> {
        let (mail, hook) = match which {
            Some((Channel::Mail, id)) => (Some(id), Some(-1)),
            Some((Channel::Webhook, id)) => (Some(-1), Some(id)),
            None => (None, None),
        };
        let mails = sqlx::query!(
            "UPDATE email_outbox SET next_attempt_at = now()
             WHERE sent_at IS NULL AND attempts > 0 AND ($1::bigint IS NULL OR id = $1)",
            mail
        )
        .execute(pool)
        .await?
        .rows_affected();
        let hooks = sqlx::query!(
            "UPDATE webhook_outbox SET next_attempt_at = now()
             WHERE sent_at IS NULL AND attempts > 0 AND ($1::bigint IS NULL OR id = $1)",
            hook
        )
        .execute(pool)
        .await?
        .rows_affected();
        Ok(mails + hooks)
    }

    pub async fn mail_content(pool: &PgPool, id: i64) -> Result<Option<MailContent>, sqlx::Error> {
        sqlx::query_as!(
            MailContent,
            "SELECT recipient, subject, body FROM email_outbox WHERE id = $1",
            id
        )
        .fetch_optional(pool)
        .await
    }
}
