//! What the benchmarks share: our binaries started on a scratch environment, sign-in, the
//! activity socket, /proc readings and percentiles.
#![allow(dead_code)]

use futures::StreamExt;
use serde::Deserialize;
use server::settings::Settings;
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

pub const LEE_ROBINSON: &str = "3958dc9e-742f-4377-85e9-fec4b6a6442a";

/// The target directory's release build of one of our binaries (override: `<NAME>_BIN`).
pub fn release_binary(name: &str) -> String {
    let variable = format!("{}_BIN", name.to_uppercase().replace('-', "_"));
    std::env::var(variable).unwrap_or_else(|_| format!("target/release/{name}"))
}

/// One of our binaries on the scratch environment's database and topics.
pub fn command(binary: &str, settings: &Settings) -> Command {
    let mut command = Command::new(binary);
    command
        .env("DATABASE_URL", &settings.database_url)
        .env("KAFKA_BROKER", &settings.kafka_broker)
        .env("KAFKA_TOPIC", &settings.invoices_topic)
        .env("ACME_ACTIVITY_TOPIC", &settings.activity_topic)
        .env("ACME_DLQ_TOPIC", &settings.dlq_topic)
        .env("KAFKA_GROUP_ID", &settings.processor_group_id)
        .env("ACME_METRICS_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null());
    command
}

/// The web server on a free port, once it answers /healthz; returns it and its address.
pub async fn start_server(mut command: Command) -> anyhow::Result<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("127.0.0.1:{port}");
    let child = command
        .env("LEPTOS_SITE_ADDR", &base)
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting {:?}: {e}", command.get_program()))?;
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http
        .get(format!("http://{base}/healthz"))
        .send()
        .await
        .is_err()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not answer /healthz within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok((child, base))
}

/// Signs the demo user in; returns the session cookie (`name=value`).
pub async fn sign_in(base: &str) -> anyhow::Result<String> {
    let login = reqwest::Client::new()
        .post(format!("http://{base}/api/login"))
        .form(&[("email", "user@nextmail.com"), ("password", "123456")])
        .send()
        .await?;
    login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("login gave no session cookie"))
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Frame {
    Hello {},
    Item { item: FeedItem },
    Resync,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
    pub seq: i64,
    pub invoice_id: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A signed-in client of `/ws/activity`, past its hello.
pub async fn open_feed(base: &str, cookie: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{base}/ws/activity").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    match socket.next().await {
        Some(Ok(Message::Text(t))) if matches!(serde_json::from_str(&t), Ok(Frame::Hello {})) => {
            Ok(socket)
        }
        other => anyhow::bail!("expected a hello, got {other:?}"),
    }
}

/// The next frame a feed client reads, with when it arrived; `None` when the socket ends.
pub async fn next_frame(socket: &mut Socket) -> Option<(Frame, chrono::DateTime<chrono::Utc>)> {
    loop {
        match socket.next().await? {
            Ok(Message::Text(text)) => {
                let now = chrono::Utc::now();
                if let Ok(frame) = serde_json::from_str::<Frame>(&text) {
                    return Some((frame, now));
                }
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// Resident memory (KiB) and CPU seconds (user + system) of a process, from /proc.
pub fn process_usage(pid: u32) -> Option<(u64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((rss, ticks / 100.0))
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Stops a child with SIGTERM and waits for it.
pub fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}
