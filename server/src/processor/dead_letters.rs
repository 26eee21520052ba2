//! Messages that cannot be processed go to the dead-letter topic, with headers saying where
//! they came from, why and how often they were tried, and show in the activity feed.

use super::{DeadLetters, Processor};
use crate::kafka::DetachedMessage;
use crate::telemetry::metrics::DEAD_LETTERS;
use app::backoff::{Backoff, Retries};
use app::events::headers;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::FutureRecord,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Waits between tries to write a dead letter: 500 ms, doubling, at most 10 s (with jitter).
const RETRY_SEND: Backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));

/// The dead letter must be acknowledged before the offset moves past the message: tries until
/// it is, or until the server shuts down (`false`).

pub(super) async fn dead_letter_until_sent(
    processor: &Processor,
    message: &DetachedMessage,
    reason: &str,
    attempts: u32,
    span: &tracing::Span,
    shutdown: &CancellationToken,
) -> bool {
    let mut retries = Retries::new(RETRY_SEND);
    loop {
        match processor.dead_letter(message, reason, attempts).await {
            Ok(()) => {
                metrics::counter!(DEAD_LETTERS).increment(1);
                tracing::error!(parent: span, %reason, topic = %processor.dead_letters.topic, "dead-lettered");
                return true;
            }
            Err(e) => {
                tracing::warn!(parent: span, error = %e, "could not write the dead letter; retrying");
                let wait = retries.failed();
                tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(wait) => {} }
            }
        }
    }
}

impl DeadLetters {
    /// Copies the message (key, value, headers) to the dead-letter topic with where it came
    /// from, why it failed and how often it was tried.
    pub async fn send(
        &self,
        message: &DetachedMessage,
        reason: &str,
        attempts: u32,
    ) -> Result<(), rdkafka::error::KafkaError> {
        let (partition, offset, attempts) = (
            message.partition.to_string(),
            message.offset.to_string(),
            attempts.to_string(),
        );
        let mut headers = OwnedHeaders::new();
        for (key, value) in &message.headers {
            headers = headers.insert(Header {
                key: key.as_str(),
                value: Some(value.as_bytes()),
            });
        }
        let headers = headers
            .insert(Header {
                key: headers::DLQ_ORIGINAL_TOPIC,
                value: Some(message.topic.as_str()),
            })
            .insert(Header {
                key: headers::DLQ_ORIGINAL_PARTITION,
                value: Some(partition.as_str()),
            })
            .insert(Header {
                key: headers::DLQ_ORIGINAL_OFFSET,
                value: Some(offset.as_str()),
            })
            .insert(Header {
                key: headers::DLQ_ERROR,
                value: Some(reason),
            })
            .insert(Header {
                key: headers::DLQ_ATTEMPTS,
                value: Some(attempts.as_str()),
            });
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(&self.topic).headers(headers);
        if let Some(key) = &message.key {
            record = record.key(key.as_slice());
        }
        if let Some(payload) = &message.payload {
            record = record.payload(payload.as_slice());
        }
        self.producer
            .send(record, Duration::from_secs(5))
            .await
            .map(|_| ())
            .map_err(|(e, _)| e)
    }
}

impl Processor {
    /// Sends the message to the dead-letter topic, then shows it in the activity feed.
    pub async fn dead_letter(
        &self,
        message: &DetachedMessage,
        reason: &str,
        attempts: u32,
    ) -> Result<(), rdkafka::error::KafkaError> {
        self.dead_letters.send(message, reason, attempts).await?;
        crate::activity::feed::record_dead_letter(
            &self.pool,
            &self.activity_topic,
            message,
            reason,
        )
        .await;
        Ok(())
    }
}
