//! The feed socket's promises to every browser: a slow or stuck one never slows the others
//! and is told to resync, one far behind catches up completely, oversized messages close the
//! socket, silent clients are closed by the ping/pong check, and dead letters show in the feed
//! with their reason. And the feed's export, however long.

use crate::common;

use app::events::{Action, ActivityItem, FeedMessage};
use common::{feed::*, *};
use rdkafka::producer::FutureRecord;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn padded_item(seq: i64) -> ActivityItem {
    ActivityItem {
        // About 8 KB per item, so a stuck client's socket buffers fill after a few hundred.
        effects: vec!["x".repeat(8_000)],
        ..item(seq, Action::Created)
    }
}

fn item(seq: i64, action: Action) -> ActivityItem {
    ActivityItem {
        seq,
        event_id: uuid::Uuid::new_v4(),
        action,
        invoice_id: uuid::Uuid::new_v4().to_string(),
        customer_id: LEE_ROBINSON.into(),
        customer_name: Some("Lee Robinson".into()),
        customer_image: None,
        amount: seq,
        status: "pending".into(),
        previous_status: None,
        occurred_at: chrono::Utc::now(),
        processed_at: chrono::Utc::now(),
        effects: vec!["email:confirmation".into()],
        reason: None,
    }
}

/// Appends `n` items to the feed in one transaction, as the processor does, every third one
/// a deletion; returns them with their seqs.
async fn feed_items(env: &TestEnv, n: i64) -> Vec<ActivityItem> {
    let mut items: Vec<_> = (1..=n)
        .map(|i| {
            item(
                0,
                if i % 3 == 0 {
                    Action::Deleted
                } else {
                    Action::Created
                },
            )
        })
        .collect();
    let traces: Vec<_> = items
        .iter()
        .map(|_| app::trace::TraceParent::new_root())
        .collect();
    let mut tx = env.pool.begin().await.unwrap();
    let appended = server::activity::feed::append_all(
        &mut tx,
        &env.settings.activity_topic,
        &mut items,
        &traces,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(appended as i64, n);
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_browser_is_cut_off_while_a_reading_one_gets_every_item_in_order() {
    let env = test_env().await;
    let settings = server::settings::Settings {
        feed_client_buffer: 64,
        run_processor: false,
        ..env.settings.clone()
    };
    let app = TestApp::spawn_with(settings).await;
    let cookie = app.session_cookie().await;
    let mut reader = FeedClient::open(&app, &cookie, None).await;
    let mut stuck = FeedClient::open(&app, &cookie, None).await;

    // 2,000 items (16 MB) on the activity topic at about 500 a second, as a busy processor would.
    const N: i64 = 2_000;
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    let topic = env.settings.activity_topic.clone();
    let publishing = tokio::spawn(async move {
        let started = Instant::now();
        for seq in 1..=N {
            let item = padded_item(seq);
            let payload = serde_json::to_string(&item).unwrap();
            producer
                .send(
                    FutureRecord::to(&topic)
                        .key(&item.invoice_id)
                        .payload(&payload),
                    Duration::from_secs(10),
                )
                .await
                .unwrap();
            let due = Duration::from_millis(seq as u64 * 2);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
    });
    let received = reader.items(N as usize, Duration::from_secs(20)).await;
    publishing.await.unwrap();
    assert_eq!(
        received.len(),
        N as usize,
        "the reading browser got every item although another was stuck"
    );
    assert_gapless(&received, 1);

    // The stuck browser, reading at last: what its buffers held, then a resync or a closed socket.
    let mut stuck_items = 0;
    let ending = loop {
        match stuck.next_message(Duration::from_secs(30)).await {
            Some(FeedMessage::Item { .. }) => stuck_items += 1,
            other => break other,
        }
    };
    assert!(
        matches!(ending, Some(FeedMessage::Resync) | None),
        "expected a resync or the end, got {ending:?}"
    );
    assert!(stuck_items < N, "the stuck browser was cut off ({stuck_items} items) instead of being buffered without bound");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_4_kib_closes_the_socket_and_a_small_one_does_not() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let cookie = app.session_cookie().await;

    let mut polite = FeedClient::open(&app, &cookie, None).await;
    polite.send_text("x".repeat(100)).await.unwrap();
    assert!(
        polite.ping_answered(Duration::from_secs(5)).await,
        "a small message keeps the socket open"
    );

    let mut rude = FeedClient::open(&app, &cookie, None).await;
    let _ = rude.send_text("x".repeat(5 * 1024)).await;
    assert!(
        rude.next_message(Duration::from_secs(5)).await.is_none(),
        "the socket closes after an oversized message"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_pings_is_closed_and_one_that_answers_stays() {
    let env = test_env().await;
    let settings = server::settings::Settings {
        feed_ping_seconds: 1,
        ..env.settings.clone()
    };
    let app = TestApp::spawn_with(settings).await;
    let cookie = app.session_cookie().await;
    let mut silent = FeedClient::open(&app, &cookie, None).await;
    let mut answering = FeedClient::open(&app, &cookie, None).await;

    // The answering client reads (tungstenite answers each ping) for 5 s: three ping periods and more.
    assert!(answering
        .next_message(Duration::from_secs(5))
        .await
        .is_none());
    // The silent one read nothing all that time: the server has given up on it.
    let started = Instant::now();
    let mut pings = 0;
    let closed = loop {
        use futures::StreamExt;
        match tokio::time::timeout(Duration::from_secs(5), silent.socket.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => break true,
            Ok(Some(Ok(other))) => panic!("unexpected {other:?}"),
            Err(_) => break false,
        }
    };
    assert!(closed, "the silent client was closed");
    assert!(pings >= 2, "it was pinged before ({pings} pings)");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the close was already waiting"
    );

    // The answering one is still open: a ping gets its pong.
    assert!(
        answering.ping_answered(Duration::from_secs(5)).await,
        "the answering client is still connected"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_shows_in_the_feed_with_its_reason() {
    let env = test_env().await;
    let app = TestApp::spawn(&env).await;
    let cookie = app.session_cookie().await;
    let mut feed = FeedClient::open(&app, &cookie, None).await;

    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    producer
        .send(
            FutureRecord::to(&env.settings.invoices_topic)
                .key("broken-1")
                .payload("{\"not\": \"an event\"}"),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let item = feed
        .next_item(Duration::from_secs(30))
        .await
        .expect("the dead letter reaches the feed");
    assert_eq!(item.action, "dead_lettered");
    assert_eq!(item.invoice_id, "broken-1");
    assert!(
        item.reason
            .as_deref()
            .is_some_and(|r| r.contains("not an invoice event")),
        "{:?}",
        item.reason
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM processed_events").await,
        0,
        "a dead letter is not processed"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_back_after_1200_items_gets_each_once_in_order() {
    let env = test_env().await;
    let app = TestApp::spawn_with(server::settings::Settings {
        run_processor: false,
        ..env.settings.clone()
    })
    .await;
    let cookie = app.session_cookie().await;
    let written = feed_items(&env, 1_200).await;

    // The browser last saw nothing: the server replays all of it (a page at a time) and then
    // goes on live, where the same items arrive again from the activity topic and are skipped.
    // (If the live burst outruns the socket meanwhile, the server says to resync and the tab
    // reconnects after the last item it has, as the page does.)
    let (received, _) = FeedClient::follow(&app, &cookie, 0, 1_200, Duration::from_secs(30)).await;
    assert_eq!(received.len(), 1_200);
    assert_gapless(&received, 1);
    let ids = |items: &[ActivityItem]| items.iter().map(|i| i.event_id).collect::<Vec<_>>();
    assert_eq!(ids(&received), ids(&written));
    let mut now = FeedClient::open(&app, &cookie, Some(1_200)).await;
    assert!(
        now.next_item(Duration::from_secs(3)).await.is_none(),
        "nothing more, and no item twice, once the relay has published them"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_writes_the_newest_items_up_to_its_setting_across_pages() {
    let env = test_env().await;
    let app = TestApp::spawn_with(server::settings::Settings {
        run_processor: false,
        export_max_items: 700,
        ..env.settings.clone()
    })
    .await;
    let client = app.signed_in_client().await;
    feed_items(&env, 1_200).await;

    let export = |query: &'static str| {
        let (client, url) = (
            client.clone(),
            app.url(&format!("/api/activity/export{query}")),
        );
        async move {
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], "application/json");
            assert!(response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"activity-"));
            response.json::<Vec<ActivityItem>>().await.unwrap()
        }
    };
    let seqs = |items: &[ActivityItem]| items.iter().map(|i| i.seq).collect::<Vec<_>>();
    let newest = export("").await;
    assert_eq!(seqs(&newest), (501..=1_200).rev().collect::<Vec<_>>());
    let deleted = export("?action=deleted").await;
    assert_eq!(deleted.len(), 400);
    assert!(deleted.iter().all(|i| i.action == "deleted"));
    assert_eq!(
        seqs(&deleted),
        (1..=400).rev().map(|i| i * 3).collect::<Vec<_>>()
    );
    let none = export("?customer=nobody").await;
    assert!(none.is_empty());
    // As browsers ask for it: compressed, and whole (the stream ends once, however it is read).
    for encoding in ["gzip", "br"] {
        let compressed = client
            .get(app.url("/api/activity/export"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(compressed.status(), 200);
        assert_eq!(compressed.headers()["content-encoding"], encoding);
        let body = compressed.bytes().await.expect("the whole compressed file");
        assert!(body.len() > 100, "{encoding}: {} bytes", body.len());
    }
    app.stop().await;
}
