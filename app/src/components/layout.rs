use crate::auth::roles::Role;
use crate::auth::Logout;
use crate::components::icons::{Icon, IconName};
use crate::components::locale_switch::LocaleSwitch;
use crate::components::post_form::PostForm;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

/// The dashboard frame: side navigation on the left (top on small screens), page on the right.
#[component]
pub fn DashboardLayout() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let i18n = use_i18n();
    let me = crate::components::me::provide();
    let is_admin = crate::components::me::may(Role::Admin);
    // A page the reader's role may not see shows why instead (the server refuses its data too).
    let location = use_location();
    let allowed = move || {
        let needed = crate::auth::rules::for_page(&location.pathname.read());
        me.with(|m| m.as_ref().is_some_and(|m| m.may(needed)))
    };
    let (_, live_position) = crate::components::live::LiveUpdates::provide();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            let _ = window().location().assign("/");
        }
    });
    view! {
        <div class="flex h-screen flex-col md:flex-row md:overflow-hidden">
            <nav class="flex w-full flex-none flex-col px-3 py-4 md:w-64 md:px-2">
                <A href="/" attr:class="mb-2 flex h-20 items-end rounded-md bg-blue-600 p-4 md:h-40">
                    <span class="text-3xl font-semibold text-white">"Acme"</span>
                </A>
                <div class="flex grow flex-row justify-between space-x-2 md:flex-col md:space-x-0 md:space-y-2">
                    <NavLink href="/dashboard" icon=IconName::Home>{t!(i18n, nav_home)}</NavLink>
                    <NavLink href="/dashboard/invoices" icon=IconName::Document>{t!(i18n, nav_invoices)}</NavLink>
                    <NavLink href="/dashboard/customers" icon=IconName::Users>{t!(i18n, nav_customers)}</NavLink>
                    <NavLink href="/dashboard/activity" icon=IconName::Bolt>{t!(i18n, nav_activity)}</NavLink>
                    <NavLink href="/dashboard/kafka" icon=IconName::Server>{t!(i18n, nav_kafka)}</NavLink>
                    <NavLink href="/dashboard/deliveries" icon=IconName::Bolt>{t!(i18n, nav_deliveries)}</NavLink>
                    <Show when=move || is_admin.get()>
                        <NavLink href="/dashboard/users" icon=IconName::Users>{t!(i18n, nav_users)}</NavLink>
                        <NavLink href="/dashboard/audit" icon=IconName::Document>{t!(i18n, nav_audit)}</NavLink>
                    </Show>
                    <div class="hidden h-auto w-full grow rounded-md bg-gray-50 md:block dark:bg-gray-800"></div>
                    <A href="/dashboard/account" attr:class="truncate px-3 text-xs text-gray-500 hover:text-blue-600 dark:text-gray-400" attr:data-testid="signed-in-as">
                        {move || me.with(|m| m.as_ref().map(|m| format!("{} · {}", m.email, crate::components::me::role_label(i18n, m.role))))}
                    </A>
                    <div class="flex items-center gap-2">
                        <crate::components::theme::ThemeToggle />
                        <LocaleSwitch />
                    </div>
                    <PostForm action=logout read=|_| Logout {}>
                        <button type="submit" class="flex h-12 w-full grow items-center justify-center gap-2 rounded-md bg-gray-50 p-3 text-sm font-medium hover:bg-sky-100 dark:bg-gray-800 dark:hover:bg-gray-700 hover:text-blue-600 md:flex-none md:justify-start md:p-2 md:px-3">
                            <Icon name=IconName::Power class="h-6 w-6 flex-none" />
                            {t!(i18n, sign_out)}
                        </button>
                    </PostForm>
                </div>
            </nav>
            {live_position}
            <main class="grow p-6 md:overflow-y-auto md:p-12">
                <Show when=allowed fallback=crate::routes::not_found::Forbidden>
                    <Outlet />
                </Show>
            </main>
        </div>
    }
}

#[component]
fn NavLink(href: &'static str, icon: IconName, children: Children) -> impl IntoView {
    view! {
        <A
            href=href
            exact=true
            attr:class="flex h-12 grow items-center justify-center gap-2 rounded-md bg-gray-50 p-3 text-sm font-medium hover:bg-sky-100 dark:bg-gray-800 dark:hover:bg-gray-700 hover:text-blue-600 aria-[current=page]:bg-sky-100 aria-[current=page]:text-blue-600 md:flex-none md:justify-start md:p-2 md:px-3"
        >
            <Icon name=icon class="h-6 w-6 flex-none" />
            {children()}
        </A>
    }
}
