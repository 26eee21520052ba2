//! The users page's server functions (admins only: the auth gate's rules, and `require` for
//! the page's render on the server). Each change and its audit entry commit together.

use crate::errors::AppError;
use crate::people::{AddUserOutcome, CreatedToken, TokenRow, UserChangeOutcome, UserRow};
#[cfg(feature = "ssr")]
use crate::{auth::roles::Role, people::UserFieldError};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::audit::{self, action, Change};

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::bad_request("`id` is not a uuid"))
}

#[server(endpoint = "users_list")]
pub async fn users_list() -> Result<Vec<UserRow>, AppError> {
    crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    Ok(crate::db::users::list(&state.pool).await?)
}

/// Adds a user with a one-time password, returned once for the admin to hand over.
#[server(endpoint = "add_user")]
pub async fn add_user(
    name: String,
    email: String,
    role: String,
) -> Result<AddUserOutcome, AppError> {
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let (name, email) = (name.trim().to_string(), email.trim().to_lowercase());
    let mut errors = Vec::new();
    if !crate::people::printable_name(&name) {
        errors.push(UserFieldError::NameMissing);
    }
    if !crate::people::plausible_email(&email) {
        errors.push(UserFieldError::EmailInvalid);
    }
    let role = Role::parse(&role);
    if role.is_none() {
        errors.push(UserFieldError::RoleUnknown);
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Ok(AddUserOutcome::Invalid { errors });
    };
    let one_time_password = crate::auth::password_policy::one_time_password();
    let hash = state.hash_password(one_time_password.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let Some(id) = crate::db::users::add(&mut tx, &name, &email, role, &hash).await? else {
        return Ok(AddUserOutcome::Invalid {
            errors: vec![UserFieldError::EmailTaken],
        });
    };
    let change = Change {
        action: action::USER_ADD,
        target: &email,
        outcome: audit::SUCCEEDED,
        details: serde_json::json!({ "userId": id, "name": name, "role": role }),
    };
    audit::record(&mut *tx, Some(&actor), change).await?;
    tx.commit().await?;
    Ok(AddUserOutcome::Added {
        email,
        one_time_password,
    })
}

#[server(endpoint = "set_user_role")]
pub async fn set_user_role(id: String, role: String) -> Result<UserChangeOutcome, AppError> {
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let id = parse_id(&id)?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::bad_request("`role` must be one of viewer, editor, admin"))?;
    let mut tx = state.pool.begin().await?;
    let email = crate::db::users::email_of(&mut tx, id)
        .await?
        .unwrap_or_default();
    let outcome = crate::db::users::set_role(&mut tx, id, role).await?;
    if outcome == UserChangeOutcome::Done {
        let change = Change {
            action: action::USER_ROLE,
            target: &email,
            outcome: audit::SUCCEEDED,
            details: serde_json::json!({ "userId": id, "role": role }),
        };
        audit::record(&mut *tx, Some(&actor), change).await?;
        crate::db::users::announce_session_change(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Disables a user (every session of theirs ends at once, on every server) or enables them.
#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(id: String, disabled: bool) -> Result<UserChangeOutcome, AppError> {
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    let email = crate::db::users::email_of(&mut tx, id)
        .await?
        .unwrap_or_default();
    let outcome = crate::db::users::set_disabled(&mut tx, id, disabled).await?;
    if outcome == UserChangeOutcome::Done {
        let change = Change {
            action: match disabled {
                true => action::USER_DISABLE,
                false => action::USER_ENABLE,
            },
            target: &email,
            outcome: audit::SUCCEEDED,
            details: serde_json::json!({ "userId": id }),
        };
        audit::record(&mut *tx, Some(&actor), change).await?;
        crate::db::users::announce_session_change(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

#[server(endpoint = "api_tokens")]
pub async fn api_tokens() -> Result<Vec<TokenRow>, AppError> {
    crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    Ok(crate::db::api_tokens::list(&state.pool).await?)
}

/// Makes a token for the produce API, valid for `days` (none: until revoked).
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    days: Option<String>,
) -> Result<CreatedToken, AppError> {
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let name = name.trim().to_string();
    if !crate::people::printable_name(&name) {
        return Err(AppError::bad_request(
            "a token needs a name of 1 to 100 printable characters",
        ));
    }
    let days = match days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (1..=3650).contains(&n) => Some(n),
            _ => {
                return Err(AppError::bad_request(
                    "`days` must be a whole number from 1 to 3650",
                ))
            }
        },
    };
    let expires_at = days.map(|d| chrono::Utc::now() + chrono::Duration::days(d));
    let mut tx = state.pool.begin().await?;
    let created = crate::db::api_tokens::create(&mut tx, &name, actor.user, expires_at).await?;
    let change = Change {
        action: action::TOKEN_CREATE,
        target: &format!("token:{name}"),
        outcome: audit::SUCCEEDED,
        details: serde_json::json!({ "tokenId": created.id, "expiresAt": expires_at }),
    };
    audit::record(&mut *tx, Some(&actor), change).await?;
    tx.commit().await?;
    Ok(created)
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<bool, AppError> {
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    let Some(name) = crate::db::api_tokens::revoke(&mut tx, id).await? else {
        return Ok(false);
    };
    let change = Change {
        action: action::TOKEN_REVOKE,
        target: &format!("token:{name}"),
        outcome: audit::SUCCEEDED,
        details: serde_json::json!({ "tokenId": id }),
    };
    audit::record(&mut *tx, Some(&actor), change).await?;
    tx.commit().await?;
    Ok(true)
}
