//! Real outside parts for the tests: an SMTP sink that keeps every mail it is given, and an
//! HTTP receiver that keeps every webhook (and can refuse the first ones).
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

/// An SMTP sink (the server's own development mail catcher) keeping mails in memory.
pub async fn smtp_sink() -> (SocketAddr, Arc<Mutex<Vec<Mail>>>) {
    smtp_sink_at(0).await
}

/// The SMTP sink on a given port (0: any free one).
pub async fn smtp_sink_at(port: u16) -> (SocketAddr, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    let keep: server::delivery::mail_catcher::Keep = Arc::new(move |mail| {
        kept.lock().unwrap().push(Mail {
            to: mail.to,
            data: mail.data,
        });
        Box::pin(async { true })
    });
    tokio::spawn(server::delivery::mail_catcher::receive(
        listener,
        keep,
        tokio_util::sync::CancellationToken::new(),
    ));
    (addr, mails)
}

#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    pub signature: String,
    pub delivery: String,
    pub body: String,
}

/// An HTTP receiver for webhooks; answers 500 to the first `refuse_first` requests.
pub async fn webhook_receiver(refuse_first: usize) -> (SocketAddr, Arc<Mutex<Vec<Hook>>>) {
    use axum::{
        body::Bytes,
        extract::State,
        http::{HeaderMap, StatusCode, Uri},
        routing::post,
        Router,
    };
    type Seen = Arc<Mutex<(usize, Vec<Hook>)>>;
    let seen: Seen = Arc::new(Mutex::new((refuse_first, Vec::new())));
    let hooks = Arc::new(Mutex::new(Vec::new()));
    let (seen_for_app, hooks_for_app) = (seen.clone(), hooks.clone());
    let app = Router::new()
        .route(
            "/{*path}",
            post(
                move |State(_): State<()>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let (seen, hooks) = (seen_for_app.clone(), hooks_for_app.clone());
                    async move {
                        let mut state = seen.lock().unwrap();
                        if state.0 > 0 {
                            state.0 -= 1;
                            return StatusCode::INTERNAL_SERVER_ERROR;
                        }
                        let header = |name: &str| {
                            headers
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string()
                        };
                        hooks.lock().unwrap().push(Hook {
                            path: uri.path().to_string(),
                            signature: header("acme-signature"),
                            delivery: header("acme-delivery"),
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        StatusCode::NO_CONTENT
                    }
                },
            ),
        )
        .with_state(());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let _ = seen;
    (addr, hooks)
}

/// Points `settings` at a fresh SMTP sink and webhook receiver that take everything at once, so
/// that deliveries finish instead of retrying; what they received.
pub async fn delivered_at_once(
    settings: &mut server::settings::Settings,
) -> (Arc<Mutex<Vec<Mail>>>, Arc<Mutex<Vec<Hook>>>) {
    let (smtp, mails) = smtp_sink().await;
    settings.smtp_host = smtp.ip().to_string();
    settings.smtp_port = smtp.port();
    let (hooks, received) = webhook_receiver(0).await;
    settings.webhook_accounting_url = format!("http://{hooks}/accounting");
    settings.webhook_finance_url = format!("http://{hooks}/finance");
    settings.webhook_team_chat_url = format!("http://{hooks}/chat");
    (mails, received)
}
