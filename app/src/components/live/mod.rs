//! One live connection per browser tab, opened by the dashboard frame: every processed event
//! arrives here (over `/ws/activity`), and pages read what they need from this context: the
//! feed its items, the overview and invoice list a signal to refetch their figures.

#[cfg(feature = "hydrate")]
pub mod socket;

use crate::events::ActivityItem;
use leptos::prelude::*;

/// How many received items the tab keeps (the feed page shows these above its first page).
pub const KEEP: usize = 500;

/// The state of the connection, as the indicator shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
    /// The browser is offline, or several reconnects in a row failed (it keeps trying).
    Offline,
}

impl Connection {
    pub fn name(self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Live => "live",
            Connection::Reconnecting => "reconnecting",
            Connection::Offline => "offline",
        }
    }
}

#[derive(Clone, Copy)]
pub struct LiveUpdates {
    /// Items received since the tab opened, newest first, at most KEEP; each once, in order.
    pub items: RwSignal<Vec<ActivityItem>>,
    /// The position the stream started after: every item after it arrives here.
    pub start: RwSignal<Option<i64>>,
    pub connection: RwSignal<Connection>,
    /// Bumped (at most every UPDATE_PAUSE) when items arrived or the stream had to resync:
    /// pages that show figures refetch them.
    pub changes: RwSignal<u64>,
}

impl LiveUpdates {
    /// Creates the context for the dashboard frame and, in the browser, connects. The view it
    /// returns carries the rendered position to the browser (put it in the frame).
    pub fn provide() -> (Self, impl IntoView) {
        let position = Resource::new(|| (), |_| crate::feed_api::feed_position());
        let live = Self {
            items: RwSignal::new(Vec::new()),
            start: RwSignal::new(None),
            connection: RwSignal::new(Connection::Connecting),
            changes: RwSignal::new(0),
        };
        provide_context(live);
        #[cfg(feature = "hydrate")]
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            match position.get() {
                Some(rendered) => {
                    socket::LiveSocket::start(live, rendered.ok());
                    true
                }
                None => false,
            }
        });
        let carrier = view! { <Suspense>{move || Suspend::new(async move { let _ = position.await; })}</Suspense> };
        (live, carrier)
    }

    /// The frame's context; pages outside the dashboard have none.
    pub fn get() -> Option<Self> {
        use_context::<Self>()
    }
}

#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let connection = LiveUpdates::get()
        .map(|l| l.connection)
        .unwrap_or(RwSignal::new(Connection::Connecting));
    let colour = move || match connection.get() {
        Connection::Connecting => "bg-gray-300",
        Connection::Live => "bg-green-500",
        Connection::Reconnecting => "bg-amber-500",
        Connection::Offline => "bg-red-500",
    };
    let text = move || match connection.get() {
        Connection::Connecting => crate::i18n::t_string!(i18n, connection_connecting),
        Connection::Live => crate::i18n::t_string!(i18n, connection_live),
        Connection::Reconnecting => crate::i18n::t_string!(i18n, connection_reconnecting),
        Connection::Offline => crate::i18n::t_string!(i18n, connection_offline),
    };
    view! {
        <span class="flex items-center gap-2 text-sm text-gray-600 dark:text-gray-300" data-testid="connection" data-state=move || connection.get().name()>
            <span class=move || format!("inline-block h-2 w-2 rounded-full {}", colour())></span>
            {text}
        </span>
    }
}
