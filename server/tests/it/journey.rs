//! One event's journey, as an operator reads it: every hop the event took, with its time, in
//! the page, from `acmectl event`, and as a failing mail shows while its server is down.

use crate::common;

use common::outside::smtp_sink_at;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_events_journey_shows_every_hop_in_order_and_a_mail_waiting_for_its_server() {
    let mut env = test_env().await;
    // The mail server is down at first: the journey says the mail is retrying, and why.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    env.settings.smtp_port = port;
    let app = TestApp::spawn(&env).await;
    let editor = app.signed_in_as("editor@nextmail.com").await;
    let form = [
        ("customer_id", LEE_ROBINSON),
        ("amount", "2500.00"),
        ("status", "paid"),
    ];
    let (_, created) = app.call(&editor, "/api/create_invoice", &form).await;
    let invoice = created["Saved"]["id"].as_str().expect("saved").to_string();
    let event: uuid::Uuid =
        sqlx::query_scalar("SELECT event_id FROM outbox WHERE message_key = $1")
            .bind(&invoice)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let journey = |app: &TestApp| {
        let editor = editor.clone();
        let url = app.url("/api/event_journey");
        async move {
            let answer = editor
                .post(url)
                .form(&[("event_id", event.to_string())])
                .send()
                .await
                .unwrap();
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    let steps = |j: &serde_json::Value| -> Vec<(String, String)> {
        j["hops"]
            .as_array()
            .map(|hops| {
                hops.iter()
                    .map(|h| {
                        (
                            h["step"].as_str().unwrap().to_string(),
                            h["state"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let failing_mail = eventually(Duration::from_secs(30), || async {
        let j = journey(&app).await;
        steps(&j).contains(&("activity_item".into(), "done".into()))
            && steps(&j)
                .iter()
                .any(|(s, st)| s == "mail" && st == "failing")
    })
    .await;
    assert!(failing_mail, "{}", journey(&app).await);
    let j = journey(&app).await;
    let mail = j["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["step"] == "mail")
        .unwrap();
    assert!(
        mail["detail"]
            .as_str()
            .unwrap()
            .contains("lee@robinson.com"),
        "{mail}"
    );
    assert!(
        mail["detail"].as_str().unwrap().contains("smtp"),
        "the last error: {mail}"
    );

    // Deliveries lists it as failing, with the error; the server comes up and an admin's
    // "retry now" sends it at once (not after its backoff); the journey says so.
    let (_, failing) = app
        .call(&editor, "/api/deliveries", &[("state", "failing")])
        .await;
    let failing: Vec<&serde_json::Value> = failing
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event_id"] == event.to_string())
        .collect();
    assert!(
        !failing.is_empty()
            && failing
                .iter()
                .all(|d| d["channel"] == "mail" && d["last_error"].as_str().is_some()),
        "{failing:?}"
    );
    let (_, _mails) = smtp_sink_at(port).await;
    let (status, _) = app
        .call(&editor, "/api/retry_delivery", &[("all", "true")])
        .await;
    assert_eq!(status, 403, "retrying is an admin's");
    sqlx::query(
        "UPDATE email_outbox SET next_attempt_at = now() + interval '1 hour' WHERE sent_at IS NULL",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let admin = app.signed_in_as("user@nextmail.com").await;
    let (_, retried) = app
        .call(&admin, "/api/retry_delivery", &[("all", "true")])
        .await;
    assert!(retried.as_u64().is_some_and(|n| n >= 1), "{retried}");
    let sent = eventually(Duration::from_secs(20), || async {
        steps(&journey(&app).await)
            .iter()
            .filter(|(s, _)| s == "mail")
            .all(|(_, st)| st == "done")
    })
    .await;
    assert!(sent, "{}", journey(&app).await);
    let (_, sent) = app
        .call(&editor, "/api/deliveries", &[("state", "sent")])
        .await;
    let mail = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event_id"] == event.to_string() && d["channel"] == "mail")
        .expect("sent")
        .clone();
    let (_, content) = app
        .call(
            &editor,
            "/api/mail_content",
            &[("id", &mail["id"].to_string())],
        )
        .await;
    assert_eq!(content["recipient"], "lee@robinson.com");
    assert!(
        content["body"].as_str().unwrap().contains("$2,500.00"),
        "{content}"
    );
    assert_eq!(count(&env.pool, "SELECT count(*) FROM audit_trail WHERE action = 'delivery_retry' AND actor = 'user@nextmail.com'").await, 1);

    let j = journey(&app).await;
    let order: Vec<String> = steps(&j).into_iter().map(|(s, _)| s).collect();
    let first = |step: &str| {
        order
            .iter()
            .position(|s| s == step)
            .unwrap_or_else(|| panic!("no {step} in {order:?}"))
    };
    assert!(first("committed") < first("published"), "{order:?}");
    assert!(first("published") < first("processed"), "{order:?}");
    assert!(first("processed") <= first("activity_item"), "{order:?}");
    assert!(
        order.contains(&"task".to_string()) && order.contains(&"payment".to_string()),
        "{order:?}"
    );
    let hops = j["hops"].as_array().unwrap();
    assert!(
        hops[1..]
            .iter()
            .all(|h| h["since_previous_ms"].as_i64().is_some_and(|ms| ms >= 0)),
        "{j}"
    );
    assert!(j["trace_id"].as_str().is_some_and(|t| t.len() == 32), "{j}");
    let processed = hops[first("processed")]["detail"].as_str().unwrap();
    assert!(
        processed.ends_with(&format!(":{}", std::process::id())),
        "the processor's process: {processed}"
    );
    let published = &hops[first("published")]["detail"];
    assert!(
        published
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/", env.settings.invoices_topic)),
        "topic/partition@offset: {published}"
    );

    // The page renders it on the server; an unknown event is a 404.
    let page = editor
        .get(app.url(&format!("/dashboard/events/{event}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("data-step=\"processed\"") && html.contains("From commit to the feed"),
        "{html}"
    );
    let unknown = editor
        .get(app.url("/dashboard/events/00000000-0000-4000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // acmectl prints the same hops.
    let output = binary_with_test_settings(env!("CARGO_BIN_EXE_acmectl"), &env)
        .args(["event", &event.to_string()])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for step in &order {
        assert!(
            printed.contains(step.as_str()),
            "{step} missing from:\n{printed}"
        );
    }
    assert!(printed.contains("commit to feed:"), "{printed}");
    app.stop().await;
}
