//! Benchmark (not a test): the release server's memory under ten minutes of mixed traffic. Run
//! through bench/soak.sh. Against one server process, at once:
//! - sign-ins, one a second, and a burst of 32 at once every minute;
//! - page loads of the dashboard's pages by a signed-in client, about ten a second;
//! - 200 WebSocket clients on the live feed, reading everything;
//! - invoices written at 50 a second (each with its event: the whole pipeline runs);
//! - the Kafka page every five seconds.
//!
//! Resident memory (VmRSS) is sampled every second. Printed: the fresh process's idle figure
//! (the reference), the peak, the mean of each half of the load (growth from one to the next
//! would be a leak), and the resident figure a minute after the load stops.

mod support;

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use support::LEE_ROBINSON;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const FEED_CLIENTS: usize = 200;
const WRITES_PER_SECOND: u64 = 50;
const PAGES: [&str; 4] = [
    "/dashboard",
    "/dashboard/invoices",
    "/dashboard/customers",
    "/dashboard/activity",
];

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let server_bin = support::release_binary("server");
    let (settings, pool) =
        server::scratch::environment("bench", &server::telemetry::settings_path()).await?;
    let (mut child, base) = support::start_server(support::command(&server_bin, &settings)).await?;
    let pid = child.id();
    println!(
        "machine: {} cores; server: {server_bin}; load for {seconds} s",
        std::thread::available_parallelism()?.get()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fresh = support::process_usage(pid).map(|u| u.0).unwrap_or(0);
    println!(
        "fresh process, idle (the reference): {:>6.0} MiB",
        mib(fresh)
    );

    let stop = CancellationToken::new();
    let mut load = JoinSet::new();
    let failures = Arc::new(AtomicU64::new(0));
    let cookie = support::sign_in(&base).await?;

    // 200 feed clients, each reading until the load stops.
    for _ in 0..FEED_CLIENTS {
        let mut socket = support::open_feed(&base, &cookie).await?;
        let stop = stop.clone();
        load.spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    frame = support::next_frame(&mut socket) => if frame.is_none() { break },
                }
            }
        });
    }
    // Sign-ins: one a second, 32 at once every minute.
    {
        let (stop, base, failures) = (stop.clone(), base.clone(), failures.clone());
        load.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut n = 0u64;
            while !stop.is_cancelled() {
                tick.tick().await;
                n += 1;
                let at_once = if n % 60 == 30 { 32 } else { 1 };
                let sign_ins = (0..at_once).map(|_| support::sign_in(&base));
                for result in futures::future::join_all(sign_ins).await {
                    if result.is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    // Page loads, about ten a second, and the Kafka page every five seconds.
    {
        let (stop, base, cookie, failures) =
            (stop.clone(), base.clone(), cookie.clone(), failures.clone());
        load.spawn(async move {
            let http = reqwest::Client::new();
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut n = 0usize;
            while !stop.is_cancelled() {
                tick.tick().await;
                n += 1;
                let page = if n % 50 == 0 {
                    "/dashboard/kafka"
                } else {
                    PAGES[n % PAGES.len()]
                };
                let answer = http
                    .get(format!("http://{base}{page}"))
                    .header("cookie", &cookie)
                    .send()
                    .await;
                match answer {
                    Ok(a) if a.status().is_success() => {
                        let _ = a.bytes().await;
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    // Invoice writes.
    {
        let (stop, pool, topic, failures) = (
            stop.clone(),
            pool.clone(),
            settings.invoices_topic.clone(),
            failures.clone(),
        );
        load.spawn(async move {
            let mut tick =
                tokio::time::interval(Duration::from_secs_f64(1.0 / WRITES_PER_SECOND as f64));
            let input = InvoiceInput {
                customer_id: uuid::Uuid::parse_str(LEE_ROBINSON).expect("a uuid"),
                amount: AmountCents::from_cents(1234).expect("an amount"),
                status: InvoiceStatus::Pending,
            };
            while !stop.is_cancelled() {
                tick.tick().await;
                if app::db::invoices::create(&pool, &topic, &input)
                    .await
                    .is_err()
                {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }

    let started = Instant::now();
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        samples.push(support::process_usage(pid).map(|u| u.0).unwrap_or(0));
    }
    stop.cancel();
    while load.join_next().await.is_some() {}
    tokio::time::sleep(Duration::from_secs(60)).await;
    let after = support::process_usage(pid).map(|u| u.0).unwrap_or(0);
    let peak_hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .unwrap_or(0);

    let half = samples.len() / 2;
    let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len().max(1) as f64;
    let (first, second) = (mean(&samples[..half]), mean(&samples[half..]));
    println!(
        "under load: peak {:>6.0} MiB (VmHWM {:.0} MiB); mean of the first half {:.0} MiB, of the second {:.0} MiB ({:+.0}%)",
        mib(samples.iter().copied().max().unwrap_or(0)),
        mib(peak_hwm),
        mib(first as u64),
        mib(second as u64),
        100.0 * (second - first) / first.max(1.0)
    );
    // Minute by minute: warm-up shows as a rise that stops; a leak as one that does not.
    let minutes: Vec<String> = samples
        .chunks(60)
        .map(|minute| format!("{:.0}", mib(mean(minute) as u64)))
        .collect();
    println!("mean MiB per minute of load: {}", minutes.join(" "));
    println!(
        "a minute after the load stopped: {:>6.0} MiB ({:.1}x the fresh idle figure)",
        mib(after),
        after as f64 / fresh.max(1) as f64
    );
    println!(
        "requests that failed: {} (sign-ins, pages, writes)",
        failures.load(Ordering::Relaxed)
    );
    println!("targets: peak <= 150 MiB; a minute after <= 2x fresh; no growth between halves");
    support::stop(&mut child);
    server::scratch::remove(&settings, pool).await?;
    Ok(())
}
