//! The browser entry point: hydrate the server-rendered page, then mark it as live.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Some pages are lazy routes (their code is a wasm module of its own), so hydration waits
    // for the page's module; `hydrate_lazy` would do the same without telling us when it is done.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("the page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // End-to-end tests wait for this marker: a click before hydration would be lost.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
