//! `acmectl`, run as users run it, against the real broker and database: every subcommand,
//! its output, its errors and its exit codes.

use crate::common;

use common::*;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_listed_described_created_and_deleted_and_ours_are_protected() {
    let env = test_env().await;
    let name = format!("{}.scratch", env.settings.invoices_topic);

    let (code, out, err) = text(&acmectl(
        &env,
        &["topics", "create", &name, "--partitions", "2"],
        "",
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("created topic {name} with 2 partition(s)")),
        "{out}"
    );

    let (code, out, _) = text(&acmectl(&env, &["topics", "list"], ""));
    assert_eq!(code, 0);
    let row = out
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .expect("the new topic is listed");
    assert_eq!(row.split_whitespace().nth(1), Some("2"), "{row}");
    assert!(
        out.lines()
            .any(|l| l.starts_with(&env.settings.invoices_topic) && l.ends_with("(app)")),
        "{out}"
    );

    let (code, out, _) = text(&acmectl(&env, &["topics", "describe", &name], ""));
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("topic {name}  partitions 2")),
        "{out}"
    );
    assert!(
        out.contains("cleanup.policy=delete"),
        "configs are shown: {out}"
    );

    let (code, _, err) = text(&acmectl(&env, &["topics", "delete", &name], ""));
    assert_eq!(code, 2, "deleting needs --yes");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = text(&acmectl(&env, &["topics", "delete", &name, "--yes"], ""));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted topic"));
    let gone = eventually(Duration::from_secs(10), || async {
        let (_, out, _) = text(&acmectl(&env, &["topics", "list"], ""));
        !out.lines().any(|l| l.starts_with(&format!("{name} ")))
    })
    .await;
    assert!(gone, "the deleted topic is no longer listed");

    let (code, _, err) = text(&acmectl(
        &env,
        &["topics", "delete", &env.settings.invoices_topic, "--yes"],
        "",
    ));
    assert_eq!(code, 2);
    assert!(err.contains("one of the app's own topics"), "{err}");
    let (code, _, err) = text(&acmectl(
        &env,
        &["topics", "delete", "__consumer_offsets", "--yes"],
        "",
    ));
    assert_eq!(code, 2);
    assert!(err.contains("internal"), "{err}");
    let (code, _, err) = text(&acmectl(
        &env,
        &["topics", "describe", "no.such.topic.here"],
        "",
    ));
    assert_eq!(code, 4);
    assert!(err.contains("no topic named `no.such.topic.here`"), "{err}");
    let (code, _, err) = text(&acmectl(&env, &["topics", "create", "bad name!"], ""));
    assert_eq!(code, 2);
    assert!(err.contains("may only contain"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_reads_json_lines_and_tail_prints_and_filters_them() {
    let env = test_env().await;
    let topic = &env.settings.invoices_topic;
    let lines = [
        r#"{"eventId":"e1","invoiceId":"inv-a","action":"created","amount":100}"#,
        r#"{"eventId":"e2","invoiceId":"inv-b","action":"created","amount":200}"#,
        r#"{"eventId":"e3","invoiceId":"inv-a","action":"deleted","amount":100}"#,
    ];
    let (code, out, err) = text(&acmectl(
        &env,
        &["produce", topic],
        &(lines.join("\n") + "\n"),
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 message(s) sent"), "{out}");

    let (code, _, err) = text(&acmectl(
        &env,
        &["produce", topic],
        "{\"ok\":1}\nnot json\n",
    ));
    assert_eq!(code, 2);
    assert!(err.contains("line 2: not JSON"), "{err}");
    let (code, _, err) = text(&acmectl(&env, &["produce", "no.such.topic.here"], "{}\n"));
    assert_eq!(code, 4, "{err}");

    let (code, out, err) = text(&acmectl(
        &env,
        &[
            "tail",
            topic,
            "--from-beginning",
            "--max-messages",
            "1",
            "--event-type",
            "deleted",
        ],
        "",
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("key=inv-a"), "{out}");
    assert!(
        out.contains("  event-type: deleted"),
        "headers are printed: {out}"
    );
    assert!(
        out.contains("  \"eventId\": \"e3\""),
        "values are pretty JSON: {out}"
    );
    assert_eq!(out.matches("--- ").count(), 1, "{out}");

    let (code, out, _) = text(&acmectl(
        &env,
        &[
            "tail",
            topic,
            "--from-beginning",
            "--key",
            "inv-b",
            "--timeout-ms",
            "3000",
        ],
        "",
    ));
    assert_eq!(code, 0);
    assert_eq!(
        out.matches("--- ").count(),
        1,
        "only inv-b's message: {out}"
    );
    assert!(out.contains("\"eventId\": \"e2\""), "{out}");

    let (code, out, _) = text(&acmectl(
        &env,
        &["tail", topic, "--from-beginning", "--timeout-ms", "3000"],
        "",
    ));
    assert_eq!(code, 0);
    assert_eq!(out.matches("--- ").count(), 3, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_show_members_offsets_and_lag_and_dead_letters_can_be_replayed() {
    let env = test_env().await;
    // An event for a customer that does not exist (yet): dead-lettered at once.
    let customer = uuid::Uuid::new_v4();
    let (event_id, invoice_id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let event = format!(
        r#"{{"eventId":"{event_id}","invoiceId":"{invoice_id}","action":"created","customerId":"{customer}","amount":4200,"status":"pending","timestamp":"2026-11-27T10:00:00Z"}}"#
    );
    let (code, _, err) = text(&acmectl(
        &env,
        &["produce", &env.settings.invoices_topic],
        &event,
    ));
    assert_eq!(code, 0, "{err}");

    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    server::startup::spawn_pipeline(&mut tasks, &env.settings, &env.pool, &shutdown, true).unwrap();
    let letters = env
        .dead_letters(1, Duration::from_secs(30), Duration::from_millis(500))
        .await;
    assert_eq!(letters.len(), 1);

    let group = env.settings.processor_group_id.clone();
    let settled = eventually(Duration::from_secs(20), || async {
        let (_, out, _) = text(&acmectl(&env, &["groups", "describe", &group], ""));
        out.contains("members 1")
            && out
                .lines()
                .filter(|l| l.starts_with(&env.settings.invoices_topic))
                .all(|l| l.trim_end().ends_with(" 0"))
    })
    .await;
    let (code, out, err) = text(&acmectl(&env, &["groups", "describe", &group], ""));
    assert_eq!(code, 0, "{err}");
    assert!(
        settled,
        "one member, every partition of the invoices topic committed with lag 0:\n{out}"
    );
    assert!(
        out.contains(&format!("{}:[", env.settings.invoices_topic)),
        "the member's partitions: {out}"
    );
    let (code, out, _) = text(&acmectl(&env, &["groups", "list"], ""));
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&group) && l.contains("Stable")),
        "{out}"
    );
    let (code, _, err) = text(&acmectl(
        &env,
        &["groups", "describe", "no-such-group-here"],
        "",
    ));
    assert_eq!(code, 4, "{err}");

    let (code, out, err) = text(&acmectl(&env, &["dlq", "list"], ""));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 dead letter(s)"), "{out}");
    assert!(out.contains(&format!("event {event_id}")), "{out}");
    assert!(
        out.contains(&format!("reason: unknown customer `{customer}`")),
        "{out}"
    );
    assert!(
        out.contains(&format!("from {}/", env.settings.invoices_topic)),
        "{out}"
    );
    assert!(!out.contains("replayed"), "{out}");

    // The data is fixed (the customer exists now); the letter goes back and is processed.
    sqlx::query("INSERT INTO customers (id, name, email, image_url) VALUES ($1, 'Ada Lovelace', 'ada@example.com', '/customers/amy-burns.png')")
        .bind(customer)
        .execute(&env.pool)
        .await
        .unwrap();
    let (code, out, err) = text(&acmectl(
        &env,
        &["dlq", "replay", "--event-id", &event_id.to_string()],
        "",
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 letter(s) replayed"), "{out}");
    let processed = processed_within(&env.pool, event_id, Duration::from_secs(30)).await;
    assert!(processed, "the replayed event was processed");
    let (_, out, _) = text(&acmectl(&env, &["dlq", "list"], ""));
    assert!(
        out.contains("replayed 20"),
        "the letter is marked replayed: {out}"
    );
    let (code, out, _) = text(&acmectl(&env, &["dlq", "replay", "--all"], ""));
    assert_eq!(code, 0);
    assert!(
        out.contains("0 letter(s) replayed"),
        "nothing is pending any more: {out}"
    );
    let (code, _, err) = text(&acmectl(&env, &["dlq", "replay"], ""));
    assert_eq!(code, 2, "{err}");

    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_named_with_exit_code_3() {
    let env = test_env().await;
    let started = std::time::Instant::now();
    let (code, _, err) = text(&acmectl(
        &env,
        &["--broker", "127.0.0.1:1", "topics", "list"],
        "",
    ));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("the broker at 127.0.0.1:1 did not answer"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let (code, out, _) = text(&acmectl(&env, &["tail", "--help"], ""));
    assert_eq!(code, 0);
    assert!(
        out.contains("--from-beginning") && out.contains("--event-type"),
        "{out}"
    );
}
