//! What every integration test stands on: the real PostgreSQL and Kafka started by
//! scripts/services.sh, with a fresh database and fresh topics for each test.

pub mod feed;
pub mod outside;

use app::domain::{AmountCents, InvoiceInput, InvoiceStatus};
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    message::OwnedMessage,
    ClientConfig, Message,
};
use server::settings::Settings;
use sqlx::PgPool;
use std::{path::Path, time::Duration};
use uuid::Uuid;

pub const LEE_ROBINSON: &str = "3958dc9e-742f-4377-85e9-fec4b6a6442a";

pub struct TestEnv {
    pub settings: Settings,
    pub pool: PgPool,
    /// Held for the whole test: shared by most, alone for those that stop the broker.
    _turn: Turn,
}

/// Most tests run side by side; a test that stops the shared broker takes the run for itself.
static RUN: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[allow(dead_code)] // held, never read
enum Turn {
    Shared(tokio::sync::RwLockReadGuard<'static, ()>),
    Alone(tokio::sync::RwLockWriteGuard<'static, ()>),
}

/// The steps of a story, as a user or an operator would name them.
impl TestEnv {
    /// Saves an invoice with its `created` event in one transaction, as the create form does.
    pub async fn create_invoice(&self, dollars: &str, status: InvoiceStatus) -> Uuid {
        app::db::invoices::create(
            &self.pool,
            &self.settings.invoices_topic,
            &invoice(dollars, status),
        )
        .await
        .expect("the invoice is saved")
    }

    /// Saves new figures for an invoice with its `updated` (and `status_changed`) event, as
    /// the edit form does; `false` when there is no such invoice.
    pub async fn update_invoice(&self, id: Uuid, dollars: &str, status: InvoiceStatus) -> bool {
        app::db::invoices::update(
            &self.pool,
            &self.settings.invoices_topic,
            id,
            &invoice(dollars, status),
        )
        .await
        .expect("the invoice is updated")
    }

    /// Deletes an invoice with its `deleted` event; `false` when it was already gone.
    pub async fn delete_invoice(&self, id: Uuid) -> bool {
        app::db::invoices::delete(&self.pool, &self.settings.invoices_topic, id)
            .await
            .expect("the invoice is deleted")
    }

    /// Starts this environment's outbox relay.
    pub fn start_relay(&self) -> Relay {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let producer = server::kafka::producer(&self.settings.kafka_broker).unwrap();
        let task = tokio::spawn(server::outbox_relay::run(
            self.pool.clone(),
            producer,
            shutdown.clone(),
        ));
        Relay { shutdown, task }
    }

    /// The invoice events on the topic: waits up to `wait` for `n`, then `quiet` more for any
    /// extra (a double would show there).
    pub async fn invoice_events(&self, n: usize, wait: Duration, quiet: Duration) -> Vec<Received> {
        read_topic(
            &self.settings.kafka_broker,
            &self.settings.invoices_topic,
            n,
            wait,
            quiet,
        )
        .await
    }
}

impl TestEnv {
    /// The letters on the dead-letter topic: waits up to `wait` for `n`, then `quiet` more.
    pub async fn dead_letters(&self, n: usize, wait: Duration, quiet: Duration) -> Vec<Received> {
        read_topic(
            &self.settings.kafka_broker,
            &self.settings.dlq_topic,
            n,
            wait,
            quiet,
        )
        .await
    }
}

/// Hands `payload` to `processor` as the message at `offset` of the invoices topic's partition
/// 0, as the consumer would; panics on a database failure.
pub async fn deliver(
    processor: &server::processor::Processor,
    env: &TestEnv,
    offset: usize,
    payload: &str,
) -> server::processor::Outcome {
    processor
        .handle(
            &env.settings.invoices_topic,
            0,
            offset as i64,
            Some(payload.as_bytes()),
        )
        .await
        .expect("the processor handles the message")
}

/// A running outbox relay; `stop` waits until it has.
pub struct Relay {
    pub shutdown: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }
}

/// Settings from Leptos.toml and the environment, pointed at a new database and new topics.
pub async fn test_env() -> TestEnv {
    environment(Turn::Shared(RUN.read().await)).await
}

/// As `test_env`, once every other test has finished and until this one has: for tests that
/// stop the broker every test shares.
pub async fn test_env_alone() -> TestEnv {
    environment(Turn::Alone(RUN.write().await)).await
}

async fn environment(turn: Turn) -> TestEnv {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Leptos.toml");
    let (settings, pool) = server::scratch::environment("test", &file)
        .await
        .expect("test environment");
    TestEnv {
        settings,
        pool,
        _turn: turn,
    }
}

pub fn invoice(dollars: &str, status: InvoiceStatus) -> InvoiceInput {
    InvoiceInput {
        customer_id: Uuid::parse_str(LEE_ROBINSON).unwrap(),
        amount: AmountCents::parse_dollars(dollars).unwrap(),
        status,
    }
}

/// A message as a test inspects it.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: String,
    pub headers: Vec<(String, String)>,
    /// The value as text, and as JSON when it is JSON (else `Null`).
    pub raw: String,
    pub json: serde_json::Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a topic from the beginning until `expected` messages arrived and then `quiet` passed
/// without another one (so extra copies would be seen), or `timeout` passed.
pub async fn read_topic(
    brokers: &str,
    topic: &str,
    expected: usize,
    timeout: Duration,
    quiet: Duration,
) -> Vec<Received> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("test-reader-{}", Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = tokio::time::Instant::now() + timeout;
    let mut received = Vec::new();
    loop {
        let wait = if received.len() >= expected {
            quiet
        } else {
            deadline.saturating_duration_since(tokio::time::Instant::now())
        };
        match tokio::time::timeout(wait, consumer.recv()).await {
            Ok(Ok(m)) => received.push(to_received(m.detach())),
            Ok(Err(e)) => panic!("consumer error: {e}"),
            Err(_) => break,
        }
    }
    consumer.unsubscribe();
    received
}

fn to_received(m: OwnedMessage) -> Received {
    let headers = app::kafka_tools::messages::header_pairs(&m);
    let raw = String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
    Received {
        key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
        headers,
        json: serde_json::from_str(&raw).unwrap_or(serde_json::Value::Null),
        raw,
    }
}

/// What the database holds, table by table (every table of ours, found at run time), so a
/// request that wrote anything anywhere is caught. Sign-ins are recorded on purpose (failed
/// ones in login_failures, all of them in the audit trail): those records are left out.
pub async fn fingerprint(pool: &PgPool) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('login_failures', '_sqlx_migrations')
         ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut prints = Vec::new();
    for table in tables {
        let only = match table.as_str() {
            "audit_trail" => "WHERE action NOT IN ('sign_in', 'sign_in_failed', 'sign_out')",
            _ => "",
        };
        let sql = format!(
            "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')
             FROM {table} t {only}"
        );
        prints.push((
            table,
            sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
        ));
    }
    prints
}

