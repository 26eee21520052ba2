//! What every handler shares: built once at start-up by `startup`.

use crate::activity::hub::ActivityHub;
use crate::http::produce_api::ProduceApi;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tokio_util::sync::CancellationToken;

/// Built once at start-up; handed to axum handlers. Its `app` part is what server functions
/// see (`app::state::AppState`).
#[derive(Clone)]
pub struct ServerState {
    pub app: app::state::AppState,
    pub leptos_options: LeptosOptions,
    pub hub: ActivityHub,
    /// Users whose sessions changed (disabled, new role), announced by any server process.
    pub session_changes: crate::http::session_changes::SessionChanges,
    pub feed_ping: std::time::Duration,
    /// The most items one activity export writes (setting `export_max_items`).
    pub export_max_items: i64,
    pub produce: ProduceApi,
    pub shutdown: CancellationToken,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<ServerState> for ProduceApi {
    fn from_ref(state: &ServerState) -> Self {
        state.produce.clone()
    }
}
