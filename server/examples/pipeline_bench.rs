//! Benchmark (not a test): events per second through outbox -> relay -> Kafka -> processor
//! -> activity item for N invoice writes, with p50/p99 latency from commit to activity item,
//! next to the raw rdkafka produce and consume rates on the same broker, in the same run.
//! Run through bench/pipeline.sh.

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    producer::FutureRecord,
    ClientConfig,
};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let (settings, pool) =
        server::scratch::environment("bench", &server::telemetry::settings_path()).await?;
    let id = settings
        .invoices_topic
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    server::kafka::topics::ensure(
        &settings.kafka_broker,
        &[(&format!("bench.{id}.raw"), settings.invoices_partitions)],
    )
    .await?;

    println!(
        "machine: {} cores; broker, PostgreSQL and this benchmark share them",
        std::thread::available_parallelism()?.get()
    );
    println!("events: {n}\n");

    // Raw rdkafka rates, same broker, same message size.
    let raw_topic = format!("bench.{id}.raw");
    let payload = format!("{{\"eventId\":\"{}\",\"invoiceId\":\"{}\",\"action\":\"created\",\"customerId\":\"3958dc9e-742f-4377-85e9-fec4b6a6442a\",\"amount\":12345,\"status\":\"pending\",\"timestamp\":\"2026-11-27T00:00:00Z\"}}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let producer = server::kafka::producer(&settings.kafka_broker)?;
    let started = Instant::now();
    let sends: Vec<_> = (0..n)
        .map(|i| {
            let key = i.to_string();
            let producer = producer.clone();
            let (topic, payload) = (raw_topic.clone(), payload.clone());
            async move {
                producer
                    .send(
                        FutureRecord::to(&topic).key(&key).payload(&payload),
                        Duration::from_secs(30),
                    )
                    .await
                    .map(|_| ())
                    .map_err(|(e, _)| e)
            }
        })
        .collect();
    for result in futures::future::join_all(sends).await {
        result?;
    }
    let produce_rate = n as f64 / started.elapsed().as_secs_f64();
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &settings.kafka_broker)
        .set("group.id", format!("bench.{id}.raw-reader"))
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&[&raw_topic])?;
    let first = consumer.recv().await?;
    drop(first);
    let started = Instant::now();
    for _ in 1..n {
        consumer.recv().await?;
    }
    let consume_rate = (n - 1) as f64 / started.elapsed().as_secs_f64();
    consumer.unsubscribe();
    println!("raw rdkafka produce (idempotent, acks=all): {produce_rate:>9.0} msg/s");
    println!("raw rdkafka consume:                        {consume_rate:>9.0} msg/s\n");

    // The pipeline: invoices written by 8 writers, each in its own transaction with its event.
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    server::startup::spawn_pipeline(&mut tasks, &settings, &pool, &shutdown, true)?;
    let started = Instant::now();
    let mut writers = JoinSet::new();
    for w in 0..8 {
        let (pool, topic) = (pool.clone(), settings.invoices_topic.clone());
        writers.spawn(async move {
            for i in (w..n).step_by(8) {
                let input = InvoiceInput {
                    customer_id: uuid::Uuid::parse_str("3958dc9e-742f-4377-85e9-fec4b6a6442a")
                        .unwrap(),
                    amount: AmountCents::from_cents(100 + i as i64).unwrap(),
                    status: InvoiceStatus::Pending,
                };
                app::db::invoices::create(&pool, &topic, &input)
                    .await
                    .unwrap();
            }
        });
    }
    while writers.join_next().await.is_some() {}
    let written = started.elapsed();
    loop {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_items")
            .fetch_one(&pool)
            .await?;
        if done as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let total = started.elapsed();
    let (p50, p99, max): (f64, f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
         FROM (SELECT extract(epoch FROM a.created_at - i.created_at)::float8 * 1000 AS ms
               FROM activity_items a JOIN processed_events p USING (event_id) JOIN invoices i ON i.id::text = p.invoice_id) t",
    )
    .fetch_one(&pool)
    .await?;
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    println!(
        "pipeline: {n} invoice writes in {:.1} s ({:.0} writes/s)",
        written.as_secs_f64(),
        n as f64 / written.as_secs_f64()
    );
    println!(
        "pipeline: all {n} activity items after {:.1} s: {:>9.0} events/s end to end",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    println!("latency commit -> activity item: p50 {p50:.0} ms, p99 {p99:.0} ms, max {max:.0} ms");
    server::scratch::remove(&settings, pool).await?;
    Ok(())
}
