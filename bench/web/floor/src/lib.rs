//! Two routes, a nav, an input that drives a resource over a server function, a table under
//! Suspense: what every hydrated dashboard page needs from the framework, and nothing of ours.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub amount: i64,
}

#[server]
pub async fn rows(query: String) -> Result<Vec<Row>, ServerFnError> {
    let _ = query;
    Ok(vec![])
}

#[component]
fn Table() -> impl IntoView {
    let (query, set_query) = signal(String::new());
    let data = Resource::new(move || query.get(), rows);
    view! {
        <input on:input=move |ev| set_query.set(event_target_value(&ev)) />
        <Suspense fallback=|| "loading">
            {move || {
                data.get().map(|found| found.map(|rows| {
                    rows.into_iter()
                        .map(|r| view! { <tr><td>{r.id}</td><td>{r.name}</td><td>{r.amount}</td></tr> })
                        .collect_view()
                }))
            }}
        </Suspense>
    }
}

#[component]
pub fn App() -> impl IntoView {
    leptos_meta::provide_meta_context();
    view! {
        <Router>
            <nav><A href="/">"Home"</A><A href="/table">"Table"</A></nav>
            <Routes fallback=|| "404">
                <Route path=path!("/") view=|| view! { <p>"home"</p> } />
                <Route path=path!("/table") view=Table />
            </Routes>
        </Router>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
