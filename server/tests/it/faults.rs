//! Fault tests against the real broker and database: the processor killed mid-stream, and
//! malformed messages mixed into real traffic. Each asserts exact counts.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;
use rdkafka::producer::FutureRecord;
use std::{process::Child, time::Duration};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

fn start_processor(env: &TestEnv) -> Child {
    binary_with_test_settings(env!("CARGO_BIN_EXE_invoice-events-processor"), env)
        .spawn()
        .expect("processor starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_processor_killed_mid_stream_and_restarted_leaves_every_effect_exactly_once() {
    let env = test_env().await;
    const EVENTS: i64 = 1000;
    let mut tx = env.pool.begin().await.unwrap();
    for n in 0..EVENTS {
        let input = invoice(
            &format!("{}.{:02}", 10 + n, n % 100),
            InvoiceStatus::Pending,
        );
        app::db::invoices::insert_with_event(&mut tx, &env.settings.invoices_topic, &input)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut first = start_processor(&env);
    let midway = eventually(Duration::from_secs(120), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await >= 200
    })
    .await;
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let at_kill = count(&env.pool, "SELECT count(*) FROM processed_events").await;
    assert!(
        midway && at_kill < EVENTS,
        "killed in the middle: {at_kill} of {EVENTS} done"
    );

    let mut second = start_processor(&env);
    let all = eventually(Duration::from_secs(180), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await == EVENTS
    })
    .await;
    stop_with_sigterm(&mut second, Duration::from_secs(10));
    assert!(all, "every event processed after the restart");

    for (what, sql) in [
        ("processed events", "SELECT count(*) FROM processed_events"),
        ("activity items", "SELECT count(*) FROM activity_items"),
        ("follow-up tasks", "SELECT count(*) FROM follow_up_tasks"),
        (
            "confirmation mails",
            "SELECT count(*) FROM email_outbox WHERE kind = 'confirmation'",
        ),
        (
            "activity messages",
            &format!(
                "SELECT count(*) FROM outbox WHERE topic = '{}'",
                env.settings.activity_topic
            ),
        ),
        (
            "invoices_created",
            "SELECT value FROM invoice_analytics WHERE metric = 'invoices_created'",
        ),
    ] {
        assert_eq!(count(&env.pool, sql).await, EVENTS, "{what}");
    }
    let expected_cents: i64 =
        sqlx::query_scalar("SELECT sum(amount_cents)::bigint FROM invoices WHERE customer_id = $1")
            .bind(uuid::Uuid::parse_str(LEE_ROBINSON).unwrap())
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let seeded: i64 = 54246 + 1000;
    assert_eq!(
        count(
            &env.pool,
            "SELECT value FROM invoice_analytics WHERE metric = 'amount_created_cents'"
        )
        .await,
        expected_cents - seeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_malformed_messages_go_to_the_dead_letter_topic_and_every_valid_one_is_processed() {
    let env = test_env().await;
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    let mut tx = env.pool.begin().await.unwrap();
    for n in 0..50 {
        app::db::invoices::insert_with_event(
            &mut tx,
            &env.settings.invoices_topic,
            &invoice(&format!("{}.00", n + 1), InvoiceStatus::Paid),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let valid: Vec<(String, String)> =
        sqlx::query_as("DELETE FROM outbox RETURNING message_key, payload::text")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let broken = |n: usize| match n % 5 {
        0 => "{not json".to_string(),
        1 => String::new(),
        2 => r#"{"invoiceId":"INV-001","action":"created","amount":1500}"#.to_string(),
        3 => format!(
            r#"{{"eventId":"{}","invoiceId":"{}","action":"exploded","customerId":"{LEE_ROBINSON}","amount":1,"status":"paid","timestamp":"2026-01-01T00:00:00Z"}}"#,
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4()
        ),
        _ => format!(
            r#"{{"eventId":"{}","invoiceId":"{}","action":"created","customerId":"{}","amount":1,"status":"paid","timestamp":"2026-01-01T00:00:00Z"}}"#,
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4()
        ),
    };
    // Interleave: broken, valid, broken, valid ... all on the partitions real traffic uses.
    for (n, (key, payload)) in valid.iter().enumerate() {
        let bad = broken(n);
        producer
            .send(
                FutureRecord::to(&env.settings.invoices_topic)
                    .key(key)
                    .payload(&bad),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        producer
            .send(
                FutureRecord::to(&env.settings.invoices_topic)
                    .key(key)
                    .payload(payload),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
    }

    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    server::startup::spawn_pipeline(&mut tasks, &env.settings, &env.pool, &shutdown, true).unwrap();
    let dead = read_topic(
        &env.settings.kafka_broker,
        &env.settings.dlq_topic,
        50,
        Duration::from_secs(60),
        Duration::from_secs(3),
    )
    .await;
    let processed = eventually(Duration::from_secs(60), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await == 50
    })
    .await;
    let shown = eventually(Duration::from_secs(10), || async {
        count(&env.pool, "SELECT count(*) FROM activity_items WHERE item->>'action' = 'dead_lettered' AND item->>'reason' <> ''").await == 50
    })
    .await;
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}

    assert!(processed, "every valid event processed");
    assert!(
        shown,
        "each dead letter shows once in the activity feed, with its reason"
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        50
    );
    assert_eq!(dead.len(), 50, "every malformed message dead-lettered once");
    for letter in &dead {
        let reason = letter.header("dlq-error").unwrap_or_default();
        assert!(
            [
                "not an invoice event",
                "empty message",
                "unknown action `exploded`",
                "unknown customer"
            ]
            .iter()
            .any(|r| reason.starts_with(r)),
            "a reason: {reason}"
        );
        assert_eq!(
            letter.header("dlq-original-topic"),
            Some(env.settings.invoices_topic.as_str())
        );
        assert!(letter
            .header("dlq-original-offset")
            .is_some_and(|o| o.parse::<i64>().is_ok()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_invoice_waits_aside_while_other_invoices_flow_and_keeps_its_order() {
    let env = test_env().await;
    let topic = env.settings.invoices_topic.clone();
    let a = env.create_invoice("1.11", InvoiceStatus::Pending).await;
    app::db::invoices::update(
        &env.pool,
        &topic,
        a,
        &invoice("2.22", InvoiceStatus::Pending),
    )
    .await
    .unwrap();
    // Every event on one partition, A's two first, so only parking can let B through.
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    let b = env.create_invoice("3.33", InvoiceStatus::Pending).await;
    let events: Vec<(String, String)> =
        sqlx::query_as("DELETE FROM outbox RETURNING message_key, payload::text")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    for (key, payload) in &events {
        producer
            .send(
                FutureRecord::to(&topic)
                    .key(key)
                    .payload(payload)
                    .partition(0),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
    }
    // Invoice A's processing fails (a real error from the database) until the flag goes.
    sqlx::raw_sql(&format!(
        "CREATE TABLE fail_invoice (id TEXT);
         INSERT INTO fail_invoice VALUES ('{a}');
         CREATE FUNCTION fail_for_flagged() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF EXISTS (SELECT 1 FROM fail_invoice WHERE id = NEW.item->>'invoiceId') THEN RAISE EXCEPTION 'invoice is flagged'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER fail_for_flagged BEFORE INSERT ON activity_items FOR EACH ROW EXECUTE FUNCTION fail_for_flagged();"
    ))
    .execute(&env.pool)
    .await
    .unwrap();

    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    server::startup::spawn_pipeline(&mut tasks, &env.settings, &env.pool, &shutdown, true).unwrap();
    let b_done = eventually(Duration::from_secs(30), || async {
        count(
            &env.pool,
            &format!("SELECT count(*) FROM processed_events WHERE invoice_id = '{b}'"),
        )
        .await
            == 1
    })
    .await;
    let parked = count(
        &env.pool,
        &format!("SELECT count(*) FROM parked_events WHERE invoice_key = '{a}'"),
    )
    .await;
    let a_done_meanwhile = count(
        &env.pool,
        &format!("SELECT count(*) FROM processed_events WHERE invoice_id = '{a}'"),
    )
    .await;

    sqlx::query("DELETE FROM fail_invoice")
        .execute(&env.pool)
        .await
        .unwrap();
    let a_done = eventually(Duration::from_secs(40), || async {
        count(
            &env.pool,
            &format!("SELECT count(*) FROM processed_events WHERE invoice_id = '{a}'"),
        )
        .await
            == 2
    })
    .await;
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}

    assert!(b_done, "B was processed while A was failing");
    assert_eq!(
        parked, 2,
        "A's failing event and the one behind it waited aside"
    );
    assert_eq!(a_done_meanwhile, 0);
    assert!(a_done, "A's events were processed once A could be");
    let order: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT item->>'action' FROM activity_items WHERE item->>'invoiceId' = '{a}' ORDER BY seq"
    ))
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(order, ["created", "updated"], "A's own order held");
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM parked_events").await,
        0
    );
    assert!(read_topic(
        &env.settings.kafka_broker,
        &env.settings.dlq_topic,
        0,
        Duration::from_secs(1),
        Duration::from_secs(1)
    )
    .await
    .is_empty());
}

/// The processor group's lag on each partition of the invoices topic, once it has committed
/// an offset on every one.
async fn processor_lag(env: &TestEnv) -> Option<Vec<i64>> {
    let tools = env.settings.kafka_tools();
    let group = app::kafka_tools::groups::describe_group(&tools, &env.settings.processor_group_id)
        .await
        .ok()?;
    let lags: Vec<i64> = group
        .offsets
        .iter()
        .filter(|o| o.topic == env.settings.invoices_topic && o.committed.is_some())
        .map(|o| o.lag)
        .collect();
    (lags.len() == env.settings.invoices_partitions as usize).then_some(lags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processors_share_the_events_through_a_kill_and_a_newcomer_with_every_effect_once() {
    let env = test_env().await;
    const INVOICES: usize = 750; // created, updated, updated to paid + status_changed: 3,000 events
    let mut processors: Vec<Child> = (0..3).map(|_| start_processor(&env)).collect();
    let writer = {
        let (pool, topic) = (env.pool.clone(), env.settings.invoices_topic.clone());
        tokio::spawn(async move {
            for n in 0..INVOICES {
                invoice_history(&pool, &topic, n, 20 + n, true).await;
                if n % 25 == 0 {
                    // Spread the writes out, so that the group changes while they flow.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        })
    };
    const EVENTS: i64 = 4 * INVOICES as i64;
    let a_third = eventually(Duration::from_secs(120), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await >= EVENTS / 3
    })
    .await;
    processors[0].kill().expect("SIGKILL");
    processors[0].wait().unwrap();
    processors.push(start_processor(&env));
    writer.await.unwrap();
    let all = eventually(Duration::from_secs(240), || async {
        count(&env.pool, "SELECT count(*) FROM processed_events").await == EVENTS
    })
    .await;
    let caught_up = eventually(Duration::from_secs(60), || async {
        processor_lag(&env)
            .await
            .is_some_and(|lags| lags.iter().all(|l| *l == 0))
    })
    .await;
    for processor in &mut processors[1..] {
        stop_with_sigterm(processor, Duration::from_secs(10));
    }
    assert!(a_third, "a third of the events processed before the kill");
    assert!(all, "every event processed");
    let invoices = INVOICES as i64;
    for (what, sql, expected) in [
        (
            "processed events",
            "SELECT count(*) FROM processed_events".to_string(),
            EVENTS,
        ),
        (
            "activity items",
            "SELECT count(*) FROM activity_items".into(),
            EVENTS,
        ),
        (
            "follow-up tasks",
            "SELECT count(*) FROM follow_up_tasks".into(),
            invoices,
        ),
        (
            "audit rows",
            "SELECT count(*) FROM audit_log".into(),
            2 * invoices,
        ),
        ("payments", "SELECT count(*) FROM payments".into(), invoices),
        (
            "confirmation mails",
            "SELECT count(*) FROM email_outbox WHERE kind = 'confirmation'".into(),
            invoices,
        ),
        (
            "update mails",
            "SELECT count(*) FROM email_outbox WHERE kind = 'update_notice'".into(),
            2 * invoices,
        ),
        (
            "receipts",
            "SELECT count(*) FROM email_outbox WHERE kind = 'receipt'".into(),
            invoices,
        ),
        (
            "invoices_created",
            "SELECT value FROM invoice_analytics WHERE metric = 'invoices_created'".into(),
            invoices,
        ),
        (
            "payments figure",
            "SELECT value FROM invoice_analytics WHERE metric = 'payments'".into(),
            invoices,
        ),
        (
            "activity messages",
            format!(
                "SELECT count(*) FROM outbox WHERE topic = '{}'",
                env.settings.activity_topic
            ),
            EVENTS,
        ),
    ] {
        assert_eq!(count(&env.pool, &sql).await, expected, "{what}");
    }
    let (written, shown) = orders_written_and_shown(&env).await;
    assert_eq!(written.len(), INVOICES);
    assert_eq!(
        shown, written,
        "each invoice's events shown in the order they were written"
    );
    assert!(
        caught_up,
        "the group's lag is 0 on every partition at the end"
    );
}
