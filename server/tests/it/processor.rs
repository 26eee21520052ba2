//! The processor records each event once and turns it into one activity item, whatever
//! Kafka redelivers; what it cannot process goes to the dead-letter topic and it moves on.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;
use rdkafka::producer::FutureRecord;
use server::processor::{Failure, Outcome};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_redelivered_event_changes_nothing_the_second_time() {
    let env = test_env().await;
    env.create_invoice("12.34", InvoiceStatus::Pending).await;
    let payload: String = sqlx::query_scalar("SELECT payload::text FROM outbox")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let processor = test_processor(&env);

    let first = processor
        .handle(&env.settings.invoices_topic, 0, 7, Some(payload.as_bytes()))
        .await
        .unwrap();
    let again = processor
        .handle(&env.settings.invoices_topic, 0, 7, Some(payload.as_bytes()))
        .await
        .unwrap();

    assert!(matches!(first, Outcome::Processed { .. }), "{first:?}");
    assert_eq!(again, Outcome::AlreadyProcessed);
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        1
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM activity_items").await,
        1
    );
    let item: serde_json::Value = sqlx::query_scalar("SELECT item FROM activity_items")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(item["customerName"], "Lee Robinson");
    assert_eq!(item["amount"], 1234);
    assert_eq!(item["action"], "created");
    let Outcome::Processed { seq, .. } = first else {
        unreachable!()
    };
    assert_eq!(item["seq"], seq);
    // The activity item is on its way to the feed topic through the outbox.
    assert_eq!(
        count(
            &env.pool,
            &format!(
                "SELECT count(*) FROM outbox WHERE topic = '{}'",
                env.settings.activity_topic
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn messages_that_can_never_succeed_are_refused_without_effects() {
    let env = test_env().await;
    let processor = test_processor(&env);
    let cases: [(&[u8], &str); 4] = [
        (b"{not json", "not an invoice event"),
        // The users' guide example: no eventId, customerId or status.
        (br#"{"invoiceId":"INV-001","action":"created","amount":1500}"#, "not an invoice event"),
        (br#"{"eventId":"6f1c1a1e-5b1e-4a51-9d2c-0c8d1b7b2a11","invoiceId":"6f1c1a1e-5b1e-4a51-9d2c-0c8d1b7b2a12","action":"archived","customerId":"3958dc9e-742f-4377-85e9-fec4b6a6442a","amount":1,"status":"paid","timestamp":"2026-01-01T00:00:00Z"}"#, "unknown action `archived`"),
        (br#"{"eventId":"6f1c1a1e-5b1e-4a51-9d2c-0c8d1b7b2a13","invoiceId":"INV-001","action":"created","customerId":"3958dc9e-742f-4377-85e9-fec4b6a6442a","amount":1,"status":"paid","timestamp":"2026-01-01T00:00:00Z"}"#, "unknown invoice `INV-001`"),
    ];
    for (payload, expected) in cases {
        match processor.handle("invoices", 0, 1, Some(payload)).await {
            Err(Failure::Permanent(reason)) => assert!(reason.starts_with(expected), "{reason}"),
            other => panic!(
                "expected a permanent failure for {}: {other:?}",
                String::from_utf8_lossy(payload)
            ),
        }
    }
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        0
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM activity_items").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_message_goes_to_the_dead_letter_topic_and_the_next_one_is_processed() {
    let env = test_env().await;
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    // A broken message, then a valid event right behind it on the same partition.
    let key = "00000000-0000-4000-8000-0000000000aa";
    let record = FutureRecord::to(&env.settings.invoices_topic)
        .key(key)
        .payload("{broken")
        .partition(0);
    producer.send(record, Duration::from_secs(5)).await.unwrap();
    env.create_invoice("64.00", InvoiceStatus::Paid).await;
    let (valid_key, valid): (String, String) =
        sqlx::query_as("DELETE FROM outbox RETURNING message_key, payload::text")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let record = FutureRecord::to(&env.settings.invoices_topic)
        .key(&valid_key)
        .payload(&valid)
        .partition(0);
    producer.send(record, Duration::from_secs(5)).await.unwrap();

    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    server::startup::spawn_pipeline(&mut tasks, &env.settings, &env.pool, &shutdown, true).unwrap();

    let dead = read_topic(
        &env.settings.kafka_broker,
        &env.settings.dlq_topic,
        1,
        Duration::from_secs(30),
        Duration::from_secs(2),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            count(&env.pool, "SELECT count(*) FROM processed_events").await == 1
        })
        .await,
        "the valid event after the broken one was processed"
    );
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}

    assert_eq!(dead.len(), 1, "{dead:#?}");
    let letter = &dead[0];
    assert_eq!(letter.key, key);
    assert_eq!(
        letter.header("dlq-original-topic"),
        Some(env.settings.invoices_topic.as_str())
    );
    assert_eq!(letter.header("dlq-original-partition"), Some("0"));
    assert_eq!(letter.header("dlq-original-offset"), Some("0"));
    assert_eq!(letter.header("dlq-attempts"), Some("1"));
    assert!(
        letter
            .header("dlq-error")
            .is_some_and(|e| e.starts_with("not an invoice event")),
        "{letter:?}"
    );
    assert_eq!(letter.raw, "{broken");
}
