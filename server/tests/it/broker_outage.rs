//! With the broker down, invoices are still saved; once it is back, each event is
//! published, none twice; the produce endpoint says 503 meanwhile. On a three-node cluster,
//! killing the broker that leads the invoices loses and doubles nothing. These tests stop and
//! start real brokers through our own script, so each runs alone (`test_env_alone`).

use crate::common;

use app::domain::InvoiceStatus;
use common::{
    feed::{assert_gapless, FeedClient},
    *,
};
use std::{process::Command, time::Duration};

fn services(command: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/services.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg(command)
        .status()
        .expect("run scripts/services.sh");
    assert!(status.success(), "scripts/services.sh {command} failed");
}

/// Starts the broker again even if the test fails half-way, for the tests after it.
struct RestartBrokerOnDrop;
impl Drop for RestartBrokerOnDrop {
    fn drop(&mut self) {
        services("start-kafka");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_writes_across_a_broker_outage_are_published_once_each() {
    let env = test_env_alone().await;
    let relay = env.start_relay();

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
    let messages = env
        .invoice_events(200, Duration::from_secs(60), Duration::from_secs(5))
        .await;
    let per_event = per_event_id(&messages);
    assert_eq!(per_event.len(), 200, "every event arrived");
    assert!(
        per_event.values().all(|n| *n == 1),
        "no event twice: {:?}",
        per_event.values().filter(|n| **n > 1).count()
    );
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_produce_endpoint_answers_503_within_seconds_when_the_broker_is_down() {
    let mut env = test_env_alone().await;
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

/// Three Kafka nodes of our own (scripts/services.sh), beside the test run's single broker:
/// ACME_TEST_CLUSTER names their addresses (each node's controller uses its port + 1).
fn cluster_addresses() -> String {
    std::env::var("ACME_TEST_CLUSTER")
        .unwrap_or_else(|_| "127.0.0.1:19192,127.0.0.1:19194,127.0.0.1:19196".into())
}

fn cluster(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/services.sh");
    let services = std::env::var("ACME_SERVICES_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.services-test").into());
    let status = Command::new("bash")
        .arg(script)
        .args(args)
        .env("KAFKA_BROKER", cluster_addresses())
        .env("ACME_SERVICES_DIR", format!("{services}/cluster"))
        .status()
        .expect("run scripts/services.sh");
    assert!(
        status.success(),
        "scripts/services.sh {args:?} (cluster) failed"
    );
}

/// Stops the cluster when the test ends, passed or not.
struct StopClusterOnDrop;
impl Drop for StopClusterOnDrop {
    fn drop(&mut self) {
        cluster(&["stop-kafka"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_leading_the_invoices_is_killed_mid_stream_and_nothing_is_lost_or_doubled() {
    let mut env = test_env_alone().await;
    let _stop = StopClusterOnDrop;
    cluster(&["start-kafka"]);
    env.settings.kafka_broker = cluster_addresses();
    server::startup::ensure_topics(&env.settings)
        .await
        .expect("topics on the cluster");
    let tools = env.settings.kafka_tools();
    let before = app::kafka_tools::cluster::cluster(&tools).await;
    assert_eq!(before.brokers.len(), 3, "{before:?}");
    assert!(
        !before.replication.is_empty()
            && before
                .replication
                .iter()
                .all(|r| r.replicas.len() == 3 && r.isr.len() == 3),
        "every invoices partition kept on all three brokers: {:?}",
        before.replication
    );
    // The broker that leads the most invoices partitions.
    let leader = (1..=3)
        .max_by_key(|id| {
            before
                .replication
                .iter()
                .filter(|r| r.leader == *id)
                .count()
        })
        .unwrap();

    let app = TestApp::spawn(&env).await;
    let feed = FeedClient::open(&app, &app.session_cookie().await, None).await;
    const INVOICES: usize = 500; // created and updated: 1,000 events
    const EVENTS: i64 = 2 * INVOICES as i64;
    // The open page reads as items come (and so answers the server's pings), outage or not.
    let reading = tokio::spawn(async move {
        let mut feed = feed;
        feed.items(EVENTS as usize, Duration::from_secs(240)).await
    });
    let writer = {
        let (pool, topic) = (env.pool.clone(), env.settings.invoices_topic.clone());
        tokio::spawn(async move {
            for n in 0..INVOICES {
                invoice_history(&pool, &topic, n, 40 + n, false).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let flowing = eventually(Duration::from_secs(120), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await >= EVENTS / 4
    })
    .await;
    cluster(&["kill-broker", &leader.to_string()]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let during = count(&env.pool, "SELECT count(*) FROM processed_events").await;
    cluster(&["start-kafka"]);
    writer.await.unwrap();
    let all = eventually(Duration::from_secs(180), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await == EVENTS
    })
    .await;
    let items = reading.await.unwrap();
    app.stop().await;

    assert!(flowing, "events flowed before the kill");
    assert!(
        during < EVENTS,
        "the broker died mid-stream ({during} of {EVENTS} done)"
    );
    assert!(all, "every event processed");
    for (what, sql) in [
        ("processed events", "SELECT count(*) FROM processed_events"),
        ("activity items", "SELECT count(*) FROM activity_items"),
        (
            "confirmation mails",
            "SELECT count(*) FROM email_outbox WHERE kind = 'confirmation'",
        ),
        ("audit rows", "SELECT count(*) FROM audit_log"),
    ] {
        let expected = if what == "processed events" || what == "activity items" {
            EVENTS
        } else {
            INVOICES as i64
        };
        assert_eq!(count(&env.pool, sql).await, expected, "{what}");
    }
    // On the broker: each event once, though its leader died while the relay was sending.
    let messages = env
        .invoice_events(
            EVENTS as usize,
            Duration::from_secs(60),
            Duration::from_secs(5),
        )
        .await;
    let per_event = per_event_id(&messages);
    assert_eq!(per_event.len(), EVENTS as usize, "every event on the topic");
    assert!(
        per_event.values().all(|n| *n == 1),
        "no event twice on the topic"
    );
    // At the feed client: every item once, in order, none missing.
    assert_eq!(
        items.len(),
        EVENTS as usize,
        "every item reached the open feed"
    );
    assert_gapless(&items, items[0].seq);
    let (written, shown) = orders_written_and_shown(&env).await;
    assert_eq!(written.len(), INVOICES);
    assert_eq!(
        shown, written,
        "each invoice's events in the order they were written"
    );
    let after = app::kafka_tools::cluster::cluster(&tools).await;
    assert_eq!(
        after.brokers.len(),
        3,
        "the killed broker is back: {after:?}"
    );
}
