//! Safe replay: moving the processor group back to read its events again, from the Kafka page's
//! server functions and from `acmectl groups reset`, with our processors paused on every
//! server process meanwhile. Effects are once per `eventId`: a whole topic read again changes
//! nothing, and a replay from a time does only what had not been done.

use crate::common;

use app::domain::InvoiceStatus;
use common::{outside::delivered_at_once, *};
use rdkafka::consumer::{Consumer, StreamConsumer};
use serde_json::{json, Value};
use std::time::Duration;

/// The tables the processor writes, each with a hash of its rows.
const EFFECTS: &[&str] = &[
    "processed_events",
    "activity_items",
    "email_outbox",
    "webhook_outbox",
    "follow_up_tasks",
    "audit_log",
    "invoice_archive",
    "invoice_analytics",
    "payments",
];

async fn effects(pool: &sqlx::PgPool) -> Vec<(String, String)> {
    fingerprint(pool)
        .await
        .into_iter()
        .filter(|(table, _)| EFFECTS.contains(&table.as_str()))
        .collect()
}

/// Waits until every invoice event is processed and every mail and webhook went out, and the
/// effects have stayed the same for a second.
async fn settled(env: &TestEnv) -> Vec<(String, String)> {
    let topic = &env.settings.invoices_topic;
    let done = eventually(Duration::from_secs(90), || async {
        let events = count(
            &env.pool,
            &format!("SELECT count(*) FROM outbox WHERE topic = '{topic}'"),
        )
        .await;
        unpublished(&env.pool).await == 0
            && count(&env.pool, "SELECT count(*) FROM processed_events").await >= events
            && count(
                &env.pool,
                "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL",
            )
            .await
                == 0
            && count(
                &env.pool,
                "SELECT count(*) FROM webhook_outbox WHERE sent_at IS NULL",
            )
            .await
                == 0
    })
    .await;
    assert!(done, "the pipeline finished its work");
    let mut last = effects(&env.pool).await;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = effects(&env.pool).await;
        if now == last {
            return now;
        }
        last = now;
    }
}

/// The processor group's members, and whether every partition's committed offset is at its end.
async fn processor_group(env: &TestEnv) -> (usize, bool) {
    let tools = env.settings.kafka_tools();
    let group = &env.settings.processor_group_id;
    let members = app::kafka_tools::groups::list_groups(&tools)
        .await
        .unwrap()
        .into_iter()
        .find(|g| &g.name == group)
        .map_or(0, |g| g.members);
    let at_end = match app::kafka_tools::groups::describe_group(&tools, group).await {
        Ok(d) => {
            let ours: Vec<_> = d
                .offsets
                .iter()
                .filter(|o| o.topic == env.settings.invoices_topic)
                .collect();
            // Lag 0: committed at the end (a partition never written to has nothing to commit).
            !ours.is_empty() && ours.iter().all(|o| o.lag == 0)
        }
        Err(_) => false,
    };
    (members, at_end)
}

