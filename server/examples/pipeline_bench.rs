//! Benchmark (not a test): the event pipeline at scale, printed in one run against the
//! services of scripts/services.sh (run it through bench/pipeline.sh):
//! 1. the ceiling: 8 writers writing invoices with the pipeline off, and raw rdkafka produce
//!    and consume rates on the same broker;
//! 2. steady load on the release web server (relay, processor and feed in one process):
//!    invoices at 100, 500 and 1,000 per second, with events/s and the latency from commit to
//!    activity item and from commit to a WebSocket client;
//! 3. a burst of BURST writes as fast as possible: time to drain and events/s;
//! 4. the same burst with 1, 2 and 3 standalone processor processes in one group.
//!
//! Every phase gets its own scratch database and topics, so no phase reads another's events.
//! "Commit" is the event's timestamp, taken in the writing transaction just before it commits.

mod support;

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    producer::FutureRecord,
    ClientConfig,
};
use server::settings::Settings;
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use support::{percentile, Frame, LEE_ROBINSON};
use tokio::{sync::Semaphore, task::JoinSet};
use uuid::Uuid;

const WRITERS: usize = 8;
const STEADY_RATES: [u64; 3] = [100, 500, 1000];

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let seconds = setting("PIPELINE_BENCH_SECONDS", 30);
    let burst = setting("PIPELINE_BENCH_BURST", 10_000) as usize;
    println!(
        "machine: {} cores; the writers, our processes, PostgreSQL and Kafka share them",
        std::thread::available_parallelism()?.get()
    );
    println!("settings: {}\n", batch_settings());

    println!("1. ceiling");
    let (settings, pool) = scratch().await?;
    let (produce, consume) = raw_kafka_rates(&settings, burst).await?;
    println!("   raw rdkafka produce (idempotent, acks=all): {produce:>7.0} msg/s");
    println!("   raw rdkafka consume:                        {consume:>7.0} msg/s");
    let started = Instant::now();
    write_as_fast_as_possible(&pool, &settings.invoices_topic, burst).await?;
    let ceiling = burst as f64 / started.elapsed().as_secs_f64();
    println!("   {WRITERS} writers, pipeline off:                {ceiling:>7.0} writes/s\n");
    server::scratch::remove(&settings, pool).await?;

    println!("2. steady load: the web server with its relay, processor and feed; one feed client");
    let (settings, pool) = scratch().await?;
    let server_bin = support::release_binary("server");
    let (mut web, base) = support::start_server(support::command(&server_bin, &settings)).await?;
    let feed = FeedClient::open(&base).await?;
    warm_up(&pool, &settings).await?;
    println!(
        "   {:>8} {:>9} {:>9}   {:>28}   {:>28}",
        "offered/s",
        "writes/s",
        "events/s",
        "commit -> activity item (ms)",
        "commit -> feed client (ms)"
    );
    println!(
        "   {:>8} {:>9} {:>9}   {:>8} {:>8} {:>10}   {:>8} {:>8} {:>10}",
        "", "", "", "p50", "p99", "max", "p50", "p99", "max"
    );
    let mut sustained: f64 = 0.0;
    for rate in STEADY_RATES {
        let started = Instant::now();
        let ids = write_at_rate(&pool, &settings.invoices_topic, rate, seconds).await?;
        let writes = ids.len() as f64 / started.elapsed().as_secs_f64();
        let phase = drained(&pool, &ids, Duration::from_secs(120)).await?;
        let to_feed = feed.latencies(&ids, Duration::from_secs(10)).await;
        sustained = sustained.max(phase.events_per_second);
        println!(
            "   {rate:>8} {writes:>9.0} {:>9.0}   {:>8.0} {:>8.0} {:>10.0}   {:>8.0} {:>8.0} {:>10.0}{}",
            phase.events_per_second,
            phase.p50, phase.p99, phase.max,
            percentile(&to_feed, 0.5), percentile(&to_feed, 0.99), percentile(&to_feed, 1.0),
            missing(ids.len(), phase.items, to_feed.len()),
        );
    }

    println!("\n3. burst: {burst} writes as fast as {WRITERS} writers go, same server");
    let started = Instant::now();
    let ids = write_as_fast_as_possible(&pool, &settings.invoices_topic, burst).await?;
    let written = started.elapsed();
    let phase = drained(&pool, &ids, Duration::from_secs(300)).await?;
    let drain = started.elapsed();
    let events = burst as f64 / drain.as_secs_f64();
    println!(
        "   written in {:.1} s ({:.0} writes/s); every activity item after {:.1} s: {events:.0} events/s end to end",
        written.as_secs_f64(),
        burst as f64 / written.as_secs_f64(),
        drain.as_secs_f64()
    );
    println!(
        "   commit -> activity item: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms{}",
        phase.p50,
        phase.p99,
        phase.max,
        missing(ids.len(), phase.items, ids.len())
    );
    println!(
        "   end to end = {:.0}% of the write ceiling; the burst drains at {:.0}% of the best steady rate",
        100.0 * events / ceiling,
        100.0 * events / sustained.max(1.0)
    );
    support::stop(&mut web);
    server::scratch::remove(&settings, pool).await?;

    println!("\n4. the burst with standalone processor processes in one group (no web server)");
    let processor_bin = support::release_binary("invoice-events-processor");
    for processes in 1..=3 {
        let (settings, pool) = scratch().await?;
        let mut children = Vec::new();
        for _ in 0..processes {
            children.push(support::command(&processor_bin, &settings).spawn()?);
        }
        warm_up(&pool, &settings).await?;
        let started = Instant::now();
        let ids = write_as_fast_as_possible(&pool, &settings.invoices_topic, burst).await?;
        let phase = drained(&pool, &ids, Duration::from_secs(300)).await?;
        let drain = started.elapsed();
        println!(
            "   {processes} process{}: every item after {:.1} s: {:>6.0} events/s; p99 {:.0} ms{}",
            if processes == 1 { " " } else { "es" },
            drain.as_secs_f64(),
            burst as f64 / drain.as_secs_f64(),
            phase.p99,
            missing(ids.len(), phase.items, ids.len())
        );
        for child in &mut children {
            support::stop(child);
        }
        server::scratch::remove(&settings, pool).await?;
    }
    Ok(())
}

