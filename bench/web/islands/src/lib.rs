//! Three islands over our own code; everything else of a page would be server-rendered HTML.
//!
//! - `LiveFigures`: the overview's four cards, refetched when the tab's live feed says
//!   something changed (the app's own `LiveSocket`, one per tab, shared by every island).
//! - `ActivityList`: the feed's items (the app's `ActivityRow`), keyed by `seq`, with an action
//!   filter and pause; no router hooks inside (the filter is local state).
//! - `InvoiceFormIsland`: the app's `InvoiceFields` in an `ActionForm` calling the real
//!   `create_invoice` server function, field errors in the reader's language.
//!
//! Islands get no context from the page, so each provides the translations itself (with
//! leptos_i18n's own `islands` feature its provider becomes an island with fewer options, which
//! our `App` does not compile against: the plain provider inside each island serves).

#![allow(unused_imports)]
use app::components::live::{socket::LiveSocket, Connection, LiveUpdates};
use app::domain::InvoiceDraft;
use app::events::{Action, ActivityItem};
use app::i18n::*;
use app::models::CustomerField;
use app::routes::invoice_form::{create::CreateInvoice, fields::InvoiceFields, SaveOutcome};
use leptos::prelude::*;
use std::cell::OnceCell;

#[cfg(any(feature = "figures", feature = "feed"))]
thread_local! {
    static LIVE: OnceCell<LiveUpdates> = const { OnceCell::new() };
}

#[cfg(any(feature = "figures", feature = "feed"))]
/// The tab's one live connection, opened by the first island that needs it.
fn live(after: Option<i64>) -> LiveUpdates {
    LIVE.with(|cell| {
        *cell.get_or_init(|| {
            let live = LiveUpdates {
                items: RwSignal::new(Vec::new()),
                start: RwSignal::new(after),
                connection: RwSignal::new(Connection::Connecting),
                changes: RwSignal::new(0),
            };
            LiveSocket::start(live, after);
            live
        })
    })
}

#[cfg(feature = "figures")]
#[island]
pub fn LiveFigures(position: Option<i64>) -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Figures position />
        </I18nContextProvider>
    }
}

#[cfg(feature = "figures")]
#[component]
fn Figures(position: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let live = live(position);
    let cards = Resource::new(
        move || live.changes.get(),
        |_| app::routes::overview::overview_cards(),
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                cards.await.map(|c| view! {
                    <p>{t!(i18n, card_collected)} " " {app::formatting::money(c.collected_cents, i18n.get_locale())}</p>
                    <p>{t!(i18n, card_pending)} " " {app::formatting::money(c.pending_cents, i18n.get_locale())}</p>
                    <p>{t!(i18n, card_invoices)} " " {c.invoices}</p>
                    <p>{t!(i18n, card_customers)} " " {c.customers}</p>
                })
            })}
        </Suspense>
    }
}

#[cfg(feature = "feed")]
#[island]
pub fn ActivityList(position: Option<i64>, first_page: Vec<ActivityItem>) -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Feed position first_page />
        </I18nContextProvider>
    }
}

#[cfg(feature = "feed")]
#[component]
fn Feed(position: Option<i64>, first_page: Vec<ActivityItem>) -> impl IntoView {
    let i18n = use_i18n();
    let live = live(position);
    let action = RwSignal::new(None::<Action>);
    let paused = RwSignal::new(None::<usize>);
    let now = RwSignal::new(chrono::Utc::now());
    let shown = Memo::new(move |_| {
        let received = live.items.get();
        let skip = paused.get().map_or(0, |at| received.len().saturating_sub(at));
        received
            .into_iter()
            .skip(skip)
            .chain(first_page.clone())
            .filter(|i| action.get().is_none_or(|a| i.action == a))
            .collect::<Vec<_>>()
    });
    let waiting = move || {
        paused
            .get()
            .map(|at| live.items.with(|i| i.len().saturating_sub(at)))
    };
    let actions = [
        Action::Created,
        Action::Updated,
        Action::StatusChanged,
        Action::Deleted,
        Action::DeadLettered,
    ];
    view! {
        <select on:change=move |ev| {
            let value = event_target_value(&ev);
            action.set(actions.into_iter().find(|a| a.as_str() == value));
        }>
            <option value="">{t!(i18n, feed_all_actions)}</option>
            {actions.into_iter().map(|a| view! {
                <option value=a.as_str()>{move || app::routes::activity::filters::action_label(i18n, a)}</option>
            }).collect_view()}
        </select>
        <button on:click=move |_| paused.update(|p| {
            *p = match p {
                Some(_) => None,
                None => Some(live.items.with_untracked(Vec::len)),
            }
        })>
            {move || if paused.get().is_some() { t_string!(i18n, feed_resume) } else { t_string!(i18n, feed_pause) }}
            {move || waiting().map(|n| format!(" ({n})"))}
        </button>
        <ul>
            <For each=move || shown.get() key=|i| i.seq let:item>
                <app::routes::activity::row::ActivityRow item now />
            </For>
        </ul>
    }
}

#[cfg(feature = "form")]
#[island]
pub fn InvoiceFormIsland(customers: Vec<CustomerField>) -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Form customers />
        </I18nContextProvider>
    }
}

#[cfg(feature = "form")]
#[component]
fn Form(customers: Vec<CustomerField>) -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateInvoice>::new();
    let outcome = Signal::derive(move || create.value().get());
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = outcome.get() {
            let _ = window().location().set_href("/dashboard/invoices");
        }
    });
    view! {
        <ActionForm action=create>
            <InvoiceFields customers initial=InvoiceDraft::default() outcome />
            <button type="submit" disabled=move || create.pending().get()>{t!(i18n, create_invoice)}</button>
        </ActionForm>
    }
}

/// Never called: links the loaders of the app's lazy pages, as the app's router does, so that
/// the splitter moves those pages into modules of their own (as in `cargo leptos build
/// --split`) instead of leaving them in the main module, where an islands page would never use
/// them.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn lazy_page_loaders() {
    use app::routes::split::{ActivityRoute, InvoiceFormRoute, KafkaRoute, PeopleRoute};
    use leptos_router::LazyRoute;
    leptos::task::spawn_local(async {
        let _ = ActivityRoute::view(ActivityRoute::data()).await;
        let _ = KafkaRoute::view(KafkaRoute::data()).await;
        let _ = InvoiceFormRoute::<false>::view(InvoiceFormRoute::data()).await;
        let _ = PeopleRoute::<0>::view(PeopleRoute::data()).await;
    });
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
