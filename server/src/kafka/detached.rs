//! Messages detached from their consumer.

use app::trace::TraceParent;
use rdkafka::message::BorrowedMessage;
use rdkafka::Message;

/// A Kafka message detached from its consumer: it can wait in a batch, be parked in the
/// database (`processor::parked` writes and reads its fields) and be dead-lettered.
#[derive(Clone, Debug)]
pub struct DetachedMessage {
    /// The message key: the invoice id for our events.
    pub invoice_key: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub headers: Vec<(String, String)>,
}

impl DetachedMessage {
    /// The next unit of work in the trace the message carries (its `traceparent` header), or a
    /// new trace for a message from outside.
    pub fn trace(&self) -> TraceParent {
        TraceParent::continue_or_new(
            self.headers
                .iter()
                .find(|(key, _)| key == app::trace::HEADER)
                .map(|(_, value)| value.as_str()),
        )
    }

    pub fn from_message(message: &BorrowedMessage<'_>) -> Self {
        let headers = app::kafka_tools::messages::header_pairs(message);
        Self {
            invoice_key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
            topic: message.topic().to_string(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec),
            headers,
        }
    }
}
