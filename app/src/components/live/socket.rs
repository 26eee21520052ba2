//! The browser side of `/ws/activity`: connect, keep each new item once and in order, and on
//! a dropped connection reconnect with backoff asking for everything after the last item seen.

use super::{Connection, LiveUpdates, KEEP};
use crate::events::{ActivityItem, FeedMessage};
use leptos::prelude::*;
use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    time::Duration,
};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{MessageEvent, WebSocket};

/// Pages refetch their figures at most this often while items stream in.
const UPDATE_PAUSE: Duration = Duration::from_millis(300);
/// Failed reconnects in a row before the indicator says offline.
const OFFLINE_AFTER: u32 = 4;
/// Reconnects after 250 ms, doubling, at most 8 s (with jitter: a server restart does not
/// bring every tab back in the same instant).
const RECONNECT: crate::backoff::Backoff =
    crate::backoff::Backoff::new(Duration::from_millis(250), Duration::from_secs(8));

pub struct LiveSocket {
    live: LiveUpdates,
    /// The newest `seq` received (or the position the page was rendered at); `None` asks the
    /// server to start from its newest item.
    last_seq: Cell<Option<i64>>,
    said_hello: Cell<bool>,
    failures: Cell<u32>,
    update_pending: Rc<Cell<bool>>,
    socket: RefCell<Option<WebSocket>>,
    // The handlers of the current socket; replaced on each reconnect.
    handlers: RefCell<Vec<Closure<dyn FnMut(web_sys::Event)>>>,
}

impl LiveSocket {
    pub fn start(live: LiveUpdates, after: Option<i64>) {
        let feed = Rc::new(Self {
            live,
            last_seq: Cell::new(after),
            said_hello: Cell::new(false),
            failures: Cell::new(0),
            update_pending: Rc::new(Cell::new(false)),
            socket: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
        });
        {
            let feed = Rc::clone(&feed);
            window_event_listener(leptos::ev::offline, move |_| {
                feed.live.connection.set(Connection::Offline)
            });
        }
        {
            let feed = Rc::clone(&feed);
            // Back online: try at once rather than waiting out the backoff.
            window_event_listener(leptos::ev::online, move |_| {
                let open = feed
                    .socket
                    .borrow()
                    .as_ref()
                    .map(|s| s.ready_state() == WebSocket::OPEN);
                match open {
                    Some(true) => feed.live.connection.set(Connection::Live),
                    // Connecting: its open or close handler will tell.
                    Some(false) => {}
                    None => {
                        feed.failures.set(0);
                        feed.open();
                    }
                }
            });
        }
        feed.open();
    }

    fn url(&self) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let after = self
            .last_seq
            .get()
            .map(|seq| format!("?after={seq}"))
            .unwrap_or_default();
        Some(format!(
            "{scheme}://{}/ws/activity{after}",
            location.host().ok()?
        ))
    }

    fn open(self: &Rc<Self>) {
        if self.socket.borrow().is_some() {
            return; // one connection at a time (the online event and a retry may both ask)
        }
        let Some(socket) = self.url().and_then(|url| WebSocket::new(&url).ok()) else {
            self.retry_later();
            return;
        };
        let on_open = {
            let feed = Rc::clone(self);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                feed.failures.set(0);
                feed.live.connection.set(Connection::Live);
            })
        };
        let on_message = {
            let feed = Rc::clone(self);
            let socket = socket.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(text) = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string())
                else {
                    return;
                };
                match serde_json::from_str::<FeedMessage>(&text) {
                    Ok(FeedMessage::Hello { position }) => feed.hello(position),
                    Ok(FeedMessage::Item { item }) => feed.accept(item),
                    // Close; on_close reconnects asking for what we missed.
                    Ok(FeedMessage::Resync) => {
                        let _ = socket.close();
                    }
                    Ok(FeedMessage::SessionChanged) => {
                        let _ = leptos::prelude::window().location().reload();
                    }
                    Err(e) => {
                        leptos::logging::warn!("ignoring a feed message that does not parse: {e}")
                    }
                }
            })
        };
        let on_close = {
            let feed = Rc::clone(self);
            let socket = socket.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let current = feed.socket.borrow().as_ref() == Some(&socket);
                if current {
                    feed.socket.borrow_mut().take();
                    feed.retry_later();
                }
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.socket.borrow_mut() = Some(socket);
        *self.handlers.borrow_mut() = vec![on_open, on_message, on_close];
    }

    fn hello(&self, position: i64) {
        if !self.said_hello.replace(true) {
            self.live.start.set(Some(position));
        }
        if self.last_seq.get().is_some_and(|last| position > last) {
            // The server could not replay all we missed (too far behind): figures must reload.
            self.changed();
        }
        self.last_seq
            .set(Some(position.max(self.last_seq.get().unwrap_or(0))));
    }

    /// Keeps items in order and each once, whatever the server replays.
    fn accept(&self, item: ActivityItem) {
        if self.last_seq.get().is_some_and(|last| item.seq <= last) {
            return;
        }
        self.last_seq.set(Some(item.seq));
        self.live.items.update(|items| {
            items.insert(0, item);
            items.truncate(KEEP);
        });
        self.changed();
    }

    /// Tells pages to refetch, at most once per UPDATE_PAUSE.
    fn changed(&self) {
        if self.update_pending.replace(true) {
            return;
        }
        let (pending, changes) = (Rc::clone(&self.update_pending), self.live.changes);
        set_timeout(
            move || {
                pending.set(false);
                changes.update(|n| *n += 1);
            },
            UPDATE_PAUSE,
        );
    }

    fn retry_later(self: &Rc<Self>) {
        let failures = self.failures.get();
        self.failures.set(failures + 1);
        let offline = web_sys::window().is_some_and(|w| !w.navigator().on_line());
        self.live
            .connection
            .set(if offline || failures + 1 >= OFFLINE_AFTER {
                Connection::Offline
            } else {
                Connection::Reconnecting
            });
        let delay = RECONNECT.delay(failures + 1);
        let feed = Rc::clone(self);
        set_timeout(move || feed.open(), delay);
    }
}
