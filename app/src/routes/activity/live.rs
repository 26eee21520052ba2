//! The browser side of `/ws/activity`: connect, hand each new item to the page, and on a
//! dropped connection reconnect with backoff asking for everything after the last item seen.

use super::Connection;
use crate::events::{ActivityItem, FeedMessage};
use leptos::prelude::*;
use std::{cell::{Cell, RefCell}, rc::Rc, time::Duration};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

pub struct LiveFeed {
    last_seq: Cell<i64>,
    failures: Cell<u32>,
    live: RwSignal<Vec<ActivityItem>>,
    connection: RwSignal<Connection>,
    // The handlers of the current socket; replaced on each reconnect.
    handlers: RefCell<Vec<Closure<dyn FnMut(web_sys::Event)>>>,
}

impl LiveFeed {
    pub fn start(after: i64, live: RwSignal<Vec<ActivityItem>>, connection: RwSignal<Connection>) {
        let feed = Rc::new(Self {
            last_seq: Cell::new(after),
            failures: Cell::new(0),
            live,
            connection,
            handlers: RefCell::new(Vec::new()),
        });
        feed.open();
    }

    fn url(&self) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
        Some(format!("{scheme}://{}/ws/activity?after={}", location.host().ok()?, self.last_seq.get()))
    }

    fn open(self: &Rc<Self>) {
        let Some(socket) = self.url().and_then(|url| WebSocket::new(&url).ok()) else {
            self.retry_later();
            return;
        };
        let on_open = {
            let feed = Rc::clone(self);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                feed.failures.set(0);
                feed.connection.set(Connection::Live);
            })
        };
        let on_message = {
            let feed = Rc::clone(self);
            let socket = socket.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let Some(text) = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else { return };
                match serde_json::from_str::<FeedMessage>(&text) {
                    Ok(FeedMessage::Item { item }) => feed.accept(item),
                    // Close; on_close reconnects asking for what we missed.
                    Ok(FeedMessage::Resync) => { let _ = socket.close(); }
                    Err(e) => leptos::logging::warn!("ignoring a feed message that does not parse: {e}"),
                }
            })
        };
        let on_close = {
            let feed = Rc::clone(self);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let _ = event.dyn_ref::<CloseEvent>();
                feed.retry_later();
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.handlers.borrow_mut() = vec![on_open, on_message, on_close];
    }

    /// Keeps items in order and each once, whatever the server replays.
    fn accept(&self, item: ActivityItem) {
        if item.seq <= self.last_seq.get() {
            return;
        }
        self.last_seq.set(item.seq);
        self.live.update(|items| items.insert(0, item));
    }

    fn retry_later(self: &Rc<Self>) {
        self.connection.set(Connection::Reconnecting);
        let failures = self.failures.get();
        self.failures.set(failures + 1);
        let delay = Duration::from_millis((250u64 << failures.min(5)).min(8_000));
        let feed = Rc::clone(self);
        set_timeout(move || feed.open(), delay);
    }
}
