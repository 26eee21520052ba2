//! `GET /ws/activity[?after=SEQ]`: first a `hello` naming the position, then every item after
//! it from the database, then live items from the hub, each exactly once and in `seq` order.
//! Without `after` the stream starts at the newest item (a page that only wants what happens
//! from now on). Needs the session (the auth gate), refuses pages of other sites (Origin),
//! limits incoming messages to 4 KiB, closes a connection that stops answering pings, and
//! drops one that cannot take a message for SEND_TIMEOUT (the browser reconnects and catches
//! up from the database) so a stuck client costs the others nothing.

use crate::activity::hub::FeedFrame;
use crate::state::ServerState;
use app::auth::roles::Actor;
use app::events::{FeedFilter, FeedMessage};
use axum::{
    extract::{
        ws::{Message, WebSocket, WebSocketUpgrade},
        Extension, Query, State,
    },
    response::Response,
};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// The most items one replay sends; a browser further behind reloads the page.
const MAX_REPLAY: i64 = 5_000;
/// A replay reads the database this many items at a time, so that a socket holds one page
/// however far behind its browser was.
const REPLAY_PAGE: i64 = 250;
/// A client that cannot take one message for this long is disconnected.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest message a client may send.
pub const MAX_INCOMING: usize = 4 * 1024;

#[derive(Deserialize)]
pub struct FeedQuery {
    after: Option<i64>,
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Query(query): Query<FeedQuery>,
    State(state): State<ServerState>,
    Extension(actor): Extension<Actor>,
) -> Response {
    // Who opened it was checked by the HTTP side's cross-site gate (http::auth_gate).
    // Browsers send almost nothing: a small read buffer (the default 128 KiB per socket would
    // be most of the server's memory with a thousand tabs open).
    ws.max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            if let Err(e) = stream(socket, query.after, state, actor).await {
                tracing::debug!(error = %e, "activity socket closed");
            }
        })
}

async fn stream(
    mut socket: WebSocket,
    after: Option<i64>,
    state: ServerState,
    actor: Actor,
) -> Result<(), axum::Error> {
    // Subscribe before reading the position, so nothing committed meanwhile slips between.
    let mut live = state.hub.subscribe();
    let mut session_changes = state.session_changes.subscribe();
    let newest = app::db::activity::position(&state.app.pool)
        .await
        .map_err(axum::Error::new)?;
    // Where the replay starts: what the client asked for, unless that is more than MAX_REPLAY
    // behind (then the hello tells it that it skipped some and should reload its figures).
    let mut last_sent = after.unwrap_or(newest).max(newest - MAX_REPLAY).max(0);
    send_message(
        &mut socket,
        &FeedMessage::Hello {
            position: last_sent,
        },
    )
    .await?;
    send_range(&mut socket, &state, &mut last_sent, newest).await?;
    let ping_every = state.feed_ping;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => break,
            _ = ping.tick() => {
                if last_heard.elapsed() > ping_every * 3 {
                    tracing::debug!("closing an idle activity socket");
                    break;
                }
                timed(socket.send(Message::Ping(Vec::new().into()))).await?;
                // A change announced while this process could not hear it: seen here.
                if !still_the_same(&state, &actor).await {
                    let _ = send_message(&mut socket, &FeedMessage::SessionChanged).await;
                    break;
                }
                // The database has every item; the hub may have missed some (its consumer lost
                // its place while a broker was down) with nothing after them to show the gap.
                let newest = app::db::activity::position(&state.app.pool)
                    .await
                    .map_err(axum::Error::new)?;
                send_range(&mut socket, &state, &mut last_sent, newest).await?;
            }
            frame = live.recv() => match frame {
                Ok(frame) if frame.seq <= last_sent => {}
                Ok(frame) => {
                    // Items the hub has not delivered to us (e.g. before it joined): from the database.
                    if frame.seq > last_sent + 1 {
                        send_range(&mut socket, &state, &mut last_sent, frame.seq - 1).await?;
                    }
                    send_frame(&mut socket, &mut last_sent, frame).await?;
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "an activity socket fell behind; telling it to resync");
                    let _ = send_message(&mut socket, &FeedMessage::Resync).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            changed = session_changes.recv() => {
                let ours = match changed {
                    Ok(user) => Some(user) == actor.user,
                    // Missed some announcements: look for ourselves.
                    Err(RecvError::Lagged(_)) => !still_the_same(&state, &actor).await,
                    Err(RecvError::Closed) => false,
                };
                if ours {
                    tracing::info!(user = %actor.name, "session changed; telling the browser");
                    let _ = send_message(&mut socket, &FeedMessage::SessionChanged).await;
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => last_heard = tokio::time::Instant::now(),
            },
        }
    }
    timed(socket.send(Message::Close(None))).await
}

/// Whether the socket's user is still enabled with the same role (a token's socket always is;
/// a database that cannot answer does not end anyone's session).
async fn still_the_same(state: &ServerState, actor: &Actor) -> bool {
    let Some(user) = actor.user else {
        return true;
    };
    match app::db::users::actor(&state.app.pool, user).await {
        Ok(Some(now)) => now.role == actor.role,
        Ok(None) => false,
        Err(_) => true,
    }
}

async fn send_range(
    socket: &mut WebSocket,
    state: &ServerState,
    last_sent: &mut i64,
    until: i64,
) -> Result<(), axum::Error> {
    if until <= *last_sent {
        return Ok(());
    }
    let mut from = (*last_sent).max(until - MAX_REPLAY);
    while from < until {
        let page = app::db::activity::between(
            &state.app.pool,
            from,
            until,
            &FeedFilter::default(),
            REPLAY_PAGE,
        )
        .await
        .map_err(axum::Error::new)?;
        let full = page.len() as i64 == REPLAY_PAGE;
        for item in page {
            from = item.seq;
            send_frame(
                socket,
                last_sent,
                FeedFrame::new(item).map_err(axum::Error::new)?,
            )
            .await?;
        }
        if !full {
            break;
        }
    }
    Ok(())
}

/// Sends one item (serialized once, whether it came from the database or the hub).
async fn send_frame(
    socket: &mut WebSocket,
    last_sent: &mut i64,
    frame: FeedFrame,
) -> Result<(), axum::Error> {
    timed(socket.send(Message::Text(frame.text))).await?;
    *last_sent = frame.seq;
    Ok(())
}

async fn send_message(socket: &mut WebSocket, message: &FeedMessage) -> Result<(), axum::Error> {
    let text = serde_json::to_string(message).map_err(axum::Error::new)?;
    timed(socket.send(Message::Text(text.into()))).await
}

async fn timed(
    send: impl std::future::Future<Output = Result<(), axum::Error>>,
) -> Result<(), axum::Error> {
    tokio::time::timeout(SEND_TIMEOUT, send)
        .await
        .map_err(|_| axum::Error::new("the client took no message for 10 s"))?
}
