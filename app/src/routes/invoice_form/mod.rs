//! The invoice form, create and edit: what saving leads to (`SaveOutcome`), the server's
//! re-check of a submitted form (`check`, server only), the fields with their errors in the
//! reader's language (`fields`), and the two pages with their server functions.

#[cfg(feature = "ssr")]
pub mod check;
pub mod create;
pub mod edit;
pub mod fields;

use crate::domain::FieldErrors;
use crate::errors::AppError;
use crate::i18n::*;
use crate::models::CustomerField;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use serde::{Deserialize, Serialize};

/// What saving an invoice form led to. A rejected form is an expected outcome, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved {
        id: uuid::Uuid,
    },
    Invalid {
        errors: FieldErrors,
        message: String,
    },
    NotFound,
}

impl SaveOutcome {
    pub fn invalid(errors: FieldErrors, verb: &str) -> Self {
        Self::Invalid {
            errors,
            message: format!("Missing Fields. Failed to {verb} Invoice."),
        }
    }
}

/// The form field naming the language the form was rendered in, so the server reads the amount
/// the way its reader wrote it (with or without JavaScript).
pub const LANGUAGE_FIELD: &str = "lang";
#[server(endpoint = "customers_for_select")]
pub async fn customers_for_select() -> Result<Vec<CustomerField>, AppError> {
    let state = crate::state::app_state()?;
    crate::db::customers::all_for_select(&state.pool)
        .await
        .map_err(AppError::from)
}

/// After a successful save, back to the list.
pub fn go_to_list_when_saved(outcome: Signal<Option<Result<SaveOutcome, AppError>>>) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = outcome.get() {
            navigate("/dashboard/invoices", Default::default());
        }
    });
}

#[component]
pub fn Breadcrumbs(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav aria-label="Breadcrumb" class="mb-6 block">
            <ol class="flex text-xl md:text-2xl">
                <li class="text-gray-500"><A href="/dashboard/invoices">{t!(i18n, invoices)}</A></li>
                <li class="mx-3 text-gray-500" aria-hidden="true">"/"</li>
                <li aria-current="page">{children()}</li>
            </ol>
        </nav>
    }
}

#[component]
pub fn FormButtons(#[prop(into)] pending: Signal<bool>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mt-6 flex justify-end gap-4">
            <A href="/dashboard/invoices" attr:class="flex h-10 items-center rounded-lg bg-gray-100 px-4 text-sm font-medium text-gray-600 hover:bg-gray-200 dark:bg-gray-700 dark:text-gray-200">{t!(i18n, cancel)}</A>
            <button type="submit" disabled=move || pending.get()
                class="flex h-10 items-center rounded-lg bg-blue-500 px-4 text-sm font-medium text-white hover:bg-blue-400 disabled:opacity-50">
                {children()}
            </button>
        </div>
    }
}
