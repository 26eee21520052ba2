//! Two server processes (here: two servers in one test process, each with its own relay,
//! processor and activity consumer, as two processes would have) on different ports, one
//! broker, one database: each event is processed once, and both servers' browsers see every
//! item, in order, once.

use crate::common;

use common::{feed::*, *};
use std::{collections::HashSet, time::Duration};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_processed_once_and_reaches_browsers_on_either_server() {
    let env = test_env().await;
    let a = TestApp::spawn(&env).await;
    let b = TestApp::spawn(&env).await;
    assert_ne!(a.addr.port(), b.addr.port());

    // Sessions live in the shared database: signed in on one server is signed in on both.
    let cookie = a.session_cookie().await;
    let mut feed_a = FeedClient::open(&a, &cookie, None).await;
    let mut feed_b = FeedClient::open(&b, &cookie, None).await;
    let (client_a, client_b) = (a.signed_in_client().await, b.signed_in_client().await);

    const N: usize = 20;
    let mut created = HashSet::new();
    for i in 0..N {
        let (app, client) = if i % 2 == 0 {
            (&a, &client_a)
        } else {
            (&b, &client_b)
        };
        let amount = format!("{}.{:02}", 100 + i, i);
        let response = client
            .post(app.url("/api/create_invoice"))
            .form(&[
                ("customer_id", LEE_ROBINSON),
                ("amount", amount.as_str()),
                ("status", "pending"),
            ])
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        created.insert(body["Saved"]["id"].as_str().expect("saved").to_string());
    }

    for (name, feed) in [("server A", &mut feed_a), ("server B", &mut feed_b)] {
        let items = feed.items(N, Duration::from_secs(30)).await;
        assert_eq!(items.len(), N, "{name}'s browser got every item");
        assert_gapless(&items, feed.position + 1);
        let seen: HashSet<String> = items.iter().map(|i| i.invoice_id.clone()).collect();
        assert_eq!(seen, created, "{name}'s browser saw each created invoice");
        assert!(
            feed.next_item(Duration::from_secs(2)).await.is_none(),
            "{name}: nothing more, nothing twice"
        );
    }
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        N as i64,
        "each event processed once"
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM activity_items").await,
        N as i64
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM email_outbox WHERE kind = 'confirmation'"
        )
        .await,
        N as i64,
        "one mail each"
    );
    a.stop().await;
    b.stop().await;
}
