//! The VTN behind a trait: an HTTP client for requests, and for push mode an
//! HTTP endpoint the VTN posts to.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use adr_schema::{EiResponse, Message, RequestId, Response};
use tokio::sync::{mpsc, oneshot};

use crate::config::{TlsConfig, VtnConfig};
use crate::error::{Result, VenError};
use crate::protocol::Service;

/// Something that delivers a VEN request and returns the VTN's answer
/// (`None` for an empty HTTP body, as some VTNs send for oadrResponse).
pub trait Transport: Send + Sync {
    fn send(&self, msg: &Message) -> impl Future<Output = Result<Option<Message>>> + Send;
}

/// Simple HTTP: POST `{base}/{Service}` with `application/xml`.
///
/// TLS is a field of the config so that mutual TLS (`--cert --key --ca
/// --tls-stack`) slots in here without touching the agent.
pub struct HttpTransport {
    base: String,
    http: reqwest::Client,
}

impl HttpTransport {
    pub fn new(base: &str, cfg: &VtnConfig) -> Result<Self> {
        if let Some(TlsConfig { .. }) = &cfg.tls {
            return Err(VenError::Config("mutual TLS is not supported yet".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_s.max(1)))
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| VenError::Config(format!("HTTP client: {e}")))?;
        Ok(HttpTransport {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }
}

impl Transport for HttpTransport {
    async fn send(&self, msg: &Message) -> Result<Option<Message>> {
        let service = Service::for_message(msg);
        let url = format!("{}/{}", self.base, service.as_str());
        let xml = msg.to_xml();
        tracing::debug!(%url, xml = %xml, "request");
        let r = self
            .http
            .post(&url)
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .map_err(|e| VenError::Unreachable(format!("{url}: {e}")))?;
        let status = r.status();
        let body = r
            .bytes()
            .await
            .map_err(|e| VenError::Unreachable(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(VenError::Http {
                status: status.as_u16(),
                url,
            });
        }
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            tracing::info!(
                sent = msg.name(),
                service = service.as_str(),
                "exchange: empty answer"
            );
            return Ok(None);
        }
        tracing::debug!(%url, xml = %String::from_utf8_lossy(&body), "answer");
        let answer = Message::from_slice(&body)?;
        tracing::info!(
            sent = msg.name(),
            service = service.as_str(),
            received = answer.name(),
            "exchange"
        );
        Ok(Some(answer))
    }
}

/// A message the VTN pushed, and where to put our answer.
pub struct PushRequest {
    pub msg: Message,
    pub reply: oneshot::Sender<Option<Message>>,
}

/// A running push listener.
pub struct PushListener {
    pub addr: SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
}

/// Listen on `listen` for messages the VTN posts (any path); each is handed
/// to the agent over the returned channel and answered with its reply.
pub fn start_push_listener(listen: &str) -> Result<(PushListener, mpsc::Receiver<PushRequest>)> {
    let (tx, rx) = mpsc::channel::<PushRequest>(16);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(tx.clone()))
            .app_data(web::PayloadConfig::new(4 << 20))
            .default_service(web::post().to(push_handler))
    })
    .workers(1)
    .bind(listen)
    .map_err(|e| VenError::Config(format!("push listener {listen}: {e}")))?;
    let addr = *server
        .addrs()
        .first()
        .ok_or_else(|| VenError::Config(format!("push listener {listen}: no address")))?;
    let server = server.disable_signals().run();
    let handle = server.handle();
    tokio::spawn(server);
    tracing::info!(%addr, "push listener started");
    Ok((PushListener { addr, handle }, rx))
}

fn xml_response(m: &Message) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml")
        .body(m.to_xml())
}

async fn push_handler(body: web::Bytes, tx: web::Data<mpsc::Sender<PushRequest>>) -> HttpResponse {
    let msg = match Message::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable pushed message");
            let err = VenError::Codec(e);
            return xml_response(&Message::Response(Response {
                response: EiResponse::error(
                    err.response_code(),
                    err.to_string(),
                    RequestId::new("").expect("empty ok"),
                ),
                ven_id: None,
            }));
        }
    };
    tracing::info!(received = msg.name(), "pushed by the VTN");
    let (reply_tx, reply_rx) = oneshot::channel();
    if tx
        .send(PushRequest {
            msg,
            reply: reply_tx,
        })
        .await
        .is_err()
    {
        return HttpResponse::ServiceUnavailable().finish();
    }
    match tokio::time::timeout(Duration::from_secs(30), reply_rx).await {
        Ok(Ok(Some(m))) => xml_response(&m),
        Ok(Ok(None)) => HttpResponse::Ok().content_type("application/xml").finish(),
        _ => HttpResponse::ServiceUnavailable().finish(),
    }
}