/// Every server function the framework registered, as `(path, method)`.
pub fn server_functions() -> Vec<(String, String)> {
    let functions: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method.to_string()))
        .collect();
    assert!(
        functions.iter().any(|(p, _)| p == "/api/create_invoice")
            && functions.iter().any(|(p, _)| p == "/api/login")
            && functions.len() >= 20,
        "the registry should hold every server function: {functions:?}"
    );
    functions
}

/// Pages, with every parameter filled in with something hostile.
pub fn pages() -> Vec<String> {
    let mut pages = Vec::new();
    for route in leptos_axum::generate_route_list(app::App) {
        let path = route.path().to_string();
        for filling in [
            "not-a-uuid",
            "%FF%FE",
            "00000000-0000-0000-0000-000000000000",
        ] {
            let filled: Vec<String> = path
                .split('/')
                .map(|part| {
                    match part.starts_with(':') || part.starts_with('*') || part.starts_with('{') {
                        true => filling.to_string(),
                        false => part.to_string(),
                    }
                })
                .collect();
            pages.push(format!(
                "{}?page=abc&query=%FF&action=%00&customer=x",
                filled.join("/")
            ));
        }
    }
    pages.sort();
    pages.dedup();
    assert!(
        pages.iter().any(|p| p.starts_with("/dashboard/invoices")),
        "{pages:?}"
    );
    pages
}

pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

/// Outbox rows the relay has not published yet.
pub async fn unpublished(pool: &PgPool) -> i64 {
    count(
        pool,
        "SELECT count(*) FROM outbox WHERE published_at IS NULL",
    )
    .await
}

/// Waits up to `wait` for the event to be recorded as processed (exactly once: the table's
/// key); whether it was.
pub async fn processed_within(pool: &PgPool, event_id: Uuid, wait: Duration) -> bool {
    eventually(wait, || async {
        count(
            pool,
            &format!("SELECT count(*) FROM processed_events WHERE event_id = '{event_id}'"),
        )
        .await
            == 1
    })
    .await
}

