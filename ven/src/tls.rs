//! Mutual TLS to the VTN (issue 7), with two stacks:
//!
//! - **rustls** (default): TLS 1.2 and 1.3, rustls' modern suites (ECDHE with
//!   AES-GCM or ChaCha20). Plugged into reqwest as a preconfigured
//!   `rustls::ClientConfig`.
//! - **openssl**: the OpenADR 2.0b profile: TLS 1.2 only, offering
//!   `ECDHE-ECDSA-AES128-SHA256` and `AES128-SHA256` (the two mandated suites)
//!   after the ECDHE-GCM suites, so that a server offering GCM gets GCM and a
//!   strict 2.0b server gets a mandated suite. reqwest's native-tls backend
//!   cannot pin a cipher list, so this stack is hyper's HTTP/1.1 client over
//!   `tokio-openssl`.
//!
//! Either way the VEN presents `cert` (leaf followed by its intermediates) with
//! `key`, and trusts only the roots in `ca` (not the system store) for the
//! VTN's chain, whose name must match the URL's host (DNS name or IP address).

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use openssl::ssl::{Ssl, SslContext, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_openssl::SslStream;

use crate::config::TlsConfig;
use crate::error::{Result, VenError};

/// The openssl stack's TLS 1.2 cipher list, most preferred first: forward
/// secret AEAD suites when the VTN offers them, then the two suites the 2.0b
/// profile mandates. `@SECLEVEL=2` is stated so that a system policy that
/// raised the level (which forbids RSA key transport) does not silently drop
/// `AES128-SHA256`; level 2 still demands 2048-bit RSA keys.
pub const OPENSSL_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-AES128-SHA256:AES128-SHA256:@SECLEVEL=2";

fn cfg_err(what: &str, path: &str, e: impl std::fmt::Display) -> VenError {
    VenError::Config(format!("TLS {what} {path}: {e}"))
}

/// The rustls client configuration: our certificate chain and key, and the
/// roots in `ca` as the only trust anchors.
pub fn rustls_config(t: &TlsConfig) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let cas = CertificateDer::pem_file_iter(&t.ca)
        .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| cfg_err("CA file", &t.ca, e))?;
    let (added, _ignored) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(cfg_err("CA file", &t.ca, "no usable certificate"));
    }
    let chain = CertificateDer::pem_file_iter(&t.cert)
        .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| cfg_err("certificate", &t.cert, e))?;
    if chain.is_empty() {
        return Err(cfg_err("certificate", &t.cert, "no certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(&t.key).map_err(|e| cfg_err("key", &t.key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| VenError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| cfg_err("certificate/key", &t.cert, e))
}

/// The openssl context of the 2.0b profile (see [`OPENSSL_CIPHERS`]).
pub fn openssl_context(t: &TlsConfig) -> Result<SslContext> {
    let e = |what: &'static str| {
        move |err: openssl::error::ErrorStack| VenError::Config(format!("TLS {what}: {err}"))
    };
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(e("context"))?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(e("protocol"))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))
        .map_err(e("protocol"))?;
    b.set_cipher_list(OPENSSL_CIPHERS)
        .map_err(e("cipher list"))?;
    // Only the configured roots: no set_default_verify_paths (system store).
    b.set_ca_file(&t.ca)
        .map_err(|err| cfg_err("CA file", &t.ca, err))?;
    b.set_verify(SslVerifyMode::PEER);
    b.set_certificate_chain_file(&t.cert)
        .map_err(|err| cfg_err("certificate", &t.cert, err))?;
    b.set_private_key_file(&t.key, SslFiletype::PEM)
        .map_err(|err| cfg_err("key", &t.key, err))?;
    b.check_private_key()
        .map_err(|err| cfg_err("key (does not match the certificate)", &t.key, err))?;
    Ok(b.build())
}

/// HTTP/1.1 over openssl to one VTN, keeping one connection open between
/// requests (a VEN talks to one VTN, one request at a time).
pub struct OpensslClient {
    ctx: SslContext,
    host: String,
    port: u16,
    authority: String,
    timeout: Duration,
    conn: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl OpensslClient {
    /// `base` must be an `https://` URL.
    pub fn new(base: &str, t: &TlsConfig, timeout: Duration) -> Result<Self> {
        let url = reqwest::Url::parse(base)
            .map_err(|e| VenError::Config(format!("--vtn {base}: {e}")))?;
        if url.scheme() != "https" {
            return Err(VenError::Config(format!(
                "--vtn {base}: TLS options need an https:// URL"
            )));
        }
        let host = url
            .host_str()
            .ok_or_else(|| VenError::Config(format!("--vtn {base}: no host")))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        Ok(OpensslClient {
            ctx: openssl_context(t)?,
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
        let mut ssl = Ssl::new(&self.ctx).map_err(|e| e.to_string())?;
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
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "TLS connection closed");
            }
        });
        Ok(send)
    }

    /// POST `body` to `url` (a URL under the base); the status and body.
    pub async fn post(&self, url: &str, body: String) -> Result<(u16, Bytes)> {
        let unreachable = |e: String| VenError::Unreachable(format!("{url}: {e}"));
        let path = reqwest::Url::parse(url)
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            })
            .map_err(|e| unreachable(e.to_string()))?;
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
            let bytes = resp
                .into_body()
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