/// `acme_events_consumed_total` for this test's invoices topic (all servers of this test
/// process count into it).
async fn consumed(app: &TestApp, env: &TestEnv) -> f64 {
    let metrics = app.metrics_text().await;
    let series = format!(
        "acme_events_consumed_total{{topic=\"{}\"}} ",
        env.settings.invoices_topic
    );
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn call_json(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_whole_topic_again_changes_nothing_already_done() {
    let mut env = test_env().await;
    let (mails, hooks) = delivered_at_once(&mut env.settings).await;
    // Two server processes: both processors are in the group, and both must step out.
    let a = TestApp::spawn(&env).await;
    let b = TestApp::spawn(&env).await;

    // 200 events: 100 created, 40 new amounts, 20 paid (updated + status_changed), 20 deleted.
    let mut ids = Vec::new();
    for i in 0..100 {
        let amount = format!("{}.{:02}", 10 + i, i);
        ids.push(env.create_invoice(&amount, InvoiceStatus::Pending).await);
    }
    for id in &ids[..40] {
        assert!(
            env.update_invoice(*id, "77.70", InvoiceStatus::Pending)
                .await
        );
    }
    for id in &ids[40..60] {
        assert!(env.update_invoice(*id, "88.80", InvoiceStatus::Paid).await);
    }
    for id in &ids[60..80] {
        assert!(env.delete_invoice(*id).await);
    }
    let topic = env.settings.invoices_topic.clone();
    let events = count(
        &env.pool,
        &format!("SELECT count(*) FROM outbox WHERE topic = '{topic}'"),
    )
    .await;
    assert_eq!(events, 200);
    let before = settled(&env).await;
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        200
    );
    let (mails_before, hooks_before) = (mails.lock().unwrap().len(), hooks.lock().unwrap().len());
    assert!(
        mails_before > 0 && hooks_before > 0,
        "the events sent mail and webhooks"
    );
    assert!(
        eventually(Duration::from_secs(30), || async {
            processor_group(&env).await == (2, true)
        })
        .await,
        "both processors in the group, everything committed"
    );
    let consumed_before = consumed(&a, &env).await;

    // A viewer may look at what a reset would do, not do it.
    let viewer = a.signed_in_as("viewer@nextmail.com").await;
    let earliest = json!({ "group": "", "topic": "", "to": "earliest" });
    let (status, plan) = call_json(&a, &viewer, "/api/kafka_reset_plan", earliest.clone()).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["rereads"], 200, "every event is read again: {plan}");
    assert_eq!(plan["pauses_processors"], true);
    assert_eq!(plan["members"], 2);
    let (status, refused) =
        call_json(&a, &viewer, "/api/kafka_reset_group", earliest.clone()).await;
    assert_eq!(status, 403, "{refused}");

    let admin = a.signed_in_as("user@nextmail.com").await;
    let (status, done) = call_json(&a, &admin, "/api/kafka_reset_group", earliest.clone()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["rereads"], 200, "{done}");
    for p in done["partitions"].as_array().unwrap() {
        assert_eq!(p["to"], p["low"], "back to the earliest: {p}");
    }

    // Both processors come back, read all 200 again and commit back to the end.
    assert!(
        eventually(Duration::from_secs(90), || async {
            processor_group(&env).await == (2, true)
        })
        .await,
        "both processors back in the group, every partition read to its end again: {:?}",
        processor_group(&env).await
    );
    assert!(
        consumed(&a, &env).await >= consumed_before + 200.0,
        "the 200 events were received again"
    );
    let after = settled(&env).await;
    assert_eq!(
        before, after,
        "no effect was done twice: mails, tasks, audit rows, activity items, webhooks"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        mails.lock().unwrap().len(),
        mails_before,
        "no mail sent twice"
    );
    assert_eq!(
        hooks.lock().unwrap().len(),
        hooks_before,
        "no webhook sent twice"
    );

    // The reset is recorded, as done, and in the audit trail with who asked.
    let (state, rereads, by): (String, Option<i64>, String) = sqlx::query_as(
        "SELECT state, rereads, requested_by FROM group_resets ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        (state.as_str(), rereads, by.as_str()),
        ("done", Some(200), "user@nextmail.com")
    );
    let audited = count(
        &env.pool,
        &format!(
            "SELECT count(*) FROM audit_trail WHERE action = 'group_reset' AND actor = 'user@nextmail.com'
             AND outcome = 'succeeded' AND target = '{}' AND details->>'rereads' = '200'",
            env.settings.processor_group_id
        ),
    )
    .await;
    assert_eq!(audited, 1);
    let (_, resets) = a.call(&viewer, "/api/kafka_group_resets", &[]).await;
    assert_eq!(resets["recent"][0]["state"], "done", "{resets}");
    assert_eq!(
        resets["processor_group"],
        env.settings.processor_group_id.as_str()
    );
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_a_time_does_only_what_had_not_been_done() {
    let mut env = test_env().await;
    let (mails, _hooks) = delivered_at_once(&mut env.settings).await;
    env.settings.produce_allowed_topics = vec![env.settings.invoices_topic.clone()];
    let app = TestApp::spawn(&env).await;
    for _ in 0..5 {
        env.create_invoice("10.00", InvoiceStatus::Pending).await;
    }
    settled(&env).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let since = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // After that time: five good events, then one whose customer is not in the database yet
    // (a customer imported late): dead-lettered as unknown.
    for _ in 0..5 {
        env.create_invoice("20.00", InvoiceStatus::Pending).await;
    }
    let customer = uuid::Uuid::new_v4();
    let (event_id, invoice_id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let admin = app.signed_in_as("user@nextmail.com").await;
    let broken = json!({
        "topic": env.settings.invoices_topic,
        "message": {
            "eventId": event_id, "invoiceId": invoice_id, "action": "created",
            "customerId": customer, "amount": 4200, "status": "pending",
            "timestamp": "2026-12-02T10:00:00Z"
        }
    });
    let (status, produced) = call_json(&app, &admin, "/api/kafka/produce", broken).await;
    assert_eq!(status, 200, "{produced}");
    let letters = env
        .dead_letters(1, Duration::from_secs(30), Duration::from_millis(500))
        .await;
    assert_eq!(letters.len(), 1, "the broken event is dead-lettered");
    assert!(letters[0]
        .header("dlq-error")
        .unwrap_or_default()
        .starts_with("unknown customer"));
    let before = settled(&env).await;
    let mails_before = mails.lock().unwrap().len();
    let processed_before = count(&env.pool, "SELECT count(*) FROM processed_events").await;
    assert_eq!(processed_before, 10);

    // Fixed: the customer exists now.
    sqlx::query("INSERT INTO customers (id, name, email, image_url) VALUES ($1, 'Ada Lovelace', 'ada@example.com', '/customers/amy-burns.png')")
        .bind(customer)
        .execute(&env.pool)
        .await
        .unwrap();

    // `acmectl groups reset` first says what it would do: the six messages since that time.
    let time = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (code, out, err) = text(&acmectl(
        &env,
        &["groups", "reset", "--to-datetime", &time],
        "",
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would reset group") && out.contains(": 6 event(s) read again"),
        "{out}"
    );
    assert!(out.contains("add --yes"), "{out}");
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM group_resets").await,
        0,
        "a plan changes nothing"
    );
    // The server of this test process must keep running while acmectl waits for it to pause.
    let args = ["groups", "reset", "--to-datetime", &time, "--yes", "--json"];
    let (code, out, err) = tokio::task::block_in_place(|| text(&acmectl(&env, &args, "")));
    assert_eq!(code, 0, "{err}");
    let done: Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(done["rereads"], 6, "{done}");

    // Only the broken event is done now: once, with its mail; the five before it are not redone.
    let processed = processed_within(&env.pool, event_id, Duration::from_secs(60)).await;
    assert!(processed, "the fixed event was processed on the replay");
    let after = settled(&env).await;
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        processed_before + 1
    );
    let changed: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.as_str())
        .collect();
    for table in &changed {
        assert!(
            [
                "processed_events",
                "activity_items",
                "email_outbox",
                "audit_log",
                "invoice_analytics",
                "follow_up_tasks",
                "webhook_outbox"
            ]
            .contains(table),
            "{table} changed"
        );
    }
    let activity = count(
        &env.pool,
        &format!("SELECT count(*) FROM activity_items WHERE item->>'invoiceId' = '{invoice_id}' AND item->>'customerName' = 'Ada Lovelace'"),
    )
    .await;
    assert_eq!(activity, 1, "its activity item, once");
    let mails_now = mails.lock().unwrap().clone();
    assert_eq!(
        mails_now.len(),
        mails_before + 1,
        "one mail more: the fixed invoice's"
    );
    assert!(
        mails_now
            .last()
            .unwrap()
            .to
            .iter()
            .any(|t| t.contains("ada@example.com")),
        "{:?}",
        mails_now.last()
    );
    let by: String =
        sqlx::query_scalar("SELECT requested_by FROM group_resets WHERE state = 'done'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(by.starts_with("acmectl:"), "{by}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processors_step_out_for_a_reset_and_a_group_in_use_is_refused() {
    let env = test_env().await;
    let a = TestApp::spawn(&env).await;
    let b = TestApp::spawn(&env).await;
    env.create_invoice("10.00", InvoiceStatus::Pending).await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            processor_group(&env).await == (2, true)
        })
        .await,
        "both in the group"
    );
    let group = env.settings.processor_group_id.clone();
    let pause = |seconds: i64| {
        let (pool, group) = (env.pool.clone(), group.clone());
        async move {
            sqlx::query(
                "INSERT INTO group_resets (group_id, topic, target, requested_by, pause_until)
                 VALUES ($1, 'invoices', '\"earliest\"', 'someone else', now() + make_interval(secs => $2))",
            )
            .bind(&group)
            .bind(seconds as f64)
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("SELECT pg_notify('acme_group_resets', $1)")
                .bind(&group)
                .execute(&pool)
                .await
                .unwrap();
        }
    };

    // A reset under way: both processors leave; an invoice saved meanwhile waits.
    pause(60).await;
    assert!(
        eventually(Duration::from_secs(20), || async {
            processor_group(&env).await.0 == 0
        })
        .await,
        "both processors left the group"
    );
    let waiting = env.create_invoice("30.00", InvoiceStatus::Pending).await;
    let processed_of = |id: uuid::Uuid| {
        let pool = env.pool.clone();
        async move {
            count(&pool, &format!("SELECT count(*) FROM processed_events p JOIN outbox o ON o.event_id = p.event_id WHERE o.message_key = '{id}'")).await
        }
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        processed_of(waiting).await,
        0,
        "nothing is processed while paused"
    );
    assert_eq!(
        unpublished(&env.pool).await,
        0,
        "the relay goes on publishing"
    );

    // A second reset of the same group is refused while one is under way.
    let admin = a.signed_in_as("user@nextmail.com").await;
    let earliest = json!({ "group": "", "topic": "", "to": "earliest" });
    let (status, busy) = call_json(&a, &admin, "/api/kafka_reset_group", earliest.clone()).await;
    assert_eq!(status, 409, "{busy}");
    assert!(
        busy["error"]
            .as_str()
            .unwrap()
            .contains("already under way (asked by someone else"),
        "{busy}"
    );

    // Finished: both come back and process what waited.
    sqlx::query(
        "UPDATE group_resets SET state = 'done', finished_at = now() WHERE state = 'pausing'",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('acme_group_resets', $1)")
        .bind(&group)
        .execute(&env.pool)
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(30), || async {
            processed_of(waiting).await == 1
        })
        .await,
        "processed once the reset finished"
    );
    assert!(
        eventually(Duration::from_secs(30), || async {
            processor_group(&env).await.0 == 2
        })
        .await,
        "both processors back"
    );

    // A reset whose coordinator died (never finished) holds the processors only until its deadline.
    pause(3).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            processor_group(&env).await.0 == 0
        })
        .await,
        "paused again"
    );
    let later = env.create_invoice("40.00", InvoiceStatus::Pending).await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            processed_of(later).await == 1
        })
        .await,
        "resumed after the deadline by themselves"
    );

    // A group that is not ours, with a member: Kafka would refuse; we say why, first.
    let other = format!("{group}.other");
    let consumer: StreamConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &env.settings.kafka_broker)
        .set("group.id", &other)
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[&env.settings.invoices_topic]).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), consumer.recv()).await;
    consumer
        .commit_consumer_state(rdkafka::consumer::CommitMode::Sync)
        .ok();
    let theirs = json!({ "group": other, "topic": "", "to": "earliest" });
    let (status, refused) = call_json(&a, &admin, "/api/kafka_reset_group", theirs).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("still has 1 active member"),
        "{refused}"
    );
    let (status, unknown) = call_json(
        &a,
        &admin,
        "/api/kafka_reset_plan",
        json!({ "group": "no-such-group-here", "topic": "", "to": "earliest" }),
    )
    .await;
    assert_eq!(status, 404, "{unknown}");
    let (status, forward) = call_json(
        &a,
        &admin,
        "/api/kafka_reset_plan",
        json!({ "group": "", "topic": "", "to": { "offsets": [[0, 100000]] } }),
    )
    .await;
    assert_eq!(status, 400, "{forward}");
    drop(consumer);
    b.stop().await;
    a.stop().await;
}
