use super::{safe_callback, LoginOutcome, LoginRefusal, USER_ID_KEY};
use crate::errors::AppError;
use std::{net::SocketAddr, time::Duration};
use tower_sessions::Session;
use uuid::Uuid;

/// Failed logins per account or address within this window slow the next attempt down.
const FAILURE_WINDOW_MINUTES: i32 = 15;
/// From this many failures on, each attempt waits longer; beyond MAX_FAILURES it is refused.
const FREE_FAILURES: i64 = 3;
const MAX_FAILURES: i64 = 10;

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal(format!("no session layer: {e}")))
}

/// The signed-in user's id, if any.
pub async fn user_id(session: &Session) -> Option<Uuid> {
    session.get::<Uuid>(USER_ID_KEY).await.ok().flatten()
}

pub(super) async fn login(
    email: &str,
    password: &str,
    callback_url: Option<&str>,
) -> Result<LoginOutcome, AppError> {
    let state = crate::state::app_state()?;
    let session = session().await?;
    let address = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default();
    let email = email.to_lowercase();
    let db = |e: sqlx::Error| AppError::unavailable("Something went wrong. Please try again.", &e);

    let failures: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "failures!" FROM login_failures WHERE (email = $1 OR address = $2) AND at > now() - make_interval(mins => $3)"#,
        email,
        address,
        FAILURE_WINDOW_MINUTES,
    )
    .fetch_one(&state.pool)
    .await
    .map_err(db)?;
    if failures >= MAX_FAILURES {
        return Ok(LoginOutcome::Refused {
            reason: LoginRefusal::TooManyAttempts,
        });
    }
    if failures >= FREE_FAILURES {
        // Slow down guessing: half a second more per failure, at most 5 s.
        tokio::time::sleep(Duration::from_millis(
            500 * (failures - FREE_FAILURES + 1).min(10) as u64,
        ))
        .await;
    }

    // The form's rules (a valid email, a password of 6 or more) fail the same way as a wrong password.
    let user: Option<(Uuid, String)> = if email.contains('@') && password.chars().count() >= 6 {
        sqlx::query!("SELECT id, password FROM users WHERE email = $1", email)
            .fetch_optional(&state.pool)
            .await
            .map_err(db)?
            .map(|user| (user.id, user.password))
    } else {
        None
    };
    let verified = match &user {
        Some((_, hash)) => match state.password_checks.verify(password, hash).await {
            Ok(matched) => matched,
            Err(_busy) => {
                tracing::warn!("every password checker busy; sign-in asked to try again");
                return Ok(LoginOutcome::Refused {
                    reason: LoginRefusal::Busy,
                });
            }
        },
        None => false,
    };
    match (user, verified) {
        (Some((id, _)), true) => {
            let fail = |e: tower_sessions::session::Error| {
                AppError::unavailable("could not start a session", &e)
            };
            // A new id at login: a session id planted before login is worthless after it.
            session.cycle_id().await.map_err(fail)?;
            session.insert(USER_ID_KEY, id).await.map_err(fail)?;
            sqlx::query!("DELETE FROM login_failures WHERE email = $1", email)
                .execute(&state.pool)
                .await
                .map_err(db)?;
            tracing::info!(user_id = %id, "signed in");
            Ok(LoginOutcome::SignedIn {
                redirect_to: safe_callback(callback_url),
            })
        }
        _ => {
            sqlx::query!(
                "INSERT INTO login_failures (email, address) VALUES ($1, $2)",
                email,
                address,
            )
            .execute(&state.pool)
            .await
            .map_err(db)?;
            tracing::warn!(%email, %address, "failed login");
            Ok(LoginOutcome::Refused {
                reason: LoginRefusal::InvalidCredentials,
            })
        }
    }
}
