//! Each event does our users' list of things, once, whatever Kafka redelivers.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;
use server::processor::Outcome;

/// Processes every invoice event in the outbox, twice each (a redelivery), in order.
async fn process_outbox_twice(env: &TestEnv) -> Vec<Vec<String>> {
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload::text FROM outbox WHERE topic = $1 ORDER BY id")
            .bind(&env.settings.invoices_topic)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let processor = test_processor(env);
    let mut effects = Vec::new();
    for (offset, payload) in payloads.iter().enumerate() {
        let first = deliver(&processor, env, offset, payload).await;
        let again = deliver(&processor, env, offset, payload).await;
        assert!(matches!(first, Outcome::Processed { .. }));
        assert_eq!(again, Outcome::AlreadyProcessed);
        let Outcome::Processed { seq, .. } = first else {
            unreachable!()
        };
        let item: serde_json::Value =
            sqlx::query_scalar("SELECT item FROM activity_items WHERE seq = $1")
                .bind(seq)
                .fetch_one(&env.pool)
                .await
                .unwrap();
        effects.push(serde_json::from_value(item["effects"].clone()).unwrap());
    }
    sqlx::query("DELETE FROM outbox")
        .execute(&env.pool)
        .await
        .unwrap();
    effects
}

async fn emails(env: &TestEnv) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT kind, recipient, subject FROM email_outbox ORDER BY id")
        .fetch_all(&env.pool)
        .await
        .unwrap()
}

async fn metric(env: &TestEnv, name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT value FROM invoice_analytics WHERE metric = $1), 0)",
    )
    .bind(name)
    .fetch_one(&env.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_large_paid_invoice_gets_its_mails_task_figures_and_accounting_notice_once() {
    let env = test_env().await;
    env.create_invoice("1500.00", InvoiceStatus::Paid).await;

    let effects = process_outbox_twice(&env).await;

    assert_eq!(
        effects[0],
        [
            "email:confirmation",
            "analytics",
            "task:follow_up",
            "webhook:accounting",
            "email:receipt",
            "email:thank_you",
            "revenue"
        ]
    );
    let kinds: Vec<String> = emails(&env)
        .await
        .into_iter()
        .map(|(kind, to, subject)| {
            assert_eq!(to, "lee@robinson.com");
            assert!(
                subject.contains("$1,500.00") || kind == "thank_you",
                "{subject}"
            );
            kind
        })
        .collect();
    assert_eq!(kinds, ["confirmation", "receipt", "thank_you"]);
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM webhook_outbox WHERE target = 'accounting'"
        )
        .await,
        1
    );
    assert_eq!(count(&env.pool, "SELECT count(*) FROM follow_up_tasks WHERE due_on = (now() AT TIME ZONE 'UTC')::date + 7").await, 1);
    assert_eq!(metric(&env, "invoices_created").await, 1);
    assert_eq!(metric(&env, "revenue_collected_cents").await, 150_000);
}

#[tokio::test]
async fn a_small_pending_invoice_notifies_nobody_outside() {
    let env = test_env().await;
    env.create_invoice("999.99", InvoiceStatus::Pending).await;
    let effects = process_outbox_twice(&env).await;
    assert_eq!(
        effects[0],
        ["email:confirmation", "analytics", "task:follow_up"]
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM webhook_outbox").await,
        0
    );
    assert_eq!(metric(&env, "revenue_collected_cents").await, 0);
}

#[tokio::test]
async fn paying_an_invoice_runs_the_payment_actions_once_though_two_events_report_it() {
    let env = test_env().await;
    let topic = &env.settings.invoices_topic;
    let id = env.create_invoice("40.00", InvoiceStatus::Pending).await;
    process_outbox_twice(&env).await;
    env.update_invoice(id, "40.00", InvoiceStatus::Paid).await;

    let effects = process_outbox_twice(&env).await;

    assert_eq!(
        effects[0],
        [
            "audit",
            "email:update_notice",
            "email:receipt",
            "email:thank_you",
            "revenue"
        ],
        "updated"
    );
    assert!(
        effects[1].is_empty(),
        "status_changed found the payment done: {:?}",
        effects[1]
    );
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT before, after FROM audit_log")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(
        (before["status"].as_str(), after["status"].as_str()),
        (Some("pending"), Some("paid"))
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM email_outbox WHERE kind = 'receipt'"
        )
        .await,
        1
    );
    assert_eq!(metric(&env, "revenue_collected_cents").await, 4000);

    // Back to pending: finance hears about it.
    app::db::invoices::update(
        &env.pool,
        topic,
        id,
        &invoice("40.00", InvoiceStatus::Pending),
    )
    .await
    .unwrap();
    let effects = process_outbox_twice(&env).await;
    assert_eq!(effects[1], ["webhook:finance"]);
}

#[tokio::test]
async fn a_deleted_invoice_is_archived_and_announced_to_accounting_and_the_team() {
    let env = test_env().await;
    let id = env.create_invoice("12.00", InvoiceStatus::Pending).await;
    process_outbox_twice(&env).await;
    env.delete_invoice(id).await;

    let effects = process_outbox_twice(&env).await;

    assert_eq!(
        effects[0],
        ["archive", "webhook:accounting", "webhook:team_chat"]
    );
    let archived: serde_json::Value = sqlx::query_scalar("SELECT data FROM invoice_archive")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(archived["invoiceId"], id.to_string());
    assert_eq!(archived["amount"], 1200);
}