/// Polls until `check` holds or the timeout passes; returns whether it held.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The real server on a random port, with its relay, processor and feed.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    /// The operations listener (/metrics, /readyz).
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub shutdown: tokio_util::sync::CancellationToken,
    running: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(env: &TestEnv) -> Self {
        Self::spawn_with(env.settings.clone()).await
    }

    /// The server with settings of the test's own (e.g. a short ping interval).
    pub async fn spawn_with(settings: Settings) -> Self {
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("acme")
            .site_addr(([127, 0, 0, 1], 0))
            .build();
        let app = server::startup::Application::build(settings, options)
            .await
            .expect("server starts");
        let (addr, shutdown) = (app.addr, app.shutdown.clone());
        Self {
            addr,
            metrics_addr: app.metrics_addr,
            shutdown,
            running: tokio::spawn(app.run_until_stopped()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A path on the operations listener (/metrics, /readyz).
    pub fn metrics_url(&self, path: &str) -> String {
        let addr = self
            .metrics_addr
            .expect("the test server has a metrics listener");
        format!("http://{addr}{path}")
    }

    /// What /metrics answers, as text.
    pub async fn metrics_text(&self) -> String {
        self.client()
            .get(self.metrics_url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Logs `client` in as the demo user.
    pub async fn log_in(&self, client: &reqwest::Client) -> reqwest::Response {
        self.log_in_as(client, "user@nextmail.com", "123456").await
    }

    pub async fn log_in_as(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = [("email", email), ("password", password)];
        client
            .post(self.url("/api/login"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A client signed in as the demo user.
    pub async fn signed_in_client(&self) -> reqwest::Client {
        let client = self.client();
        let body = self.log_in(&client).await.text().await.unwrap();
        assert!(body.contains("SignedIn"), "demo login failed: {body}");
        client
    }

    /// Posts a form to a server function; its status and JSON answer (Null when not JSON).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let response = client.post(self.url(path)).form(form).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or_default())
    }

    /// A client signed in as one of the demo users (seed::DEMO_USERS), by email.
    pub async fn signed_in_as(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let body = self
            .log_in_as(&client, email, "123456")
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("SignedIn"), "login of {email} failed: {body}");
        client
    }

    /// The session cookie of a fresh login, for the WebSocket handshake.
    pub async fn session_cookie(&self) -> String {
        let response = self.log_in(&self.client()).await;
        let cookie = response
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        (&mut self.running).await.unwrap();
    }
}

/// A test that fails before `stop` still stops its server: its blocking tasks would otherwise
/// keep the test's runtime, and the whole test binary, waiting forever.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A processor for this test's topics, as the server builds it (two tries before a dead letter).
pub fn test_processor(env: &TestEnv) -> server::processor::Processor {
    server::processor::Processor {
        pool: env.pool.clone(),
        activity_topic: env.settings.activity_topic.clone(),
        dead_letters: server::processor::DeadLetters {
            producer: server::kafka::producer(&env.settings.kafka_broker).unwrap(),
            topic: env.settings.dlq_topic.clone(),
            max_attempts: 2,
        },
    }
}

/// A command running one of our binaries with this test's database and topics.
pub fn binary_with_test_settings(binary: &str, env: &TestEnv) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("DATABASE_URL", &env.settings.database_url)
        .env("KAFKA_BROKER", &env.settings.kafka_broker)
        .env("KAFKA_TOPIC", &env.settings.invoices_topic)
        .env("ACME_ACTIVITY_TOPIC", &env.settings.activity_topic)
        .env("ACME_DLQ_TOPIC", &env.settings.dlq_topic)
        .env("KAFKA_GROUP_ID", &env.settings.processor_group_id)
        .env("RUST_LOG", "error");
    command
}

/// Sends SIGTERM and waits up to `within` for the process to exit; kills it and returns
/// `None` if it does not.
pub fn stop_with_sigterm(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let signalled = std::time::Instant::now();
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if signalled.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Each invoice's actions in the order its events were written, and in the order the feed
/// shows them.
pub async fn orders_written_and_shown(
    env: &TestEnv,
) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let written = sqlx::query_as(
        "SELECT message_key, string_agg(event_type, ',' ORDER BY id) FROM outbox WHERE topic = $1 GROUP BY 1 ORDER BY 1",
    )
    .bind(&env.settings.invoices_topic)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let shown = sqlx::query_as(
        "SELECT item->>'invoiceId', string_agg(item->>'action', ',' ORDER BY seq) FROM activity_items GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    (written, shown)
}

/// One invoice's life as the dashboard writes it, each step its own transaction with its
/// events: created pending at `dollars`, its amount raised by ten, and (if `paid`) marked paid.
pub async fn invoice_history(
    pool: &PgPool,
    topic: &str,
    n: usize,
    dollars: usize,
    paid: bool,
) -> Uuid {
    let amount = |d: usize| format!("{d}.{:02}", n % 100);
    let id = app::db::invoices::create(
        pool,
        topic,
        &invoice(&amount(dollars), InvoiceStatus::Pending),
    )
    .await
    .unwrap();
    let raised = invoice(&amount(dollars + 10), InvoiceStatus::Pending);
    app::db::invoices::update(pool, topic, id, &raised)
        .await
        .unwrap();
    if paid {
        let paid = invoice(&amount(dollars + 10), InvoiceStatus::Paid);
        app::db::invoices::update(pool, topic, id, &paid)
            .await
            .unwrap();
    }
    id
}

/// How often each `eventId` occurs among messages read from a topic.
pub fn per_event_id(messages: &[Received]) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for m in messages {
        *seen
            .entry(m.json["eventId"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    seen
}

/// Runs `acmectl ARGS` (stdin from `input`) with this test's settings.
pub fn acmectl(env: &TestEnv, args: &[&str], input: &str) -> std::process::Output {
    let mut child = binary_with_test_settings(env!("CARGO_BIN_EXE_acmectl"), env)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("acmectl starts");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// An exit code, stdout and stderr as text.
pub fn text(output: &std::process::Output) -> (i32, String, String) {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
