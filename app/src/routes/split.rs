//! The pages that are not needed to show the dashboard, as lazy routes: their views and the
//! code only they use are built into wasm modules of their own (`cargo leptos build --split`),
//! which the browser fetches when such a page is first shown. The server renders them exactly
//! as before and names the modules of the page it rendered as preloads.
//!
//! Four modules: the invoice forms (create and edit share theirs), the activity feed, the
//! Kafka tools, and the pages rarely visited (users and tokens, the audit trail, one's own
//! account, an event's journey, the deliveries, the development mailbox). The dashboard's own pages stay in the main module: a module per page would
//! make a cold load fetch dozens of small shared chunks (one per combination of pages that
//! share code), more requests than the performance budget allows.
//!
//! A module that cannot be fetched (the network is down, or a deploy replaced the files since
//! the tab was opened) must not take the app down: the page is then loaded from the server.

use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::LazyRoute;

/// Which invoice form a route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum InvoiceForm {
    Create,
    Edit,
}

// The split points. Their module names key the build's split manifest, which the server reads
// to name a rendered page's modules as preloads (`preload_on_server`).

#[wasm_split(invoice_forms, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_invoice_forms))]
fn invoice_form_view(form: InvoiceForm) -> Result<AnyView, SplitLoaderError> {
    Ok(match form {
        InvoiceForm::Create => super::invoice_form::create::CreateInvoicePage().into_any(),
        InvoiceForm::Edit => super::invoice_form::edit::EditInvoicePage().into_any(),
    })
}

#[wasm_split(activity_feed, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_activity_feed))]
fn activity_view() -> Result<AnyView, SplitLoaderError> {
    Ok(super::activity::ActivityPage().into_any())
}

#[wasm_split(kafka_tools, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_kafka_tools))]
fn kafka_view() -> Result<AnyView, SplitLoaderError> {
    Ok(super::kafka::KafkaPage().into_any())
}

/// Which of the rarely visited pages a route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PeoplePage {
    Users,
    Audit,
    Account,
    Journey,
    Deliveries,
    Mailbox,
}

#[wasm_split(people_pages, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_people_pages))]
fn people_view(page: PeoplePage) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        PeoplePage::Users => super::users::UsersPage().into_any(),
        PeoplePage::Audit => super::audit::AuditTrailPage().into_any(),
        PeoplePage::Account => super::account::AccountPage().into_any(),
        PeoplePage::Journey => super::journey::JourneyPage().into_any(),
        PeoplePage::Deliveries => super::deliveries::DeliveriesPage().into_any(),
        PeoplePage::Mailbox => super::mailbox::MailboxPage().into_any(),
    })
}

/// On the server: the page being rendered needs `module`, so the document names its files as
/// preloads and hydration does not wait for a second round trip.
fn preload_on_server(module: &'static str) {
    #[cfg(feature = "ssr")]
    leptos::prefetch_lazy_fn_on_server(module);
    #[cfg(not(feature = "ssr"))]
    let _ = module;
}

/// `/dashboard/invoices/create` and `/dashboard/invoices/:id/edit`: both forms in one module, so
/// a visit to one of them makes the other instant.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceFormRoute<const EDIT: bool>;

impl<const EDIT: bool> LazyRoute for InvoiceFormRoute<EDIT> {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        preload_on_server("invoice_forms");
        let form = if EDIT {
            InvoiceForm::Edit
        } else {
            InvoiceForm::Create
        };
        page_or_server(invoice_form_view(form).await)
    }

    async fn preload() {
        if let Err(error) = preload_invoice_forms().await {
            not_loaded(error).await;
        }
    }
}

/// `/dashboard/activity`: the live feed.
#[derive(Debug, Clone, Copy)]
pub struct ActivityRoute;

impl LazyRoute for ActivityRoute {
    fn data() -> Self {
        ActivityRoute
    }

    async fn view(_this: Self) -> AnyView {
        preload_on_server("activity_feed");
        page_or_server(activity_view().await)
    }

    async fn preload() {
        if let Err(error) = preload_activity_feed().await {
            not_loaded(error).await;
        }
    }
}

/// `/dashboard/kafka`: the Kafka tools.
#[derive(Debug, Clone, Copy)]
pub struct KafkaRoute;

