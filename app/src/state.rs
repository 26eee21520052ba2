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
    /// What a new password's hash costs.
    pub password_cost: crate::auth::password_checks::PasswordCost,
}

impl AppState {
    /// Hashes a new password off the async threads.
    pub async fn hash_password(&self, password: String) -> Result<String, crate::errors::AppError> {
        let cost = self.password_cost;
        tokio::task::spawn_blocking(move || cost.hash(&password))
            .await
            .map_err(|e| crate::errors::AppError::internal(format!("hashing a password: {e}")))?
            .map_err(|e| crate::errors::AppError::internal(format!("hashing a password: {e}")))
    }
}

/// The state for the current request, or a server error if the server forgot to provide it.
pub fn app_state() -> Result<AppState, crate::errors::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::errors::AppError::internal("application state missing"))
}
