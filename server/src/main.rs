use server::{settings::Settings, startup::Application};
use std::path::PathBuf;

#[tokio::main]
async fn main() {
    server::telemetry::init();
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let path = PathBuf::from(std::env::var("ACME_SETTINGS").unwrap_or_else(|_| "Leptos.toml".into()));
    let settings = Settings::load(&path)?;
    let leptos = leptos::prelude::get_configuration(Some(&path.to_string_lossy()))
        .map_err(|e| anyhow::anyhow!("Leptos settings in {}: {e}", path.display()))?;
    let app = Application::build(settings, leptos.leptos_options).await?;
    let shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        server::telemetry::wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    });
    app.run_until_stopped().await;
    Ok(())
}