impl LazyRoute for KafkaRoute {
    fn data() -> Self {
        KafkaRoute
    }

    async fn view(_this: Self) -> AnyView {
        preload_on_server("kafka_tools");
        page_or_server(kafka_view().await)
    }

    async fn preload() {
        if let Err(error) = preload_kafka_tools().await {
            not_loaded(error).await;
        }
    }
}

/// `/dashboard/users` (0), `/dashboard/audit` (1), `/dashboard/account` (2),
/// `/dashboard/events/:id` (3), `/dashboard/deliveries` (4), `/dashboard/mailbox` (5):
/// rarely visited, so in a module of their own.
#[derive(Debug, Clone, Copy)]
pub struct PeopleRoute<const PAGE: u8>;

impl<const PAGE: u8> LazyRoute for PeopleRoute<PAGE> {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        preload_on_server("people_pages");
        let page = match PAGE {
            0 => PeoplePage::Users,
            1 => PeoplePage::Audit,
            2 => PeoplePage::Account,
            3 => PeoplePage::Journey,
            4 => PeoplePage::Deliveries,
            _ => PeoplePage::Mailbox,
        };
        page_or_server(people_view(page).await)
    }

    async fn preload() {
        if let Err(error) = preload_people_pages().await {
            not_loaded(error).await;
        }
    }
}

/// A page's module could not be fetched before the router shows the page. While the page is
/// being hydrated this is final: the server-rendered page cannot be hydrated without its code,
/// and nothing else may be rendered in its place, so it stays as the server sent it, readable,
/// with its links loading documents, and is loaded from the server once more. On a navigation
/// the router asks for the module again (`view`), which may still work.
async fn not_loaded(error: SplitLoaderError) {
    leptos::logging::error!("the page's code could not be loaded: {error}");
    #[cfg(feature = "hydrate")]
    if Owner::current_shared_context().is_some_and(|context| context.during_hydration()) {
        if !server_load::again() {
            server_load::links_load_documents();
        }
        std::future::pending::<()>().await;
    }
}

/// The page, or, when its module could not be fetched, the same page loaded from the server
/// as a new document (once per address, so a module that is really gone cannot make the page
/// reload forever; the page then says it could not be loaded).
fn page_or_server(page: Result<AnyView, SplitLoaderError>) -> AnyView {
    let error = match page {
        Ok(page) => {
            #[cfg(feature = "hydrate")]
            server_load::succeeded();
            return page;
        }
        Err(error) => error,
    };
    leptos::logging::error!("the page's code could not be loaded: {error}");
    #[cfg(feature = "hydrate")]
    server_load::again();
    let i18n = crate::i18n::use_i18n();
    view! {
        <p data-testid="page-load-failed" class="text-sm text-gray-500">
            {crate::i18n::t!(i18n, page_load_failed)}
        </p>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
mod server_load {
    use leptos::prelude::GetUntracked;
    use leptos_router::hooks::use_location;

    const KEY: &str = "acme-page-load-retried";

    fn storage() -> Option<web_sys::Storage> {
        leptos::prelude::window().session_storage().ok().flatten()
    }

    /// Loads the page being shown from the server, unless that was just tried; says whether
    /// it did.
    pub fn again() -> bool {
        let location = use_location();
        let (path, query) = (
            location.pathname.get_untracked(),
            location.search.get_untracked(),
        );
        let href = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        let storage = storage();
        if storage
            .as_ref()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .as_deref()
            == Some(href.as_str())
        {
            return false;
        }
        if let Some(storage) = storage {
            let _ = storage.set_item(KEY, &href);
        }
        leptos::prelude::window().location().assign(&href).is_ok()
    }

    /// From now on a click is the browser's own (a link loads a document): the router, whose
    /// page could not be hydrated, does not see it.
    pub fn links_load_documents() {
        use wasm_bindgen::{closure::Closure, JsCast};
        let keep_from_router = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
            event.stop_immediate_propagation();
        });
        let _ = leptos::prelude::window().add_event_listener_with_callback_and_bool(
            "click",
            keep_from_router.as_ref().unchecked_ref(),
            true,
        );
        keep_from_router.forget();
    }

    pub fn succeeded() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(KEY);
        }
    }
}
