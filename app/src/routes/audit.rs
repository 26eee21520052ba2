//! `/dashboard/audit` (admins): the audit trail, newest first, filtered by person, action and
//! time (in the URL, so a filtered view can be shared), 100 entries a page, exported as JSON.

use crate::audit::{AuditEntry, AuditFilter};
use crate::errors::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Entries per page.
pub const PAGE: i64 = 100;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Everyone who appears in the trail, for the person filter.
    pub people: Vec<String>,
}

/// Reads a time from a URL or a `datetime-local` field (taken as UTC) or RFC 3339.
pub fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                })
                .map(|t| t.and_utc())
        })
}

/// The filter a page's URL (or the export's) asks for; a time that cannot be read is a 400.
pub fn filter_of(
    person: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
) -> Result<AuditFilter, AppError> {
    let time = |name: &str, v: Option<String>| -> Result<_, AppError> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_time(v)
                .map(Some)
                .ok_or_else(|| AppError::bad_request(format!("`{name}` is not a time: {v}"))),
        }
    };
    let filter = AuditFilter {
        person,
        action,
        since: time("since", since)?,
        until: time("until", until)?,
    }
    .cleaned();
    if let Some(action) = &filter.action {
        if !crate::audit::action::ALL.contains(&action.as_str()) {
            return Err(AppError::bad_request(format!(
                "unknown action `{}`; one of {}",
                action.escape_default(),
                crate::audit::action::ALL.join(", ")
            )));
        }
    }
    if filter
        .person
        .as_deref()
        .is_some_and(|p| p.contains('\0') || p.len() > 320)
    {
        return Err(AppError::bad_request(
            "`person` is not a name the trail could hold",
        ));
    }
    Ok(filter)
}

#[server(endpoint = "audit_trail")]
pub async fn audit_trail(
    person: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    crate::auth::ssr::require(crate::auth::roles::Role::Admin).await?;
    let state = crate::state::app_state()?;
    let filter = filter_of(person, action, since, until)?;
    let entries = crate::audit::entries(&state.pool, &filter, before, PAGE).await?;
    let people =
        sqlx::query_scalar!("SELECT DISTINCT actor FROM audit_trail ORDER BY actor LIMIT 500")
            .fetch_all(&state.pool)
            .await?;
    Ok(AuditPage { entries, people })
}

#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let get = move |k: &str| params.read().get(k).filter(|v| !v.is_empty());
    let page = Resource::new(
        move || {
            (
                get("person"),
                get("action"),
                get("since"),
                get("until"),
                get("before").and_then(|b| b.parse::<i64>().ok()),
            )
        },
        |(p, a, s, u, b)| audit_trail(p, a, s, u, b),
    );
    let export_href = move || {
        let q: Vec<String> = ["person", "action", "since", "until"]
            .into_iter()
            .filter_map(|k| {
                get(k).map(|v| format!("{k}={}", crate::components::search::urlencode(&v)))
            })
            .collect();
        format!("/api/audit/export?{}", q.join("&"))
    };
    let input =
        "rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900";
    view! {
        <div class="w-full">
            <h1 class="mb-6 text-2xl">{t!(i18n, nav_audit)}</h1>
            <form method="get" action="/dashboard/audit" class="flex flex-wrap items-end gap-2 rounded-md bg-gray-50 p-4 text-sm dark:bg-gray-800" data-testid="audit-filters">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let people = page.await.map(|p| p.people).unwrap_or_default();
                        let chosen = get("person").unwrap_or_default();
                        view! {
                            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, audit_person)}
                                <select name="person" class=input>
                                    <option value="">{t!(i18n, audit_anyone)}</option>
                                    {people.into_iter().map(|p| { let selected = p == chosen; view! { <option value=p.clone() selected=selected>{p.clone()}</option> } }).collect_view()}
                                </select>
                            </label>
                        }
                    })}
                </Transition>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, audit_action)}
                    <select name="action" class=input>
                        <option value="">{t!(i18n, audit_any_action)}</option>
                        {crate::audit::action::ALL.iter().map(|a| view! { <option value=*a selected=move || get("action").as_deref() == Some(*a)>{*a}</option> }).collect_view()}
                    </select>
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, audit_since)}
                    <input type="datetime-local" name="since" class=input prop:value=move || get("since").unwrap_or_default() />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, audit_until)}
                    <input type="datetime-local" name="until" class=input prop:value=move || get("until").unwrap_or_default() />
                </label>
                <button type="submit" class="rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, audit_filter)}</button>
                <a href=export_href rel="external" download="audit.json" class="rounded-md border px-3 py-1.5 dark:border-gray-700" data-testid="audit-export">{t!(i18n, audit_export)}</a>
            </form>
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    page.await.map(|p| {
                        let older = p.entries.last().filter(|_| p.entries.len() as i64 == PAGE).map(|e| e.id);
                        view! {
                            <table class="mt-4 min-w-full text-sm" data-testid="audit-table">
                                <thead class="bg-gray-50 text-left dark:bg-gray-800">
                                    <tr>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_when)}</th>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_person)}</th>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_action)}</th>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_target)}</th>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_outcome)}</th>
                                        <th class="px-3 py-3 font-medium">{t!(i18n, audit_details)}</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                                    {p.entries.into_iter().map(|e| view! {
                                        <tr data-testid="audit-row" data-action=e.action.clone() data-actor=e.actor.clone() data-outcome=e.outcome.clone()>
                                            <td class="whitespace-nowrap px-3 py-2">{crate::formatting::utc(e.at)}</td>
                                            <td class="px-3 py-2">{e.actor.clone()}</td>
                                            <td class="px-3 py-2 font-mono">{e.action.clone()}</td>
                                            <td class="px-3 py-2">{e.target.clone()}</td>
                                            <td class="px-3 py-2">{e.outcome.clone()}</td>
                                            <td class="px-3 py-2 font-mono text-xs">{e.details.to_string()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {older.map(|id| {
                                let mut q: Vec<String> = ["person", "action", "since", "until"]
                                    .into_iter()
                                    .filter_map(|k| get(k).map(|v| format!("{k}={}", crate::components::search::urlencode(&v))))
                                    .collect();
                                q.push(format!("before={id}"));
                                view! { <a href=format!("/dashboard/audit?{}", q.join("&")) class="mt-4 inline-block text-blue-600 hover:underline" data-testid="audit-older">{t!(i18n, audit_older)}</a> }
                            })}
                        }
                    })
                })}
            </Transition>
        </div>
    }
}
