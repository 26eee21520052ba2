use crate::auth::{Login, LoginOutcome, LoginRefusal};
use crate::components::locale_switch::LocaleSwitch;
use crate::components::post_form::PostForm;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let callback_url = move || query.read().get("callbackUrl").unwrap_or_default();
    let login = ServerAction::<Login>::new();
    let i18n = use_i18n();
    Effect::new(move |_| {
        if let Some(Ok(LoginOutcome::SignedIn { redirect_to })) = login.value().get() {
            // A full load, so the next page is rendered for the new session.
            let _ = window().location().assign(&redirect_to);
        }
    });
    let message = move || match login.value().get() {
        Some(Ok(LoginOutcome::Refused {
            reason: LoginRefusal::InvalidCredentials,
        })) => Some(t_string!(i18n, invalid_credentials).to_string()),
        Some(Ok(LoginOutcome::Refused {
            reason: LoginRefusal::TooManyAttempts,
        })) => Some(t_string!(i18n, too_many_attempts).to_string()),
        Some(Ok(LoginOutcome::Refused {
            reason: LoginRefusal::Busy,
        })) => Some(t_string!(i18n, sign_in_busy).to_string()),
        Some(Ok(LoginOutcome::Refused {
            reason: LoginRefusal::Disabled,
        })) => Some(t_string!(i18n, account_disabled).to_string()),
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <main class="flex items-center justify-center md:h-screen">
            <div class="relative mx-auto flex w-full max-w-[400px] flex-col space-y-2.5 p-4 md:-mt-32">
                <div class="flex h-20 w-full items-end rounded-lg bg-blue-500 p-3 md:h-36">
                    <span class="text-3xl font-semibold text-white">"Acme"</span>
                </div>
                <PostForm action=login class="space-y-3" read=|form| Login {
                    email: form.get("email"),
                    password: form.get("password"),
                    callback_url: Some(form.get("callback_url")),
                }>
                    <div class="flex-1 rounded-lg bg-gray-50 px-6 pb-4 pt-8 dark:bg-gray-800">
                        <h1 class="mb-3 text-2xl">{t!(i18n, login_heading)}</h1>
                        <label class="mb-3 mt-5 block text-xs font-medium" for="email">{t!(i18n, email)}</label>
                        <input id="email" name="email" type="email" required autocomplete="username"
                            placeholder=move || t_string!(i18n, email_placeholder)
                            class="block w-full rounded-md border border-gray-200 py-[9px] px-3 text-sm dark:bg-gray-900 dark:border-gray-700" />
                        <label class="mb-3 mt-5 block text-xs font-medium" for="password">{t!(i18n, password)}</label>
                        <input id="password" name="password" type="password" required minlength="6" autocomplete="current-password"
                            placeholder=move || t_string!(i18n, password_placeholder)
                            class="block w-full rounded-md border border-gray-200 py-[9px] px-3 text-sm dark:bg-gray-900 dark:border-gray-700" />
                        <input type="hidden" name="callback_url" value=callback_url />
                        <button type="submit" disabled=move || login.pending().get()
                            class="mt-6 flex h-10 w-full items-center justify-center rounded-lg bg-blue-500 px-4 text-sm font-medium text-white hover:bg-blue-400 disabled:opacity-50">
                            {t!(i18n, log_in)}
                        </button>
                        <div class="flex h-8 items-end space-x-1" aria-live="polite" aria-atomic="true">
                            {move || message().map(|m| view! { <p class="text-sm text-red-500" data-testid="login-error">{m}</p> })}
                        </div>
                    </div>
                </PostForm>
                <LocaleSwitch />
            </div>
        </main>
    }
}
