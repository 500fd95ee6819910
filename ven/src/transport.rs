//! The VTN behind a trait: an HTTP client for requests, and for push mode an
//! HTTP endpoint the VTN posts to.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use adr_schema::{EiResponse, Message, RequestId, Response};
use tokio::sync::{mpsc, oneshot};

use crate::config::{TlsStack, VtnConfig};
use crate::error::{Result, VenError};
use crate::http_client::{HyperClient, MAX_ANSWER_BYTES};
use crate::protocol::Service;
use crate::tls;

/// Something that delivers a VEN request and returns the VTN's answer
/// (`None` for an empty HTTP body, as some VTNs send for oadrResponse).
pub trait Transport: Send + Sync {
    fn send(&self, msg: &Message) -> impl Future<Output = Result<Option<Message>>> + Send;
}

/// Simple HTTP: POST `{base}/{Service}` with `application/xml`, over plain
/// HTTP, or HTTPS with mutual TLS (`[vtn.tls]`, `--cert --key --ca
/// --tls-stack`; see [`crate::tls`]).
pub struct HttpTransport {
    /// `{base}/{Service}` for each service, parsed once (reqwest would
    /// otherwise parse and IDNA-map the URL string on every request);
    /// indexed by `Service as usize` (the order of `Service::ALL`).
    urls: Vec<reqwest::Url>,
    client: Client,
}

enum Client {
    /// rustls (reqwest with a preconfigured `ClientConfig`).
    Reqwest(reqwest::Client),
    /// Plain HTTP, or the 2.0b profile through openssl.
    Hyper(HyperClient),
}

impl HttpTransport {
    pub fn new(base: &str, cfg: &VtnConfig) -> Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        // A URL that can never work is a configuration error, not something to retry.
        match reqwest::Url::parse(&base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(VenError::Config(format!(
                "the VTN URL {base:?} is not an http(s):// URL (it ends in /OpenADR2/Simple/2.0b)"
            )))
            }
        }
        let timeout = Duration::from_secs(cfg.timeout_s.max(1));
        let https = base
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let client = match &cfg.tls {
            Some(t) if !https => {
                return Err(VenError::Config(format!(
                    "TLS is configured (cert {}) but the VTN URL {base} is not https://",
                    t.cert
                )))
            }
            Some(t) if t.stack == TlsStack::Openssl => {
                Client::Hyper(HyperClient::openssl(&base, t, timeout)?)
            }
            // Plain HTTP through a proxy needs reqwest's proxy support.
            None if !https && !proxy_configured() => {
                Client::Hyper(HyperClient::plain(&base, timeout)?)
            }
            tls => {
                let mut b = reqwest::Client::builder()
                    .timeout(timeout)
                    .pool_max_idle_per_host(1);
                // reqwest matches every request against the proxy settings
                // it read from the environment; skip that work when there
                // are none (a gateway polling for months pays it each time).
                // This also ignores macOS/Windows system proxy settings: set
                // HTTPS_PROXY there to use one.
                if !proxy_configured() {
                    b = b.no_proxy();
                }
                if let Some(t) = tls {
                    b = b.use_preconfigured_tls(tls::rustls_config(t)?);
                }
                Client::Reqwest(
                    b.build()
                        .map_err(|e| VenError::Config(format!("HTTP client: {e}")))?,
                )
            }
        };
        if let Some(t) = &cfg.tls {
            tracing::info!(stack = ?t.stack, cert = %t.cert, ca = %t.ca, "mutual TLS to the VTN");
        }
        let urls = Service::ALL
            .into_iter()
            .map(|svc| {
                reqwest::Url::parse(&format!("{base}/{}", svc.as_str()))
                    .map_err(|e| VenError::Config(format!("the VTN URL {base:?}: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(HttpTransport { urls, client })
    }

    fn url(&self, service: Service) -> &reqwest::Url {
        &self.urls[service as usize]
    }

    /// POST `xml` to `url`: the HTTP status and body.
    async fn post(&self, url: &reqwest::Url, xml: String) -> Result<(u16, bytes::Bytes)> {
        match &self.client {
            Client::Hyper(c) => c.post(url, xml).await,
            Client::Reqwest(http) => {
                let mut r = http
                    .post(url.clone())
                    .header("content-type", "application/xml")
                    .body(xml)
                    .send()
                    .await
                    .map_err(|e| VenError::Unreachable(format!("{url}: {}", error_chain(&e))))?;
                let status = r.status().as_u16();
                // Read in chunks so that an endless answer is cut off.
                let mut body = bytes::BytesMut::new();
                while let Some(chunk) = r
                    .chunk()
                    .await
                    .map_err(|e| VenError::Unreachable(format!("{url}: {}", error_chain(&e))))?
                {
                    if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                        return Err(VenError::Unreachable(format!(
                            "{url}: answer larger than {MAX_ANSWER_BYTES} bytes"
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok((status, body.freeze()))
            }
        }
    }
}

/// Whether the environment names an HTTP proxy (reqwest's own variables).
fn proxy_configured() -> bool {
    [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

/// An error and its sources on one line (reqwest hides the TLS reason, e.g.
/// `invalid peer certificate: UnknownIssuer`, in the source chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

impl Transport for HttpTransport {
    async fn send(&self, msg: &Message) -> Result<Option<Message>> {
        let service = Service::of(msg);
        let url = self.url(service);
        let xml = msg.to_xml();
        tracing::debug!(%url, xml = %xml, "request");
        let (status, body) = self.post(url, xml).await?;
        if !(200..300).contains(&status) {
            return Err(VenError::Http {
                status,
                url: url.to_string(),
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
///
/// With `tls` (the VEN's `[vtn.tls]` and the VTN's certificate fingerprints),
/// the listener serves HTTPS with the VEN's certificate and accepts only a
/// client certificate that chains to its CA file and is one of those
/// fingerprints; the public URL must then be https://. The TLS stack is the
/// one configured for the VTN: rustls (modern suites), or openssl for the
/// 2.0b profile's suites, which a certified VTN may be limited to.
pub fn start_push_listener(
    listen: &str,
    tls: Option<(&crate::config::TlsConfig, &[String])>,
) -> Result<(PushListener, mpsc::Receiver<PushRequest>)> {
    let (tx, rx) = mpsc::channel::<PushRequest>(16);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(tx.clone()))
            .app_data(web::PayloadConfig::new(4 << 20))
            .default_service(web::post().to(push_handler))
    })
    .workers(1);
    let server = match tls {
        Some((t, fps)) if t.stack == TlsStack::Openssl => {
            server.bind_openssl(listen, tls::push_openssl_acceptor(t, fps)?)
        }
        Some((t, fps)) => server.bind_rustls_0_23(listen, tls::push_server_config(t, fps)?),
        None => server.bind(listen),
    }
    .map_err(|e| VenError::Config(format!("push listener {listen}: {e}")))?;
    let addr = *server
        .addrs()
        .first()
        .ok_or_else(|| VenError::Config(format!("push listener {listen}: no address")))?;
    let server = server.disable_signals().run();
    let handle = server.handle();
    tokio::spawn(server);
    let tls = match tls {
        Some((t, _)) if t.stack == TlsStack::Openssl => "openssl (2.0b profile)",
        Some(_) => "rustls",
        None => "none",
    };
    tracing::info!(%addr, tls, "push listener started");
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
