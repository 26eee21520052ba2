use super::{customers_for_select, go_to_list_when_saved, Breadcrumbs, FormButtons};
use super::{fields::InvoiceFields, SaveOutcome};
use crate::domain::{AmountCents, InvoiceDraft};
use crate::errors::AppError;
use crate::formatting::number_style;
use crate::i18n::*;
use crate::models::InvoiceEditable;
use crate::routes::not_found::NotFoundPanel;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The invoice to edit; `None` for an unknown or malformed id.
#[server(endpoint = "invoice_for_edit")]
pub async fn invoice_for_edit(id: String) -> Result<Option<InvoiceEditable>, AppError> {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Ok(None);
    };
    let state = crate::state::app_state()?;
    crate::db::invoices::editable(&state.pool, id)
        .await
        .map_err(AppError::from)
}

/// Validates the form, then saves the change with its `updated` (and `status_changed`) event.
#[server(endpoint = "update_invoice")]
pub async fn update_invoice(
    id: String,
    customer_id: String,
    amount: String,
    status: Option<String>,
    lang: Option<String>,
) -> Result<SaveOutcome, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Editor).await?;
    let state = crate::state::app_state()?;
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Ok(SaveOutcome::NotFound);
    };
    let fields = (customer_id, amount, status);
    let input = match super::check::check(&state.pool, fields, lang.as_deref(), "Update").await? {
        Ok(input) => input,
        Err(outcome) => return Ok(outcome),
    };
    let save = crate::audit::acting_as(
        actor,
        crate::db::invoices::update(&state.pool, &state.invoices_topic, id, &input),
    );
    let (trace, saved) = crate::trace::within_request(save).await;
    let found = saved.map_err(AppError::from)?;
    if !found {
        return Ok(SaveOutcome::NotFound);
    }
    tracing::info!(trace_id = %trace.trace_id(), invoice_id = %id, "invoice updated");
    Ok(SaveOutcome::Saved { id })
}

/// The invoice's events, each opening its journey.
#[server(endpoint = "invoice_events")]
pub async fn invoice_events(id: String) -> Result<Vec<crate::journey::InvoiceEventRef>, AppError> {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Ok(vec![]);
    };
    let state = crate::state::app_state()?;
    crate::journey::of_invoice(&state.pool, &state.invoices_topic, id)
        .await
        .map_err(AppError::from)
}

#[component]
pub fn EditInvoicePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let invoice = Resource::new(id, invoice_for_edit);
    let customers = Resource::new(|| (), |_| customers_for_select());
    let update = ServerAction::<UpdateInvoice>::new();
    let outcome = Signal::derive(move || update.value().get());
    go_to_list_when_saved(outcome);
    let i18n = use_i18n();
    view! {
        <Suspense fallback=|| view! { <div class="h-64 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
            {move || Suspend::new(async move {
                let (invoice, customers) = (invoice.await?, customers.await?);
                Ok::<_, AppError>(match invoice {
                    None => view! { <InvoiceNotFound /> }.into_any(),
                    Some(invoice) => {
                        let initial = InvoiceDraft {
                            customer_id: invoice.customer_id.to_string(),
                            amount: AmountCents::from_cents(invoice.amount_cents).map(|a| a.to_plain(number_style(i18n.get_locale_untracked()))).unwrap_or_default(),
                            status: Some(invoice.status.clone()),
                        };
                        view! {
                            <Breadcrumbs>{t!(i18n, edit_invoice)}</Breadcrumbs>
                            <ActionForm action=update>
                                <input type="hidden" name="id" value=invoice.id.to_string() />
                                <InvoiceFields customers initial outcome updating=true />
                                <FormButtons pending=update.pending()>{t!(i18n, edit_invoice)}</FormButtons>
                            </ActionForm>
                            <InvoiceEvents id=invoice.id.to_string() />
                        }.into_any()
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
pub fn InvoiceNotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! { <NotFoundPanel back_to="/dashboard/invoices">{t!(i18n, not_found_invoice)}</NotFoundPanel> }
}

/// "Events of this invoice": what was announced about it, each linked to its journey.
#[component]
fn InvoiceEvents(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let events = Resource::new(move || id.clone(), invoice_events);
    view! {
        <section class="mt-6 text-sm" data-testid="invoice-events">
            <h2 class="mb-2 font-medium">{t!(i18n, invoice_events_title)}</h2>
            <Suspense fallback=|| view! { <div class="h-10 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    events.await.map(|list| view! {
                        <ul class="flex flex-col gap-1">
                            {list.into_iter().map(|e| view! {
                                <li data-testid="invoice-event" data-event-type=e.event_type.clone()>
                                    <span class="font-mono text-xs text-gray-500">{crate::formatting::utc(e.committed_at)}</span>
                                    " " <span class="font-medium">{e.event_type.clone()}</span>
                                    {(!e.processed).then(|| view! { " · " <span class="text-amber-700">{t!(i18n, invoice_event_waiting)}</span> })}
                                    " · " <a href=format!("/dashboard/events/{}", e.event_id) class="text-blue-600 hover:underline" data-testid="invoice-event-journey">{t!(i18n, journey_link)}</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Suspense>
        </section>
    }
}
