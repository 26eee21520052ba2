//! The standalone binaries: `invoice-events-processor` and `kafka-consumer`.

use crate::common;

use app::domain::InvoiceStatus;
use common::*;
use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    time::{Duration, Instant},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_processor_handles_events_and_stops_cleanly_on_sigterm() {
    let env = test_env().await;
    env.create_invoice("21.00", InvoiceStatus::Paid).await;
    let mut child = binary_with_test_settings(env!("CARGO_BIN_EXE_invoice-events-processor"), &env)
        .spawn()
        .expect("processor starts");

    let processed = eventually(Duration::from_secs(40), || async {
        count(&env.pool, "SELECT count(*) FROM activity_items").await == 1
    })
    .await;
    let status = stop_with_sigterm(&mut child, Duration::from_secs(10));
    assert!(processed, "the processor handled the event");
    let status = status.expect("the processor exits within 10 s of SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_consumer_prints_key_headers_and_pretty_json_from_the_beginning() {
    let env = test_env().await;
    let id = env.create_invoice("77.00", InvoiceStatus::Pending).await;
    let producer = server::kafka::producer(&env.settings.kafka_broker).unwrap();
    server::outbox_relay::publish_batch(&mut *env.pool.acquire().await.unwrap(), &producer)
        .await
        .unwrap();

    let mut command = binary_with_test_settings(env!("CARGO_BIN_EXE_kafka-consumer"), &env);
    command
        .env(
            "KAFKA_GROUP_ID",
            format!("{}-console", env.settings.processor_group_id),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("consumer starts");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let done = line.trim() == "}";
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let printed = reader.join().unwrap().join("\n");
    assert!(
        printed.contains(&format!("topic: {}", env.settings.invoices_topic)),
        "{printed}"
    );
    assert!(printed.contains("offset: 0"), "{printed}");
    assert!(printed.contains(&format!("key: {id}")), "{printed}");
    assert!(
        printed.contains("event-type=created") && printed.contains("source=acme-dashboard"),
        "{printed}"
    );
    assert!(
        printed.contains("  \"amount\": 7700,"),
        "pretty JSON: {printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_server_stops_within_ten_seconds_of_sigterm() {
    let env = test_env().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = binary_with_test_settings(env!("CARGO_BIN_EXE_server"), &env)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "target/site")
        .spawn()
        .expect("server starts");
    let url = format!("http://127.0.0.1:{port}/healthz");
    let up = eventually(Duration::from_secs(30), || async {
        reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    // Work in flight when the signal comes: an invoice event on its way through the pipeline.
    env.create_invoice("8.00", InvoiceStatus::Paid).await;
    let status = stop_with_sigterm(&mut child, Duration::from_secs(10));
    assert!(up, "the server answered /healthz");
    let status = status.expect("the server exits within 10 s of SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(
        reqwest::get(&url).await.is_err(),
        "nothing listens any more"
    );
}
