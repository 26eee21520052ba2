use super::roles::{Actor, Role};
use super::{safe_callback, LoginOutcome, LoginRefusal, USER_ID_KEY};
use crate::audit::{self, action, Change};
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

/// Who is making the request, as the auth gate found them (it refuses calls without one, so
/// a server function that runs always has one; `Forbidden` otherwise).
pub async fn actor() -> Result<Actor, AppError> {
    leptos_axum::extract::<axum::Extension<Actor>>()
        .await
        .map(|axum::Extension(actor)| actor)
        .map_err(|_| AppError::forbidden("not signed in"))
}

/// The actor, if their role is at least `needed`; else `Forbidden` with the reason. The auth
/// gate checks every call by its rule; this is for the server functions a page calls while it
/// is rendered on the server (no HTTP call, so no gate), which change or reveal what only some
/// roles may see.
pub async fn require(needed: Role) -> Result<Actor, AppError> {
    let actor = actor().await?;
    if actor.may(needed) {
        Ok(actor)
    } else {
        Err(refusal(&actor, needed))
    }
}

/// The 403 reason for `actor` asking for what needs `needed`.
pub fn refusal(actor: &Actor, needed: Role) -> AppError {
    AppError::forbidden(format!(
        "this needs the {needed} role; {} is {}",
        actor.name, actor.role
    ))
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
    let user: Option<(Uuid, String, bool)> = if email.contains('@') && password.chars().count() >= 6
    {
        sqlx::query!(
                r#"SELECT id, password, disabled_at IS NOT NULL AS "disabled!" FROM users WHERE email = $1"#,
                email
            )
            .fetch_optional(&state.pool)
            .await
            .map_err(db)?
            .map(|user| (user.id, user.password, user.disabled))
    } else {
        None
    };
    let verified = match &user {
        Some((_, hash, _)) => match state.password_checks.verify(password, hash).await {
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
    let signed_in_as = |id: Uuid| Actor {
        user: Some(id),
        token: None,
        name: email.clone(),
        role: Role::Viewer,
        must_change_password: false,
    };
    match (user, verified) {
        (Some((id, _, true)), true) => {
            let change = Change {
                action: action::SIGN_IN_FAILED,
                target: &email,
                outcome: audit::FAILED,
                details: serde_json::json!({ "reason": "disabled", "address": address }),
            };
            audit::record(&state.pool, Some(&signed_in_as(id)), change)
                .await
                .map_err(db)?;
            tracing::warn!(%email, "sign-in of a disabled user refused");
            Ok(LoginOutcome::Refused {
                reason: LoginRefusal::Disabled,
            })
        }
        (Some((id, _, false)), true) => {
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
            let change = Change {
                action: action::SIGN_IN,
                target: &email,
                outcome: audit::SUCCEEDED,
                details: serde_json::json!({ "address": address }),
            };
            audit::record(&state.pool, Some(&signed_in_as(id)), change)
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
            let change = Change {
                action: action::SIGN_IN_FAILED,
                target: &email,
                outcome: audit::FAILED,
                details: serde_json::json!({ "reason": "invalid credentials", "address": address }),
            };
            audit::record(&state.pool, None, change).await.map_err(db)?;
            tracing::warn!(%email, %address, "failed login");
            Ok(LoginOutcome::Refused {
                reason: LoginRefusal::InvalidCredentials,
            })
        }
    }
}
