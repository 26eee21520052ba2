//! A throw-away environment for tests and benchmarks: a new database (migrated and seeded)
//! and new topics, named `<prefix>_<id>` / `<prefix>.<id>.*`, on the servers Leptos.toml
//! points at. Nothing of the real app's data is touched.

use crate::settings::Settings;
use sqlx::{Connection, PgConnection, PgPool};

pub async fn environment(
    prefix: &str,
    settings_file: &std::path::Path,
) -> anyhow::Result<(Settings, PgPool)> {
    let base = Settings::load(settings_file)?;
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let db_name = format!("acme_{prefix}_{id}");
    let (server_url, _) = base
        .database_url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("database_url has no database name"))?;
    let mut admin = PgConnection::connect(&format!("{server_url}/postgres"))
        .await
        .map_err(|e| {
            anyhow::anyhow!("PostgreSQL must be running (scripts/services.sh start): {e}")
        })?;
    sqlx::query(&format!("CREATE DATABASE {db_name}"))
        .execute(&mut admin)
        .await?;
    let settings = Settings {
        database_url: format!("{server_url}/{db_name}"),
        invoices_topic: format!("{prefix}.{id}.invoices"),
        activity_topic: format!("{prefix}.{id}.invoice-activity"),
        processor_group_id: format!("{prefix}.{id}.processor"),
        dlq_topic: format!("{prefix}.{id}.invoices.dlq"),
        // Any free port: several test servers run at once, beside a developer's own.
        metrics_addr: "127.0.0.1:0".into(),
        ..base
    };
    let pool = crate::startup::connect_database(&settings).await?;
    crate::seed::demo_data(&pool, settings.password_cost()).await?;
    crate::startup::ensure_topics(&settings)
        .await
        .map_err(|e| anyhow::anyhow!("Kafka must be running (scripts/services.sh start): {e}"))?;
    Ok((settings, pool))
}

/// Drops the scratch database (its topics stay: the broker's retention clears them).
pub async fn remove(settings: &Settings, pool: PgPool) -> anyhow::Result<()> {
    pool.close().await;
    let (server_url, db_name) = settings
        .database_url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("database_url has no database name"))?;
    let mut admin = PgConnection::connect(&format!("{server_url}/postgres")).await?;
    // A process that just stopped may still hold a connection for a moment (and FORCE may not
    // end a session of another role, such as an autovacuum worker): a few tries.
    let drop = format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)");
    for attempt in 1.. {
        match sqlx::query(&drop).execute(&mut admin).await {
            Ok(_) => break,
            Err(e) if attempt < 5 => {
                tracing::debug!(error = %e, attempt, "scratch database not dropped yet");
                tokio::time::sleep(std::time::Duration::from_millis(500 * attempt)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
