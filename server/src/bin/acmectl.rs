//! `acmectl`: the Kafka commands of our users' guide without Docker or Kafka's scripts, through
//! the rdkafka admin and consumer APIs, reading the server's settings (Leptos.toml, ACME_*,
//! KAFKA_BROKER, DATABASE_URL). Exit codes: 0 done, 1 Kafka or database refused, 2 bad
//! input, 3 broker unreachable, 4 no such topic or group.

use app::audit::action;
use app::kafka_tools::{
    cluster, dead_letters, group_reset, groups, messages, BrowsedMessage, KafkaTools, ToolError,
};
use clap::{Parser, Subcommand};
use rdkafka::{consumer::Consumer, Offset, TopicPartitionList};
use serde_json::Value;
use server::settings::Settings;
use std::io::{BufRead, Write};
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "acmectl",
    version,
    about = "Kafka tools for Acme Dashboard: topics, messages, consumer groups, dead letters"
)]
struct Cli {
    /// Broker(s), host:port[,host:port]; default: KAFKA_BROKER or kafka_broker in Leptos.toml.
    #[arg(long, global = true)]
    broker: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The broker(s): id, address, roles.
    Cluster,
    /// List, describe, create or delete topics (kafka-topics).
    Topics {
        #[command(subcommand)]
        action: TopicsAction,
    },
    /// Print messages of a topic as they come: key, headers, pretty JSON (kafka-console-consumer).
    Tail {
        topic: String,
        /// Start at the oldest kept message instead of new ones.
        #[arg(long)]
        from_beginning: bool,
        /// Stop after this many (matching) messages.
        #[arg(long)]
        max_messages: Option<usize>,
        /// Only messages whose `event-type` header is this (created, updated, ...).
        #[arg(long)]
        event_type: Option<String>,
        /// Only messages with this key (an invoice id).
        #[arg(long)]
        key: Option<String>,
        /// Stop after this many milliseconds without a message.
        #[arg(long)]
        timeout_ms: Option<u64>,
    },
    /// List or describe consumer groups: members, partitions, committed offsets, lag (kafka-consumer-groups).
    Groups {
        #[command(subcommand)]
        action: GroupsAction,
    },
    /// Dead letters: list them with their reasons, or send them back to their topic.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Send JSON lines from stdin to TOPIC (key = invoiceId, header event-type = action).
    Produce { topic: String },
    /// One event's journey: committed, published, processed, each mail and webhook with its
    /// delivery state, the activity item; each hop with its time and the time since the last.
    Event {
        event_id: String,
        /// As JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// The audit trail, newest first, as /dashboard/audit shows it: who did what, when, and
    /// the outcome.
    Audit {
        /// Only this person (their email, or token:NAME).
        #[arg(long)]
        person: Option<String>,
        /// Only this action (sign_in, invoice_update, topic_delete, ...).
        #[arg(long)]
        action: Option<String>,
        /// From this time (RFC 3339, or YYYY-MM-DD[THH:MM] in UTC).
        #[arg(long)]
        since: Option<String>,
        /// Until this time.
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TopicsAction {
    /// Every topic with its partitions and message count.
    List,
    /// Partitions (leader, replicas, in-sync), watermarks and configuration of one topic.
    Describe { name: String },
    /// Create a topic.
    Create {
        name: String,
        #[arg(long, default_value_t = 3)]
        partitions: i32,
    },
    /// Delete a topic (not Kafka's internal ones, not the app's own). Needs --yes.
    Delete {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum GroupsAction {
    List,
    Describe {
        group: String,
    },
    /// Move a group's committed offsets back to read again (kafka-consumer-groups
    /// --reset-offsets). The processor group's processors pause on every server for it; any
    /// other group must have no members. Prints the plan; `--yes` does it.
    Reset {
        /// Default: the processor's group.
        group: Option<String>,
        /// Default: the invoices topic.
        #[arg(long)]
        topic: Option<String>,
        /// Back to the oldest kept message.
        #[arg(long, conflicts_with_all = ["to_datetime", "to_offset"], required_unless_present_any = ["to_datetime", "to_offset"])]
        to_earliest: bool,
        /// Back to the first message at or after this time (RFC 3339, e.g. 2026-12-02T10:00:00Z).
        #[arg(long, conflicts_with = "to_offset")]
        to_datetime: Option<String>,
        /// Back to these offsets, as PARTITION:OFFSET[,PARTITION:OFFSET...].
        #[arg(long)]
        to_offset: Option<String>,
        /// Do it (without: only say what it would do).
        #[arg(long)]
        yes: bool,
        /// As JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DlqAction {
    /// Every dead letter: position, key, reason, where it came from, replayed or not.
    List,
    /// Send dead letters back to their original topic.
    Replay {
        /// The letter(s) of this event id.
        #[arg(long, conflicts_with_all = ["all", "at"])]
        event_id: Option<String>,
        /// The letter at PARTITION/OFFSET of the dead-letter topic.
        #[arg(long, conflicts_with = "all")]
        at: Option<String>,
        /// Every letter not replayed yet.
        #[arg(long)]
        all: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = runtime.block_on(async {
        match run(cli).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        }
    });
    std::process::exit(code);
}

async fn run(cli: Cli) -> Result<(), ToolError> {
    let settings = Settings::load(&server::telemetry::settings_path())
        .map_err(|e| ToolError::Invalid(e.to_string()))?;
    let mut tools = settings.kafka_tools();
    if let Some(broker) = cli.broker {
        tools.brokers = broker;
    }
    let out = &mut std::io::stdout().lock();
    match cli.command {
        Command::Cluster => {
            let info = cluster::cluster(&tools).await;
            if !info.reachable {
                return Err(ToolError::Unreachable(tools.brokers));
            }
            for b in info.brokers {
                line(
                    out,
                    format!(
                        "broker {}  {}  roles: {}  leads {} partitions",
                        b.id,
                        b.address,
                        b.roles.as_deref().unwrap_or("unknown"),
                        b.leads
                    ),
                );
            }
            let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
            line(
                out,
                format!(
                    "\n{:<40} {:>9} {:>6} {:>10} {:>10}",
                    "TOPIC", "PARTITION", "LEADER", "REPLICAS", "IN SYNC"
                ),
            );
            for r in info.replication {
                let short = if r.under_replicated() {
                    "  under-replicated"
                } else {
                    ""
                };
                line(
                    out,
                    format!(
                        "{:<40} {:>9} {:>6} {:>10} {:>10}{short}",
                        r.topic,
                        r.partition,
                        r.leader,
                        ids(&r.replicas),
                        ids(&r.isr)
                    ),
                );
            }
        }
        Command::Topics {
            action: TopicsAction::List,
        } => {
            line(
                out,
                format!("{:<50} {:>10} {:>12}", "TOPIC", "PARTITIONS", "MESSAGES"),
            );
            for t in cluster::list_topics(&tools).await? {
                let note = if t.internal {
                    "  (internal)"
                } else if t.protected {
                    "  (app)"
                } else {
                    ""
                };
                line(
                    out,
                    format!(
                        "{:<50} {:>10} {:>12}{note}",
                        t.name, t.partitions, t.messages
                    ),
                );
            }
        }
        Command::Topics {
            action: TopicsAction::Describe { name },
        } => {
            let d = cluster::describe_topic(&tools, &name).await?;
            line(
                out,
                format!("topic {}  partitions {}", d.name, d.partitions.len()),
            );
            line(
                out,
                format!(
                    "{:>9} {:>6} {:>10} {:>10} {:>12} {:>12}",
                    "PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH"
                ),
            );
            for p in &d.partitions {
                let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
                line(
                    out,
                    format!(
                        "{:>9} {:>6} {:>10} {:>10} {:>12} {:>12}",
                        p.id,
                        p.leader,
                        ids(&p.replicas),
                        ids(&p.isr),
                        p.low,
                        p.high
                    ),
                );
            }
            line(out, "configs:".into());
            for (k, v) in d.configs {
                line(out, format!("  {k}={v}"));
            }
        }
        Command::Topics {
            action: TopicsAction::Create { name, partitions },
        } => {
            let created = cluster::create_topic(&tools, &name, partitions).await;
            let details = serde_json::json!({ "partitions": partitions });
            audit(&settings, action::TOPIC_CREATE, &name, details, &created).await;
            created?;
            line(
                out,
                format!("created topic {name} with {partitions} partition(s)"),
            );
        }
        Command::Topics {
            action: TopicsAction::Delete { name, yes },
        } => {
            if !yes {
                return Err(ToolError::Invalid(format!(
                    "deleting `{name}` loses its messages: add --yes to go ahead"
                )));
            }
            let deleted = cluster::delete_topic(&tools, &name).await;
            audit(
                &settings,
                action::TOPIC_DELETE,
                &name,
                Value::Null,
                &deleted,
            )
            .await;
            deleted?;
            line(out, format!("deleted topic {name}"));
        }
        Command::Tail {
            topic,
            from_beginning,
            max_messages,
            event_type,
            key,
            timeout_ms,
        } => {
            let query = app::kafka_tools::BrowseQuery {
                topic: topic.clone(),
                event_type,
                key,
                ..Default::default()
            };
            tail(
                &tools,
                &query,
                from_beginning,
                max_messages,
                timeout_ms.map(Duration::from_millis),
                out,
            )
            .await?;
        }
        Command::Groups {
            action: GroupsAction::List,
        } => {
            line(
                out,
                format!(
                    "{:<50} {:<14} {:<12} {:>7}",
                    "GROUP", "STATE", "PROTOCOL", "MEMBERS"
                ),
            );
            for g in groups::list_groups(&tools).await? {
                line(
                    out,
                    format!(
                        "{:<50} {:<14} {:<12} {:>7}",
                        g.name, g.state, g.protocol, g.members
                    ),
                );
            }
        }
        Command::Groups {
            action: GroupsAction::Describe { group },
        } => {
            let d = groups::describe_group(&tools, &group).await?;
            line(
                out,
                format!(
                    "group {}  state {}  members {}",
                    d.name,
                    d.state,
                    d.members.len()
                ),
            );
            for m in &d.members {
                let assigned: Vec<String> = m
                    .assignment
                    .iter()
                    .map(|(t, ps)| format!("{t}:{ps:?}"))
                    .collect();
                line(
                    out,
                    format!(
                        "  member {}  client {}  host {}  partitions {}",
                        m.id,
                        m.client_id,
                        m.host,
                        assigned.join(" ")
                    ),
                );
            }
            line(
                out,
                format!(
                    "{:<50} {:>9} {:>12} {:>12} {:>8}",
                    "TOPIC", "PARTITION", "COMMITTED", "END", "LAG"
                ),
            );
            for o in d.offsets {
                let committed = or_dash(o.committed);
                line(
                    out,
                    format!(
                        "{:<50} {:>9} {:>12} {:>12} {:>8}",
                        o.topic, o.partition, committed, o.high, o.lag
                    ),
                );
            }
        }
        Command::Groups {
            action:
                GroupsAction::Reset {
                    group,
                    topic,
                    to_earliest: _,
                    to_datetime,
                    to_offset,
                    yes,
                    json,
                },
        } => {
            let to = match (to_datetime, to_offset) {
                (Some(time), _) => app::kafka_tools::ResetTo::Time(
                    chrono::DateTime::parse_from_rfc3339(&time)
                        .map_err(|e| {
                            ToolError::Invalid(format!(
                                "--to-datetime `{time}`: {e} (e.g. 2026-12-02T10:00:00Z)"
                            ))
                        })?
                        .timestamp_millis(),
                ),
                (None, Some(offsets)) => app::kafka_tools::ResetTo::parse_offsets(&offsets)?,
                (None, None) => app::kafka_tools::ResetTo::Earliest,
            };
            let group = group.unwrap_or_else(|| tools.processor_group.clone());
            let topic = topic.unwrap_or_else(|| settings.invoices_topic.clone());
            let plan = if yes {
                let pool = database(&settings).await?;
                let done =
                    group_reset::reset(&tools, &pool, &group, &topic, &to, &acting_name()).await;
                let details = serde_json::json!({ "topic": topic, "to": to, "rereads": done.as_ref().ok().map(|p| p.rereads) });
                audit(&settings, action::GROUP_RESET, &group, details, &done).await;
                done?
            } else {
                group_reset::plan(&tools, &group, &topic, &to).await?
            };
            if json {
                line(out, serde_json::to_string_pretty(&plan).unwrap_or_default());
            } else {
                print_reset(out, &plan, yes);
            }
        }
        Command::Dlq { action } => {
            let pool = database(&settings).await?;
            match action {
                DlqAction::List => {
                    let letters = dead_letters::list(&tools, &pool).await?;
                    line(
                        out,
                        format!("{} dead letter(s) on {}", letters.len(), tools.dlq_topic),
                    );
                    for l in letters {
                        let from =
                            match (&l.original_topic, l.original_partition, l.original_offset) {
                                (Some(t), Some(p), Some(o)) => format!("{t}/{p}@{o}"),
                                _ => "unknown".into(),
                            };
                        let replayed = l
                            .replayed_at
                            .map(|at| format!("  replayed {}", at.format("%Y-%m-%d %H:%M:%S UTC")))
                            .unwrap_or_default();
                        line(out, format!(
                            "{}/{}  key {}  event {}  from {from}  attempts {}{replayed}\n    reason: {}",
                            l.partition,
                            l.offset,
                            l.key.as_deref().unwrap_or("-"),
                            l.event_id.as_deref().unwrap_or("-"),
                            l.attempts.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
                            l.reason
                        ));
                    }
                }
                DlqAction::Replay { event_id, at, all } => {
                    let which = match (event_id, at, all) {
                        (Some(id), None, false) => dead_letters::Which::EventId(id),
                        (None, Some(at), false) => {
                            let parsed = at
                                .split_once('/')
                                .and_then(|(p, o)| Some((p.parse().ok()?, o.parse().ok()?)));
                            let Some((partition, offset)) = parsed else {
                                return Err(ToolError::Invalid(format!(
                                    "--at takes PARTITION/OFFSET, e.g. 0/12, not `{at}`"
                                )));
                            };
                            dead_letters::Which::At { partition, offset }
                        }
                        (None, None, true) => dead_letters::Which::AllPending,
                        _ => {
                            return Err(ToolError::Invalid(
                                "say which: --event-id ID, --at PARTITION/OFFSET or --all".into(),
                            ))
                        }
                    };
                    let target = match &which {
                        dead_letters::Which::AllPending => "all pending".to_string(),
                        dead_letters::Which::At { partition, offset } => {
                            format!("{partition}/{offset}")
                        }
                        dead_letters::Which::EventId(id) => id.clone(),
                    };
                    let replayed = dead_letters::replay(&tools, &pool, which).await;
                    let details = match &replayed {
                        Ok(done) => serde_json::json!({ "replayed": done.len() }),
                        Err(_) => Value::Null,
                    };
                    let action = action::DEAD_LETTER_REPLAY;
                    audit(&settings, action, &target, details, &replayed).await;
                    let done = replayed?;
                    for r in &done {
                        line(
                            out,
                            format!(
                                "replayed {}/{} -> {}/{}@{}",
                                r.dlq_partition, r.dlq_offset, r.topic, r.partition, r.offset
                            ),
                        );
                    }
                    line(out, format!("{} letter(s) replayed", done.len()));
                }
            }
        }
        Command::Event { event_id, json } => {
            let id = uuid::Uuid::parse_str(event_id.trim()).map_err(|_| {
                ToolError::Invalid(format!("`{event_id}` is not an event id (a uuid)"))
            })?;
            let pool = database(&settings).await?;
            let journey = app::journey::of_event(&pool, id)
                .await
                .map_err(|e| ToolError::Database(e.to_string()))?
                .ok_or_else(|| ToolError::Invalid(format!("no event {id} was committed here")))?;
            if json {
                line(
                    out,
                    serde_json::to_string_pretty(&journey).unwrap_or_default(),
                );
                return Ok(());
            }
            line(
                out,
                format!(
                    "event {}  {}  invoice {}",
                    journey.event_id, journey.event_type, journey.invoice_id
                ),
            );
            if let Some(trace) = &journey.trace_id {
                line(out, format!("trace_id {trace}"));
            }
            for h in &journey.hops {
                line(
                    out,
                    format!(
                        "{:<13} {:<8} {:<12} {:>9}  {}",
                        h.step.as_str(),
                        format!("{:?}", h.state).to_lowercase(),
                        h.at.map(|t| t.format("%H:%M:%S%.3f").to_string())
                            .unwrap_or_else(|| "-".into()),
                        h.since_previous_ms
                            .map(|ms| format!("+{ms} ms"))
                            .unwrap_or_default(),
                        h.detail
                    ),
                );
            }
            if let Some(ms) = journey.commit_to_feed_ms() {
                line(out, format!("commit to feed: {ms} ms"));
            }
        }
        Command::Audit {
            person,
            action,
            since,
            until,
            limit,
            json,
        } => {
            let filter = app::routes::audit::filter_of(person, action, since, until)
                .map_err(|e| ToolError::Invalid(e.reason().to_string()))?;
            let pool = database(&settings).await?;
            let entries = app::audit::entries(&pool, &filter, None, limit.clamp(1, 100_000))
                .await
                .map_err(|e| ToolError::Database(e.to_string()))?;
            for e in entries {
                let text = match json {
                    true => serde_json::to_string(&e).unwrap_or_default(),
                    false => format!(
                        "{}  {:<28} {:<20} {:<9} {}  {}",
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        e.actor,
                        e.action,
                        e.outcome,
                        e.target,
                        e.details
                    ),
                };
                line(out, text);
            }
        }
        Command::Produce { topic } => {
            let lines: Vec<String> = std::io::stdin()
                .lock()
                .lines()
                .collect::<Result<_, _>>()
                .map_err(|e| ToolError::Invalid(e.to_string()))?;
            let sent = messages::produce_lines(&tools, &topic, &lines).await;
            let details = match &sent {
                Ok(sent) => serde_json::json!({ "messages": sent.len() }),
                Err(_) => serde_json::json!({ "lines": lines.len() }),
            };
            audit(&settings, action::PRODUCE, &topic, details, &sent).await;
            let sent = sent?;
            for (n, partition, offset) in &sent {
                line(out, format!("line {n} -> {topic}/{partition}@{offset}"));
            }
            line(out, format!("{} message(s) sent", sent.len()));
        }
    }
    Ok(())
}

fn print_reset(out: &mut impl Write, plan: &app::kafka_tools::ResetPlan, done: bool) {
    let verb = if done { "reset" } else { "would reset" };
    line(
        out,
        format!(
            "{verb} group {} on {}: {} event(s) read again{}",
            plan.group,
            plan.topic,
            plan.rereads,
            if plan.pauses_processors {
                "; the processors pause on every server meanwhile"
            } else {
                ""
            }
        ),
    );
    line(
        out,
        format!(
            "{:>9} {:>12} {:>12} {:>12} {:>12}",
            "PARTITION", "COMMITTED", "TO", "END", "READ AGAIN"
        ),
    );
    for p in &plan.partitions {
        let committed = or_dash(p.committed);
        line(
            out,
            format!(
                "{:>9} {:>12} {:>12} {:>12} {:>12}",
                p.partition, committed, p.to, p.high, p.rereads
            ),
        );
    }
    if !done {
        line(out, "add --yes to do it".into());
    }
}

/// A committed offset, or `-` when there is none.
fn or_dash(offset: Option<i64>) -> String {
    offset.map_or_else(|| "-".into(), |o| o.to_string())
}

/// The server's database, for the commands that read or record there.
async fn database(settings: &Settings) -> Result<sqlx::PgPool, ToolError> {
    sqlx::PgPool::connect(&settings.database_url)
        .await
        .map_err(|e| ToolError::Database(e.to_string()))
}

/// Who a change from the command line is recorded as: `acmectl:<account>` (the operating
/// system's user).
fn acting_name() -> String {
    let account = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("acmectl:{account}")
}

/// Records a change made from the command line in the audit trail, as `acmectl:<account>`
/// (the operating system's user). The change is done (or refused) either way: a database that
/// cannot be reached is said on stderr. A request refused as the caller's mistake (bad input,
/// a topic that is not there) changed nothing and is not recorded.
async fn audit<T>(
    settings: &Settings,
    action: &str,
    target: &str,
    details: Value,
    result: &Result<T, ToolError>,
) {
    let Some((outcome, details)) = app::audit::kafka_outcome(result, details) else {
        return;
    };
    let actor = app::auth::roles::Actor::operator(None, acting_name());
    let change = app::audit::Change {
        action,
        target,
        outcome,
        details,
    };
    let recorded = async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&settings.database_url)
            .await?;
        app::audit::record(&pool, Some(&actor), change).await
    };
    if let Err(e) = recorded.await {
        eprintln!("warning: could not record this in the audit trail: {e}");
    }
}

fn line(out: &mut impl Write, text: String) {
    let _ = writeln!(out, "{text}");
}

fn print_message(out: &mut impl Write, m: &BrowsedMessage) {
    let when = m
        .timestamp
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    line(
        out,
        format!(
            "--- {}/{}@{}  key={}  {when}",
            m.topic,
            m.partition,
            m.offset,
            m.key.as_deref().unwrap_or("null")
        ),
    );
    for (k, v) in &m.headers {
        line(out, format!("  {k}: {v}"));
    }
    line(out, m.pretty_value());
    let _ = out.flush();
}

/// Follows every partition of the topic from the end (or the beginning) until stopped.
async fn tail(
    tools: &KafkaTools,
    query: &app::kafka_tools::BrowseQuery,
    from_beginning: bool,
    max: Option<usize>,
    idle: Option<Duration>,
    out: &mut impl Write,
) -> Result<(), ToolError> {
    let (brokers, topic) = (tools.brokers.clone(), query.topic.clone());
    let parts = cluster::blocking(move || {
        cluster::partitions(&cluster::metadata_client(&brokers)?, &brokers, &topic)
    })
    .await?;
    let consumer = messages::reader(&tools.brokers)?;
    let mut assignment = TopicPartitionList::new();
    for p in &parts {
        let start = if from_beginning {
            Offset::Beginning
        } else {
            Offset::End
        };
        assignment
            .add_partition_offset(&query.topic, p.id, start)
            .map_err(|e| ToolError::Kafka(e.to_string()))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| ToolError::Kafka(e.to_string()))?;
    let mut shown = 0;
    let mut last = std::time::Instant::now();
    loop {
        if max.is_some_and(|m| shown >= m) || idle.is_some_and(|i| last.elapsed() >= i) {
            return Ok(());
        }
        let polled = tokio::task::block_in_place(|| consumer.poll(Duration::from_millis(200)));
        let Some(result) = polled else { continue };
        let message = result.map_err(|e| ToolError::Kafka(e.to_string()))?;
        last = std::time::Instant::now();
        let browsed = messages::to_browsed(&message);
        if query.matches(&browsed) {
            print_message(out, &browsed);
            shown += 1;
        }
    }
}
