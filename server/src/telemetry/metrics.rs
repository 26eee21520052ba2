//! Prometheus metrics, served at `/metrics`. One recorder per process (the binaries and
//! every test app in a test binary share it).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub const PUBLISHED: &str = "acme_events_published_total";
pub const CONSUMED: &str = "acme_events_consumed_total";
pub const PROCESSED: &str = "acme_events_processed_total";
pub const RETRIES: &str = "acme_processing_retries_total";
pub const DEAD_LETTERS: &str = "acme_dead_letters_total";
pub const PROCESSING_SECONDS: &str = "acme_processing_seconds";
pub const BATCH_SIZE: &str = "acme_processing_batch_size";
pub const CONSUMER_LAG: &str = "acme_consumer_lag";
pub const OUTBOX_BACKLOG: &str = "acme_outbox_backlog";
pub const PASSWORD_CHECK_MEMORY: &str = "acme_password_check_memory_bytes";
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Installs the recorder on first use and returns the handle that renders the metrics.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(PROCESSING_SECONDS.into()),
                &[
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            .expect("valid buckets")
            .install_recorder()
            .expect("the only metrics recorder of this process");
        describe();
        // Histogram samples wait in the recorder until upkeep folds them in; a scrape does it
        // too, but a process nobody scrapes would hold every sample for good (the soak
        // benchmark saw its memory creep): fold them in every few seconds ourselves.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            })
            .expect("the metrics upkeep thread starts");
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        PUBLISHED,
        "Outbox messages acknowledged by the broker, per topic"
    );
    metrics::describe_counter!(
        CONSUMED,
        "Invoice events received by the processor, per topic (read again after a reset too)"
    );
    metrics::describe_counter!(PROCESSED, "Invoice events processed, per action");
    metrics::describe_counter!(RETRIES, "Processing attempts that failed and were retried");
    metrics::describe_counter!(DEAD_LETTERS, "Messages moved to the dead-letter topic");
    metrics::describe_histogram!(
        PROCESSING_SECONDS,
        metrics::Unit::Seconds,
        "Time to process one batch of invoice events (one transaction)"
    );
    metrics::describe_histogram!(
        BATCH_SIZE,
        metrics::Unit::Count,
        "Invoice events handled in one transaction"
    );
    metrics::describe_gauge!(
        CONSUMER_LAG,
        "Messages not yet processed, per partition of the invoices topic"
    );
    metrics::describe_gauge!(OUTBOX_BACKLOG, "Outbox rows not yet published");
    metrics::describe_gauge!(
        PASSWORD_CHECK_MEMORY,
        metrics::Unit::Bytes,
        "Argon2 working memory held by the password checkers (none while idle)"
    );
    metrics::describe_gauge!(
        RESIDENT_MEMORY,
        metrics::Unit::Bytes,
        "Resident memory of this process"
    );
}

/// The `/metrics` page; memory gauges are read when it is asked for.
pub async fn render(
    axum::extract::State(state): axum::extract::State<crate::state::ServerState>,
) -> String {
    metrics::gauge!(PASSWORD_CHECK_MEMORY).set(state.app.password_checks.mapped_bytes() as f64);
    if let Some(bytes) = resident_bytes() {
        metrics::gauge!(RESIDENT_MEMORY).set(bytes as f64);
    }
    handle().render()
}

/// VmRSS of this process (Linux), in bytes.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_rss_bytes(&status)
}

fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_memory_is_read_from_the_status_file() {
        let status = "Name:\tserver\nVmPeak:\t  200000 kB\nVmRSS:\t   23456 kB\nThreads:\t9\n";
        assert_eq!(super::vm_rss_bytes(status), Some(23456 * 1024));
        assert_eq!(super::vm_rss_bytes("Name:\tserver\n"), None);
    }
}
