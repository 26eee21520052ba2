use crate::routes::mailbox::KeptMail;
use sqlx::PgPool;

/// The newest mails the development mail catcher kept.
pub async fn newest(pool: &PgPool, limit: i64) -> Result<Vec<KeptMail>, sqlx::Error> {
    sqlx::query_as!(
        KeptMail,
        r#"SELECT id, received_at AS "received_at: chrono::DateTime<chrono::Utc>", mail_from, rcpt_to, subject, body
         FROM dev_mailbox ORDER BY id DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await
}
