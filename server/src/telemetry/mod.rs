//! Logging set-up, the stop signal and error reporting, shared by the binaries.

pub mod metrics;

pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,rdkafka=warn,sqlx=warn".into()),
        )
        .init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Runs a binary's body: logging first, then `body`; an error is printed and exits with 1.
pub async fn run_main<F: std::future::Future<Output = anyhow::Result<()>>>(body: F) {
    init();
    if let Err(e) = body.await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The settings file: ACME_SETTINGS, or Leptos.toml in the working directory.
pub fn settings_path() -> std::path::PathBuf {
    std::env::var("ACME_SETTINGS")
        .unwrap_or_else(|_| "Leptos.toml".into())
        .into()
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM.
pub fn cancel_on_signal(shutdown: tokio_util::sync::CancellationToken) {
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    });
}
