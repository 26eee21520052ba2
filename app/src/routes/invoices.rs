//! `/dashboard/invoices?query=&page=`: search, pagination, edit and delete.

use crate::components::icons::{Icon, IconName};
use crate::components::{
    pagination::Pagination,
    search::{urlencode, Search},
    status_badge::StatusBadge,
};
use crate::errors::AppError;
use crate::events::Action;
use crate::formatting;
use crate::i18n::*;
use crate::models::InvoiceRow;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoicesPageData {
    pub rows: Vec<InvoiceRow>,
    pub total_pages: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DeleteOutcome {
    Deleted,
    AlreadyGone,
}

#[server(endpoint = "invoices_page")]
pub async fn invoices_page(query: String, page: i64) -> Result<InvoicesPageData, AppError> {
    let state = crate::state::app_state()?;
    let fail = AppError::from;
    let query = query.trim();
    // Any page number a URL can carry stays a valid offset.
    let page = page.clamp(1, 1_000_000);
    let (rows, total_pages) = tokio::try_join!(
        crate::db::invoices::search_page(&state.pool, query, page),
        crate::db::invoices::search_pages(&state.pool, query),
    )
    .map_err(fail)?;
    Ok(InvoicesPageData { rows, total_pages })
}

/// Deletes the invoice with its `deleted` event; says so when it was already gone.
#[server(endpoint = "delete_invoice")]
pub async fn delete_invoice(id: String) -> Result<DeleteOutcome, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Editor).await?;
    let state = crate::state::app_state()?;
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Ok(DeleteOutcome::AlreadyGone);
    };
    let delete = crate::audit::acting_as(
        actor,
        crate::db::invoices::delete(&state.pool, &state.invoices_topic, id),
    );
    let (trace, deleted) = crate::trace::within_request(delete).await;
    let deleted = deleted.map_err(AppError::from)?;
    if deleted {
        tracing::info!(trace_id = %trace.trace_id(), invoice_id = %id, "invoice deleted");
    }
    Ok(if deleted {
        DeleteOutcome::Deleted
    } else {
        DeleteOutcome::AlreadyGone
    })
}

fn page_href(query: &str, page: i64) -> String {
    if query.is_empty() {
        format!("/dashboard/invoices?page={page}")
    } else {
        format!("/dashboard/invoices?query={}&page={page}", urlencode(query))
    }
}

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || params.read().get("query").unwrap_or_default();
    let page = move || {
        params
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let delete = ServerAction::<DeleteInvoice>::new();
    let i18n = use_i18n();
    // Bumped when another user's change touches this page: its rows are fetched again.
    let touched = RwSignal::new(0u64);
    let invoices = Resource::new(
        move || (query(), page(), delete.version().get(), touched.get()),
        |(q, p, _, _)| invoices_page(q, p),
    );
    if let Some(live) = crate::components::live::LiveUpdates::get() {
        let seen = StoredValue::new(i64::MAX);
        Effect::new(move |_| {
            let on_page: Vec<String> = invoices
                .get_untracked()
                .and_then(Result::ok)
                .map(|data| data.rows.iter().map(|r| r.id.to_string()).collect())
                .unwrap_or_default();
            let (newest, touches) = live.items.with(|items| {
                let fresh = items.iter().take_while(|i| i.seq > seen.get_value());
                (
                    items.first().map(|i| i.seq),
                    fresh
                        .clone()
                        .any(|i| i.action == Action::Created || on_page.contains(&i.invoice_id)),
                )
            });
            // The first run only notes where the stream is.
            if seen.get_value() != i64::MAX && touches {
                touched.update(|n| *n += 1);
            }
            seen.set_value(newest.unwrap_or(0));
        });
    }
    let may_edit = crate::components::me::may(crate::auth::roles::Role::Editor);
    let delete_message = move || match delete.value().get() {
        Some(Ok(DeleteOutcome::AlreadyGone)) => Some(t_string!(i18n, already_deleted).to_string()),
        Some(Err(e)) => Some(crate::components::me::error_text(i18n, &e)),
        _ => None,
    };

    view! {
        <div class="w-full">
            <h1 class="text-2xl">{t!(i18n, invoices)}</h1>
            <div class="mt-4 flex items-center justify-between gap-2 md:mt-8">
                <Search placeholder=Signal::derive(move || t_string!(i18n, search_invoices).to_string()) />
                <Show when=move || may_edit.get()>
                    <A href="/dashboard/invoices/create" attr:class="flex h-10 items-center rounded-lg bg-blue-600 px-4 text-sm font-medium text-white hover:bg-blue-500">
                        {t!(i18n, create_invoice)}
                        <Icon name=IconName::Plus class="ml-2 h-5 w-5" />
                    </A>
                </Show>
            </div>
            <div aria-live="polite" class="mt-2 text-sm text-amber-700" data-testid="delete-message">{delete_message}</div>
            <ErrorBoundary fallback=move |_| view! {
                <div class="mt-6 flex flex-col items-center gap-2" role="alert">
                    <h2 class="text-center">{t!(i18n, something_went_wrong)}</h2>
                    <button class="rounded-md bg-blue-500 px-4 py-2 text-sm text-white hover:bg-blue-400" on:click=move |_| invoices.refetch()>
                        {t!(i18n, try_again)}
                    </button>
                </div>
            }>
                <Transition fallback=|| view! { <TableSkeleton /> }>
                    {move || Suspend::new(async move {
                        invoices.await.map(|data| {
                            let current = page();
                            let q = query();
                            view! {
                                <InvoicesTable rows=data.rows delete />
                                <div class="mt-5 flex w-full justify-center">
                                    <Pagination current total=data.total_pages href=move |p| page_href(&q, p) />
                                </div>
                            }
                        })
                    })}
                </Transition>
            </ErrorBoundary>
        </div>
    }
}

