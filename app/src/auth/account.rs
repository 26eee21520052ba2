//! The signed-in user's own account: who they are (for the pages' menus and buttons) and
//! changing their password (the current one required).

use super::roles::Me;
use crate::errors::AppError;
use crate::people::PasswordChangeOutcome;
use leptos::prelude::*;

/// Who is signed in.
#[server(endpoint = "me")]
pub async fn current_user() -> Result<Me, AppError> {
    let actor = super::ssr::actor().await?;
    actor
        .me()
        .ok_or_else(|| AppError::forbidden("an API token is not a person"))
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<PasswordChangeOutcome, AppError> {
    use crate::audit::{self, action, Change};
    let actor = super::ssr::actor().await?;
    let state = crate::state::app_state()?;
    let id = actor
        .user
        .ok_or_else(|| AppError::forbidden("an API token has no password"))?;
    let Some((hash, name, email)) = crate::db::users::password_of(&state.pool, id).await? else {
        return Err(AppError::forbidden("not signed in"));
    };
    match state.password_checks.verify(&current, &hash).await {
        Ok(true) => {}
        Ok(false) => return Ok(PasswordChangeOutcome::WrongCurrent),
        Err(_busy) => {
            return Err(AppError::Unavailable {
                error: "the server is busy; try again in a moment".into(),
            })
        }
    }
    if new != confirm {
        return Ok(PasswordChangeOutcome::Mismatch);
    }
    if let Err(problem) = super::password_policy::check(&new, &name, &email) {
        return Ok(PasswordChangeOutcome::Refused(problem));
    }
    let new_hash = state.hash_password(new).await?;
    let mut tx = state.pool.begin().await?;
    crate::db::users::set_password(&mut tx, id, &new_hash).await?;
    let change = Change {
        action: action::PASSWORD_CHANGE,
        target: &email,
        outcome: audit::SUCCEEDED,
        details: serde_json::Value::Null,
    };
    audit::record(&mut *tx, Some(&actor), change).await?;
    tx.commit().await?;
    Ok(PasswordChangeOutcome::Changed)
}
