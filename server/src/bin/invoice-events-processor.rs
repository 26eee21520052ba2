//! The invoice events processor on its own, for teams that run it apart from the web
//! server (set `run_processor = false` there). Several instances share the partitions of
//! the invoices topic through the consumer group. It also runs the outbox relay, which
//! publishes the activity items it writes (only one relay publishes at a time).

use server::{settings::Settings, startup};
use std::path::PathBuf;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() {
    server::telemetry::init();
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let settings = Settings::load(&PathBuf::from(std::env::var("ACME_SETTINGS").unwrap_or_else(|_| "Leptos.toml".into())))?;
    let pool = startup::connect_database(&settings).await?;
    startup::ensure_topics(&settings).await?;
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    startup::spawn_pipeline(&mut tasks, &settings, &pool, &shutdown, true)?;
    tracing::info!(group = %settings.processor_group_id, topic = %settings.invoices_topic, "invoice events processor running");
    let stop = shutdown.clone();
    tokio::spawn(async move {
        server::telemetry::wait_for_signal().await;
        tracing::info!("shutting down");
        stop.cancel();
    });
    startup::wait_for_tasks(shutdown, tasks).await;
    Ok(())
}
