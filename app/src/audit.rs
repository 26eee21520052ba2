//! The audit trail: every change made by a person or an API token, recorded once with who,
//! when, what and the outcome; in the same transaction as the change where there is one
//! (invoices, users, tokens), right after it where the change is elsewhere (Kafka).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What was done, as the trail names it.
pub mod action {
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_IN_FAILED: &str = "sign_in_failed";
    pub const SIGN_OUT: &str = "sign_out";
    pub const INVOICE_CREATE: &str = "invoice_create";
    pub const INVOICE_UPDATE: &str = "invoice_update";
    pub const INVOICE_DELETE: &str = "invoice_delete";
    pub const TOPIC_CREATE: &str = "topic_create";
    pub const TOPIC_DELETE: &str = "topic_delete";
    pub const DEAD_LETTER_REPLAY: &str = "dead_letter_replay";
    pub const PRODUCE: &str = "produce";
    pub const USER_ADD: &str = "user_add";
    pub const USER_ROLE: &str = "user_role";
    pub const USER_DISABLE: &str = "user_disable";
    pub const USER_ENABLE: &str = "user_enable";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const TOKEN_CREATE: &str = "token_create";
    pub const TOKEN_REVOKE: &str = "token_revoke";
    pub const DELIVERY_RETRY: &str = "delivery_retry";
    pub const GROUP_RESET: &str = "group_reset";

    /// Every action, for the page's filter.
    pub const ALL: &[&str] = &[
        SIGN_IN,
        SIGN_IN_FAILED,
        SIGN_OUT,
        INVOICE_CREATE,
        INVOICE_UPDATE,
        INVOICE_DELETE,
        TOPIC_CREATE,
        TOPIC_DELETE,
        DEAD_LETTER_REPLAY,
        PRODUCE,
        USER_ADD,
        USER_ROLE,
        USER_DISABLE,
        USER_ENABLE,
        PASSWORD_CHANGE,
        TOKEN_CREATE,
        TOKEN_REVOKE,
        DELIVERY_RETRY,
        GROUP_RESET,
    ];
}

pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub details: serde_json::Value,
}

/// Which entries to show: by person (their email or token name, exactly), by action, by time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    /// Empty strings (an "all" choice in a form) mean no filter.
    pub fn cleaned(self) -> Self {
        let keep = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Self {
            person: keep(self.person),
            action: keep(self.action),
            ..self
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::{AuditEntry, AuditFilter};
    use crate::auth::roles::Actor;
    use sqlx::PgExecutor;

    /// What is being recorded (the actor is given apart: `None` for someone not signed in).
    pub struct Change<'a> {
        pub action: &'a str,
        pub target: &'a str,
        pub outcome: &'a str,
        pub details: serde_json::Value,
    }

    pub async fn record<'e>(
        db: impl PgExecutor<'e>,
        actor: Option<&Actor>,
        change: Change<'_>,
    ) -> Result<(), sqlx::Error> {
        let details = match change.details {
            serde_json::Value::Null => serde_json::json!({}),
            details => details,
        };
        sqlx::query!(
            "INSERT INTO audit_trail (actor_user, actor_token, actor, action, target, outcome, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            actor.and_then(|a| a.user),
            actor.and_then(|a| a.token),
            actor.map_or("anonymous", |a| a.name.as_str()),
            change.action,
            change.target,
            change.outcome,
            details,
        )
        .execute(db)
        .await?;
        Ok(())
    }

    /// How a Kafka tool's action is recorded: its outcome and details (the error added to a
    /// failure); `None` when the caller's mistake (bad input, nothing by that name) refused it
    /// before anything changed, which is not recorded.
    pub fn kafka_outcome<T>(
        result: &Result<T, crate::kafka_tools::ToolError>,
        details: serde_json::Value,
    ) -> Option<(&'static str, serde_json::Value)> {
        use crate::kafka_tools::ToolError;
        match result {
            Ok(_) => Some((super::SUCCEEDED, details)),
            Err(
                ToolError::Invalid(_) | ToolError::UnknownTopic(_) | ToolError::UnknownGroup(_),
            ) => None,
            Err(e) => Some((
                super::FAILED,
                serde_json::json!({ "request": details, "error": e.to_string() }),
            )),
        }
    }

    /// Newest first; `before` (an entry's id) pages on.
    pub async fn entries(
        db: impl PgExecutor<'_>,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, sqlx::Error> {
        sqlx::query_as!(
            AuditEntry,
            r#"SELECT id, at AS "at: chrono::DateTime<chrono::Utc>", actor, action, target, outcome, details
               FROM audit_trail
               WHERE ($1::text IS NULL OR actor = $1)
                 AND ($2::text IS NULL OR action = $2)
                 AND ($3::timestamptz IS NULL OR at >= $3)
                 AND ($4::timestamptz IS NULL OR at <= $4)
                 AND ($5::bigint IS NULL OR id < $5)
               ORDER BY id DESC
               LIMIT $6"#,
            filter.person,
            filter.action,
            filter.since as Option<chrono::DateTime<chrono::Utc>>,
            filter.until as Option<chrono::DateTime<chrono::Utc>>,
            before,
            limit,
        )
        .fetch_all(db)
        .await
    }

    tokio::task_local! {
        static ACTING: Actor;
    }

    /// Runs `work` on behalf of `actor`: the invoice changes it saves record them in the trail
    /// and name them in their events (as the trace does for `traceparent`).
    pub async fn acting_as<F: std::future::Future>(actor: Actor, work: F) -> F::Output {
        ACTING.scope(actor, work).await
    }

    /// Who the current work is done for, if anyone said.
    pub fn acting() -> Option<Actor> {
        ACTING.try_with(Clone::clone).ok()
    }
}
