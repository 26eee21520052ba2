//! Acme Dashboard: pages, components and server functions, rendered on the server
//! (feature `ssr`) and hydrated in the browser (feature `hydrate`).

pub mod auth;
pub mod components;
pub mod domain;
pub mod events;
pub mod models;
pub mod routes;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = match components::theme::Theme::of_request() {
        Some(components::theme::Theme::Dark) => "dark",
        _ => "",
    };
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme>
            <head>
                <meta charset="utf-8" />
                <script inner_html=components::theme::FOLLOW_SYSTEM_SCRIPT></script>
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="bg-white text-gray-900 antialiased dark:bg-gray-950 dark:text-gray-100">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/acme.css" />
        <Title text="Acme Dashboard" />
        // The overview streams out of order: each block shows its skeleton and fills in on its
        // own. Tables stream in order, so they are complete even without JavaScript.
        <Router>
            <Routes fallback=routes::not_found::NotFound>
                <Route path=path!("/") view=routes::home::HomePage />
                <Route path=path!("/login") view=routes::login::LoginPage />
                <ParentRoute path=path!("/dashboard") view=components::layout::DashboardLayout>
                    <Route path=path!("") view=routes::overview::OverviewPage />
                    <Route path=path!("invoices") view=routes::invoices::InvoicesPage ssr=SsrMode::InOrder />
                    <Route path=path!("invoices/create") view=routes::create_invoice::CreateInvoicePage />
                    <Route path=path!("invoices/:id/edit") view=routes::edit_invoice::EditInvoicePage ssr=SsrMode::Async />
                    <Route path=path!("customers") view=routes::customers::CustomersPage ssr=SsrMode::InOrder />
                    <Route path=path!("activity") view=routes::activity::ActivityPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
