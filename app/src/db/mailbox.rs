use crate::routes::mailbox::KeptMail;
use sqlx::PgPool;

/// The newest mails the development mail catcher kept.
pub async fn newest(pool: &PgPool, limit: i64) -> Result<Vec<KeptMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, received_at, mail_from, rcpt_to, subject, body
         FROM dev_mailbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
