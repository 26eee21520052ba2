//! One invoice travels the whole way: form post -> database + outbox -> relay -> Kafka ->
//! processor -> invoice-activity -> WebSocket, against the real server.

mod common;

use app::events::FeedMessage;
use common::*;
use futures::StreamExt;
use leptos::prelude::LeptosOptions;
use server::startup::Application;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn spawn_app(env: &TestEnv) -> Application {
    let options = LeptosOptions::builder().output_name("acme").site_addr(([127, 0, 0, 1], 0)).build();
    Application::build(env.settings.clone(), options).await.expect("server starts")
}

async fn post_form(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_invoice_reaches_an_open_feed() {
    let env = test_env().await;
    let app = spawn_app(&env).await;
    let addr = app.addr;
    let shutdown = app.shutdown.clone();
    let running = tokio::spawn(app.run_until_stopped());

    let (mut feed, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/activity?after=0")).await.expect("feed connects");
    let (status, body) = post_form(addr, "/api/create_invoice", &format!("customer_id={LEE_ROBINSON}&amount=1%2C234.56&status=paid")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Created"), "{body}");

    let message = tokio::time::timeout(Duration::from_secs(20), feed.next()).await.expect("an item within 20 s").unwrap().unwrap();
    let Message::Text(text) = message else { panic!("expected text, got {message:?}") };
    let FeedMessage::Item { item } = serde_json::from_str(&text).unwrap() else { panic!("expected an item: {text}") };
    assert_eq!(item.action, "created");
    assert_eq!(item.amount, 123456);
    assert_eq!(item.status, "paid");
    assert_eq!(item.customer_name.as_deref(), Some("Lee Robinson"));
    assert_eq!(item.seq, 1);

    // A browser that reconnects after seq 1 gets nothing again; one that had nothing gets it once.
    let (mut late, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/activity?after=0")).await.unwrap();
    let replayed = tokio::time::timeout(Duration::from_secs(5), late.next()).await.expect("replay").unwrap().unwrap();
    assert!(replayed.to_text().unwrap().contains(&item.event_id.to_string()));
    let (mut caught_up, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/activity?after=1")).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(2), caught_up.next()).await.is_err(), "nothing to replay after seq 1");

    shutdown.cancel();
    running.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_form_gets_field_errors_and_saves_nothing() {
    let env = test_env().await;
    let app = spawn_app(&env).await;
    let addr = app.addr;
    let before = count(&env.pool, "SELECT count(*) FROM invoices").await;

    let (status, body) = post_form(addr, "/api/create_invoice", "customer_id=&amount=0.001").await;

    assert_eq!(status, 200, "{body}");
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    let invalid = &outcome["Invalid"];
    assert_eq!(invalid["message"], "Missing Fields. Failed to Create Invoice.");
    assert_eq!(invalid["errors"]["customer_id"], "Please select a customer.");
    assert_eq!(invalid["errors"]["amount"], "Please enter at most two decimals (cents).");
    assert_eq!(invalid["errors"]["status"], "Please select an invoice status.");
    assert_eq!(count(&env.pool, "SELECT count(*) FROM invoices").await, before);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM outbox").await, 0);
    app.shutdown.cancel();
}
