//! Who may do what, walked for real: every registered server function, every route of the
//! server's table and every page, called by each role (and by nobody). Allowed: it works.
//! Refused: 403 with a JSON reason, nothing written to the database, no Kafka message. A new
//! server function or route without a rule in `app::auth::rules` fails here.

use crate::common;

use app::auth::roles::Role;
use app::auth::rules::{self, Rule};
use common::*;
use reqwest::StatusCode;
use server::settings::Settings;
use std::time::Duration;
use uuid::Uuid;

const DEMO: [(Role, &str); 3] = [
    (Role::Viewer, "viewer@nextmail.com"),
    (Role::Editor, "editor@nextmail.com"),
    (Role::Admin, "user@nextmail.com"),
];

/// What the test made for the calls to act on.
struct Fixtures {
    invoices: Vec<Uuid>,
    event: Uuid,
    topic_to_delete: String,
    user_to_change: Uuid,
    token_to_revoke: Uuid,
}

/// A body that would do what the function does, so that a refusal is checked against a call
/// that would have changed something. `None`: a function this test does not know yet.
fn sample_body(
    path: &str,
    env: &TestEnv,
    f: &Fixtures,
    round: usize,
) -> Option<(&'static str, String)> {
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    let invoice = f.invoices[round % f.invoices.len()];
    let unique = Uuid::new_v4().simple().to_string();
    let body = match path {
        "/api/login" => "email=viewer%40nextmail.com&password=123456".to_string(),
        "/api/change_password" => "current=wrong-password&new=x&confirm=x".to_string(),
        "/api/invoices_page" => "query=&page=1".to_string(),
        "/api/customers_table" => "query=".to_string(),
        "/api/activity_between" => "after=0&until=10".to_string(),
        "/api/kafka_describe_topic" => format!("topic={}", env.settings.invoices_topic),
        "/api/kafka_browse" => {
            return Some((
                json,
                serde_json::json!({ "query": { "topic": env.settings.invoices_topic, "start": "Newest", "partition": null, "limit": 5, "event_type": null, "key": null, "text": null } }).to_string(),
            ))
        }
        "/api/kafka_reset_plan" | "/api/kafka_reset_group" => {
            // Empty group and topic: the processor's group on the invoices topic.
            return Some((
                json,
                serde_json::json!({ "group": "", "topic": "", "to": "earliest" }).to_string(),
            ));
        }
        "/api/invoice_for_edit" | "/api/invoice_events" => format!("id={invoice}"),
        "/api/event_journey" => format!("event_id={}", f.event),
        "/api/deliveries" => "state=failing".to_string(),
        "/api/mail_content" => "id=1".to_string(),
        "/api/retry_delivery" => "all=true".to_string(),
        "/api/create_invoice" => format!("customer_id={LEE_ROBINSON}&amount=12.34&status=pending"),
        "/api/update_invoice" => format!("id={invoice}&customer_id={LEE_ROBINSON}&amount=56.78&status=paid"),
        "/api/delete_invoice" => format!("id={invoice}"),
        "/api/kafka_create_topic" => format!("name={}.roles-{unique}&partitions=1", prefix(env)),
        "/api/kafka_delete_topic" => format!("name={}", f.topic_to_delete),
        "/api/kafka_replay" => "all=true".to_string(),
        "/api/add_user" => format!("name=New+Person&email=new-{unique}%40example.com&role=viewer"),
        "/api/set_user_role" => format!("id={}&role=editor", f.user_to_change),
        "/api/set_user_disabled" => format!("id={}&disabled=true", f.user_to_change),
        "/api/create_api_token" => format!("name=t-{unique}"),
        "/api/revoke_api_token" => format!("id={}", f.token_to_revoke),
        "/api/logout" | "/api/me" | "/api/overview_cards" | "/api/revenue"
        | "/api/latest_invoices" | "/api/feed_position" | "/api/activity_feed"
        | "/api/caught_mail" | "/api/kafka_cluster" | "/api/kafka_groups"
        | "/api/kafka_dead_letters" | "/api/customers_for_select" | "/api/users_list"
        | "/api/api_tokens" | "/api/audit_trail" | "/api/kafka_group_resets" => String::new(),
        _ => return None,
    };
    Some((form, body))
}

/// How long the pipeline must stay unchanged to count as quiet: longer than the delivery
/// worker's idle poll (500 ms), so a mail due right after a quiet read is not missed.
const SETTLE: Duration = Duration::from_millis(800);

/// What this test's topics start with (the broker is shared with the other tests).
fn prefix(env: &TestEnv) -> String {
    let topic = &env.settings.invoices_topic;
    topic
        .rsplit_once('.')
        .map_or(topic.clone(), |(p, _)| p.to_string())
}

