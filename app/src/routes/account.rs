//! `/dashboard/account`: who you are signed in as, and changing your password (the current one
//! required). A user given a one-time password lands here until they have chosen their own.

use crate::auth::account::ChangePassword;
use crate::auth::password_policy::PasswordProblem;
use crate::components::me::{error_text, role_label, SignedIn};
use crate::i18n::*;
use crate::people::PasswordChangeOutcome;
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let me = use_context::<SignedIn>().map(|s| s.0);
    let must_change = move || {
        me.is_some_and(|me| me.with(|m| m.as_ref().is_some_and(|m| m.must_change_password)))
    };
    Effect::new(move |_| {
        // After replacing a one-time password, the rest of the dashboard opens: a full load.
        if let Some(Ok(PasswordChangeOutcome::Changed)) = change.value().get() {
            if must_change() {
                let _ = window().location().assign("/dashboard");
            }
        }
    });
    let message = move || {
        change.value().get().map(|r| match r {
            Ok(PasswordChangeOutcome::Changed) => {
                (false, t_string!(i18n, password_changed).to_string())
            }
            Ok(PasswordChangeOutcome::WrongCurrent) => {
                (true, t_string!(i18n, password_wrong_current).to_string())
            }
            Ok(PasswordChangeOutcome::Mismatch) => {
                (true, t_string!(i18n, password_mismatch).to_string())
            }
            Ok(PasswordChangeOutcome::Refused(PasswordProblem::TooShort)) => {
                (true, t_string!(i18n, password_too_short).to_string())
            }
            Ok(PasswordChangeOutcome::Refused(PasswordProblem::TooLong)) => {
                (true, t_string!(i18n, password_too_long).to_string())
            }
            Ok(PasswordChangeOutcome::Refused(PasswordProblem::TooGuessable)) => {
                (true, t_string!(i18n, password_too_guessable).to_string())
            }
            Err(e) => (true, error_text(i18n, &e)),
        })
    };
    let input =
        "rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900";
    view! {
        <div class="w-full max-w-lg">
            <h1 class="mb-4 text-2xl">{t!(i18n, account_title)}</h1>
            <p class="mb-4 text-sm" data-testid="account-who">
                {move || me.and_then(|me| me.with(|m| m.as_ref().map(|m| format!("{} · {}", m.email, role_label(i18n, m.role)))))}
            </p>
            <Show when=must_change>
                <p class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-800 dark:bg-gray-900 dark:text-amber-300" data-testid="must-change-password">{t!(i18n, password_must_change)}</p>
            </Show>
            <ActionForm action=change attr:class="flex flex-col gap-3 rounded-md bg-gray-50 p-4 text-sm dark:bg-gray-800" attr:data-testid="change-password">
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, password_current)}
                    <input name="current" type="password" autocomplete="current-password" required class=input />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, password_new)}
                    <input name="new" type="password" autocomplete="new-password" required class=input />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, password_confirm)}
                    <input name="confirm" type="password" autocomplete="new-password" required class=input />
                </label>
                <button type="submit" class="self-start rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, password_change)}</button>
            </ActionForm>
            <p aria-live="polite" data-testid="password-result" class=move || if message().is_some_and(|m| m.0) { "mt-2 text-sm text-red-600" } else { "mt-2 text-sm text-green-700" }>
                {move || message().map(|m| m.1)}
            </p>
        </div>
    }
}
