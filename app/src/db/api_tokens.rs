//! API tokens for the produce API: only a SHA-256 of each is stored (a token is 256 random
//! bits, so a fast hash gives nothing to guess); the secret is shown once, when made.

use crate::auth::roles::Actor;
use crate::people::{CreatedToken, TokenRow};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// What every token starts with, so that a leaked one is recognised (secret scanners, logs).
pub const PREFIX: &str = "acme_";

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn new_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{hex}")
}

pub async fn create(
    tx: &mut Transaction<'_, Postgres>,
    name: &str,
    created_by: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedToken, sqlx::Error> {
    let (id, secret) = (Uuid::new_v4(), new_secret());
    sqlx::query!(
        "INSERT INTO api_tokens (id, name, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)",
        id,
        name,
        digest(&secret),
        created_by,
        expires_at as Option<DateTime<Utc>>,
    )
    .execute(&mut **tx)
    .await?;
    Ok(CreatedToken {
        id,
        name: name.to_string(),
        secret,
        expires_at,
    })
}

/// The token's actor (admin: tokens are for the produce API), if it is valid: known, not
/// revoked, not expired. Notes its use.
pub async fn actor(pool: &PgPool, secret: &str) -> Result<Option<Actor>, sqlx::Error> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let row = sqlx::query!(
        "UPDATE api_tokens SET last_used_at = now()
         WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
         RETURNING id, name",
        digest(secret),
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| Actor::operator(Some(row.id), format!("token:{}", row.name))))
}

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as!(
        TokenRow,
        r#"SELECT t.id, t.name, u.email AS "created_by?",
                  t.created_at AS "created_at: DateTime<Utc>", t.expires_at AS "expires_at: DateTime<Utc>",
                  t.last_used_at AS "last_used_at: DateTime<Utc>", t.revoked_at AS "revoked_at: DateTime<Utc>"
           FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
           ORDER BY t.created_at DESC"#
    )
    .fetch_all(db)
    .await
}

/// Revokes a token; its name when it was valid until now.
pub async fn revoke(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name",
        id
    )
    .fetch_optional(&mut **tx)
    .await
}
