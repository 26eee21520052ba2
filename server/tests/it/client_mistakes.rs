//! A client's mistake is answered 4xx with a reason and changes nothing; only our own failures
//! are 5xx. The walk covers every registered server function, every HTTP route of the server's
//! route table and every page, so a new one is covered without anyone adding it here.

use crate::common;

use common::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A hostile body and the content type it claims.
struct Hostile {
    name: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

fn hostile_bodies() -> Vec<Hostile> {
    let nested = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let nested_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    vec![
        Hostile { name: "empty form", content_type: form, body: vec![] },
        Hostile { name: "empty JSON", content_type: json, body: vec![] },
        Hostile {
            name: "fields left out",
            content_type: form,
            body: b"amount=5&status=paid".to_vec(),
        },
        Hostile {
            name: "wrong types",
            content_type: form,
            body: b"page=abc&partitions=many&after=x&until=y&offset=-&all=maybe&partition=p&id=1&name=&query=&topic=".to_vec(),
        },
        Hostile {
            name: "wrong JSON types",
            content_type: json,
            body: br#"{"query": 5, "page": "x", "topic": [], "message": 7, "name": {"a": 1}}"#.to_vec(),
        },
        Hostile {
            name: "invalid UTF-8 (percent-encoded)",
            content_type: form,
            body: b"customer_id=%FF%FE&amount=%C3%28&status=%80&email=%FF&password=%FF&name=%FF&query=%FF".to_vec(),
        },
        Hostile {
            name: "invalid UTF-8 (raw)",
            content_type: form,
            body: vec![b'a', b'=', 0xff, 0xfe, 0xfd, b'&', 0xc3, 0x28],
        },
        Hostile { name: "invalid UTF-8 JSON", content_type: json, body: vec![b'{', 0xff, b'}'] },
        Hostile { name: "deeply nested JSON array", content_type: json, body: nested.into_bytes() },
        Hostile {
            name: "deeply nested JSON object",
            content_type: json,
            body: nested_object.into_bytes(),
        },
        Hostile { name: "not JSON", content_type: json, body: b"{\"topic\": ".to_vec() },
    ]
}

/// Posts a 3 MB form over a plain socket, its length declared up front or (`chunked`) not, and
/// returns the status. The server may answer and close before the body is all sent, which a
/// client library reports as a broken connection; the answer is read all the same.
async fn oversized_post(app: &TestApp, path: &str, cookie: &str, chunked: bool) -> u16 {
    let body = format!(
        "customer_id=x&status=paid&amount={}",
        "9".repeat(3 * 1024 * 1024)
    );
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let framing = match chunked {
        true => "Transfer-Encoding: chunked".to_string(),
        false => format!("Content-Length: {}", body.len()),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         {cookie}{framing}\r\nConnection: close\r\n\r\n",
        app.addr,
        cookie = match cookie {
            "" => String::new(),
            cookie => format!("Cookie: {cookie}\r\n"),
        },
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.as_bytes().chunks(64 * 1024) {
        let sent = async {
            if chunked {
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
            }
            stream.write_all(chunk).await?;
            if chunked {
                stream.write_all(b"\r\n").await?;
            }
            Ok::<_, std::io::Error>(())
        };
        if sent.await.is_err() {
            break;
        }
    }
    if chunked {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer to a chunked POST {path}: {text:?}"))
}

/// A 4xx from an API path carries a JSON reason.
async fn assert_answer(what: &str, response: reqwest::Response) -> u16 {
    let status = response.status().as_u16();
    let api = response.url().path().starts_with("/api/");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.bytes().await.unwrap_or_default();
    assert!(
        status < 500,
        "{what}: answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    if api && (400..500).contains(&status) {
        assert!(
            content_type.starts_with("application/json"),
            "{what}: a {status} without a JSON reason ({content_type}): {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        let reason: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{what}: {status} body is not JSON: {e}"));
        assert!(
            reason["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {status} without a reason: {reason}"
        );
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_to_every_route_get_a_4xx_with_a_reason_and_change_nothing() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let before = fingerprint(&env.pool).await;
    let bodies = hostile_bodies();
    let mut seen_413 = Vec::new();

    // Every server function, signed in (a new session for each: `logout` is one of them) and
    // anonymous, with every hostile body.
    for (path, method) in server_functions() {
        let signed_in = app.signed_in_client().await;
        let anonymous = app.client();
        for (who, client) in [("signed in", &signed_in), ("anonymous", &anonymous)] {
            for hostile in &bodies {
                let what = format!("{method} {path} ({who}, {})", hostile.name);
                let request = match method.as_str() {
                    "GET" => client.get(app.url(&format!(
                        "{path}?{}",
                        String::from_utf8_lossy(&hostile.body)
                    ))),
                    _ => client
                        .post(app.url(&path))
                        .header("content-type", hostile.content_type)
                        .body(hostile.body.clone()),
                };
                assert_answer(&what, request.send().await.unwrap()).await;
            }
        }
        // Too large, with the length declared or not: 413 when signed in (or for a public
        // function); anonymous callers are told they are not signed in first.
        let cookie = app.session_cookie().await;
        let posts = method == "POST";
        for (who, cookie) in [("signed in", cookie.as_str()), ("anonymous", "")]
            .into_iter()
            .filter(|_| posts)
        {
            for chunked in [false, true] {
                let status = oversized_post(&app, &path, cookie, chunked).await;
                let expected = match who == "signed in" || path == "/api/login" {
                    true => 413,
                    false => 401,
                };
                assert_eq!(
                    status, expected,
                    "oversized POST {path} ({who}, chunked: {chunked})"
                );
                if status == 413 {
                    seen_413.push(path.clone());
                }
            }
        }
    }

    // Every HTTP route of the server's table, with every method.
    let signed_in = app.signed_in_client().await;
    for (path, _) in server::http::http_routes() {
        for method in ["GET", "POST", "PUT", "DELETE"] {
            for hostile in &bodies {
                let what = format!("{method} {path} ({})", hostile.name);
                let request = signed_in
                    .request(method.parse().unwrap(), app.url(path))
                    .header("content-type", hostile.content_type)
                    .body(hostile.body.clone());
                assert_answer(&what, request.send().await.unwrap()).await;
            }
        }
    }

    // Every page, with hostile parameters.
    for page in pages() {
        let response = signed_in.get(app.url(&page)).send().await.unwrap();
        assert_answer(&format!("GET {page}"), response).await;
    }

    assert!(!seen_413.is_empty());
    assert_eq!(
        fingerprint(&env.pool).await,
        before,
        "a refused request wrote something"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_field_is_a_400_that_names_it() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.signed_in_client().await;
    let response = client
        .post(app.url("/api/create_invoice"))
        .form(&[("amount", "5"), ("status", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let reason: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reason["kind"], "bad_request");
    assert!(
        reason["error"].as_str().unwrap().contains("customer_id"),
        "{reason}"
    );

    // The produce API's own limit (64 KiB): 413 with a JSON reason, not text.
    let response = client
        .post(app.url("/api/kafka/produce"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"topic":"invoices","message":"{}"}}"#,
            "x".repeat(1024 * 1024)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(response.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_readiness_are_on_their_own_listener_and_health_stays_open() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let client = app.client();
    for path in ["/metrics", "/readyz"] {
        let status = client.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(status, 404, "{path} must not answer on the app's port");
        let status = client
            .get(app.metrics_url(path))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{path} on the metrics listener");
    }
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(app.metrics_addr.unwrap().ip().is_loopback());
    app.stop().await;
}

/// The amount is read in the language the form was shown in: the `lang` field, else the
/// language cookie, else English (which refuses an ambiguous comma).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_are_read_in_the_forms_language_never_guessed() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    // Cookies by hand: the session, and in one case the language cookie the switcher sets.
    let session = app.session_cookie().await;
    let client = reqwest::Client::new();
    let saved_cents = |id: String| {
        let pool = env.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT amount_cents FROM invoices WHERE id = $1::uuid")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let post = |fields: Vec<(&'static str, &'static str)>,
                language_cookie: Option<&'static str>| {
        let mut form = vec![("customer_id", LEE_ROBINSON), ("status", "pending")];
        form.extend(fields);
        let cookie = match language_cookie {
            Some(lang) => format!("{session}; i18n_pref_locale={lang}"),
            None => session.clone(),
        };
        let request = client
            .post(app.url("/api/create_invoice"))
            .header("cookie", cookie)
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };

    // Italian: a comma marks the cents, a point groups thousands.
    let outcome = post(vec![("amount", "12,50"), ("lang", "it")], None).await;
    let id = outcome["Saved"]["id"].as_str().expect("saved").to_string();
    assert_eq!(saved_cents(id).await, 1250);
    let outcome = post(vec![("amount", "1.250,50"), ("lang", "it")], None).await;
    let id = outcome["Saved"]["id"].as_str().expect("saved").to_string();
    assert_eq!(saved_cents(id).await, 125050);
    // Without a field, the language cookie decides (a form posted by an older page).
    let outcome = post(vec![("amount", "7,25")], Some("it")).await;
    let id = outcome["Saved"]["id"].as_str().expect("saved").to_string();
    assert_eq!(saved_cents(id).await, 725);

    // English: "1,250.50" is 1250.50; "12,50" is refused with a field error, never $1,250.00.
    let outcome = post(vec![("amount", "1,250.50"), ("lang", "en")], None).await;
    let id = outcome["Saved"]["id"].as_str().expect("saved").to_string();
    assert_eq!(saved_cents(id).await, 125050);
    let before = count(&env.pool, "SELECT count(*) FROM invoices").await;
    for (fields, cookie) in [
        (vec![("amount", "12,50"), ("lang", "en")], None),
        (vec![("amount", "12,50")], None),
        (vec![("amount", "12,50")], Some("en")),
        (vec![("amount", "12.50"), ("lang", "it")], None),
        (vec![("amount", "1,2,3"), ("lang", "it")], None),
        (vec![("amount", "12.50,1"), ("lang", "en")], None),
    ] {
        let outcome = post(fields.clone(), cookie).await;
        assert_eq!(
            outcome["Invalid"]["errors"]["amount"], "amount_misplaced_separator",
            "{fields:?}: {outcome}"
        );
    }
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM invoices").await,
        before
    );
    app.stop().await;
}
