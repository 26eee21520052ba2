//! `POST /api/kafka/produce` as in our users' guide, against the real broker.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const TOKEN: &str = "test-token-0123456789abcdef";

async fn app_with_token() -> (TestEnv, TestApp) {
    let mut env = test_env().await;
    env.settings.api_token = TOKEN.into();
    env.settings.produce_allowed_topics = vec![env.settings.invoices_topic.clone()];
    let app = TestApp::spawn(&env).await;
    (env, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_curl_example_is_published_with_its_key_and_headers() {
    let (env, app) = app_with_token().await;
    let client = app.signed_in_client().await;
    let body = json!({ "topic": env.settings.invoices_topic, "message": { "invoiceId": "INV-001", "action": "created", "amount": 1500 } });

    let response = client
        .post(app.url("/api/kafka/produce"))
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["success"], true);
    assert!(
        answer["partition"]
            .as_i64()
            .is_some_and(|p| (0..3).contains(&p)),
        "{answer}"
    );
    assert_eq!(answer["offset"], 0);
    let messages = env
        .invoice_events(1, Duration::from_secs(20), Duration::from_secs(1))
        .await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].key, "INV-001");
    assert_eq!(messages[0].header("event-type"), Some("created"));
    assert_eq!(messages[0].json["amount"], 1500);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_token_works_instead_of_a_session_and_nothing_else_does() {
    let (env, app) = app_with_token().await;
    let anonymous = app.client();
    let body = json!({ "topic": env.settings.invoices_topic, "message": { "action": "created" } });
    let post = |token: Option<&str>| {
        let mut request = anonymous.post(app.url("/api/kafka/produce")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(Some("wrong-token-0123456789abcdef"))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(Some(TOKEN)).await.unwrap().status(), StatusCode::OK);
    // The token opens the produce endpoint only.
    let pages = anonymous
        .get(app.url("/dashboard"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(pages.status().is_redirection());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_4xx_with_a_json_reason() {
    let (env, app) = app_with_token().await;
    let client = app.signed_in_client().await;
    let send = |body: String| {
        client
            .post(app.url("/api/kafka/produce"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let cases = [
        (
            "{not json".to_string(),
            StatusCode::BAD_REQUEST,
            "invalid JSON",
        ),
        (
            json!({ "message": {} }).to_string(),
            StatusCode::BAD_REQUEST,
            "missing field `topic`",
        ),
        (
            json!({ "topic": env.settings.invoices_topic }).to_string(),
            StatusCode::BAD_REQUEST,
            "missing field `message`",
        ),
        (
            json!({ "topic": "__consumer_offsets", "message": {} }).to_string(),
            StatusCode::FORBIDDEN,
            "topic `__consumer_offsets` is not allowed",
        ),
    ];
    for (body, status, reason) in cases {
        let response = send(body.clone()).await.unwrap();
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["success"], false);
        assert!(
            answer["error"].as_str().unwrap().starts_with(reason),
            "{answer}"
        );
    }
    let huge = json!({ "topic": env.settings.invoices_topic, "message": { "notes": "x".repeat(100_000) } }).to_string();
    assert_eq!(
        send(huge).await.unwrap().status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let health: Value = client
        .get(app.url("/api/kafka/produce"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["broker"], env.settings.kafka_broker.as_str());
    app.stop().await;
}
