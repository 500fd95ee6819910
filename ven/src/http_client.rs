//! HTTP/1.1 to one VTN over hyper's connection API, keeping one connection
//! open between requests (a VEN talks to one VTN, one request at a time).
//!
//! Used for plain HTTP and for the openssl stack (the 2.0b profile's
//! suites, see [`crate::tls`]). A gateway polls for months, so the per-request
//! path is kept short: no connection pool, proxy matching or URL re-parsing,
//! just a request on the kept connection.

use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use openssl::ssl::{Ssl, SslContext};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_openssl::SslStream;

use crate::config::TlsConfig;
use crate::error::{Result, VenError};
use crate::tls::openssl_context;

/// HTTP/1.1 on a connected stream; the connection is driven by its own task.
async fn http1<T>(io: T) -> std::result::Result<SendRequest<Full<Bytes>>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "connection to the VTN closed");
        }
    });
    Ok(send)
}

/// The largest answer accepted from a VTN.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

pub struct HyperClient {
    /// `None`: plain HTTP.
    tls: Option<SslContext>,
    host: String,
    port: u16,
    authority: String,
    timeout: Duration,
    conn: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl HyperClient {
    /// Plain HTTP: `base` must be an `http://` URL.
    pub fn plain(base: &str, timeout: Duration) -> Result<Self> {
        Self::build(base, "http", None, timeout)
    }

    /// HTTPS through openssl: `base` must be an `https://` URL.
    pub fn openssl(base: &str, t: &TlsConfig, timeout: Duration) -> Result<Self> {
        Self::build(base, "https", Some(openssl_context(t)?), timeout)
    }

    fn build(base: &str, scheme: &str, tls: Option<SslContext>, timeout: Duration) -> Result<Self> {
        let url = reqwest::Url::parse(base)
            .map_err(|e| VenError::Config(format!("--vtn {base}: {e}")))?;
        if url.scheme() != scheme {
            return Err(VenError::Config(format!(
                "--vtn {base}: expected an {scheme}:// URL"
            )));
        }
        let host = url
            .host_str()
            .ok_or_else(|| VenError::Config(format!("--vtn {base}: no host")))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url
            .port_or_known_default()
            .unwrap_or(if tls.is_some() { 443 } else { 80 });
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        Ok(HyperClient {
            tls,
            host,
            port,
            authority,
            timeout,
            conn: Mutex::new(None),
        })
    }

    async fn connect(&self) -> std::result::Result<SendRequest<Full<Bytes>>, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connect {}:{}: {e}", self.host, self.port))?;
        let _ = tcp.set_nodelay(true);
        let Some(ctx) = &self.tls else {
            return http1(tcp).await;
        };
        let mut ssl = Ssl::new(ctx).map_err(|e| e.to_string())?;
        let param = ssl.param_mut();
        match self.host.parse::<IpAddr>() {
            Ok(ip) => param.set_ip(ip).map_err(|e| e.to_string())?,
            Err(_) => {
                param.set_host(&self.host).map_err(|e| e.to_string())?;
                ssl.set_hostname(&self.host).map_err(|e| e.to_string())?;
            }
        }
        let mut tls = SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
        if let Err(e) = Pin::new(&mut tls).connect().await {
            let verify = tls.ssl().verify_result();
            return Err(if verify.as_raw() != 0 {
                format!(
                    "TLS handshake: {e} (certificate: {})",
                    verify.error_string()
                )
            } else {
                format!("TLS handshake: {e}")
            });
        }
        tracing::info!(
            version = tls.ssl().version_str(),
            cipher = tls.ssl().current_cipher().map(|c| c.name()).unwrap_or("?"),
            stack = "openssl",
            "TLS connected"
        );
        http1(tls).await
    }

    /// POST `body` to `url` (a URL under the base); the status and body.
    pub async fn post(&self, url: &reqwest::Url, body: String) -> Result<(u16, Bytes)> {
        let unreachable = |e: String| VenError::Unreachable(format!("{url}: {e}"));
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let fut = async {
            let mut guard = self.conn.lock().await;
            // A kept connection the server has meanwhile closed is replaced;
            // a request it refused unsent (closed under our feet) is sent
            // again, once, on a fresh connection. A request that may have
            // been received is never re-sent here: the agent decides.
            let kept = match guard.take() {
                Some(mut s) if !s.is_closed() => s.ready().await.is_ok().then_some(s),
                _ => None,
            };
            let (mut send, mut reused) = match kept {
                Some(s) => (s, true),
                None => (self.connect().await?, false),
            };
            let mut req = hyper::Request::post(path)
                .header(hyper::header::HOST, &self.authority)
                .header(hyper::header::CONTENT_TYPE, "application/xml")
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| e.to_string())?;
            let resp = loop {
                match send.try_send_request(req).await {
                    Ok(r) => break r,
                    Err(mut e) => match e.take_message() {
                        Some(r) if reused => {
                            req = r;
                            send = self.connect().await?;
                            reused = false;
                        }
                        _ => return Err(format!("request: {}", e.error())),
                    },
                }
            };
            let status = resp.status().as_u16();
            let bytes = Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("answer: {e}"))?
                .to_bytes();
            // Keep the connection for the next request (hyper closes it if
            // the server said `Connection: close`).
            *guard = Some(send);
            Ok::<_, String>((status, bytes))
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(unreachable),
            Err(_) => Err(unreachable(format!("timed out after {:?}", self.timeout))),
        }
    }
}
