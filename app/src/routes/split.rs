//! The pages that are not needed to show the dashboard, as lazy routes: their views and the
//! code only they use are built into wasm chunks of their own (`cargo leptos build --split`),
//! which the browser loads when such a page is first shown. The server renders them exactly
//! as before and names the chunks of the page it rendered as preloads.
//!
//! Three chunks: the invoice forms (create and edit share theirs), the activity feed and the
//! Kafka tools. The dashboard's own pages stay in the main module: a page per chunk would
//! make a cold load fetch dozens of small shared chunks (one per combination of pages that
//! share code), more requests than the performance budget allows.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Which invoice form a route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum InvoiceForm {
    Create,
    Edit,
}

/// Both forms in one chunk: a visit to one of them makes the other instant.
#[leptos::lazy]
fn invoice_form_view(form: InvoiceForm) -> AnyView {
    match form {
        InvoiceForm::Create => super::create_invoice::CreateInvoicePage().into_any(),
        InvoiceForm::Edit => super::edit_invoice::EditInvoicePage().into_any(),
    }
}

/// `/dashboard/invoices/create` and `/dashboard/invoices/:id/edit`.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceFormRoute<const EDIT: bool>;

impl<const EDIT: bool> LazyRoute for InvoiceFormRoute<EDIT> {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        invoice_form_view(if EDIT {
            InvoiceForm::Edit
        } else {
            InvoiceForm::Create
        })
        .await
    }

    async fn preload() {
        #[cfg(target_arch = "wasm32")]
        __preload_invoice_form_view().await;
    }
}

/// `/dashboard/activity`: the live feed.
#[derive(Debug, Clone, Copy)]
pub struct ActivityRoute;

#[lazy_route]
impl LazyRoute for ActivityRoute {
    fn data() -> Self {
        ActivityRoute
    }

    fn view(_this: Self) -> AnyView {
        super::activity::ActivityPage().into_any()
    }
}

/// `/dashboard/kafka`: the Kafka tools.
#[derive(Debug, Clone, Copy)]
pub struct KafkaRoute;

#[lazy_route]
impl LazyRoute for KafkaRoute {
    fn data() -> Self {
        KafkaRoute
    }

    fn view(_this: Self) -> AnyView {
        super::kafka::KafkaPage().into_any()
    }
}
