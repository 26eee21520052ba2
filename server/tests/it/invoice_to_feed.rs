//! One invoice travels the whole way: form post -> database + outbox -> relay -> Kafka ->
//! processor -> invoice-activity -> WebSocket, against the real server.

use crate::common;

use common::{feed::FeedClient, *};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_invoice_reaches_an_open_feed() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;

    let cookie = app.session_cookie().await;
    let mut feed = FeedClient::open(&app, &cookie, Some(0)).await;
    assert_eq!(feed.position, 0);
    let response = client
        .post(app.url("/api/create_invoice"))
        .form(&[
            ("customer_id", LEE_ROBINSON),
            ("amount", "1,234.56"),
            ("status", "paid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("Saved"), "{body}");

    let item = feed
        .next_item(Duration::from_secs(20))
        .await
        .expect("an item within 20 s");
    assert_eq!(item.action, "created");
    assert_eq!(item.amount, 123456);
    assert_eq!(item.status, "paid");
    assert_eq!(item.customer_name.as_deref(), Some("Lee Robinson"));
    assert_eq!(item.seq, 1);

    // A browser that reconnects after seq 1 gets nothing again; one that had nothing gets it once.
    let mut late = FeedClient::open(&app, &cookie, Some(0)).await;
    let replayed = late
        .next_item(Duration::from_secs(5))
        .await
        .expect("replay");
    assert_eq!(replayed.event_id, item.event_id);
    let mut caught_up = FeedClient::open(&app, &cookie, Some(1)).await;
    assert!(
        caught_up.next_item(Duration::from_secs(2)).await.is_none(),
        "nothing to replay after seq 1"
    );
    // Without `after`, the stream starts at the newest item.
    let from_now = FeedClient::open(&app, &cookie, None).await;
    assert_eq!(from_now.position, 1);

    // What happened shows in the Prometheus metrics (on the operations listener).
    let metrics = app.metrics_text().await;
    for expected in [
        "acme_events_processed_total{action=\"created\"}",
        &format!(
            "acme_events_published_total{{topic=\"{}\"}}",
            env.settings.invoices_topic
        ),
        "acme_events_consumed_total",
        "acme_processing_seconds_bucket",
        "acme_outbox_backlog",
        "process_resident_memory_bytes",
        "acme_password_check_memory_bytes",
    ] {
        assert!(
            metrics.contains(expected),
            "{expected} missing from:\n{metrics}"
        );
    }
    let ready = app
        .client()
        .get(app.metrics_url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "database": true, "broker": true })
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_form_gets_field_errors_and_saves_nothing() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let before = count(&env.pool, "SELECT count(*) FROM invoices").await;

    let response = client
        .post(app.url("/api/create_invoice"))
        .form(&[("customer_id", ""), ("amount", "0.001")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let outcome: serde_json::Value = response.json().await.unwrap();
    let invalid = &outcome["Invalid"];
    assert_eq!(
        invalid["message"],
        "Missing Fields. Failed to Create Invoice."
    );
    // Errors are codes; the page words them in the reader's language.
    assert_eq!(invalid["errors"]["customer_id"], "select_customer");
    assert_eq!(invalid["errors"]["amount"], "amount_too_many_decimals");
    assert_eq!(invalid["errors"]["status"], "select_status");
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM invoices").await,
        before
    );
    assert_eq!(count(&env.pool, "SELECT count(*) FROM outbox").await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_follows_an_invoice_from_the_form_to_the_activity_topic() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    // A caller that traces its own requests: the invoice's trace continues it.
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = client
        .post(app.url("/api/create_invoice"))
        .header("traceparent", incoming)
        .form(&[
            ("customer_id", LEE_ROBINSON),
            ("amount", "12.00"),
            ("status", "pending"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Saved"));
    let read = |topic: String| {
        let broker = env.settings.kafka_broker.clone();
        async move {
            let mut messages = read_topic(
                &broker,
                &topic,
                1,
                Duration::from_secs(30),
                Duration::from_secs(1),
            )
            .await;
            assert_eq!(messages.len(), 1, "one message on {topic}");
            messages.remove(0)
        }
    };
    let event = read(env.settings.invoices_topic.clone()).await;
    let item = read(env.settings.activity_topic.clone()).await;
    let event_trace = event
        .header("traceparent")
        .expect("the event carries the trace");
    let item_trace = item
        .header("traceparent")
        .expect("the activity item carries it on");
    for hop in [event_trace, item_trace] {
        assert!(
            hop.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && hop.ends_with("-01"),
            "{hop}"
        );
        assert_ne!(hop, incoming, "each hop is a unit of work of its own");
    }
    assert_ne!(event_trace, item_trace);
    assert_eq!(item.json["eventId"], event.json["eventId"]);
    app.stop().await;
}
