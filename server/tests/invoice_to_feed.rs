//! One invoice travels the whole way: form post -> database + outbox -> relay -> Kafka ->
//! processor -> invoice-activity -> WebSocket, against the real server.

mod common;

use app::events::FeedMessage;
use common::*;
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

/// The next feed message that is not a ping or pong, if one comes within `wait`.
async fn next_item(feed: &mut FeedSocket, wait: Duration) -> Option<Message> {
    tokio::time::timeout(wait, async {
        loop {
            match feed.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(message)) => return Some(message),
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

type FeedSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_feed(app: &TestApp, after: i64) -> FeedSocket {
    let mut request = format!("ws://{}/ws/activity?after={after}", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("cookie", app.session_cookie().await.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("feed connects").0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_invoice_reaches_an_open_feed() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;

    let mut feed = open_feed(&app, 0).await;
    let response = client
        .post(app.url("/api/create_invoice"))
        .form(&[("customer_id", LEE_ROBINSON), ("amount", "1,234.56"), ("status", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("Saved"), "{body}");

    let message = next_item(&mut feed, Duration::from_secs(20)).await.expect("an item within 20 s");
    let Message::Text(text) = message else { panic!("expected text, got {message:?}") };
    let FeedMessage::Item { item } = serde_json::from_str(&text).unwrap() else { panic!("expected an item: {text}") };
    assert_eq!(item.action, "created");
    assert_eq!(item.amount, 123456);
    assert_eq!(item.status, "paid");
    assert_eq!(item.customer_name.as_deref(), Some("Lee Robinson"));
    assert_eq!(item.seq, 1);

    // A browser that reconnects after seq 1 gets nothing again; one that had nothing gets it once.
    let mut late = open_feed(&app, 0).await;
    let replayed = next_item(&mut late, Duration::from_secs(5)).await.expect("replay");
    assert!(replayed.to_text().unwrap().contains(&item.event_id.to_string()));
    let mut caught_up = open_feed(&app, 1).await;
    assert!(next_item(&mut caught_up, Duration::from_secs(2)).await.is_none(), "nothing to replay after seq 1");

    // What happened shows in the Prometheus metrics.
    let metrics = app.client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for expected in [
        "acme_events_processed_total{action=\"created\"}",
        &format!("acme_events_published_total{{topic=\"{}\"}}", env.settings.invoices_topic),
        "acme_events_consumed_total",
        "acme_processing_seconds_bucket",
        "acme_outbox_backlog",
    ] {
        assert!(metrics.contains(expected), "{expected} missing from:\n{metrics}");
    }
    let ready = app.client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap(), serde_json::json!({ "database": true, "broker": true }));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_form_gets_field_errors_and_saves_nothing() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let before = count(&env.pool, "SELECT count(*) FROM invoices").await;

    let response = client.post(app.url("/api/create_invoice")).form(&[("customer_id", ""), ("amount", "0.001")]).send().await.unwrap();

    assert_eq!(response.status(), 200);
    let outcome: serde_json::Value = response.json().await.unwrap();
    let invalid = &outcome["Invalid"];
    assert_eq!(invalid["message"], "Missing Fields. Failed to Create Invoice.");
    // Errors are codes; the page words them in the reader's language.
    assert_eq!(invalid["errors"]["customer_id"], "select_customer");
    assert_eq!(invalid["errors"]["amount"], "amount_too_many_decimals");
    assert_eq!(invalid["errors"]["status"], "select_status");
    assert_eq!(count(&env.pool, "SELECT count(*) FROM invoices").await, before);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM outbox").await, 0);
    app.stop().await;
}
