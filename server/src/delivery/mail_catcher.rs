//! A development mail catcher: an SMTP receiver on `smtp_host:smtp_port` that keeps every mail
//! the processor sends in the `dev_mailbox` table, to read on `/dashboard/mailbox`. On when
//! `dev_mail_catcher` is (scripts/dev.sh turns it on); in production mail goes to a real relay.
//! The tests use the same receiver as their SMTP sink.

use futures::future::BoxFuture;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};
use tokio_util::sync::CancellationToken;

/// One mail as handed over: envelope and the message as sent.
#[derive(Debug, Clone)]
pub struct CaughtMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// What to do with each mail; `false` makes the receiver refuse it (the sender retries).
pub type Keep = Arc<dyn Fn(CaughtMail) -> BoxFuture<'static, bool> + Send + Sync>;

/// Largest message kept (a runaway sender cannot fill the memory).
const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// Speaks enough of SMTP (RFC 5321: EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT)
/// for a client to hand over mail, until `stop`.
pub async fn receive(listener: TcpListener, keep: Keep, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let keep = keep.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"220 acme mail catcher ESMTP\r\n").await;
            let mut mail = CaughtMail {
                from: String::new(),
                to: Vec::new(),
                data: String::new(),
            };
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if in_data {
                    if line == "." {
                        in_data = false;
                        let kept = keep(std::mem::replace(
                            &mut mail,
                            CaughtMail {
                                from: String::new(),
                                to: Vec::new(),
                                data: String::new(),
                            },
                        ))
                        .await;
                        let reply: &[u8] = if kept {
                            b"250 kept\r\n"
                        } else {
                            b"451 try again later\r\n"
                        };
                        let _ = write.write_all(reply).await;
                    } else if mail.data.len() < MAX_MESSAGE_BYTES {
                        // A line starting with a dot was sent with one more.
                        mail.data.push_str(line.strip_prefix('.').unwrap_or(&line));
                        mail.data.push('\n');
                    }
                    continue;
                }
                let upper = line.to_ascii_uppercase();
                let address =
                    |prefix: usize| line[prefix..].trim().trim_matches(['<', '>']).to_string();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250 acme mail catcher\r\n"
                } else if upper.starts_with("MAIL FROM:") {
                    mail.from = address(10);
                    b"250 ok\r\n"
                } else if upper.starts_with("RCPT TO:") {
                    mail.to.push(address(8));
                    b"250 ok\r\n"
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    b"354 end with a line holding a single dot\r\n"
                } else if upper.starts_with("RSET") {
                    mail = CaughtMail {
                        from: String::new(),
                        to: Vec::new(),
                        data: String::new(),
                    };
                    b"250 ok\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = write.write_all(reply).await;
            }
        });
    }
}

/// Subject and text body of a message as sent (MIME decoded: quoted-printable, base64, RFC 2047).
pub fn readable(data: &str) -> (String, String) {
    match mail_parser::MessageParser::default().parse(data.as_bytes()) {
        Some(message) => (
            message.subject().unwrap_or_default().to_string(),
            message
                .body_text(0)
                .map(|b| b.into_owned())
                .unwrap_or_default(),
        ),
        None => (String::new(), data.to_string()),
    }
}

/// Keeps each mail in `dev_mailbox`; a mail that cannot be stored is refused, so the processor
/// retries it rather than losing it.
pub fn into_database(pool: PgPool) -> Keep {
    Arc::new(move |mail: CaughtMail| {
        let pool = pool.clone();
        Box::pin(async move {
            let (subject, body) = readable(&mail.data);
            let stored = sqlx::query!(
                "INSERT INTO dev_mailbox (mail_from, rcpt_to, subject, body, raw)
                 VALUES ($1, $2, $3, $4, $5)",
                mail.from,
                &mail.to,
                subject,
                body,
                mail.data,
            )
            .execute(&pool)
            .await;
            if let Err(e) = &stored {
                tracing::warn!(error = %e, "the mail catcher could not keep a mail");
            }
            stored.is_ok()
        })
    })
}

/// Starts the catcher on `host:port` when nothing else listens there (a developer's own sink
/// wins, with a note in the log).
pub async fn start(
    host: &str,
    port: u16,
    pool: PgPool,
    tasks: &mut tokio::task::JoinSet<()>,
    stop: &CancellationToken,
) {
    match TcpListener::bind((host, port)).await {
        Ok(listener) => {
            tracing::info!(%host, port, "development mail catcher: mail is kept for /dashboard/mailbox");
            tasks.spawn(receive(listener, into_database(pool), stop.clone()));
        }
        Err(e) => {
            tracing::warn!(%host, port, error = %e, "development mail catcher not started (is another SMTP sink there?)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_mime_encoded_mail_reads_as_text() {
        let data = "From: a@acme.test\r\nTo: b@acme.test\r\nSubject: =?utf-8?q?Fattura_pagata_=E2=9C=93?=\r\n\
                    Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
                    Importo: 1.234,56=E2=82=AC\r\n";
        let (subject, body) = readable(data);
        assert_eq!(subject, "Fattura pagata ✓");
        assert_eq!(body.trim(), "Importo: 1.234,56€");
    }
}
