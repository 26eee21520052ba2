//! The processor records each event once and turns it into one activity item, whatever
//! Kafka redelivers.

mod common;

use app::domain::InvoiceStatus;
use common::*;
use server::invoice_processor::{Outcome, Processor};

#[tokio::test]
async fn a_redelivered_event_changes_nothing_the_second_time() {
    let env = test_env().await;
    app::db::invoices::create(&env.pool, &env.settings.invoices_topic, &invoice("12.34", InvoiceStatus::Pending)).await.unwrap();
    let payload: String = sqlx::query_scalar("SELECT payload::text FROM outbox").fetch_one(&env.pool).await.unwrap();
    let processor = Processor { pool: env.pool.clone(), activity_topic: env.settings.activity_topic.clone() };

    let first = processor.handle(&env.settings.invoices_topic, 0, 7, Some(payload.as_bytes())).await.unwrap();
    let again = processor.handle(&env.settings.invoices_topic, 0, 7, Some(payload.as_bytes())).await.unwrap();

    assert!(matches!(first, Outcome::Processed { .. }), "{first:?}");
    assert_eq!(again, Outcome::AlreadyProcessed);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM processed_events").await, 1);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM activity_items").await, 1);
    let item: serde_json::Value = sqlx::query_scalar("SELECT item FROM activity_items").fetch_one(&env.pool).await.unwrap();
    assert_eq!(item["customerName"], "Lee Robinson");
    assert_eq!(item["amount"], 1234);
    assert_eq!(item["action"], "created");
    let Outcome::Processed { seq } = first else { unreachable!() };
    assert_eq!(item["seq"], seq);
    // The activity item is on its way to the feed topic through the outbox.
    assert_eq!(count(&env.pool, &format!("SELECT count(*) FROM outbox WHERE topic = '{}'", env.settings.activity_topic)).await, 1);
}

#[tokio::test]
async fn a_message_that_is_not_an_invoice_event_is_skipped_without_effects() {
    let env = test_env().await;
    let processor = Processor { pool: env.pool.clone(), activity_topic: env.settings.activity_topic.clone() };
    let outcome = processor.handle("invoices", 0, 1, Some(br#"{"invoiceId":"INV-001","action":"created","amount":1500}"#)).await.unwrap();
    assert!(matches!(outcome, Outcome::Skipped { .. }), "{outcome:?}");
    assert_eq!(count(&env.pool, "SELECT count(*) FROM processed_events").await, 0);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM activity_items").await, 0);
}
