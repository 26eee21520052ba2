//! `/dashboard/kafka`: what our users opened Kafka UI for, inside the app: the broker, topics
//! (create, delete), a message browser with filters and a live mode, consumer groups with lag,
//! and dead letters with replay. Every action needs the session; changing ones ask first.

mod browser;
mod dead_letters;
mod groups;
mod replay;
mod topics;

use crate::errors::AppError;
use crate::i18n::*;
use crate::kafka_tools::{
    BrowseQuery, BrowsedMessage, ClusterInfo, DeadLetter, GroupDetail, GroupReset, GroupSummary,
    Replayed, ResetPlan, ResetTo, TopicDetail, TopicSummary,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn tools() -> Result<crate::kafka_tools::KafkaTools, AppError> {
    Ok(crate::state::app_state()?.kafka)
}

#[server(endpoint = "kafka_cluster")]
pub async fn kafka_cluster() -> Result<(ClusterInfo, Vec<TopicSummary>), AppError> {
    let tools = tools()?;
    let cluster = crate::kafka_tools::cluster::cluster(&tools).await;
    let topics = if cluster.reachable {
        crate::kafka_tools::cluster::list_topics(&tools)
            .await
            .unwrap_or_default()
    } else {
        vec![]
    };
    Ok((cluster, topics))
}

/// Records an admin's Kafka action and its outcome in the audit trail, after it was tried
/// (the change is in the broker, not in a transaction of ours); answers the action's result.
/// A request refused as the caller's mistake (an invalid name, a topic that is not there)
/// changed nothing: not recorded.
#[cfg(feature = "ssr")]
async fn audited<T>(
    actor: &crate::auth::roles::Actor,
    action: &str,
    target: &str,
    details: serde_json::Value,
    result: Result<T, crate::kafka_tools::ToolError>,
) -> Result<T, AppError> {
    use crate::audit::{self, Change};
    let Some((outcome, details)) = audit::kafka_outcome(&result, details) else {
        return result.map_err(AppError::from);
    };
    let change = Change {
        action,
        target,
        outcome,
        details,
    };
    let state = crate::state::app_state()?;
    crate::audit::record(&state.pool, Some(actor), change).await?;
    result.map_err(AppError::from)
}

#[server(endpoint = "kafka_create_topic")]
pub async fn kafka_create_topic(name: String, partitions: i32) -> Result<String, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Admin).await?;
    let name = name.trim().to_string();
    let created = crate::kafka_tools::cluster::create_topic(&tools()?, &name, partitions)
        .await
        .map(|_| name.clone());
    let details = serde_json::json!({ "partitions": partitions });
    audited(
        &actor,
        crate::audit::action::TOPIC_CREATE,
        &name,
        details,
        created,
    )
    .await
}

#[server(endpoint = "kafka_delete_topic")]
pub async fn kafka_delete_topic(name: String) -> Result<String, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Admin).await?;
    let deleted = crate::kafka_tools::cluster::delete_topic(&tools()?, &name)
        .await
        .map(|_| name.clone());
    let details = serde_json::Value::Null;
    audited(
        &actor,
        crate::audit::action::TOPIC_DELETE,
        &name,
        details,
        deleted,
    )
    .await
}

#[server(endpoint = "kafka_describe_topic")]
pub async fn kafka_describe_topic(topic: String) -> Result<TopicDetail, AppError> {
    crate::kafka_tools::cluster::describe_topic(&tools()?, &topic)
        .await
        .map_err(AppError::from)
}

// JSON in: the query holds an enum (where to start), which form encoding cannot carry.
#[server(endpoint = "kafka_browse", input = leptos::server_fn::codec::Json)]
pub async fn kafka_browse(query: BrowseQuery) -> Result<Vec<BrowsedMessage>, AppError> {
    crate::kafka_tools::messages::browse(&tools()?, query)
        .await
        .map_err(AppError::from)
}

/// Groups with members, described (offsets and lag); groups without, as they are listed.
#[server(endpoint = "kafka_groups")]
pub async fn kafka_groups() -> Result<(Vec<GroupDetail>, Vec<GroupSummary>), AppError> {
    let tools = tools()?;
    let (mut active, mut idle) = (Vec::new(), Vec::new());
    for group in crate::kafka_tools::groups::list_groups(&tools)
        .await
        .map_err(AppError::from)?
    {
        if group.members == 0 {
            idle.push(group);
            continue;
        }
        // A group can vanish between the list and its description.
        if let Ok(detail) = crate::kafka_tools::groups::describe_group(&tools, &group.name).await {
            active.push(detail);
        }
    }
    Ok((active, idle))
}

#[server(endpoint = "kafka_dead_letters")]
pub async fn kafka_dead_letters() -> Result<Vec<DeadLetter>, AppError> {
    let state = crate::state::app_state()?;
    crate::kafka_tools::dead_letters::list(&state.kafka, &state.pool)
        .await
        .map_err(AppError::from)
}

