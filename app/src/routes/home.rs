use crate::components::locale_switch::LocaleSwitch;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="flex min-h-screen flex-col p-6">
            <div class="flex h-20 shrink-0 items-end rounded-lg bg-blue-500 p-4 md:h-52">
                <span class="text-4xl font-semibold text-white">"Acme"</span>
            </div>
            <div class="mt-4 flex grow flex-col gap-4 rounded-lg bg-gray-50 px-6 py-10 md:w-2/5 md:px-20">
                <p class="text-xl text-gray-800 md:text-3xl md:leading-normal">
                    <strong>{t!(i18n, home_welcome)}</strong>
                    " "
                    {t!(i18n, home_pitch)}
                </p>
                <a href="/login" class="flex items-center gap-5 self-start rounded-lg bg-blue-500 px-6 py-3 text-sm font-medium text-white hover:bg-blue-400 md:text-base">
                    {t!(i18n, log_in)}
                </a>
                <LocaleSwitch />
            </div>
        </main>
    }
}