/// This test's topics with their message counts, once the pipeline has gone quiet (what the calls before
/// made has been relayed and processed), so that a difference is the call's own doing.
async fn kafka_settled(env: &TestEnv) -> Vec<(String, i64)> {
    let tools = env.settings.kafka_tools();
    let read = || async {
        let mut topics: Vec<(String, i64)> = app::kafka_tools::cluster::list_topics(&tools)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.name.starts_with(&prefix(env)))
            .map(|t| (t.name, t.messages))
            .collect();
        topics.sort();
        topics
    };
    let mut last = read().await;
    for _ in 0..60 {
        tokio::time::sleep(SETTLE).await;
        let now = read().await;
        if now == last && unpublished(&env.pool).await == 0 {
            return now;
        }
        last = now;
    }
    last
}

/// The database's fingerprint once the pipeline is quiet (what earlier calls set going has been
/// relayed and processed), so that a difference after a call is that call's own doing.
async fn settled_fingerprint(env: &TestEnv) -> Vec<(String, String)> {
    let mut last = fingerprint(&env.pool).await;
    for _ in 0..75 {
        tokio::time::sleep(SETTLE).await;
        let now = fingerprint(&env.pool).await;
        if now == last && unpublished(&env.pool).await == 0 {
            return now;
        }
        last = now;
    }
    last
}

