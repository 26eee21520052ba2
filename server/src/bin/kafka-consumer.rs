//! Prints every message of a topic, like our users' `scripts/kafka-consumer.ts`: topic,
//! partition, offset, key, headers and pretty JSON, from the beginning.
//!
//!   kafka-consumer [TOPIC]     (default: KAFKA_TOPIC or the `invoices_topic` setting)
//!
//! The consumer group comes from KAFKA_GROUP_ID (default `kafka-consumer`); the broker from
//! KAFKA_BROKER or the settings file.

use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    message::Headers,
    Message,
};
use server::{settings::Settings, telemetry};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let settings = Settings::load(&telemetry::settings_path())?;
    let topic = std::env::args().nth(1).unwrap_or(settings.invoices_topic);
    if topic == "--help" || topic == "-h" {
        println!("usage: kafka-consumer [TOPIC]   (group: KAFKA_GROUP_ID, broker: KAFKA_BROKER)");
        return Ok(());
    }
    let group = std::env::var("KAFKA_GROUP_ID")
        .ok()
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| "kafka-consumer".into());
    let consumer: StreamConsumer = server::kafka::console_consumer(&settings.kafka_broker, &group)?;
    consumer.subscribe(&[&topic])?;
    eprintln!("Connected to {} — reading `{topic}` from the beginning as group `{group}` (Ctrl-C to stop)", settings.kafka_broker);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            message = consumer.recv() => {
                let message = message?;
                println!("{}", describe(&message));
            }
        }
    }
    consumer.unsubscribe();
    Ok(())
}

fn describe(message: &impl Message) -> String {
    let text = |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8_lossy(b).into_owned());
    let headers = message
        .headers()
        .map(|h| {
            h.iter()
                .map(|h| format!("{}={}", h.key, text(h.value).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let value = match message.payload() {
        None => "(empty)".to_string(),
        Some(bytes) => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        },
    };
    format!(
        "────────────────────────────────────────\ntopic: {}  partition: {}  offset: {}\nkey: {}\nheaders: {}\n{}",
        message.topic(),
        message.partition(),
        message.offset(),
        text(message.key()).unwrap_or_else(|| "(none)".into()),
        if headers.is_empty() { "(none)".into() } else { headers },
        value
    )
}
