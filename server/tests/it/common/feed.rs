//! A browser's side of `/ws/activity`, as tests drive it: tokio-tungstenite, with the session.

use super::TestApp;
use app::events::{ActivityItem, FeedMessage};
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct FeedClient {
    pub socket: Socket,
    /// The position the server's hello named.
    pub position: i64,
}

impl FeedClient {
    /// Connects with the session of `cookie` (asking for items after `after`, if given) and
    /// reads the hello.
    pub async fn open(app: &TestApp, cookie: &str, after: Option<i64>) -> Self {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        let mut request = format!("ws://{}/ws/activity{query}", app.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        let socket = tokio_tungstenite::connect_async(request)
            .await
            .expect("feed connects")
            .0;
        let mut client = Self {
            socket,
            position: -1,
        };
        match client.next_message(Duration::from_secs(10)).await {
            Some(FeedMessage::Hello { position }) => client.position = position,
            other => panic!("expected a hello first, got {other:?}"),
        }
        client
    }

    /// The next feed message within `wait` (pings and pongs skipped); `None` on timeout or
    /// when the connection ends.
    pub async fn next_message(&mut self, wait: Duration) -> Option<FeedMessage> {
        tokio::time::timeout(wait, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        return Some(serde_json::from_str(&text).expect("feed messages are JSON"))
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    _ => return None,
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// The next item within `wait`; panics on any other message.
    pub async fn next_item(&mut self, wait: Duration) -> Option<ActivityItem> {
        match self.next_message(wait).await {
            Some(FeedMessage::Item { item }) => Some(item),
            None => None,
            Some(other) => panic!("expected an item, got {other:?}"),
        }
    }

    /// What a browser's tab sees: `n` items after `after`, reconnecting after the last one it
    /// got whenever the server says to resync or the connection ends, as the page does; stops
    /// early when `wait` passes without any message.
    pub async fn follow(
        app: &TestApp,
        cookie: &str,
        after: i64,
        n: usize,
        wait: Duration,
    ) -> (Vec<ActivityItem>, usize) {
        let (mut items, mut reconnects) = (Vec::<ActivityItem>::new(), 0);
        let mut client = Self::open(app, cookie, Some(after)).await;
        while items.len() < n {
            match client.next_message(wait).await {
                Some(FeedMessage::Item { item }) => items.push(item),
                Some(FeedMessage::Resync) if reconnects < 10 => {
                    reconnects += 1;
                    let last = items.last().map_or(after, |i| i.seq);
                    client = Self::open(app, cookie, Some(last)).await;
                }
                _ => break,
            }
        }
        (items, reconnects)
    }

    /// Items until `n` have come or `wait` passes without one.
    pub async fn items(&mut self, n: usize, wait: Duration) -> Vec<ActivityItem> {
        let mut items = Vec::new();
        while items.len() < n {
            match self.next_item(wait).await {
                Some(item) => items.push(item),
                None => break,
            }
        }
        items
    }

    /// Sends a ping and waits up to `wait` for its pong (other messages are skipped).
    pub async fn ping_answered(&mut self, wait: Duration) -> bool {
        let payload = b"still there?".to_vec();
        if self
            .socket
            .send(Message::Ping(payload.clone().into()))
            .await
            .is_err()
        {
            return false;
        }
        tokio::time::timeout(wait, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Pong(data))) if data.as_ref() == payload.as_slice() => {
                        return true
                    }
                    Some(Ok(_)) => continue,
                    _ => return false,
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    pub async fn send_text(
        &mut self,
        text: String,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.socket.send(Message::Text(text.into())).await
    }
}

/// `seq`s strictly increasing by one from `first`: in order, none missing, none twice.
pub fn assert_gapless(items: &[ActivityItem], first: i64) {
    let seqs: Vec<i64> = items.iter().map(|i| i.seq).collect();
    let expected: Vec<i64> = (first..first + items.len() as i64).collect();
    assert_eq!(
        seqs, expected,
        "items must arrive in seq order, each once, none missing"
    );
}
