//! Who is signed in, for the pages: which menu entries and buttons they show. Known on the
//! server from the request (the auth gate found the user) and handed to the browser with the
//! page, so the hydrated page shows exactly what the server rendered. Hiding is a courtesy:
//! the server refuses what a role may not do whatever the page shows.

use crate::auth::roles::{Me, Role};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct SignedIn(pub RwSignal<Option<Me>>);

/// Called once by the dashboard layout.
pub fn provide() -> RwSignal<Option<Me>> {
    let initial = leptos::server::SharedValue::new(on_server).into_inner();
    let me = RwSignal::new(initial);
    // Created in the browser without a server render (rare): ask.
    #[cfg(feature = "hydrate")]
    if me.get_untracked().is_none() {
        leptos::task::spawn_local(async move {
            if let Ok(who) = crate::auth::account::current_user().await {
                me.set(Some(who));
            }
        });
    }
    provide_context(SignedIn(me));
    me
}

#[cfg(feature = "ssr")]
fn on_server() -> Option<Me> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<crate::auth::roles::Actor>()?
        .me()
}

#[cfg(not(feature = "ssr"))]
fn on_server() -> Option<Me> {
    None
}

/// Whether the signed-in user's role is at least `needed` (false while unknown).
pub fn may(needed: Role) -> Signal<bool> {
    let me = use_context::<SignedIn>().map(|s| s.0);
    Signal::derive(move || {
        me.is_some_and(|me| me.with(|m| m.as_ref().is_some_and(|m| m.may(needed))))
    })
}

/// A role as the reader's language names it.
pub fn role_label(i18n: leptos_i18n::I18nContext<crate::i18n::Locale>, role: Role) -> String {
    use crate::i18n::*;
    match role {
        Role::Viewer => t_string!(i18n, role_viewer).to_string(),
        Role::Editor => t_string!(i18n, role_editor).to_string(),
        Role::Admin => t_string!(i18n, role_admin).to_string(),
    }
}

/// An error as the page shows it: a refusal for the reader's role in their language, others
/// with the server's reason.
pub fn error_text(
    i18n: leptos_i18n::I18nContext<crate::i18n::Locale>,
    error: &crate::errors::AppError,
) -> String {
    use crate::i18n::*;
    match error {
        crate::errors::AppError::Forbidden { .. } => t_string!(i18n, forbidden_action).to_string(),
        other => other
            .to_string()
            .trim_start_matches("error running server function: ")
            .to_string(),
    }
}
