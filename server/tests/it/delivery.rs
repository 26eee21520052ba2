//! The processor's mail and webhooks really go out, each once, and wait out an outage.

use crate::common;

use app::domain::InvoiceStatus;
use common::{outside::*, *};
use server::delivery::{signature, Delivery};
use std::time::Duration;

async fn process_all(env: &TestEnv) {
    let processor = test_processor(env);
    let payloads: Vec<String> =
        sqlx::query_scalar("DELETE FROM outbox WHERE topic = $1 RETURNING payload::text")
            .bind(&env.settings.invoices_topic)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    for (offset, payload) in payloads.iter().enumerate() {
        deliver(&processor, env, offset, payload).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_reach_the_smtp_server_once_even_after_it_was_down() {
    let mut env = test_env().await;
    // Nothing listens here yet: the first tries fail.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    env.settings.smtp_port = port;
    env.create_invoice("2500.00", InvoiceStatus::Paid).await;
    process_all(&env).await;
    let delivery = Delivery::from_settings(&env.settings, env.pool.clone()).unwrap();

    assert_eq!(
        delivery.send_due_mail().await.unwrap(),
        0,
        "the SMTP server is down"
    );
    assert_eq!(count(&env.pool, "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error LIKE 'smtp:%'").await, 3);

    // The server comes up on that port; the retries (after their backoff) get through.
    let (_, mails) = smtp_sink_at(port).await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            delivery.send_due_mail().await.unwrap();
            count(
                &env.pool,
                "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL",
            )
            .await
                == 0
        })
        .await
    );
    assert_eq!(
        delivery.send_due_mail().await.unwrap(),
        0,
        "nothing is sent twice"
    );

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 3, "{mails:#?}");
    for mail in &mails {
        assert_eq!(mail.to, ["lee@robinson.com"]);
    }
    let subjects: Vec<&str> = mails
        .iter()
        .map(|m| m.data.lines().find(|l| l.starts_with("Subject:")).unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "Subject: Invoice of $2,500.00 created",
            "Subject: Receipt for your payment of $2,500.00",
            "Subject: Thank you for your payment"
        ]
    );
    assert!(mails[0].data.contains("$2,500.00") && mails[0].data.contains("Lee Robinson"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_delivered_once() {
    let mut env = test_env().await;
    let (addr, hooks) = webhook_receiver(1).await;
    env.settings.webhook_accounting_url = format!("http://{addr}/accounting");
    env.settings.webhook_team_chat_url = format!("http://{addr}/chat");
    let id = env.create_invoice("5.00", InvoiceStatus::Pending).await;
    env.delete_invoice(id).await;
    process_all(&env).await;
    let delivery = Delivery::from_settings(&env.settings, env.pool.clone()).unwrap();

    assert!(
        eventually(Duration::from_secs(15), || async {
            delivery.send_due_webhooks().await.unwrap();
            count(
                &env.pool,
                "SELECT count(*) FROM webhook_outbox WHERE sent_at IS NULL",
            )
            .await
                == 0
        })
        .await
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT max(attempts)::bigint FROM webhook_outbox"
        )
        .await,
        2,
        "the refused one was tried again"
    );

    let hooks = hooks.lock().unwrap().clone();
    let mut paths: Vec<&str> = hooks.iter().map(|h| h.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/accounting", "/chat"]);
    for hook in &hooks {
        let t: i64 = hook
            .signature
            .strip_prefix("t=")
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            hook.signature,
            signature(&env.settings.webhook_secret, t, &hook.body),
            "valid signature"
        );
        assert!((chrono::Utc::now().timestamp() - t).abs() < 60);
        let body: serde_json::Value = serde_json::from_str(&hook.body).unwrap();
        assert_eq!(body["type"], "invoice.deleted");
        assert_eq!(body["event"]["invoiceId"], id.to_string());
        assert!(!hook.delivery.is_empty());
    }
}

/// In development the server catches its own mail: a created invoice's confirmation can be
/// read on the mailbox page, decoded, without any SMTP sink running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_mail_catcher_keeps_the_processors_mail_for_the_mailbox_page() {
    let mut env = test_env().await;
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    env.settings.smtp_port = probe.local_addr().unwrap().port();
    drop(probe);
    env.settings.dev_mail_catcher = true;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let saved = client
        .post(app.url("/api/create_invoice"))
        .form(&[
            ("customer_id", LEE_ROBINSON),
            ("amount", "1.234,56"),
            ("status", "pending"),
            ("lang", "it"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    let mailbox = || async {
        client
            .post(app.url("/api/caught_mail"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    assert!(
        eventually(Duration::from_secs(30), || async {
            mailbox().await["mails"]
                .as_array()
                .is_some_and(|m| !m.is_empty())
        })
        .await,
        "no mail caught: {}",
        mailbox().await
    );
    let mailbox = mailbox().await;
    assert_eq!(mailbox["catching"], true);
    let mail = &mailbox["mails"][0];
    assert_eq!(mail["rcpt_to"], serde_json::json!(["lee@robinson.com"]));
    assert!(!mail["subject"].as_str().unwrap().is_empty(), "{mail}");
    assert!(
        mail["body"].as_str().unwrap().contains("1,234.56"),
        "{mail}"
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL"
        )
        .await,
        0
    );
    app.stop().await;
}
