//! With the broker down, invoices are still saved; once it is back, each event is
//! published, none twice; the produce endpoint says 503 meanwhile. This test stops and starts the real broker through our own
//! script, so it lives alone in its binary (cargo runs test binaries one after another).

mod common;

use app::domain::InvoiceStatus;
use common::*;
use std::{collections::HashMap, process::Command, time::Duration};
use tokio_util::sync::CancellationToken;

fn services(command: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/services.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg(command)
        .status()
        .expect("run scripts/services.sh");
    assert!(status.success(), "scripts/services.sh {command} failed");
}

/// The tests here stop the one broker: one at a time.
static BROKER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts the broker again even if the test fails half-way, for the tests after it.
struct RestartBrokerOnDrop;
impl Drop for RestartBrokerOnDrop {
    fn drop(&mut self) {
        services("start-kafka");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_writes_across_a_broker_outage_are_published_once_each() {
    let _exclusive = BROKER.lock().await;
    let env = test_env().await;
    let shutdown = CancellationToken::new();
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    let relay = tokio::spawn(server::outbox_relay::run(
        env.pool.clone(),
        producer,
        shutdown.clone(),
    ));

    // 200 invoices written steadily while the broker goes down and comes back.
    let writer = {
        let (pool, topic) = (env.pool.clone(), env.settings.invoices_topic.clone());
        tokio::spawn(async move {
            for n in 0..200 {
                // Saving never depends on the broker.
                app::db::invoices::create(
                    &pool,
                    &topic,
                    &invoice(&format!("{}.07", n + 1), InvoiceStatus::Paid),
                )
                .await
                .unwrap();
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let guard = RestartBrokerOnDrop;
    services("stop-kafka");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = unpublished(&env.pool).await;
    drop(guard); // the broker comes back
    writer.await.unwrap();

    assert!(waiting > 0, "events waited while the broker was down");
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM invoices WHERE amount_cents % 100 = 7"
        )
        .await,
        200,
        "every invoice was saved"
    );
    assert!(
        eventually(Duration::from_secs(120), || async {
            unpublished(&env.pool).await == 0
        })
        .await,
        "the relay published the backlog after the broker came back"
    );
    let messages = read_topic(
        &env.settings.kafka_broker,
        &env.settings.invoices_topic,
        200,
        Duration::from_secs(60),
        Duration::from_secs(5),
    )
    .await;
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        *per_event
            .entry(m.json["eventId"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_event.len(), 200, "every event arrived");
    assert!(
        per_event.values().all(|n| *n == 1),
        "no event twice: {:?}",
        per_event.values().filter(|n| **n > 1).count()
    );
    shutdown.cancel();
    relay.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_produce_endpoint_answers_503_within_seconds_when_the_broker_is_down() {
    let _exclusive = BROKER.lock().await;
    let mut env = test_env().await;
    env.settings.produce_allowed_topics = vec![env.settings.invoices_topic.clone()];
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let body = serde_json::json!({ "topic": env.settings.invoices_topic, "message": { "invoiceId": "INV-9", "action": "created" } });

    let guard = RestartBrokerOnDrop;
    services("stop-kafka");
    let started = std::time::Instant::now();
    let response = client
        .post(app.url("/api/kafka/produce"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    drop(guard);

    assert_eq!(response.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains(&env.settings.kafka_broker),
        "{answer}"
    );
    assert!(waited < Duration::from_secs(10), "answered in {waited:?}");
    app.stop().await;
}
