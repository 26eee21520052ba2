//! People and the audit trail: an admin adds a user with a one-time password, which must be
//! replaced before anything else; a disabled user's sessions end at once, open feed included;
//! the last admin stays; and every change is in the audit trail once, with who and the outcome.

use crate::common;

use app::events::FeedMessage;
use common::feed::FeedClient;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_replaces_a_one_time_password_and_a_disabled_one_is_signed_out_everywhere() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let admin = app.signed_in_as("user@nextmail.com").await;

    let (_, added) = app
        .call(
            &admin,
            "/api/add_user",
            &[
                ("name", "Val Viewer"),
                ("email", " Val@Example.com "),
                ("role", "viewer"),
            ],
        )
        .await;
    let one_time = added["Added"]["one_time_password"]
        .as_str()
        .expect("a one-time password")
        .to_string();
    assert_eq!(added["Added"]["email"], "val@example.com");
    let (_, again) = app
        .call(
            &admin,
            "/api/add_user",
            &[("name", ""), ("email", "val@example.com"), ("role", "root")],
        )
        .await;
    assert_eq!(
        again,
        json!({ "Invalid": { "errors": ["NameMissing", "RoleUnknown"] } })
    );
    let (_, taken) = app
        .call(
            &admin,
            "/api/add_user",
            &[
                ("name", "Val"),
                ("email", "val@example.com"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(taken, json!({ "Invalid": { "errors": ["EmailTaken"] } }));

    // Signed in with the one-time password: only the account page and changing it are open.
    let val = app.client();
    let body = app
        .log_in_as(&val, "val@example.com", &one_time)
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("SignedIn"), "{body}");
    let (status, _) = app
        .call(&val, "/api/invoices_page", &[("query", ""), ("page", "1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = val
        .get(app.url("/dashboard/invoices"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["location"], "/dashboard/account");
    let change = |current: &str, new: &str, confirm: &str| {
        let form = [
            ("current", current.to_string()),
            ("new", new.to_string()),
            ("confirm", confirm.to_string()),
        ];
        val.post(app.url("/api/change_password")).form(&form).send()
    };
    let answer = |r: reqwest::Response| async move { r.json::<Value>().await.unwrap() };
    assert_eq!(
        answer(
            change("wrong", "granite-otter-Sail-47", "granite-otter-Sail-47")
                .await
                .unwrap()
        )
        .await,
        json!("WrongCurrent")
    );
    assert_eq!(
        answer(
            change(&one_time, "password123", "password123")
                .await
                .unwrap()
        )
        .await,
        json!({ "Refused": "TooGuessable" })
    );
    assert_eq!(
        answer(
            change(&one_time, "val@example.com1", "val@example.com1")
                .await
                .unwrap()
        )
        .await,
        json!({ "Refused": "TooGuessable" }),
        "close to their own email"
    );
    assert_eq!(
        answer(change(&one_time, "short", "short").await.unwrap()).await,
        json!({ "Refused": "TooShort" })
    );
    assert_eq!(
        answer(
            change(&one_time, "granite-otter-Sail-47", "granite-otter-Sail-48")
                .await
                .unwrap()
        )
        .await,
        json!("Mismatch")
    );
    assert_eq!(
        answer(
            change(&one_time, "granite-otter-Sail-47", "granite-otter-Sail-47")
                .await
                .unwrap()
        )
        .await,
        json!("Changed")
    );

    // Now a viewer like any other: reads, may not change.
    let (status, _) = app
        .call(&val, "/api/invoices_page", &[("query", ""), ("page", "1")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let invoice = env
        .create_invoice("10.00", app::domain::InvoiceStatus::Pending)
        .await
        .to_string();
    let (status, reason) = app
        .call(&val, "/api/delete_invoice", &[("id", &invoice)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(reason["kind"], "forbidden");
    assert!(
        reason["error"].as_str().unwrap().contains("editor"),
        "{reason}"
    );

    // Disabled: the open feed is told at once, and every request after is anonymous.
    let cookie = {
        let fresh = app.client();
        let response = app
            .log_in_as(&fresh, "val@example.com", "granite-otter-Sail-47")
            .await;
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let mut feed = FeedClient::open(&app, &cookie, None).await;
    let val_id: String =
        sqlx::query_scalar("SELECT id::text FROM users WHERE email = 'val@example.com'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let (_, disabled) = app
        .call(
            &admin,
            "/api/set_user_disabled",
            &[("id", &val_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(disabled, json!("Done"));
    assert_eq!(
        feed.next_message(Duration::from_secs(5)).await,
        Some(FeedMessage::SessionChanged)
    );
    let (status, _) = app
        .call(&val, "/api/invoices_page", &[("query", ""), ("page", "1")])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let refused = app
        .log_in_as(&app.client(), "val@example.com", "granite-otter-Sail-47")
        .await
        .text()
        .await
        .unwrap();
    assert!(refused.contains("Disabled"), "{refused}");

    // The last admin stays one.
    let admin_id: String =
        sqlx::query_scalar("SELECT id::text FROM users WHERE email = 'user@nextmail.com'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    // (who, role or disabled, value): what the admin answers.
    let role = |id: &str, role: &str| [("id", id.to_string()), ("role", role.to_string())];
    let disabled = |id: &str, yes: bool| [("id", id.to_string()), ("disabled", yes.to_string())];
    let admin_does = |path: &'static str, form: [(&'static str, String); 2]| {
        let admin = admin.clone();
        let url = app.url(path);
        async move {
            let answer = admin.post(url).form(&form).send().await.unwrap();
            answer.json::<Value>().await.unwrap()
        }
    };
    let (set_role, set_disabled) = ("/api/set_user_role", "/api/set_user_disabled");
    assert_eq!(
        admin_does(set_role, role(&admin_id, "editor")).await,
        json!("LastAdmin")
    );
    assert_eq!(
        admin_does(set_disabled, disabled(&admin_id, true)).await,
        json!("LastAdmin")
    );
    // With a second admin, the first may step down.
    assert_eq!(
        admin_does(set_disabled, disabled(&val_id, false)).await,
        json!("Done")
    );
    assert_eq!(
        admin_does(set_role, role(&val_id, "admin")).await,
        json!("Done")
    );
    assert_eq!(
        admin_does(set_role, role(&admin_id, "editor")).await,
        json!("Done")
    );
    let (status, _) = app.call(&admin, "/api/users_list", &[]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a new role holds from the next request"
    );

    let trail: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT actor, action, target, outcome FROM audit_trail WHERE action NOT IN ('sign_in', 'sign_out') ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let admin_did = |action: &str, target: &str| {
        (
            "user@nextmail.com".to_string(),
            action.to_string(),
            target.to_string(),
            "succeeded".to_string(),
        )
    };
    assert_eq!(
        trail,
        vec![
            admin_did("user_add", "val@example.com"),
            (
                "val@example.com".into(),
                "password_change".into(),
                "val@example.com".into(),
                "succeeded".into()
            ),
            admin_did("user_disable", "val@example.com"),
            (
                "val@example.com".into(),
                "sign_in_failed".into(),
                "val@example.com".into(),
                "failed".into()
            ),
            admin_did("user_enable", "val@example.com"),
            admin_did("user_role", "val@example.com"),
            admin_did("user_role", "user@nextmail.com"),
        ]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_recorded_once_with_who_and_the_outcome_and_read_back_three_ways() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let editor = app.signed_in_as("editor@nextmail.com").await;
    let admin = app.signed_in_as("user@nextmail.com").await;
    let wrong = app
        .log_in_as(&app.client(), "editor@nextmail.com", "not-the-password")
        .await
        .text()
        .await
        .unwrap();
    assert!(wrong.contains("InvalidCredentials"));

    // Invoices, by the editor: one entry each, written with the change.
    let (_, created) = app
        .call(
            &editor,
            "/api/create_invoice",
            &[
                ("customer_id", LEE_ROBINSON),
                ("amount", "12.34"),
                ("status", "pending"),
            ],
        )
        .await;
    let id = created["Saved"]["id"].as_str().expect("saved").to_string();
    let (_, updated) = app
        .call(
            &editor,
            "/api/update_invoice",
            &[
                ("id", &id),
                ("customer_id", LEE_ROBINSON),
                ("amount", "20.00"),
                ("status", "paid"),
            ],
        )
        .await;
    assert!(updated["Saved"].is_object(), "{updated}");
    let (_, deleted) = app
        .call(&editor, "/api/delete_invoice", &[("id", &id)])
        .await;
    assert_eq!(deleted, json!("Deleted"));
    let by_editor = |action: &'static str| {
        let pool = env.pool.clone();
        let id = id.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_trail WHERE actor = 'editor@nextmail.com' AND action = $1 AND target = $2 AND outcome = 'succeeded'")
                .bind(action)
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    for action in ["invoice_create", "invoice_update", "invoice_delete"] {
        assert_eq!(by_editor(action).await, 1, "{action}");
    }
    // The events name the editor, and so does the processor's audit log.
    let payloads: Vec<Value> =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE message_key = $1 AND topic = $2")
            .bind(&id)
            .bind(&env.settings.invoices_topic)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(
        payloads.len(),
        4,
        "created, updated, status_changed, deleted"
    );
    for p in &payloads {
        assert_eq!(p["actedBy"]["name"], "editor@nextmail.com", "{p}");
    }
    let named = eventually(Duration::from_secs(30), || async {
        count(&env.pool, &format!("SELECT count(*) FROM audit_log WHERE invoice_id = '{id}' AND acted_by = 'editor@nextmail.com'")).await == 1
    })
    .await;
    assert!(
        named,
        "the processor's audit log names who changed the invoice"
    );

    // Kafka tools, by the admin: the outcome, failures included.
    let topic = format!("{}.audit", env.settings.invoices_topic);
    let (status, _) = app
        .call(
            &admin,
            "/api/kafka_create_topic",
            &[("name", &topic), ("partitions", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            &admin,
            "/api/kafka_create_topic",
            &[("name", &topic), ("partitions", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "it exists");
    let (status, _) = app
        .call(&admin, "/api/kafka_delete_topic", &[("name", &topic)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let outcomes: Vec<(String, String)> =
        sqlx::query_as("SELECT action, outcome FROM audit_trail WHERE target = $1 ORDER BY id")
            .bind(&topic)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let pair = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        outcomes,
        vec![
            pair("topic_create", "succeeded"),
            pair("topic_create", "failed"),
            pair("topic_delete", "succeeded")
        ]
    );

    // Read back: the page's server function, the export, acmectl.
    let (_, page) = app
        .call(&admin, "/api/audit_trail", &[("action", "invoice_update")])
        .await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "editor@nextmail.com");
    let (_, by_person) = app
        .call(
            &admin,
            "/api/audit_trail",
            &[("person", "editor@nextmail.com")],
        )
        .await;
    let actions: Vec<&str> = by_person["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "invoice_delete",
            "invoice_update",
            "invoice_create",
            "sign_in"
        ],
        "newest first"
    );
    let (_, failed_sign_in) = app
        .call(&admin, "/api/audit_trail", &[("action", "sign_in_failed")])
        .await;
    assert_eq!(
        failed_sign_in["entries"][0]["target"],
        "editor@nextmail.com"
    );
    assert_eq!(failed_sign_in["entries"][0]["actor"], "anonymous");
    let (_, future) = app
        .call(&admin, "/api/audit_trail", &[("since", "2999-01-01T00:00")])
        .await;
    assert_eq!(future["entries"], json!([]));
    let (status, _) = app
        .call(&admin, "/api/audit_trail", &[("since", "yesterday")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let export: Value = admin
        .get(app.url("/api/audit/export?person=editor%40nextmail.com"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        export, by_person["entries"],
        "the export holds what the page shows"
    );

    let output = binary_with_test_settings(env!("CARGO_BIN_EXE_acmectl"), &env)
        .args(["audit", "--person", "editor@nextmail.com", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        Value::Array(printed),
        by_person["entries"],
        "acmectl audit prints the same"
    );
    app.stop().await;
}
