//! Saving an invoice and recording its event are one transaction.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;

#[tokio::test]
async fn an_invoice_and_its_created_event_are_saved_together() {
    let env = test_env().await;
    let id = env.create_invoice("157.95", InvoiceStatus::Pending).await;

    let (cents, status): (i64, String) =
        sqlx::query_as("SELECT amount_cents, status FROM invoices WHERE id = $1")
            .bind(id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!((cents, status.as_str()), (15795, "pending"));

    let (topic, key, event_type, payload): (String, String, String, serde_json::Value) =
        sqlx::query_as("SELECT topic, message_key, event_type, payload FROM outbox")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(topic, env.settings.invoices_topic);
    assert_eq!(key, id.to_string());
    assert_eq!(event_type, "created");
    assert_eq!(payload["invoiceId"], id.to_string());
    assert_eq!(payload["action"], "created");
    assert_eq!(payload["amount"], 15795);
    assert_eq!(payload["customerId"], LEE_ROBINSON);
    assert_eq!(payload["status"], "pending");
    assert!(payload["eventId"]
        .as_str()
        .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()));
    assert!(payload["timestamp"]
        .as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()));
}

#[tokio::test]
async fn a_failure_after_the_invoice_insert_leaves_neither_invoice_nor_event() {
    let env = test_env().await;
    let invoices_before = count(&env.pool, "SELECT count(*) FROM invoices").await;
    // Make the outbox insert, which comes after the invoice insert, fail.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox unavailable'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&env.pool)
    .await
    .unwrap();

    let result = app::db::invoices::create(
        &env.pool,
        &env.settings.invoices_topic,
        &invoice("42.00", InvoiceStatus::Paid),
    )
    .await;

    let error = result.expect_err("the outbox failure must fail the whole save");
    assert!(error.to_string().contains("outbox unavailable"), "{error}");
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM invoices").await,
        invoices_before
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM invoices WHERE amount_cents = 4200"
        )
        .await,
        0
    );
    assert_eq!(count(&env.pool, "SELECT count(*) FROM outbox").await, 0);
}
