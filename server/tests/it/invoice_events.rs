//! Every change to an invoice is announced through the outbox with our users' event names.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;

async fn events(env: &TestEnv) -> Vec<(String, serde_json::Value)> {
    sqlx::query_as("SELECT event_type, payload FROM outbox ORDER BY id")
        .fetch_all(&env.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_update_that_flips_the_status_writes_updated_and_status_changed() {
    let env = test_env().await;
    let id = env.create_invoice("10.00", InvoiceStatus::Pending).await;

    let found = env.update_invoice(id, "12.50", InvoiceStatus::Paid).await;

    assert!(found);
    let events = events(&env).await;
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["created", "updated", "status_changed"]);
    let (_, updated) = &events[1];
    assert_eq!(updated["invoiceId"], id.to_string());
    assert_eq!(updated["amount"], 1250);
    assert_eq!(updated["status"], "paid");
    assert_eq!(updated["metadata"]["previousStatus"], "pending");
    assert_eq!(updated["metadata"]["previousAmount"], 1000);
    let (_, changed) = &events[2];
    assert_eq!(changed["metadata"]["oldStatus"], "pending");
    assert_eq!(changed["metadata"]["newStatus"], "paid");
    assert_ne!(updated["eventId"], changed["eventId"]);
}

#[tokio::test]
async fn an_update_that_keeps_the_status_writes_only_updated() {
    let env = test_env().await;
    let id = env.create_invoice("10.00", InvoiceStatus::Paid).await;
    env.update_invoice(id, "11.00", InvoiceStatus::Paid).await;
    let names: Vec<String> = events(&env)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["created", "updated"]);
}

#[tokio::test]
async fn deleting_writes_deleted_once_and_a_second_delete_finds_nothing() {
    let env = test_env().await;
    let id = env.create_invoice("33.00", InvoiceStatus::Pending).await;

    assert!(env.delete_invoice(id).await);
    assert!(!env.delete_invoice(id).await, "already gone");

    let events = events(&env).await;
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["created", "deleted"]);
    assert_eq!(
        events[1].1["amount"], 3300,
        "the event keeps what was deleted"
    );
    assert_eq!(
        count(
            &env.pool,
            &format!("SELECT count(*) FROM invoices WHERE id = '{id}'")
        )
        .await,
        0
    );
}

#[tokio::test]
async fn updating_an_invoice_that_is_gone_changes_nothing() {
    let env = test_env().await;
    let missing = uuid::Uuid::new_v4();
    let found = app::db::invoices::update(
        &env.pool,
        &env.settings.invoices_topic,
        missing,
        &invoice("1.00", InvoiceStatus::Paid),
    )
    .await
    .unwrap();
    assert!(!found);
    assert!(events(&env).await.is_empty());
}
