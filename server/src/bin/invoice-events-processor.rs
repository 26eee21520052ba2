//! The invoice events processor on its own, for teams that run it apart from the web
//! server (set `run_processor = false` there). Several instances share the partitions of
//! the invoices topic through the consumer group. It also runs the outbox relay, which
//! publishes the activity items it writes (only one relay publishes at a time).

use server::{settings::Settings, startup, telemetry};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() {
    telemetry::run_main(async {
        let settings = Settings::load(&telemetry::settings_path())?;
        let pool = startup::connect_database(&settings).await?;
        startup::ensure_topics(&settings).await?;
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        startup::spawn_pipeline(&mut tasks, &settings, &pool, &shutdown, true)?;
        tracing::info!(group = %settings.processor_group_id, topic = %settings.invoices_topic, "invoice events processor running");
        telemetry::cancel_on_signal(shutdown.clone());
        startup::wait_for_tasks(shutdown, tasks).await;
        Ok(())
    })
    .await
}
