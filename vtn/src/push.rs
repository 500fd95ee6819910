//! Push delivery: for VENs registered with `oadrHttpPullModel = false`, queued
//! messages are POSTed to `{oadrTransportAddress}/{service}` (the address is
//! the VEN's base, e.g. `http://ven:8081/OpenADR2/Simple/2.0b`). A message
//! leaves the queue only after an HTTP 200; the VEN's answer in that response
//! (oadrCreatedEvent, oadrCreatedReport, ...) is handled as if it had been
//! posted to us. Failures are retried by the housekeeping job.

use adr_schema::Message;
use tokio::sync::mpsc;

use crate::http::oadr::dispatch;
use crate::program::service::{self, Effects};
use crate::state::AppState;
use crate::store;

/// Spawn the worker; returns the state with its sender installed.
pub fn spawn(mut st: AppState) -> AppState {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    st.push = Some(tx);
    let worker = st.clone();
    tokio::spawn(async move {
        let client = match push_client(&worker) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "push disabled: no HTTP client");
                return;
            }
        };
        while let Some(ven) = rx.recv().await {
            if let Err(e) = drain(&worker, &client, &ven).await {
                tracing::warn!(ven_id = %ven, error = %e, "push failed; will retry");
            }
        }
    });
    st
}

/// The push HTTP client; with TLS it presents the VTN's certificate and trusts the
/// client CA bundle for the VENs' server certificates.
fn push_client(st: &AppState) -> anyhow::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .tls_info(true);
    if let Some(t) = &st.settings.tls {
        let mut pem = std::fs::read(&t.cert)?;
        pem.push(b'\n');
        pem.extend(std::fs::read(&t.key)?);
        b = b.identity(reqwest::Identity::from_pem(&pem)?);
        for c in reqwest::Certificate::from_pem_bundle(&std::fs::read(&t.client_ca)?)? {
            b = b.add_root_certificate(c);
        }
    }
    Ok(b.build()?)
}

async fn drain(st: &AppState, client: &reqwest::Client, ven: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        let v = ven.to_string();
        // Peek the next message (render a distribute now), without removing it.
        let next = st
            .db(move |c, ctx| {
                let Some(row) = store::find_ven(c, &v)? else {
                    return Ok(None);
                };
                let Some(addr) = row.push_address().filter(|_| row.registration_id.is_some())
                else {
                    return Ok(None);
                };
                let Some(p) = store::first_pending(c, &v)? else {
                    return Ok(None);
                };
                let body = if p.kind == service::KIND_DISTRIBUTE {
                    Message::DistributeEvent(service::distribute_for(
                        c,
                        ctx,
                        &row.profile(),
                        None,
                        None,
                    )?)
                    .to_xml()
                } else {
                    p.body.clone()
                };
                Ok(Some((addr, p, body, row.cert_fingerprint.clone())))
            })
            .await?;
        let Some((addr, p, body, bound)) = next else {
            return Ok(());
        };
        // Signatures on: push deliveries are signed like pull answers in `required` mode.
        let body = match st
            .sig
            .clone()
            .filter(|s| s.mode == crate::config::SignatureMode::Required)
        {
            Some(sig) => {
                let now = st.clock.now();
                actix_web::web::block(move || sig.signer.sign(&body, now)).await??
            }
            None => body,
        };
        let svc = service::service_for_kind(&p.kind);
        let url = format!("{}/{}", addr.trim_end_matches('/'), svc.as_str());
        let resp = client
            .post(&url)
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() {
            anyhow::bail!("{url} answered {}", resp.status());
        }
        if st.settings.tls.is_some() {
            // The VEN's server certificate must be the one bound to its venID.
            let peer = resp
                .extensions()
                .get::<reqwest::tls::TlsInfo>()
                .and_then(|i| i.peer_certificate())
                .map(adr_schema::fingerprint::fingerprint);
            let bound = bound
                .as_deref()
                .and_then(adr_schema::fingerprint::normalize);
            if peer.is_none() || peer != bound {
                anyhow::bail!("{url}: the server certificate is not the one bound to VEN {ven}");
            }
        }
        let answer = resp.bytes().await?;
        let id = p.id;
        let kind = p.kind.clone();
        let v = ven.to_string();
        let fx = st
            .db(move |c, ctx| {
                let mut fx = Effects::default();
                if store::delete_pending(c, id)? > 0 {
                    fx.pending.push((v.clone(), -1));
                }
                if kind == service::KIND_CANCEL_REGISTRATION {
                    // Same rule as pull: delivered means the registration has ended.
                    if let Some(mut row) = store::find_ven(c, &v)? {
                        row.registration_id = None;
                        store::update_ven(c, &row)?;
                        fx.upserts.push((v.clone(), None, None));
                    }
                }
                let _ = ctx;
                Ok(fx)
            })
            .await?;
        st.apply(fx);
        if let Ok(msg) = Message::from_slice(&answer) {
            if !matches!(msg, Message::Response(_)) {
                let _ = dispatch(st, svc, msg, None).await;
            }
        }
    }
    Ok(())
}
