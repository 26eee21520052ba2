//! Users: who they are, their role, whether they may sign in. A change that could leave no
//! enabled admin locks every enabled admin's row first, so two such changes cannot both pass.

use crate::auth::roles::{Actor, Role};
use crate::people::{UserChangeOutcome, UserRow};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Who a session's user is, as the auth gate needs them; `None` when the user is gone or
/// disabled (their session ends).
pub async fn actor(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Actor>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT email, role, must_change_password FROM users WHERE id = $1 AND disabled_at IS NULL",
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Actor {
        user: Some(id),
        token: None,
        name: row.email,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        must_change_password: row.must_change_password,
    }))
}

/// Everyone, with their last sign-in (from the audit trail), by name.
pub async fn list(pool: &PgPool) -> Result<Vec<UserRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.name, u.email, u.role, u.disabled_at IS NOT NULL AS "disabled!",
                  u.must_change_password,
                  (SELECT max(a.at) FROM audit_trail a WHERE a.actor_user = u.id AND a.action = 'sign_in') AS "last_sign_in: chrono::DateTime<chrono::Utc>"
           FROM users u ORDER BY lower(u.name), u.email"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserRow {
            id: row.id,
            name: row.name,
            email: row.email,
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
            disabled: row.disabled,
            must_change_password: row.must_change_password,
            last_sign_in: row.last_sign_in,
        })
        .collect())
}

/// Adds a user whose password must be changed at first sign-in; `None` if the email is taken.
pub async fn add(
    tx: &mut Transaction<'_, Postgres>,
    name: &str,
    email: &str,
    role: Role,
    password_hash: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = Uuid::new_v4();
    let added = sqlx::query!(
        "INSERT INTO users (id, name, email, password, role, must_change_password)
         VALUES ($1, $2, $3, $4, $5, true) ON CONFLICT (email) DO NOTHING",
        id,
        name,
        email,
        password_hash,
        role.as_str(),
    )
    .execute(&mut **tx)
    .await?;
    Ok((added.rows_affected() == 1).then_some(id))
}

/// Whether changing `id` (demoting or disabling it) would leave no enabled admin. Locks the
/// enabled admins' rows until the transaction ends.
async fn is_last_admin(tx: &mut Transaction<'_, Postgres>, id: Uuid) -> Result<bool, sqlx::Error> {
    let admins: Vec<Uuid> = sqlx::query_scalar!(
        "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE"
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(admins == [id])
}

/// The user's email, if there is such a user.
pub async fn email_of(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn set_role(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    role: Role,
) -> Result<UserChangeOutcome, sqlx::Error> {
    if role != Role::Admin && is_last_admin(tx, id).await? {
        return Ok(UserChangeOutcome::LastAdmin);
    }
    let changed = sqlx::query!(
        "UPDATE users SET role = $2 WHERE id = $1",
        id,
        role.as_str()
    )
    .execute(&mut **tx)
    .await?;
    Ok(outcome(changed.rows_affected()))
}

pub async fn set_disabled(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    disabled: bool,
) -> Result<UserChangeOutcome, sqlx::Error> {
    if disabled && is_last_admin(tx, id).await? {
        return Ok(UserChangeOutcome::LastAdmin);
    }
    let changed = sqlx::query!(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE id = $1",
        id,
        disabled,
    )
    .execute(&mut **tx)
    .await?;
    Ok(outcome(changed.rows_affected()))
}

fn outcome(rows: u64) -> UserChangeOutcome {
    match rows {
        0 => UserChangeOutcome::NoSuchUser,
        _ => UserChangeOutcome::Done,
    }
}

/// Tells every server process that this user's sessions changed (disabled, or a new role):
/// their open feed sockets tell the browser, which signs out or reloads. Sent at commit.
pub async fn announce_session_change(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, $2)", SESSIONS_CHANNEL, id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The NOTIFY channel of `announce_session_change`.
pub const SESSIONS_CHANNEL: &str = "acme_sessions_changed";

/// The stored hash and the user's name, for checking the current password.
pub async fn password_of(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    Ok(
        sqlx::query!("SELECT password, name, email FROM users WHERE id = $1", id)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.password, row.name, row.email)),
    )
}

pub async fn set_password(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET password = $2, must_change_password = false WHERE id = $1",
        id,
        password_hash,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
