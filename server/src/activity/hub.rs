//! Every server process reads the whole `invoice-activity` topic (a consumer group of its
//! own, starting at the end) and fans each item out to its WebSocket clients.

use app::events::ActivityItem;
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    Message,
};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// One item as every socket sends it: serialized once here, not once per browser.
#[derive(Clone, Debug)]
pub struct FeedFrame {
    pub seq: i64,
    pub text: axum::extract::ws::Utf8Bytes,
}

impl FeedFrame {
    pub fn new(item: ActivityItem) -> Result<Self, serde_json::Error> {
        let seq = item.seq;
        let text = serde_json::to_string(&app::events::FeedMessage::Item { item })?;
        Ok(Self {
            seq,
            text: text.into(),
        })
    }
}

#[derive(Clone)]
pub struct ActivityHub {
    sender: broadcast::Sender<FeedFrame>,
}

impl ActivityHub {
    /// `client_buffer`: how many items one browser may fall behind before it is told to
    /// resync (each receiver has its own place in the ring; the sender never waits for one).
    pub fn new(client_buffer: usize) -> Self {
        Self {
            sender: broadcast::channel(client_buffer).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<FeedFrame> {
        self.sender.subscribe()
    }

    pub async fn run(self, consumer: StreamConsumer, shutdown: CancellationToken) {
        loop {
            let message = tokio::select! {
                _ = shutdown.cancelled() => break,
                message = consumer.recv() => message,
            };
            match message {
                Ok(message) => match message
                    .payload()
                    .map(|p| serde_json::from_slice::<ActivityItem>(p).and_then(FeedFrame::new))
                {
                    Some(Ok(frame)) => {
                        let seq = frame.seq;
                        // No receivers is fine: nobody has the feed open.
                        let sockets = self.sender.send(frame).unwrap_or(0);
                        if tracing::enabled!(tracing::Level::DEBUG) {
                            let detached = crate::kafka::DetachedMessage::from_message(&message);
                            tracing::debug!(
                                trace_id = %detached.trace().trace_id(),
                                invoice_id = %detached.invoice_key,
                                seq,
                                sockets,
                                "activity item pushed to this process's feed sockets"
                            );
                        }
                    }
                    _ => tracing::warn!(
                        offset = message.offset(),
                        "ignoring an activity message that does not parse"
                    ),
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