fn batch_settings() -> String {
    match Settings::load(&server::telemetry::settings_path()) {
        Ok(s) => format!(
            "processor_batch_max {}, processor_batch_wait_ms {}, database_max_connections {}, invoices_partitions {}",
            s.processor_batch_max, s.processor_batch_wait_ms, s.database_max_connections, s.invoices_partitions
        ),
        Err(e) => e.to_string(),
    }
}

async fn scratch() -> anyhow::Result<(Settings, PgPool)> {
    server::scratch::environment("bench", &server::telemetry::settings_path()).await
}

fn missing(expected: usize, items: usize, delivered: usize) -> String {
    if items == expected && delivered == expected {
        String::new()
    } else {
        format!("   (of {expected}: {items} activity items, {delivered} at the client)")
    }
}

fn invoice(n: usize) -> InvoiceInput {
    InvoiceInput {
        customer_id: Uuid::parse_str(LEE_ROBINSON).expect("a uuid"),
        amount: AmountCents::from_cents(100 + (n % 100_000) as i64).expect("an amount"),
        status: InvoiceStatus::Pending,
    }
}

/// One invoice through the whole pipeline, so every consumer has joined before measuring.
async fn warm_up(pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
    let id = app::db::invoices::create(pool, &settings.invoices_topic, &invoice(0)).await?;
    drained(pool, &[id], Duration::from_secs(60)).await?;
    Ok(())
}

/// `n` invoices, each in its own transaction with its event, by WRITERS writers.
async fn write_as_fast_as_possible(
    pool: &PgPool,
    topic: &str,
    n: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let mut writers = JoinSet::new();
    for w in 0..WRITERS {
        let (pool, topic) = (pool.clone(), topic.to_string());
        writers.spawn(async move {
            let mut ids = Vec::new();
            for i in (w..n).step_by(WRITERS) {
                ids.push(app::db::invoices::create(&pool, &topic, &invoice(i)).await?);
            }
            Ok::<_, sqlx::Error>(ids)
        });
    }
    let mut ids = Vec::with_capacity(n);
    while let Some(written) = writers.join_next().await {
        ids.extend(written??);
    }
    Ok(ids)
}