#[component]
fn DeleteButton(id: uuid::Uuid, delete: ServerAction<DeleteInvoice>) -> impl IntoView {
    let i18n = use_i18n();
    let on_click = move |_| {
        let confirmed = window()
            .confirm_with_message(t_string!(i18n, confirm_delete))
            .unwrap_or(false);
        if confirmed {
            delete.dispatch(DeleteInvoice { id: id.to_string() });
        }
    };
    view! {
        <button type="button" class="rounded-md border p-2 hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800" on:click=on_click>
            <span class="sr-only">{t!(i18n, delete)}</span>
            <Icon name=IconName::Trash />
        </button>
    }
}

#[component]
fn EditLink(id: uuid::Uuid) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <A href=format!("/dashboard/invoices/{id}/edit") attr:class="rounded-md border p-2 hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800">
            <span class="sr-only">{t!(i18n, edit)}</span>
            <Icon name=IconName::Pencil />
        </A>
    }
}

/// Edit and delete, for those who may change invoices.
#[component]
fn RowActions(
    id: uuid::Uuid,
    delete: ServerAction<DeleteInvoice>,
    gap: &'static str,
) -> impl IntoView {
    let may_edit = crate::components::me::may(crate::auth::roles::Role::Editor);
    view! {
        <Show when=move || may_edit.get()>
            <div class=format!("flex justify-end {gap}")><EditLink id /><DeleteButton id delete /></div>
        </Show>
    }
}

#[component]
fn InvoicesTable(rows: Vec<InvoiceRow>, delete: ServerAction<DeleteInvoice>) -> impl IntoView {
    let i18n = use_i18n();
    let money = move |cents: i64| move || formatting::money(cents, i18n.get_locale());
    let date = move |d: chrono::NaiveDate| move || formatting::date(d, i18n.get_locale());
    let empty = rows.is_empty();
    let cards = rows.clone();
    view! {
        <div class="mt-6 flow-root">
            <div class="rounded-lg bg-gray-50 p-2 md:pt-0 dark:bg-gray-800">
                // Small screens: one card per invoice.
                <div class="md:hidden">
                    {cards.into_iter().map(|row| view! {
                        <div class="mb-2 w-full rounded-md bg-white p-4 dark:bg-gray-900" data-testid="invoice-card">
                            <div class="flex items-center justify-between border-b pb-4 dark:border-gray-700">
                                <div>
                                    <div class="mb-2 flex items-center gap-2">
                                        <img src=row.image_url.clone() class="rounded-full" width="28" height="28" alt="" />
                                        <p>{row.name.clone()}</p>
                                    </div>
                                    <p class="text-sm text-gray-500">{row.email.clone()}</p>
                                </div>
                                <StatusBadge status=row.status.clone() />
                            </div>
                            <div class="flex w-full items-center justify-between pt-4">
                                <div>
                                    <p class="text-xl font-medium">{money(row.amount_cents)}</p>
                                    <p>{date(row.date)}</p>
                                </div>
                                <RowActions id=row.id delete gap="gap-2" />
                            </div>
                        </div>
                    }).collect_view()}
                </div>
                <table class="hidden min-w-full md:table" data-testid="invoices-table">
                    <thead class="rounded-lg text-left text-sm font-normal">
                        <tr>
                            <th scope="col" class="px-4 py-5 font-medium sm:pl-6">{t!(i18n, col_customer)}</th>
                            <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_email)}</th>
                            <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_amount)}</th>
                            <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_date)}</th>
                            <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_status)}</th>
                            <th scope="col" class="relative py-3 pl-6 pr-3"><span class="sr-only">{t!(i18n, edit)}</span></th>
                        </tr>
                    </thead>
                    <tbody class="bg-white dark:bg-gray-900">
                        {rows.into_iter().map(|row| view! {
                            <tr class="border-b text-sm last-of-type:border-none dark:border-gray-700" data-invoice-id=row.id.to_string()>
                                <td class="whitespace-nowrap py-3 pl-6 pr-3">
                                    <div class="flex items-center gap-3">
                                        <img src=row.image_url class="rounded-full" width="28" height="28" alt="" />
                                        <p>{row.name}</p>
                                    </div>
                                </td>
                                <td class="whitespace-nowrap px-3 py-3">{row.email}</td>
                                <td class="whitespace-nowrap px-3 py-3">{money(row.amount_cents)}</td>
                                <td class="whitespace-nowrap px-3 py-3">{date(row.date)}</td>
                                <td class="whitespace-nowrap px-3 py-3"><StatusBadge status=row.status /></td>
                                <td class="whitespace-nowrap py-3 pl-6 pr-3">
                                    <RowActions id=row.id delete gap="gap-3" />
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Show when=move || empty>
                    <p class="p-6 text-center text-gray-500" data-testid="no-invoices">{t!(i18n, no_invoices)}</p>
                </Show>
            </div>
        </div>
    }
}

#[component]
pub fn TableSkeleton() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mt-6 flex flex-col gap-2" aria-busy="true" aria-label=move || t_string!(i18n, loading)>
            {(0..6).map(|_| view! { <div class="h-12 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }).collect_view()}
        </div>
    }
}
