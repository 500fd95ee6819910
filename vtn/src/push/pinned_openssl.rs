//! Push deliveries with `--tls-stack openssl`: the 2.0b profile as a client
//! (TLS 1.2; ECDHE-GCM when the VEN offers it, else `ECDHE-ECDSA-AES128-SHA256`
//! or `AES128-SHA256`), so a certified VEN whose endpoint speaks only the
//! mandated suites, which rustls does not implement, can be pushed to.
//!
//! The checks are those of [`crate::push::pinned_rustls`]: the VEN's certificate must
//! chain to the client CA bundle and be the one bound to its venID, checked
//! inside the handshake; its names need not match the address. Pushes are
//! rare, so each one is a fresh connection (`Connection: close`).

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;

use crate::tls::Tls;

/// A connector that presents the VTN's certificate and accepts only the VEN
/// certificate with `fingerprint` (normalised, `AA:BB:...`).
pub fn connector(t: &Tls, fingerprint: &str) -> anyhow::Result<SslConnector> {
    let mut b = SslConnector::builder(SslMethod::tls_client())?;
    // The builder trusts the system roots; only the client CA bundle may.
    b.set_cert_store(X509StoreBuilder::new()?.build());
    oadr_edge::profile::profile_2_0b(&mut b, false)?;
    b.set_ca_file(&t.client_ca)
        .with_context(|| format!("loading {}", t.client_ca.display()))?;
    b.set_certificate_chain_file(&t.cert)
        .with_context(|| format!("loading {}", t.cert.display()))?;
    b.set_private_key_file(&t.key, SslFiletype::PEM)
        .with_context(|| format!("loading {}", t.key.display()))?;
    b.check_private_key()
        .with_context(|| format!("{} does not match {}", t.key.display(), t.cert.display()))?;
    b.set_verify_callback(
        SslVerifyMode::PEER,
        oadr_edge::profile::pin_leaf(vec![fingerprint.to_owned()]),
    );
    Ok(b.build())
}

/// POST `body` to `url` (https://) through `connector`, within `timeout`
/// and reading at most `max_answer` bytes: the status, the answer and the
/// fingerprint of the certificate the endpoint presented.
pub async fn post(
    connector: &SslConnector,
    url: &str,
    body: String,
    timeout: Duration,
    max_answer: usize,
) -> anyhow::Result<(u16, Bytes, Option<String>)> {
    tokio::time::timeout(timeout, post_inner(connector, url, body, max_answer))
        .await
        .with_context(|| format!("{url}: no answer within {timeout:?}"))?
}

async fn post_inner(
    connector: &SslConnector,
    url: &str,
    body: String,
    max_answer: usize,
) -> anyhow::Result<(u16, Bytes, Option<String>)> {
    let u = reqwest::Url::parse(url).with_context(|| format!("push address {url}"))?;
    let host = u
        .host_str()
        .with_context(|| format!("push address {url}: no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = u.port_or_known_default().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .with_context(|| format!("connect {host}:{port}"))?;
    let _ = tcp.set_nodelay(true);
    // The pin identifies the endpoint; its certificate need not name the address.
    let ssl = connector
        .configure()?
        .verify_hostname(false)
        .use_server_name_indication(host.parse::<std::net::IpAddr>().is_err())
        .into_ssl(&host)?;
    let mut tls = tokio_openssl::SslStream::new(ssl, tcp)?;
    std::pin::Pin::new(&mut tls)
        .connect()
        .await
        .with_context(|| format!("{url}: TLS handshake"))?;
    let peer = tls
        .ssl()
        .peer_certificate()
        .and_then(|c| c.to_der().ok())
        .map(|der| adr_schema::fingerprint::fingerprint(&der));
    tracing::info!(
        %url,
        version = tls.ssl().version_str(),
        cipher = tls.ssl().current_cipher().map(|c| c.name()).unwrap_or("?"),
        "push: TLS connected (openssl)"
    );
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    };
    let authority = match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
        None => u.host_str().unwrap_or_default().to_owned(),
    };
    let req = hyper::Request::post(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/xml")
        .header(hyper::header::CONNECTION, "close")
        .body(Full::new(Bytes::from(body)))?;
    let resp = send.send_request(req).await?;
    let status = resp.status().as_u16();
    let answer = Limited::new(resp.into_body(), max_answer)
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{url}: reading the answer: {e}"))?
        .to_bytes();
    Ok((status, answer, peer))
}
