//! Benchmark (not a test): CLIENTS browsers' worth of WebSocket connections (tokio-tungstenite)
//! on `/ws/activity` of a release server process, while invoices are written at RATE per
//! second for SECONDS. Reports, for every delivery to every client, the latency from the
//! event's timestamp (taken inside the writing transaction, just before it commits) to the
//! client; items lost, doubled or out of order; the server's memory and CPU. Runs through
//! bench/feed.sh, against scratch database and topics on the services of scripts/services.sh.

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use futures::StreamExt;
use serde::Deserialize;
use std::{
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};
use tokio_util::sync::CancellationToken;

const LEE_ROBINSON: &str = "3958dc9e-742f-4377-85e9-fec4b6a6442a";

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Frame {
    Hello {},
    Item { item: Item },
    Resync,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    seq: i64,
    occurred_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Default)]
struct ClientLog {
    received: u64,
    doubled: u64,
    out_of_order: u64,
    resyncs: u64,
    latencies_ms: Vec<f64>,
}

/// Resident memory (KiB) and CPU seconds (user + system) of a process, from /proc.
fn process_usage(pid: u32) -> Option<(u64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((rss, ticks / 100.0))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let arg = |n: usize, default: u64| {
        std::env::args()
            .nth(n)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (clients, rate, seconds) = (arg(1, 1000) as usize, arg(2, 100), arg(3, 60));
    let server_bin =
        std::env::var("FEED_BENCH_SERVER").unwrap_or_else(|_| "target/release/server".into());

    let (settings, pool) =
        server::scratch::environment("bench", &server::telemetry::settings_path()).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("127.0.0.1:{port}");
    let mut child = Command::new(&server_bin)
        .env("DATABASE_URL", &settings.database_url)
        .env("KAFKA_TOPIC", &settings.invoices_topic)
        .env("ACME_ACTIVITY_TOPIC", &settings.activity_topic)
        .env("ACME_DLQ_TOPIC", &settings.dlq_topic)
        .env("KAFKA_GROUP_ID", &settings.processor_group_id)
        .env("LEPTOS_SITE_ADDR", &base)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting {server_bin}: {e}"))?;
    let pid = child.id();
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let started = Instant::now();
    while http
        .get(format!("http://{base}/healthz"))
        .send()
        .await
        .is_err()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not answer /healthz within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = http
        .post(format!("http://{base}/api/login"))
        .form(&[("email", "user@nextmail.com"), ("password", "123456")])
        .send()
        .await?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    let cookie = cookie.ok_or_else(|| anyhow::anyhow!("login gave no session cookie"))?;

    println!(
        "machine: {} cores, shared by the server, PostgreSQL, Kafka and these {clients} clients",
        std::thread::available_parallelism()?.get()
    );
    println!("load: {clients} WebSocket clients, {rate} invoice writes/s for {seconds} s\n");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_rss, _) = process_usage(pid).unwrap_or_default();

    // Connect every client (a hundred handshakes at a time) and wait for its hello.
    let stop = CancellationToken::new();
    let logs: Vec<Arc<Mutex<ClientLog>>> = (0..clients).map(|_| Arc::default()).collect();
    let mut readers = Vec::new();
    let connecting = Instant::now();
    for batch in logs.chunks(100) {
        let mut handshakes = Vec::new();
        for log in batch {
            let mut request = format!("ws://{base}/ws/activity").into_client_request()?;
            request.headers_mut().insert("cookie", cookie.parse()?);
            handshakes.push(async move {
                (tokio_tungstenite::connect_async(request).await, log.clone())
            });
        }
        for (connected, log) in futures::future::join_all(handshakes).await {
            let (mut socket, _) = connected?;
            match socket.next().await {
                Some(Ok(Message::Text(t)))
                    if matches!(serde_json::from_str(&t), Ok(Frame::Hello {})) => {}
                other => anyhow::bail!("expected a hello, got {other:?}"),
            }
            let stop = stop.clone();
            readers.push(tokio::spawn(async move {
                let mut last = 0i64;
                loop {
                    let message =
                        tokio::select! { _ = stop.cancelled() => break, m = socket.next() => m };
                    let Some(Ok(Message::Text(text))) = message else {
                        if matches!(message, Some(Ok(_))) {
                            continue;
                        } else {
                            break;
                        }
                    };
                    let now = chrono::Utc::now();
                    let mut log = log.lock().await;
                    match serde_json::from_str::<Frame>(&text) {
                        Ok(Frame::Item { item }) => {
                            log.received += 1;
                            if item.seq == last {
                                log.doubled += 1;
                            } else if item.seq < last {
                                log.out_of_order += 1;
                            }
                            last = last.max(item.seq);
                            log.latencies_ms.push(
                                (now - item.occurred_at).num_microseconds().unwrap_or(0) as f64
                                    / 1000.0,
                            );
                        }
                        Ok(Frame::Resync) => log.resyncs += 1,
                        _ => {}
                    }
                }
            }));
        }
    }
    let (connected_rss, cpu_before) = process_usage(pid).unwrap_or_default();
    println!(
        "connected {clients} clients in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );

    // Writes at RATE per second, each one transaction with its outbox row, as the app makes them.
    let sampling = CancellationToken::new();
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !sampling.is_cancelled() {
                peak = peak.max(process_usage(pid).map(|u| u.0).unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            peak
        })
    };
    let total = rate * seconds;
    let run = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let input = InvoiceInput {
        customer_id: uuid::Uuid::parse_str(LEE_ROBINSON)?,
        amount: AmountCents::parse_dollars("12.34").unwrap(),
        status: InvoiceStatus::Pending,
    };
    for _ in 0..total {
        tick.tick().await;
        app::db::invoices::create(&pool, &settings.invoices_topic, &input).await?;
    }
    let writing = run.elapsed();
    // Then until every client has every item, or 30 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut done = 0;
        for log in &logs {
            if log.lock().await.received >= total {
                done += 1;
            }
        }
        if done == clients || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = run.elapsed();
    let (_, cpu_after) = process_usage(pid).unwrap_or_default();
    sampling.cancel();
    let peak_rss = sampler.await?;
    stop.cancel();
    for reader in readers {
        let _ = reader.await;
    }

    let mut latencies = Vec::with_capacity(clients * total as usize);
    let (mut received, mut doubled, mut out_of_order, mut resyncs, mut lost) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    for log in &logs {
        let mut log = log.lock().await;
        received += log.received;
        doubled += log.doubled;
        out_of_order += log.out_of_order;
        resyncs += log.resyncs;
        lost += total.saturating_sub(log.received - log.doubled);
        latencies.append(&mut log.latencies_ms);
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "wrote {total} invoices in {:.1} s ({:.0}/s)",
        writing.as_secs_f64(),
        total as f64 / writing.as_secs_f64()
    );
    println!(
        "deliveries: {received} of {} expected ({clients} clients x {total} items)",
        clients as u64 * total
    );
    println!(
        "lost: {lost}   doubled: {doubled}   out of order: {out_of_order}   resyncs: {resyncs}"
    );
    println!(
        "latency event -> client: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    println!(
        "server memory: {:.1} MiB idle, {:.1} MiB with {clients} clients connected, {:.1} MiB peak",
        idle_rss as f64 / 1024.0,
        connected_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0
    );
    println!(
        "server CPU: {:.1} s over {:.1} s = {:.0}% of one core (relay, processor and fan-out in one process)",
        cpu_after - cpu_before,
        elapsed.as_secs_f64(),
        100.0 * (cpu_after - cpu_before) / elapsed.as_secs_f64()
    );

    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let _ = child.wait();
    server::scratch::remove(&settings, pool).await?;
    anyhow::ensure!(
        lost == 0 && doubled == 0 && out_of_order == 0,
        "items were lost, doubled or out of order"
    );
    Ok(())
}
