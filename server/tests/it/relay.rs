//! The relay publishes each outbox row once, with the key, headers and JSON our users expect.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;
use std::{collections::HashSet, time::Duration};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn every_outbox_row_is_published_once_with_key_headers_and_json() {
    let env = test_env().await;
    let mut ids = Vec::new();
    for n in 1..=10 {
        let status = if n % 2 == 0 {
            InvoiceStatus::Paid
        } else {
            InvoiceStatus::Pending
        };
        ids.push(env.create_invoice(&format!("{n}.25"), status).await);
    }
    let relay = env.start_relay();

    let messages = env
        .invoice_events(10, Duration::from_secs(30), Duration::from_secs(3))
        .await;

    assert_eq!(
        messages.len(),
        10,
        "exactly one message per invoice: {messages:#?}"
    );
    let keys: HashSet<String> = messages.iter().map(|m| m.key.clone()).collect();
    let expected: HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
    assert_eq!(keys, expected);
    for m in &messages {
        assert_eq!(m.header("event-type"), Some("created"));
        assert_eq!(m.header("source"), Some("acme-dashboard"));
        assert_eq!(m.json["invoiceId"], m.key.as_str());
        assert_eq!(m.json["action"], "created");
        assert_eq!(m.json["customerId"], LEE_ROBINSON);
        let cents = m.json["amount"].as_i64().unwrap();
        assert_eq!(cents % 100, 25, "amount is integer cents");
        let status = if (cents / 100) % 2 == 0 {
            "paid"
        } else {
            "pending"
        };
        assert_eq!(m.json["status"], status);
        assert!(m.json["eventId"].is_string() && m.json["timestamp"].is_string());
    }
    assert!(
        eventually(Duration::from_secs(5), || async {
            unpublished(&env.pool).await == 0
        })
        .await,
        "every row is marked published"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_row_committed_later_is_published_without_waiting_for_a_poll() {
    let env = test_env().await;
    let relay = env.start_relay();
    // Let the relay go idle, waiting for a notification.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let id = env.create_invoice("9.99", InvoiceStatus::Pending).await;

    // The relay's idle poll is 5 s; a notification wakes it long before.
    let published = eventually(Duration::from_secs(3), || async {
        count(
            &env.pool,
            "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL",
        )
        .await
            == 1
    })
    .await;
    assert!(published, "the relay woke on the commit");
    let messages = env
        .invoice_events(1, Duration::from_secs(20), Duration::from_secs(1))
        .await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].key, id.to_string());
    relay.stop().await;
}

#[tokio::test]
async fn two_relays_never_publish_at_the_same_time() {
    let env = test_env().await;
    for n in 1..=20 {
        env.create_invoice(&format!("{n}"), InvoiceStatus::Pending)
            .await;
    }
    let shutdown = CancellationToken::new();
    let relays: Vec<_> = (0..2)
        .map(|_| {
            let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
            tokio::spawn(server::outbox_relay::run(
                env.pool.clone(),
                producer,
                shutdown.clone(),
            ))
        })
        .collect();
    let messages = env
        .invoice_events(20, Duration::from_secs(30), Duration::from_secs(3))
        .await;
    assert_eq!(messages.len(), 20, "each row once, though two relays ran");
    let distinct: HashSet<_> = messages
        .iter()
        .map(|m| m.json["eventId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(distinct.len(), 20);
    shutdown.cancel();
    for relay in relays {
        relay.await.unwrap();
    }
}

#[tokio::test]
async fn after_an_outage_the_first_published_batch_starts_the_failure_count_again() {
    let env = test_env().await;
    let id = env.create_invoice("7.00", InvoiceStatus::Pending).await;
    // The outbox out of reach: every round of the relay fails.
    sqlx::query("ALTER TABLE outbox RENAME TO outbox_away")
        .execute(&env.pool)
        .await
        .unwrap();
    let shutdown = CancellationToken::new();
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    let relay = tokio::spawn(server::outbox_relay::run_counting(
        env.pool.clone(),
        producer,
        shutdown.clone(),
        app::backoff::Retries::new(server::outbox_relay::RETRY),
    ));
    // At most 0.4 + 0.8 s of waiting between the first three failures.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    sqlx::query("ALTER TABLE outbox_away RENAME TO outbox")
        .execute(&env.pool)
        .await
        .unwrap();
    let messages = env
        .invoice_events(1, Duration::from_secs(30), Duration::from_secs(1))
        .await;
    assert_eq!(messages.len(), 1, "published once the outbox was back");
    assert_eq!(messages[0].key, id.to_string());
    shutdown.cancel();
    let retries = relay.await.unwrap();
    assert!(
        retries.total() >= 2,
        "the relay failed while the outbox was away"
    );
    assert_eq!(
        retries.failures(),
        0,
        "a batch that went out starts the count again (the next outage retries after 400 ms, not 10 s)"
    );
}
