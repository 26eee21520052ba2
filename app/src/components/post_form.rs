//! The sign-in and sign-out forms: a `<form>` that posts to its server function. Without
//! JavaScript the browser posts it (the server answers with a redirect back); in the browser the
//! submit is dispatched to the action with the arguments `read` takes from the form. This is
//! leptos' `ActionForm` without its generic decoding of form fields into arguments (serde_qs),
//! which every page's wasm would carry for these two small forms of the dashboard's frame.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The submitted form's fields (in the browser).
pub struct Fields(#[cfg(feature = "hydrate")] web_sys::FormData);

impl Fields {
    /// Field `name` as the browser would post it ("" when there is none).
    pub fn get(&self, name: &str) -> String {
        #[cfg(feature = "hydrate")]
        return self.0.get(name).as_string().unwrap_or_default();
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            String::new()
        }
    }
}

#[component]
pub fn PostForm<S, R>(
    action: ServerAction<S>,
    /// The server function's arguments, from the submitted form's fields.
    read: R,
    #[prop(optional, into)] class: &'static str,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    R: Fn(&Fields) -> S + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if ev.default_prevented() {
                return;
            }
            let fields = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                .and_then(|form| web_sys::FormData::new_with_form(&form).ok());
            if let Some(fields) = fields {
                ev.prevent_default();
                action.dispatch(read(&Fields(fields)));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &read, action);
    };
    view! {
        <form method="post" action=S::url() class=class on:submit=submit>
            {children()}
        </form>
    }
}
