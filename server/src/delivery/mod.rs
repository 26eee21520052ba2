//! Sends what the processor queued: mail over SMTP and signed webhooks over HTTP. Each row
//! is claimed with FOR UPDATE SKIP LOCKED (several processes may run this), tried, and
//! stamped `sent_at` in the same transaction; a failure is retried later with backoff.
//! A crash after sending but before the stamp sends that one again: mail carries a stable
//! Message-ID and webhooks an `Acme-Delivery` id so receivers can drop the repeat.

pub mod mail_catcher;

use crate::settings::Settings;
use app::backoff::Backoff;
use hmac::{Hmac, Mac};
use lettre::{message::Mailbox, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const BATCH: i64 = 20;
const IDLE: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Delivery {
    pub pool: PgPool,
    pub mailer: AsyncSmtpTransport<Tokio1Executor>,
    pub mail_from: Mailbox,
    pub http: reqwest::Client,
    pub webhooks: Webhooks,
}

#[derive(Clone)]
pub struct Webhooks {
    pub accounting_url: String,
    pub finance_url: String,
    pub team_chat_url: String,
    pub secret: String,
}

impl Delivery {
    pub fn from_settings(settings: &Settings, pool: PgPool) -> anyhow::Result<Self> {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host)
            .port(settings.smtp_port)
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let mail_from = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("setting `mail_from`: {e}"))?;
        Ok(Self {
            pool,
            mailer,
            mail_from,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            webhooks: Webhooks {
                accounting_url: settings.webhook_accounting_url.clone(),
                finance_url: settings.webhook_finance_url.clone(),
                team_chat_url: settings.webhook_team_chat_url.clone(),
                secret: settings.webhook_secret.clone(),
            },
        })
    }

    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let sent = match (self.send_due_mail().await, self.send_due_webhooks().await) {
                (Ok(mails), Ok(hooks)) => mails + hooks,
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "delivery round failed");
                    0
                }
            };
            if sent == 0 {
                tokio::select! { _ = shutdown.cancelled() => break, _ = tokio::time::sleep(IDLE) => {} }
            }
        }
    }

    pub async fn send_due_mail(&self) -> Result<usize, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let due = sqlx::query!(
            "SELECT id, attempts, dedupe_key, recipient, subject, body FROM email_outbox
             WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            BATCH,
        )
        .fetch_all(&mut *tx)
        .await?;
        let (mut sent, draw) = (0, Draw::new());
        for mail in due {
            let result = self
                .send_mail(&mail.dedupe_key, &mail.recipient, &mail.subject, mail.body)
                .await;
            sent += usize::from(result.is_ok());
            let wait = draw.wait(mail.attempts);
            record_attempt(&mut tx, Outbox::Email, mail.id, wait, result).await?;
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn send_mail(
        &self,
        key: &str,
        recipient: &str,
        subject: &str,
        body: String,
    ) -> Result<(), String> {
        let to: Mailbox = recipient
            .parse()
            .map_err(|e| format!("bad recipient {recipient:?}: {e}"))?;
        let message = Message::builder()
            .from(self.mail_from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@acme.invoices>", key.replace(':', "."))))
            .body(body)
            .map_err(|e| e.to_string())?;
        self.mailer
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }

    pub async fn send_due_webhooks(&self) -> Result<usize, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let due = sqlx::query!(
            r#"SELECT id, attempts, dedupe_key, target, body::text AS "body!" FROM webhook_outbox
             WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"#,
            BATCH,
        )
        .fetch_all(&mut *tx)
        .await?;
        let (mut sent, draw) = (0, Draw::new());
        for hook in due {
            let (id, attempts, key, target, body) = (
                hook.id,
                hook.attempts,
                hook.dedupe_key,
                hook.target,
                hook.body,
            );
            let url = match target.as_str() {
                "accounting" => &self.webhooks.accounting_url,
                "finance" => &self.webhooks.finance_url,
                _ => &self.webhooks.team_chat_url,
            };
            let result = if url.is_empty() {
                // Turned off in the settings: nothing to deliver, and nothing to retry.
                Ok(())
            } else {
                self.post_webhook(url, &key, body).await
            };
            sent += usize::from(result.is_ok());
            record_attempt(&mut tx, Outbox::Webhook, id, draw.wait(attempts), result).await?;
        }
        tx.commit().await?;
        Ok(sent)
    }

    async fn post_webhook(&self, url: &str, key: &str, body: String) -> Result<(), String> {
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header(
                "acme-signature",
                signature(&self.webhooks.secret, timestamp, &body),
            )
            .header("acme-delivery", key)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("webhook {url}: {e}"))?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s => Err(format!("webhook {url} answered {s}")),
        }
    }
}

/// `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as payment providers sign theirs.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// A mail or webhook that failed is tried again after 2 s, 4 s, 8 s ... at most 10 minutes
/// (with jitter).
pub const RETRY: Backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(600));

/// One random draw per round: deliveries that failed together with as many tries behind them
/// come due together, so they still go out in the order they were written.
struct Draw(f64);

impl Draw {
    fn new() -> Self {
        Self(app::backoff::random_unit())
    }

    /// The wait after a failed try that had `attempts` tries before it.
    fn wait(&self, attempts: i32) -> Duration {
        RETRY.delay_with(attempts.max(0) as u32 + 1, self.0)
    }
}

/// The two delivery tables.
#[derive(Clone, Copy, Debug)]
enum Outbox {
    Email,
    Webhook,
}

/// Records a try; `wait` is how long a failed one waits before the next.
async fn record_attempt(
    tx: &mut Transaction<'_, Postgres>,
    outbox: Outbox,
    id: i64,
    wait: Duration,
    result: Result<(), String>,
) -> Result<(), sqlx::Error> {
    let wait = wait.as_secs_f64();
    let done = match (outbox, &result) {
        (Outbox::Email, Ok(())) => sqlx::query!(
            "UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1",
            id,
        ),
        (Outbox::Webhook, Ok(())) => sqlx::query!(
            "UPDATE webhook_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1",
            id,
        ),
        (Outbox::Email, Err(error)) => sqlx::query!(
            "UPDATE email_outbox SET attempts = attempts + 1, last_error = $2,
             next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
            id,
            error,
            wait,
        ),
        (Outbox::Webhook, Err(error)) => sqlx::query!(
            "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2,
             next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
            id,
            error,
            wait,
        ),
    };
    if let Err(error) = &result {
        tracing::warn!(?outbox, id, %error, "delivery failed; will retry");
    }
    done.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn the_signature_covers_time_and_body() {
        let a = signature("0123456789abcdef", 1_700_000_000, r#"{"a":1}"#);
        assert!(a.starts_with("t=1700000000,v1="));
        assert_eq!(a.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(
            a,
            signature("0123456789abcdef", 1_700_000_001, r#"{"a":1}"#)
        );
        assert_ne!(
            a,
            signature("0123456789abcdef", 1_700_000_000, r#"{"a":2}"#)
        );
        assert_ne!(
            a,
            signature("fedcba9876543210", 1_700_000_000, r#"{"a":1}"#)
        );
    }
}
