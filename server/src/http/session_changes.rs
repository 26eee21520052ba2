//! Users whose sessions changed (disabled, or given a new role), announced by whichever server
//! process made the change (`app::db::users::announce_session_change`, a NOTIFY at commit) and
//! heard by every process, so each one's open feed sockets can tell their browsers at once.
//! A notification lost while the database was away is caught by the sockets' own check at
//! each ping, and every HTTP request looks the user up anyway.

use app::db::users::SESSIONS_CHANNEL;
use sqlx::{postgres::PgListener, PgPool};
use std::time::Duration;
use tokio::{sync::broadcast, task::JoinSet};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Clone)]
pub struct SessionChanges(broadcast::Sender<Uuid>);

impl SessionChanges {
    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.0.subscribe()
    }
}

pub fn spawn(
    pool: &PgPool,
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
) -> SessionChanges {
    let (sender, _) = broadcast::channel(256);
    let changes = SessionChanges(sender.clone());
    let (pool, shutdown) = (pool.clone(), shutdown.clone());
    tasks.spawn(async move {
        let mut retries = app::backoff::Retries::new(app::backoff::Backoff::new(
            Duration::from_millis(200),
            Duration::from_secs(10),
        ));
        loop {
            let heard = listen(&pool, &sender, &shutdown).await;
            if shutdown.is_cancelled() {
                return;
            }
            if let Err(e) = heard {
                tracing::warn!(error = %e, "listening for session changes failed; listening again");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(retries.failed()) => {}
            }
        }
    });
    changes
}

async fn listen(
    pool: &PgPool,
    sender: &broadcast::Sender<Uuid>,
    shutdown: &CancellationToken,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(SESSIONS_CHANNEL).await?;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            heard = listener.recv() => {
                if let Ok(user) = Uuid::parse_str(heard?.payload()) {
                    let _ = sender.send(user);
                }
            }
        }
    }
}