async fn assert_refused(what: &str, response: reqwest::Response, expected: StatusCode) {
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: a {status} without a JSON reason: {e}"));
    assert_eq!(status, expected, "{what}: {body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{what}: no reason: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_and_page_answers_each_role_by_the_rule_table() {
    let mut env = test_env().await;
    // Mail and webhooks are delivered at once, so that no retry of theirs changes the database
    // while a refused call's effect is being looked for.
    let _received = common::outside::delivered_at_once(&mut env.settings).await;
    let app = TestApp::spawn(&env).await;
    let admin = app.signed_in_as("user@nextmail.com").await;

    // What the calls act on.
    let mut invoices = Vec::new();
    for _ in 0..4 {
        invoices.push(
            env.create_invoice("10.00", app::domain::InvoiceStatus::Pending)
                .await,
        );
    }
    let topic_to_delete = format!("{}.roles-delete", prefix(&env));
    app::kafka_tools::cluster::create_topic(&env.settings.kafka_tools(), &topic_to_delete, 1)
        .await
        .unwrap();
    let new_user = [
        ("name", "To Change"),
        ("email", "to-change@example.com"),
        ("role", "viewer"),
    ];
    let (_, added) = app.call(&admin, "/api/add_user", &new_user).await;
    assert!(added["Added"].is_object(), "{added}");
    let user_to_change: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'to-change@example.com'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let (_, token) = app
        .call(&admin, "/api/create_api_token", &[("name", "to-revoke")])
        .await;
    let event: Uuid = sqlx::query_scalar("SELECT event_id FROM outbox LIMIT 1")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let fixtures = Fixtures {
        invoices,
        event,
        topic_to_delete,
        user_to_change,
        token_to_revoke: token["id"].as_str().unwrap().parse().unwrap(),
    };

    let mut clients = Vec::new();
    for (role, email) in DEMO {
        clients.push((role, app.signed_in_as(email).await));
    }
    let mut refused = 0;
    let mut allowed = 0;
    for (round, (path, method)) in server_functions().into_iter().enumerate() {
        let rule = rules::for_call(&path, &method)
            .unwrap_or_else(|| panic!("{method} {path} has no rule in app::auth::rules"));
        let (content_type, body) = sample_body(&path, &env, &fixtures, round)
            .unwrap_or_else(|| panic!("{path}: give this test a body that would do what it does"));
        let touches_kafka = matches!(
            path.as_str(),
            "/api/create_invoice"
                | "/api/update_invoice"
                | "/api/delete_invoice"
                | "/api/kafka_create_topic"
                | "/api/kafka_delete_topic"
                | "/api/kafka_replay"
        );
        // Lowest role first: the refusals are checked before any allowed call changed things.
        let anonymous = app.client();
        let callers = std::iter::once((None, &anonymous))
            .chain(clients.iter().map(|(role, client)| (Some(*role), client)));
        for (role, client) in callers {
            // Logging out ends the caller's session, and logging in replaces it: a session of
            // its own for each.
            let fresh;
            let client = match (path.as_str(), role) {
                ("/api/login", _) => {
                    fresh = app.client();
                    &fresh
                }
                ("/api/logout", Some(role)) => {
                    fresh = app
                        .signed_in_as(DEMO.iter().find(|d| d.0 == role).unwrap().1)
                        .await;
                    &fresh
                }
                _ => client,
            };
            let may = match (rule, role) {
                (Rule::Public, _) => true,
                (Rule::AtLeast(_), None) => false,
                (Rule::AtLeast(needed), Some(role)) => role >= needed,
            };
            let what = format!("{path} as {role:?}");
            let send = || {
                client
                    .post(app.url(&path))
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
            };
            if may {
                let response = send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert_eq!(status, StatusCode::OK, "{what}: allowed, but: {text}");
                allowed += 1;
            } else {
                let kafka_before = match touches_kafka {
                    true => Some(kafka_settled(&env).await),
                    false => None,
                };
                let before = settled_fingerprint(&env).await;
                let expected = match role {
                    None => StatusCode::UNAUTHORIZED,
                    Some(_) => StatusCode::FORBIDDEN,
                };
                assert_refused(&what, send().await.unwrap(), expected).await;
                assert_eq!(
                    fingerprint(&env.pool).await,
                    before,
                    "{what}: refused, but wrote"
                );
                if let Some(kafka_before) = kafka_before {
                    assert_eq!(
                        kafka_settled(&env).await,
                        kafka_before,
                        "{what}: refused, but Kafka changed"
                    );
                }
                refused += 1;
            }
        }
    }
    assert!(
        refused > 30 && allowed > 60,
        "refused {refused}, allowed {allowed}"
    );

    // Our own routes, by their rule.
    for (path, _) in server::http::http_routes() {
        for method in ["GET", "POST"] {
            let rule = rules::for_call(path, method);
            for (role, client) in &clients {
                let Some(Rule::AtLeast(needed)) = rule else {
                    continue;
                };
                let response = client
                    .request(method.parse().unwrap(), app.url(path))
                    .header("content-type", "application/json")
                    .body(r#"{"topic":"invoices","message":{}}"#)
                    .send()
                    .await
                    .unwrap();
                let what = format!("{method} {path} as {role:?}");
                if *role >= needed {
                    assert_ne!(response.status(), StatusCode::FORBIDDEN, "{what}");
                    assert_ne!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
                } else {
                    assert_refused(&what, response, StatusCode::FORBIDDEN).await;
                }
            }
        }
    }

    // Pages: the ones a role may not see answer 403 with the page's own explanation.
    for page in pages() {
        let path = page.split('?').next().unwrap();
        if !path.starts_with("/dashboard") {
            continue;
        }
        let needed = rules::for_page(path);
        for (role, client) in &clients {
            let response = client.get(app.url(&page)).send().await.unwrap();
            let status = response.status();
            let html = response.text().await.unwrap();
            let shown_forbidden = html.contains("data-testid=\"forbidden\"");
            if *role >= needed {
                assert!(
                    !shown_forbidden && status != StatusCode::FORBIDDEN,
                    "{page} as {role:?}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{page} as {role:?}");
                assert!(shown_forbidden, "{page} as {role:?}: no explanation");
            }
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_produce_api_takes_named_tokens_until_revoked_or_expired_and_the_settings_token() {
    let env = test_env().await;
    let settings = Settings {
        api_token: "settings-token-0123456789".into(),
        produce_allowed_topics: vec![env.settings.invoices_topic.clone()],
        ..env.settings.clone()
    };
    let app = TestApp::spawn_with(settings).await;
    let admin = app.signed_in_as("user@nextmail.com").await;
    let make = |name: &str, days: Option<&str>| {
        let mut form = vec![("name", name.to_string())];
        if let Some(d) = days {
            form.push(("days", d.to_string()));
        }
        admin
            .post(app.url("/api/create_api_token"))
            .form(&form)
            .send()
    };
    let made: serde_json::Value = make("ci", Some("30")).await.unwrap().json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("acme_") && secret.len() > 60, "{secret}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens WHERE name = 'ci'")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains(&secret[5..]),
        "only a hash is stored"
    );

    let produce = |token: String| {
        app.client()
            .post(app.url("/api/kafka/produce"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "topic": env.settings.invoices_topic, "message": { "invoiceId": "INV-T", "action": "created" } }))
            .send()
    };
    assert_eq!(
        produce(secret.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        produce("settings-token-0123456789".into())
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "the token from settings keeps working"
    );
    assert_eq!(
        produce("acme_nope".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE name = 'ci'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(used.is_some(), "its last use is noted");
    let by_token = count(
        &env.pool,
        "SELECT count(*) FROM audit_trail WHERE actor = 'token:ci' AND action = 'produce' AND outcome = 'succeeded'",
    )
    .await;
    assert_eq!(by_token, 1);

    // Revoked: refused from then on.
    let (_, revoked) = app
        .call(
            &admin,
            "/api/revoke_api_token",
            &[("id", made["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(revoked, serde_json::json!(true));
    assert_eq!(
        produce(secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Expired: refused.
    let old: serde_json::Value = make("old", Some("1")).await.unwrap().json().await.unwrap();
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE name = 'old'",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        produce(old["secret"].as_str().unwrap().into())
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // A token opens the produce API only.
    let other = app
        .client()
        .post(app.url("/api/users_list"))
        .bearer_auth(
            make("other", None)
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["secret"]
                .as_str()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
