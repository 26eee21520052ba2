//! Benchmark (not a test): CLIENTS browsers' worth of WebSocket connections (tokio-tungstenite)
//! on `/ws/activity` of a release server process, while invoices are written at RATE per
//! second for SECONDS. Reports, for every delivery to every client, the latency from the
//! event's timestamp (taken inside the writing transaction, just before it commits) to the
//! client; items lost, doubled or out of order; the server's memory and CPU. Runs through
//! bench/feed.sh, against scratch database and topics on the services of scripts/services.sh.

mod support;

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use support::{percentile, process_usage, Frame, LEE_ROBINSON};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct ClientLog {
    received: u64,
    doubled: u64,
    out_of_order: u64,
    resyncs: u64,
    latencies_ms: Vec<f64>,
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
    let server_bin = support::release_binary("server");

    let (settings, pool) =
        server::scratch::environment("bench", &server::telemetry::settings_path()).await?;
    let (mut child, base) = support::start_server(support::command(&server_bin, &settings)).await?;
    let pid = child.id();
    let cookie = support::sign_in(&base).await?;

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
            let (base, cookie) = (&base, &cookie);
            handshakes.push(async move { (support::open_feed(base, cookie).await, log.clone()) });
        }
        for (connected, log) in futures::future::join_all(handshakes).await {
            let mut socket = connected?;
            let stop = stop.clone();
            readers.push(tokio::spawn(async move {
                let mut last = 0i64;
                loop {
                    let frame = tokio::select! {
                        _ = stop.cancelled() => break,
                        f = support::next_frame(&mut socket) => f,
                    };
                    let Some((frame, now)) = frame else { break };
                    let mut log = log.lock().await;
                    match frame {
                        Frame::Item { item } => {
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
                        Frame::Resync => log.resyncs += 1,
                        Frame::Hello {} => {}
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

    support::stop(&mut child);
    server::scratch::remove(&settings, pool).await?;
    anyhow::ensure!(
        lost == 0 && doubled == 0 && out_of_order == 0,
        "items were lost, doubled or out of order"
    );
    Ok(())
}
