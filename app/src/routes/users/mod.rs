//! `/dashboard/users` (admins): everyone with their role and last sign-in; add a person with
//! a role and a one-time password (shown once), change a role, disable or enable; and the
//! produce API's tokens. The last enabled admin cannot be demoted or disabled.

pub mod api;
mod tokens;

use crate::auth::roles::Role;
use crate::components::me::{error_text, role_label};
use crate::i18n::*;
use crate::people::{AddUserOutcome, UserChangeOutcome, UserFieldError};
use api::{AddUser, SetUserDisabled, SetUserRole};
use leptos::prelude::*;

const INPUT: &str =
    "rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900";

fn field_error_text(i18n: leptos_i18n::I18nContext<Locale>, e: UserFieldError) -> String {
    match e {
        UserFieldError::NameMissing => t_string!(i18n, user_name_missing).to_string(),
        UserFieldError::EmailInvalid => t_string!(i18n, user_email_invalid).to_string(),
        UserFieldError::EmailTaken => t_string!(i18n, user_email_taken).to_string(),
        UserFieldError::RoleUnknown => t_string!(i18n, user_role_unknown).to_string(),
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let add = ServerAction::<AddUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let users = Resource::new(
        move || {
            (
                add.version().get(),
                set_role.version().get(),
                set_disabled.version().get(),
            )
        },
        |_| api::users_list(),
    );
    // The outcome of whichever change finished last.
    let last = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(v) = set_role.value().get() {
            last.set(Some(v));
        }
    });
    Effect::new(move |_| {
        if let Some(v) = set_disabled.value().get() {
            last.set(Some(v));
        }
    });
    let change_message = move || {
        last.get().and_then(|r| match r {
            Ok(UserChangeOutcome::Done) => None,
            Ok(UserChangeOutcome::LastAdmin) => Some(t_string!(i18n, user_last_admin).to_string()),
            Ok(UserChangeOutcome::NoSuchUser) => Some(t_string!(i18n, user_gone).to_string()),
            Err(e) => Some(error_text(i18n, &e)),
        })
    };
    view! {
        <div class="w-full">
            <h1 class="mb-6 text-2xl">{t!(i18n, nav_users)}</h1>
            <AddUserForm add />
            <p aria-live="polite" class="mt-4 text-sm text-red-600" data-testid="user-change-message">{change_message}</p>
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    users.await.map(|rows| view! {
                        <table class="mt-4 min-w-full text-sm" data-testid="users-table">
                            <thead class="bg-gray-50 text-left dark:bg-gray-800">
                                <tr>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_name)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_email)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_role)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_last_sign_in)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_state)}</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                                {rows.into_iter().map(|u| {
                                    let id = u.id.to_string();
                                    let (id_role, id_toggle) = (id.clone(), id.clone());
                                    let on_role = move |ev: leptos::ev::Event| {
                                        set_role.dispatch(SetUserRole { id: id_role.clone(), role: event_target_value(&ev) });
                                    };
                                    let disabled = u.disabled;
                                    let on_toggle = move |_| {
                                        set_disabled.dispatch(SetUserDisabled { id: id_toggle.clone(), disabled: !disabled });
                                    };
                                    view! {
                                        <tr data-testid="user-row" data-email=u.email.clone() data-role=u.role.as_str() data-disabled=u.disabled.to_string()>
                                            <td class="px-3 py-3">{u.name}</td>
                                            <td class="px-3 py-3">{u.email.clone()}</td>
                                            <td class="px-3 py-3">
                                                <select on:change=on_role class=INPUT data-testid="user-role" aria-label=move || t_string!(i18n, col_role)>
                                                    {Role::ALL.into_iter().map(|r| view! {
                                                        <option value=r.as_str() selected=r == u.role>{move || role_label(i18n, r)}</option>
                                                    }).collect_view()}
                                                </select>
                                            </td>
                                            <td class="px-3 py-3">{u.last_sign_in.map(crate::formatting::utc_minutes).unwrap_or_else(|| "-".into())}</td>
                                            <td class="px-3 py-3">
                                                <span class="mr-2">{move || if disabled { t_string!(i18n, user_disabled) } else { t_string!(i18n, user_enabled) }}</span>
                                                <button type="button" on:click=on_toggle data-testid="user-toggle"
                                                    class="rounded-md border px-2 py-0.5 text-xs dark:border-gray-700">
                                                    {move || if disabled { t_string!(i18n, user_enable) } else { t_string!(i18n, user_disable) }}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Transition>
            <tokens::Tokens />
        </div>
    }
}

#[component]
fn AddUserForm(add: ServerAction<AddUser>) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = move || add.value().get();
    view! {
        <ActionForm action=add attr:class="flex flex-wrap items-end gap-2 rounded-md bg-gray-50 p-4 text-sm dark:bg-gray-800" attr:data-testid="add-user">
            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, col_name)}
                <input name="name" class=INPUT />
            </label>
            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, col_email)}
                <input name="email" type="email" class=INPUT />
            </label>
            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, col_role)}
                <select name="role" class=INPUT>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{move || role_label(i18n, r)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, user_add)}</button>
        </ActionForm>
        <div aria-live="polite" class="mt-2 text-sm" data-testid="add-user-result">
            {move || match outcome() {
                Some(Ok(AddUserOutcome::Added { email, one_time_password })) => view! {
                    <p class="text-green-700 dark:text-green-400">
                        {t!(i18n, user_added)} " " <b>{email}</b> ". " {t!(i18n, user_one_time_password)} " "
                        <code class="rounded bg-gray-100 px-1 font-mono dark:bg-gray-800" data-testid="one-time-password">{one_time_password}</code>
                    </p>
                }.into_any(),
                Some(Ok(AddUserOutcome::Invalid { errors })) => view! {
                    <ul class="text-red-600">{errors.into_iter().map(|e| view! { <li data-testid="user-field-error">{field_error_text(i18n, e)}</li> }).collect_view()}</ul>
                }.into_any(),
                Some(Err(e)) => view! { <p class="text-red-600">{error_text(i18n, &e)}</p> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}
