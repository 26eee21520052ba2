//! Signing in and out. Passwords are argon2 hashes; sessions live server-side in PostgreSQL
//! (tower-sessions), so signing out really ends them. The server's auth gate keeps
//! everyone without a session out of /dashboard, the server functions and the feed.

pub mod account;
#[cfg(feature = "ssr")]
pub mod password_checks;
pub mod password_policy;
pub mod roles;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";
/// Why a login was refused; the page words it in the reader's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginRefusal {
    InvalidCredentials,
    TooManyAttempts,
    /// Every password checker stayed busy (many sign-ins at once): try again in a moment.
    Busy,
    /// An admin disabled this account.
    Disabled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LoginOutcome {
    SignedIn { redirect_to: String },
    Refused { reason: LoginRefusal },
}

/// Where to go after signing in: a path on this site, never another site.
pub fn safe_callback(callback_url: Option<&str>) -> String {
    match callback_url.map(str::trim) {
        Some(url)
            if url.starts_with('/')
                && !url.starts_with("//")
                && !url.starts_with("/\\")
                && !url.contains("://") =>
        {
            url.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}

/// Checks the credentials; on success starts a new session (with a new id).
#[server(endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    callback_url: Option<String>,
) -> Result<LoginOutcome, AppError> {
    ssr::login(email.trim(), &password, callback_url.as_deref()).await
}

/// Ends the session, in the database too.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = ssr::session().await?;
    let actor = ssr::actor().await.ok();
    session
        .flush()
        .await
        .map_err(|e| AppError::unavailable("could not end the session", &e))?;
    if let Some(actor) = actor {
        let state = crate::state::app_state()?;
        let change = crate::audit::Change {
            action: crate::audit::action::SIGN_OUT,
            target: &actor.name,
            outcome: crate::audit::SUCCEEDED,
            details: serde_json::Value::Null,
        };
        crate::audit::record(&state.pool, Some(&actor), change).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_callback;

    #[test]
    fn only_paths_on_this_site_are_followed_after_login() {
        assert_eq!(
            safe_callback(Some("/dashboard/invoices?page=2")),
            "/dashboard/invoices?page=2"
        );
        assert_eq!(safe_callback(None), "/dashboard");
        assert_eq!(safe_callback(Some("https://evil.example/")), "/dashboard");
        assert_eq!(safe_callback(Some("//evil.example/")), "/dashboard");
        assert_eq!(safe_callback(Some("/\\evil.example")), "/dashboard");
    }
}
