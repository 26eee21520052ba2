//! The produce API's tokens: make one (its secret shown once), see when each was last used,
//! revoke. The token from settings (`api_token`) keeps working beside them.

use super::api::{CreateApiToken, RevokeApiToken};
use super::INPUT;
use crate::components::me::error_text;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn Tokens() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| super::api::api_tokens(),
    );
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(crate::formatting::utc_minutes)
            .unwrap_or_else(|| "-".into())
    };
    view! {
        <h2 class="mb-3 mt-10 text-xl">{t!(i18n, tokens_title)}</h2>
        <ActionForm action=create attr:class="flex flex-wrap items-end gap-2 rounded-md bg-gray-50 p-4 text-sm dark:bg-gray-800" attr:data-testid="create-token">
            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, col_name)}
                <input name="name" required class=INPUT />
            </label>
            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, token_days)}
                <input name="days" type="number" min="1" max="3650" class=INPUT />
            </label>
            <button type="submit" class="rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, token_create)}</button>
        </ActionForm>
        <div aria-live="polite" class="mt-2 text-sm" data-testid="token-result">
            {move || create.value().get().map(|r| match r {
                Ok(made) => view! {
                    <p class="text-green-700 dark:text-green-400">{t!(i18n, token_shown_once)} " "
                        <code class="break-all rounded bg-gray-100 px-1 font-mono dark:bg-gray-800" data-testid="token-secret">{made.secret}</code>
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="text-red-600">{error_text(i18n, &e)}</p> }.into_any(),
            })}
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                tokens.await.map(|rows| view! {
                    <table class="mt-4 min-w-full text-sm" data-testid="tokens-table">
                        <thead class="bg-gray-50 text-left dark:bg-gray-800">
                            <tr>
                                <th class="px-3 py-3 font-medium">{t!(i18n, col_name)}</th>
                                <th class="px-3 py-3 font-medium">{t!(i18n, token_created_by)}</th>
                                <th class="px-3 py-3 font-medium">{t!(i18n, token_expires)}</th>
                                <th class="px-3 py-3 font-medium">{t!(i18n, token_last_used)}</th>
                                <th class="px-3 py-3 font-medium">{t!(i18n, col_state)}</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                            {rows.into_iter().map(|t| {
                                let id = t.id.to_string();
                                let revoked = t.revoked_at.is_some();
                                let on_revoke = move |_| { revoke.dispatch(RevokeApiToken { id: id.clone() }); };
                                view! {
                                    <tr data-testid="token-row" data-name=t.name.clone() data-revoked=revoked.to_string()>
                                        <td class="px-3 py-3">{t.name.clone()}</td>
                                        <td class="px-3 py-3">{t.created_by.unwrap_or_default()}</td>
                                        <td class="px-3 py-3">{when(t.expires_at)}</td>
                                        <td class="px-3 py-3">{when(t.last_used_at)}</td>
                                        <td class="px-3 py-3">
                                            {if revoked {
                                                view! { <span>{t!(i18n, token_revoked)} " " {when(t.revoked_at)}</span> }.into_any()
                                            } else {
                                                view! { <button type="button" on:click=on_revoke data-testid="token-revoke" class="rounded-md border px-2 py-0.5 text-xs text-red-700 dark:border-gray-700">{t!(i18n, token_revoke)}</button> }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
    }
}
