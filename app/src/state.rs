//! What server functions need from the server, handed to Leptos as context.

use sqlx::PgPool;

#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: PgPool,
    /// Topic that invoice events are written to (through the outbox).
    pub invoices_topic: String,
    /// Where the Kafka page's tools point.
    pub kafka: crate::kafka_tools::KafkaTools,
    /// Whether the development mail catcher keeps the processor's mail (/dashboard/mailbox).
    pub mail_catcher: bool,
    /// Where sign-ins check passwords: a few threads, so memory stays bounded.
    pub password_checks: std::sync::Arc<crate::auth::password_checks::PasswordChecks>,
}

/// The state for the current request, or a server error if the server forgot to provide it.
pub fn app_state() -> Result<AppState, crate::errors::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::errors::AppError::internal("application state missing"))
}