/// Invoices offered at `rate` per second for `seconds`, at most WRITERS at a time.
async fn write_at_rate(
    pool: &PgPool,
    topic: &str,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<Vec<Uuid>> {
    let permits = Arc::new(Semaphore::new(WRITERS));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let mut writes = JoinSet::new();
    for i in 0..(rate * seconds) as usize {
        tick.tick().await;
        let permit = permits.clone().acquire_owned().await?;
        let (pool, topic) = (pool.clone(), topic.to_string());
        writes.spawn(async move {
            let id = app::db::invoices::create(&pool, &topic, &invoice(i)).await;
            drop(permit);
            id
        });
    }
    let mut ids = Vec::new();
    while let Some(written) = writes.join_next().await {
        ids.push(written??);
    }
    Ok(ids)
}

struct Phase {
    items: usize,
    events_per_second: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

/// Waits until every invoice's `created` item is in the feed (or `within` passes), then
/// reads the latencies from commit to activity item.
async fn drained(pool: &PgPool, ids: &[Uuid], within: Duration) -> anyhow::Result<Phase> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let deadline = Instant::now() + within;
    // One snapshot for both counts: counting all items is cheap, matching ids is not, so
    // the wait watches the total and the ids are matched once more at the end.
    let (present, total): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE item->>'invoiceId' = ANY($1)), count(*) FROM activity_items",
    )
    .bind(&ids)
    .fetch_one(pool)
    .await?;
    let target = total + ids.len() as i64 - present;
    while Instant::now() < deadline {
        let now: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_items")
            .fetch_one(pool)
            .await?;
        if now >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (items, seconds, p50, p99, max): (i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM max(created_at) - min(occurred))::float8,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
         FROM (SELECT created_at, (item->>'occurredAt')::timestamptz AS occurred,
                      extract(epoch FROM created_at - (item->>'occurredAt')::timestamptz)::float8 * 1000 AS ms
               FROM activity_items WHERE item->>'invoiceId' = ANY($1) AND item->>'action' = 'created') t",
    )
    .bind(&ids)
    .fetch_one(pool)
    .await?;
    Ok(Phase {
        items: items as usize,
        events_per_second: items as f64 / seconds.unwrap_or(f64::NAN),
        p50: p50.unwrap_or(f64::NAN),
        p99: p99.unwrap_or(f64::NAN),
        max: max.unwrap_or(f64::NAN),
    })
}

/// Raw rdkafka rates on the same broker, with messages of our events' size: `n` produced by
/// our idempotent producer, then read back by a plain consumer.
async fn raw_kafka_rates(settings: &Settings, n: usize) -> anyhow::Result<(f64, f64)> {
    let topic = format!("{}.raw", settings.invoices_topic);
    server::kafka::topics::ensure(
        &settings.kafka_broker,
        &[(&topic, settings.invoices_partitions)],
    )
    .await?;
    let payload = format!(
        r#"{{"eventId":"{}","invoiceId":"{}","action":"created","customerId":"{LEE_ROBINSON}","amount":12345,"status":"pending","timestamp":"2026-11-27T00:00:00Z"}}"#,
        Uuid::new_v4(),
        Uuid::new_v4()
    );
    let producer = server::kafka::producer(&settings.kafka_broker)?;
    let started = Instant::now();
    let keys: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let sends = keys.iter().map(|key| {
        producer.send(
            FutureRecord::to(&topic).key(key).payload(&payload),
            Duration::from_secs(30),
        )
    });
    for result in futures::future::join_all(sends).await {
        result.map_err(|(e, _)| e)?;
    }
    let produce = n as f64 / started.elapsed().as_secs_f64();
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &settings.kafka_broker)
        .set("group.id", format!("{topic}-reader"))
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&[&topic])?;
    consumer.recv().await?;
    let started = Instant::now();
    for _ in 1..n {
        consumer.recv().await?;
    }
    let consume = (n - 1) as f64 / started.elapsed().as_secs_f64();
    consumer.unsubscribe();
    Ok((produce, consume))
}

/// A feed client that remembers, per invoice, how long after its commit the item arrived.
struct FeedClient {
    arrivals: Arc<Mutex<HashMap<String, f64>>>,
}

impl FeedClient {
    async fn open(base: &str) -> anyhow::Result<Self> {
        let cookie = support::sign_in(base).await?;
        let mut socket = support::open_feed(base, &cookie).await?;
        let arrivals: Arc<Mutex<HashMap<String, f64>>> = Arc::default();
        let log = arrivals.clone();
        tokio::spawn(async move {
            while let Some((frame, at)) = support::next_frame(&mut socket).await {
                if let Frame::Item { item } = frame {
                    let ms =
                        (at - item.occurred_at).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                    log.lock()
                        .expect("not poisoned")
                        .entry(item.invoice_id)
                        .or_insert(ms);
                }
            }
        });
        Ok(Self { arrivals })
    }

    /// The sorted latencies of these invoices' items, once all arrived or `within` passed.
    async fn latencies(&self, ids: &[Uuid], within: Duration) -> Vec<f64> {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<f64> = {
                let arrivals = self.arrivals.lock().expect("not poisoned");
                ids.iter()
                    .filter_map(|id| arrivals.get(id).copied())
                    .collect()
            };
            if found.len() == ids.len() || Instant::now() > deadline {
                let mut found = found;
                found.sort_by(f64::total_cmp);
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
