//! Keeps this process's processor in its consumer group, except while an operator resets the
//! group's offsets (`app::kafka_tools::group_reset`): then it finishes what it holds, commits,
//! leaves the group, and joins again once the reset is done, failed, or past its deadline.
//! Resets are announced by NOTIFY and also looked for every two seconds, for an announcement
//! missed while the database was away.

use crate::processor::{partition_workers, Processor};
use app::kafka_tools::group_reset::{paused_until, CHANNEL};
use rdkafka::consumer::StreamConsumer;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const LOOK_AGAIN: Duration = Duration::from_secs(2);

pub struct Membership<F> {
    pub group: String,
    /// A consumer subscribed to the invoices topic, new each time the processor joins.
    pub consumer: F,
    pub processor: Processor,
    pub limits: partition_workers::BatchLimits,
}

impl<F> Membership<F>
where
    F: Fn() -> anyhow::Result<StreamConsumer> + Send + 'static,
{
    /// Runs the processor until `shutdown`, stepping out for resets. `first` is a consumer
    /// already made (start-up checks that one can be).
    pub async fn run(self, first: StreamConsumer, shutdown: CancellationToken) {
        let pool = self.processor.pool.clone();
        let mut listener = Announcements::new(&pool).await;
        let mut ready = Some(first);
        loop {
            // Stay out while a reset is under way.
            let mut told = false;
            while self.paused(&pool).await {
                if !told {
                    tracing::info!(group = %self.group, "processor paused: the group's offsets are being reset");
                    told = true;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = listener.next(LOOK_AGAIN) => {}
                }
            }
            if told {
                tracing::info!(group = %self.group, "processor resumed");
            }
            let consumer = match ready.take().map(Ok).unwrap_or_else(|| (self.consumer)()) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "processor consumer not made; trying again");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(LOOK_AGAIN) => continue,
                    }
                }
            };
            let stop = shutdown.child_token();
            let mut running = tokio::spawn(partition_workers::run(
                consumer,
                self.processor.clone(),
                self.limits,
                stop.clone(),
            ));
            loop {
                tokio::select! {
                    _ = &mut running => break,
                    _ = listener.next(LOOK_AGAIN) => {}
                }
                if shutdown.is_cancelled() || self.paused(&pool).await {
                    // It commits what it finished and leaves the group.
                    stop.cancel();
                    let _ = (&mut running).await;
                    break;
                }
            }
            if shutdown.is_cancelled() {
                return;
            }
        }
    }

    /// A database that cannot be asked does not pause the processor (it needs the database
    /// to process anyway, and retries on its own).
    async fn paused(&self, pool: &sqlx::PgPool) -> bool {
        match paused_until(pool, &self.group).await {
            Ok(until) => until.is_some(),
            Err(e) => {
                tracing::debug!(error = %e, "could not look for a group reset");
                false
            }
        }
    }
}

/// The resets channel, listened to when the database allows; otherwise just a timer.
struct Announcements {
    pool: sqlx::PgPool,
    listener: Option<PgListener>,
}

impl Announcements {
    async fn new(pool: &sqlx::PgPool) -> Self {
        let mut this = Self {
            pool: pool.clone(),
            listener: None,
        };
        this.connect().await;
        this
    }

    async fn connect(&mut self) {
        let connected = async {
            let mut listener = PgListener::connect_with(&self.pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        self.listener = connected.await.ok();
    }

    /// Returns at the next announcement, or after `at_most`.
    async fn next(&mut self, at_most: Duration) {
        let Some(listener) = self.listener.as_mut() else {
            tokio::time::sleep(at_most).await;
            self.connect().await;
            return;
        };
        match tokio::time::timeout(at_most, listener.recv()).await {
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(_)) => {
                self.listener = None;
                tokio::time::sleep(at_most).await;
            }
        }
    }
}
