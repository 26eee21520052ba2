//! Every server process reads the whole `invoice-activity` topic (a consumer group of its
//! own, starting at the end) and fans each item out to its WebSocket clients.

use app::events::ActivityItem;
use rdkafka::{consumer::{Consumer, StreamConsumer}, Message};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct ActivityHub {
    sender: broadcast::Sender<ActivityItem>,
}

impl ActivityHub {
    /// `client_buffer`: how many items one browser may fall behind before it is told to
    /// resync (each receiver has its own place in the ring; the sender never waits for one).
    pub fn new(client_buffer: usize) -> Self {
        Self { sender: broadcast::channel(client_buffer).0 }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ActivityItem> {
        self.sender.subscribe()
    }

    pub async fn run(self, consumer: StreamConsumer, shutdown: CancellationToken) {
        loop {
            let message = tokio::select! {
                _ = shutdown.cancelled() => break,
                message = consumer.recv() => message,
            };
            match message {
                Ok(message) => match message.payload().map(serde_json::from_slice::<ActivityItem>) {
                    Some(Ok(item)) => {
                        // No receivers is fine: nobody has the feed open.
                        let _ = self.sender.send(item);
                    }
                    _ => tracing::warn!(offset = message.offset(), "ignoring an activity message that does not parse"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "activity consumer error");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
        consumer.unsubscribe();
    }
}
