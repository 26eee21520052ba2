//! Sessions guard everything behind the login, and signing out really ends them.

use crate::common;

use common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_but_login_refuses_a_request_without_a_session() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let anonymous = app.client();
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(
        paths.len() >= 5,
        "server functions are registered: {paths:?}"
    );
    for path in paths.iter().filter(|p| *p != "/api/login") {
        let response = anonymous
            .post(app.url(path))
            .form(&[("x", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not signed in", "{path}");
    }
    let socket = anonymous.get(app.url("/ws/activity")).send().await.unwrap();
    assert_eq!(socket.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_pages_send_a_visitor_to_login_and_back() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let response = app
        .client()
        .get(app.url("/dashboard/invoices?page=2"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(
        response.headers()["location"],
        "/login?callbackUrl=%2Fdashboard%2Finvoices%3Fpage%3D2"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_changes_the_session_id_and_sign_out_ends_the_session() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let first = app.session_cookie().await;
    let client = app.signed_in_client().await;
    // Logging in again on a session that exists gives it a new id.
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("set-cookie")
            .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
    };
    let (a, b) = (
        id_of(&app.log_in(&client).await),
        id_of(&app.log_in(&client).await),
    );
    assert!(
        a.is_some() && b.is_some() && a != b && a.as_deref() != Some(first.as_str()),
        "{a:?} {b:?}"
    );
    assert_eq!(
        client
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let sessions = count(&env.pool, "SELECT count(*) FROM tower_sessions.session").await;

    let response = client.post(app.url("/api/logout")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM tower_sessions.session").await,
        sessions - 1,
        "the session is gone from the database"
    );
    assert!(client
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .status()
        .is_redirection());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_user_opening_login_goes_to_the_dashboard() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let response = client.get(app.url("/login")).send().await.unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()["location"], "/dashboard");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_are_refused_and_then_slowed_down() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.client();
    let attempt = |password: &'static str| {
        let (client, url) = (client.clone(), app.url("/api/login"));
        async move {
            let started = std::time::Instant::now();
            let body = client
                .post(url)
                .form(&[("email", "user@nextmail.com"), ("password", password)])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (body, started.elapsed())
        }
    };
    for _ in 0..3 {
        let (body, _) = attempt("wrong-password").await;
        assert!(body.contains("InvalidCredentials"), "{body}");
    }
    let (body, waited) = attempt("wrong-password").await;
    assert!(body.contains("InvalidCredentials"), "{body}");
    assert!(
        waited >= std::time::Duration::from_millis(500),
        "the fourth failure waits: {waited:?}"
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM login_failures").await,
        4
    );
    let (body, _) = attempt("123456").await;
    assert!(
        body.contains("SignedIn"),
        "the right password still works: {body}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_is_refused_even_with_a_session() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let response = client
        .post(app.url("/api/create_invoice"))
        .header("origin", "https://evil.example")
        .form(&[
            ("customer_id", LEE_ROBINSON),
            ("amount", "10"),
            ("status", "paid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&env.pool, "SELECT count(*) FROM outbox").await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_socket_refuses_pages_of_other_sites_even_with_a_session() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let cookie = app.session_cookie().await;
    let open = |origin: &str| {
        let mut request = format!("ws://{}/ws/activity", app.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    match open("https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN)
        }
        other => panic!("expected 403, got {:?}", other.map(|(_, r)| r.status())),
    }
    assert!(
        open(&format!("http://{}", app.addr)).await.is_ok(),
        "our own pages connect"
    );
    app.stop().await;
}
