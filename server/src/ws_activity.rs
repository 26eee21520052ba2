//! `GET /ws/activity?after=SEQ`: first every item after SEQ from the database, then live
//! items from the hub, each exactly once and in `seq` order. Needs the session (the auth
//! gate), refuses pages of other sites (Origin), limits incoming messages to 4 KiB, and
//! closes a connection that stops answering pings.

use crate::startup::AppState;
use app::events::{ActivityItem, FeedMessage};
use axum::{
    extract::{ws::{Message, WebSocket, WebSocketUpgrade}, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use std::time::Duration;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

/// The most items one replay sends; a browser further behind reloads the page.
const MAX_REPLAY: i64 = 5_000;
/// A ping this often; a client silent for IDLE_LIMIT (no pong, no message) is closed.
const PING_EVERY: Duration = Duration::from_secs(20);
const IDLE_LIMIT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
pub struct FeedQuery {
    #[serde(default)]
    after: i64,
}

pub async fn upgrade(ws: WebSocketUpgrade, headers: HeaderMap, Query(query): Query<FeedQuery>, State(state): State<AppState>) -> Response {
    // A WebSocket is not covered by the same-origin policy: check who opened it.
    if crate::auth_gate::is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused").into_response();
    }
    ws.max_message_size(4 * 1024).on_upgrade(move |socket| async move {
        if let Err(e) = stream(socket, query.after, state).await {
            tracing::debug!(error = %e, "activity socket closed");
        }
    })
}

async fn stream(mut socket: WebSocket, after: i64, state: AppState) -> Result<(), axum::Error> {
    // Subscribe before reading the backlog, so nothing committed meanwhile slips between.
    let mut live = state.hub.subscribe();
    let mut last_sent = after;
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM activity_items")
        .fetch_one(&state.app.pool)
        .await
        .unwrap_or(after);
    send_range(&mut socket, &state, &mut last_sent, newest).await?;
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => break,
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    tracing::debug!("closing an idle activity socket");
                    break;
                }
                socket.send(Message::Ping(Vec::new().into())).await?;
            }
            item = live.recv() => match item {
                Ok(item) if item.seq <= last_sent => {}
                Ok(item) => {
                    // Items the hub has not delivered to us (e.g. before it joined): from the database.
                    if item.seq > last_sent + 1 {
                        send_range(&mut socket, &state, &mut last_sent, item.seq - 1).await?;
                    }
                    send(&mut socket, &mut last_sent, item).await?;
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = socket.send(Message::Text(serde_json::to_string(&FeedMessage::Resync).unwrap_or_default().into())).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => last_heard = tokio::time::Instant::now(),
            },
        }
    }
    socket.send(Message::Close(None)).await
}

async fn send_range(socket: &mut WebSocket, state: &AppState, last_sent: &mut i64, until: i64) -> Result<(), axum::Error> {
    if until <= *last_sent {
        return Ok(());
    }
    let from = (*last_sent).max(until - MAX_REPLAY);
    let items = app::db::activity::between(&state.app.pool, from, until).await.map_err(axum::Error::new)?;
    for item in items {
        send(socket, last_sent, item).await?;
    }
    Ok(())
}

async fn send(socket: &mut WebSocket, last_sent: &mut i64, item: ActivityItem) -> Result<(), axum::Error> {
    let seq = item.seq;
    let text = serde_json::to_string(&FeedMessage::Item { item }).map_err(axum::Error::new)?;
    socket.send(Message::Text(text.into())).await?;
    *last_sent = seq;
    Ok(())
}