/// Replays the letter at `partition`/`offset`, or every pending one when `all`.
#[server(endpoint = "kafka_replay")]
pub async fn kafka_replay(
    partition: Option<i32>,
    offset: Option<i64>,
    all: bool,
) -> Result<Vec<Replayed>, AppError> {
    use crate::kafka_tools::dead_letters::{replay, Which};
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Admin).await?;
    let state = crate::state::app_state()?;
    let which = match (partition, offset, all) {
        (_, _, true) => Which::AllPending,
        (Some(partition), Some(offset), false) => Which::At { partition, offset },
        _ => return Err(AppError::bad_request("say which letter to replay, or all")),
    };
    let target = match &which {
        Which::AllPending => "all pending".to_string(),
        Which::At { partition, offset } => format!("{partition}/{offset}"),
        Which::EventId(id) => id.clone(),
    };
    let replayed = replay(&state.kafka, &state.pool, which).await;
    let details = match &replayed {
        Ok(done) => serde_json::json!({ "replayed": done.len() }),
        Err(_) => serde_json::Value::Null,
    };
    audited(
        &actor,
        crate::audit::action::DEAD_LETTER_REPLAY,
        &target,
        details,
        replayed,
    )
    .await
}

/// The resets of consumer groups, newest first, with what an empty group or topic field
/// stands for (the processor's group, the invoices topic).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resets {
    pub processor_group: String,
    pub invoices_topic: String,
    pub recent: Vec<GroupReset>,
}

#[server(endpoint = "kafka_group_resets")]
pub async fn kafka_group_resets() -> Result<Resets, AppError> {
    let state = crate::state::app_state()?;
    let recent = crate::kafka_tools::group_reset::history(&state.pool, 10).await?;
    Ok(Resets {
        processor_group: state.kafka.processor_group.clone(),
        invoices_topic: state.invoices_topic.clone(),
        recent,
    })
}

/// The group and topic a reset names; empty: the processor's group, the invoices topic.
#[cfg(feature = "ssr")]
fn reset_target(group: String, topic: String) -> Result<(String, String), AppError> {
    let state = crate::state::app_state()?;
    let or = |v: String, default: &String| match v.trim() {
        "" => default.clone(),
        v => v.to_string(),
    };
    Ok((
        or(group, &state.kafka.processor_group),
        or(topic, &state.invoices_topic),
    ))
}

/// What resetting the group would do: where each partition goes, how many events are read again.
// JSON in: where to go back to is an enum, which form encoding cannot carry.
#[server(endpoint = "kafka_reset_plan", input = leptos::server_fn::codec::Json)]
pub async fn kafka_reset_plan(
    group: String,
    topic: String,
    to: ResetTo,
) -> Result<ResetPlan, AppError> {
    let (group, topic) = reset_target(group, topic)?;
    crate::kafka_tools::group_reset::plan(&tools()?, &group, &topic, &to)
        .await
        .map_err(AppError::from)
}

/// Resets the group (our processors pause on every server meanwhile); answers what it did.
#[server(endpoint = "kafka_reset_group", input = leptos::server_fn::codec::Json)]
pub async fn kafka_reset_group(
    group: String,
    topic: String,
    to: ResetTo,
) -> Result<ResetPlan, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Admin).await?;
    let (group, topic) = reset_target(group, topic)?;
    let state = crate::state::app_state()?;
    let done = crate::kafka_tools::group_reset::reset(
        &state.kafka,
        &state.pool,
        &group,
        &topic,
        &to,
        &actor.name,
    )
    .await;
    let details = serde_json::json!({
        "topic": topic,
        "to": to,
        "rereads": done.as_ref().ok().map(|p| p.rereads),
    });
    audited(
        &actor,
        crate::audit::action::GROUP_RESET,
        &group,
        details,
        done,
    )
    .await
}

#[component]
pub fn KafkaPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="w-full">
            <h1 class="text-2xl">{t!(i18n, kafka_title)}</h1>
            <p class="mt-1 text-sm text-gray-500">{t!(i18n, kafka_intro)}</p>
            <topics::ClusterAndTopics />
            <browser::MessageBrowser />
            <groups::ConsumerGroups />
            <replay::Replay />
            <dead_letters::DeadLetters />
        </div>
    }
}

/// A section with a heading.
#[component]
fn Section(title: Signal<String>, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="mt-8" data-testid=testid>
            <h2 class="mb-3 text-lg font-medium">{title}</h2>
            {children()}
        </section>
    }
}

/// A failed server function's reason, without the framework's prefix.
fn reason(e: &AppError) -> String {
    crate::components::me::error_text(use_i18n(), e)
}

/// A counter that goes up every 3 s in the browser (never on the server): a resource keyed on
/// it refreshes itself while the page is open.
fn every_three_seconds() -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(3),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    }
    tick
}

/// Asks before a changing action; `false` when the reader says no (or there is no window).
fn confirmed(question: &str) -> bool {
    window().confirm_with_message(question).unwrap_or(false)
}
