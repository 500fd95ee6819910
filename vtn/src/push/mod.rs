//! Push delivery: for VENs registered with `oadrHttpPullModel = false`, queued
//! messages are POSTed to `{oadrTransportAddress}/{service}` (the address is
//! the VEN's base, e.g. `http://ven:8081/OpenADR2/Simple/2.0b`). A message
//! leaves the queue only after an HTTP 200; the VEN's answer in that response
//! (oadrCreatedEvent, oadrCreatedReport, ...) is handled as if it had been
//! posted to us. Failures are retried by the housekeeping job.
//!
//! VENs are served concurrently (up to [`MAX_CONCURRENT_VENS`]), one delivery
//! at a time per VEN so its messages keep their order: an endpoint that
//! swallows packets costs its own VEN the 10 s timeout, not every other VEN.

pub mod pinned_openssl;
pub mod pinned_rustls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use adr_schema::Message;
use anyhow::Context;
use bytes::Bytes;
use tokio::sync::{mpsc, Semaphore};

use crate::core;
use crate::state::AppState;
use crate::store::Effects;

/// How many VENs are delivered to at once.
pub const MAX_CONCURRENT_VENS: usize = 32;

/// Spawn the dispatcher; returns the state with its sender installed.
pub fn spawn(mut st: AppState) -> AppState {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    st.push = Some(tx);
    let worker = st.clone();
    tokio::spawn(async move {
        let clients = Arc::new(Mutex::new(Clients::default()));
        let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_VENS));
        // VENs with a delivery task, and whether they were asked for again
        // meanwhile (the task then drains once more instead of a second task
        // racing it).
        let busy: Arc<Mutex<HashMap<String, bool>>> = Arc::default();
        while let Some(ven) = rx.recv().await {
            {
                let mut b = lock(&busy);
                if let Some(again) = b.get_mut(&ven) {
                    *again = true;
                    continue;
                }
                b.insert(ven.clone(), false);
            }
            let (st, clients, slots, busy) =
                (worker.clone(), clients.clone(), slots.clone(), busy.clone());
            tokio::spawn(async move {
                // Never closed; without a slot the delivery would just run unthrottled.
                let _slot = slots.acquire_owned().await.ok();
                loop {
                    if let Err(e) = drain(&st, &clients, &ven).await {
                        st.metrics.push.with_label_values(&["failed"]).inc();
                        tracing::warn!(ven_id = %ven, error = %e, "push failed; will retry");
                    }
                    let mut b = lock(&busy);
                    if b.get(&ven) == Some(&true) {
                        b.insert(ven.clone(), false);
                        continue;
                    }
                    b.remove(&ven);
                    break;
                }
            });
        }
    });
    st
}

/// The lock, even if a task panicked while holding it (the maps stay valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Push HTTP clients: one for plain HTTP; with TLS, one per VEN certificate,
/// each accepting only that certificate (see [`crate::push::pinned_rustls`], and
/// [`crate::push::pinned_openssl`] for `--tls-stack openssl`).
#[derive(Default)]
struct Clients {
    plain: Option<reqwest::Client>,
    pinned: HashMap<String, Client>,
}

#[derive(Clone)]
enum Client {
    Reqwest(reqwest::Client),
    Openssl(Arc<openssl::ssl::SslConnector>),
}

/// How long one delivery may take, and the largest answer read from a VEN's
/// push endpoint (either TLS stack).
const PUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
pub(crate) const MAX_ANSWER_BYTES: usize = 4 << 20;

impl Client {
    /// POST `body`: the status, the answer and, over TLS, the fingerprint of
    /// the certificate the endpoint presented.
    async fn post(&self, url: &str, body: String) -> anyhow::Result<(u16, Bytes, Option<String>)> {
        match self {
            Client::Reqwest(c) => {
                let mut resp = c
                    .post(url)
                    .header("Content-Type", "application/xml")
                    .body(body)
                    .send()
                    .await?;
                let peer = resp
                    .extensions()
                    .get::<reqwest::tls::TlsInfo>()
                    .and_then(|i| i.peer_certificate())
                    .map(adr_schema::fingerprint::fingerprint);
                let status = resp.status().as_u16();
                let mut answer = Vec::new();
                while let Some(chunk) = resp.chunk().await? {
                    if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                        anyhow::bail!("{url}: answer larger than {} bytes", MAX_ANSWER_BYTES);
                    }
                    answer.extend_from_slice(&chunk);
                }
                Ok((status, Bytes::from(answer), peer))
            }
            Client::Openssl(c) => {
                crate::push::pinned_openssl::post(c, url, body, PUSH_TIMEOUT, MAX_ANSWER_BYTES)
                    .await
            }
        }
    }
}

/// More distinct VEN certificates than this and the cache starts over.
const MAX_PINNED_CLIENTS: usize = 10_000;

impl Clients {
    fn builder() -> reqwest::ClientBuilder {
        // No redirects: a signed message goes to the registered address or
        // nowhere (a 3xx would re-post it wherever the endpoint points).
        reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .tls_info(true)
    }

    /// The client for a delivery to `addr`. With TLS on, the address must be
    /// https:// and the VEN must have a bound certificate: nothing is ever
    /// written to a connection the VEN's own certificate does not secure.
    fn for_ven(
        &mut self,
        st: &AppState,
        addr: &str,
        bound: Option<&str>,
    ) -> anyhow::Result<Client> {
        let Some(t) = &st.settings.tls else {
            if let Some(c) = &self.plain {
                return Ok(Client::Reqwest(c.clone()));
            }
            let c = Self::builder().build()?;
            self.plain = Some(c.clone());
            return Ok(Client::Reqwest(c));
        };
        if !addr
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            anyhow::bail!("TLS is on, so push goes to https:// addresses only, not {addr}");
        }
        let fp = bound.and_then(adr_schema::fingerprint::normalize).context(
            "no certificate is bound to this VEN, so its endpoint cannot be authenticated",
        )?;
        if let Some(c) = self.pinned.get(&fp) {
            return Ok(c.clone());
        }
        if self.pinned.len() >= MAX_PINNED_CLIENTS {
            self.pinned.clear();
        }
        let c = match t.stack {
            crate::tls::TlsStack::Openssl => {
                Client::Openssl(Arc::new(crate::push::pinned_openssl::connector(t, &fp)?))
            }
            crate::tls::TlsStack::Rustls => Client::Reqwest(
                Self::builder()
                    .use_preconfigured_tls(crate::push::pinned_rustls::client_config(t, &fp)?)
                    .build()?,
            ),
        };
        self.pinned.insert(fp, c.clone());
        Ok(c)
    }
}

/// Deliver a VEN's queue, oldest first, through the one delivery path
/// ([`vtn_core::delivery`]): written in one transaction, POSTed, then marked
/// delivered in a second one, which removes the message only if it was not
/// changed meanwhile (a distribute asked for again during the POST is sent
/// once more, with the change).
async fn drain(st: &AppState, clients: &Mutex<Clients>, ven: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        let v = ven.to_string();
        let next = st
            .write(move |c, env| {
                let mut fx = Effects::default();
                let d = core::decide(c, env, None, &mut fx, |view, ctx| {
                    let Some(row) = view.ven(&v)? else {
                        return Ok(vtn_core::Decision {
                            reply: None,
                            ops: vec![],
                        });
                    };
                    let Some(addr) = row
                        .push_address()
                        .filter(|_| row.is_registered())
                        .map(str::to_string)
                    else {
                        return Ok(vtn_core::Decision {
                            reply: None,
                            ops: vec![],
                        });
                    };
                    let d = vtn_core::delivery::next(view, ctx, &row)?;
                    Ok(vtn_core::Decision {
                        reply: d.map(|d| (addr, d, row.cert_fingerprint.clone())),
                        ops: vec![],
                    })
                })?;
                Ok(d)
            })
            .await?;
        let Some((addr, delivery, bound)) = next else {
            return Ok(());
        };
        // Signatures on: push deliveries are signed like pull answers in `required` mode.
        let body = delivery.body.clone();
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
        let svc = delivery.service;
        let url = format!("{}/{}", addr.trim_end_matches('/'), svc.as_str());
        let client = lock(clients).for_ven(st, &addr, bound.as_deref())?;
        let (status, answer, peer) = client.post(&url, body).await?;
        if !(200..300).contains(&status) {
            anyhow::bail!("{url} answered {status}");
        }
        st.metrics.push.with_label_values(&["delivered"]).inc();
        if st.settings.tls.is_some() {
            // Checked in the handshake already (pinned_rustls, pinned_openssl); kept as a second lock.
            let bound = bound
                .as_deref()
                .and_then(adr_schema::fingerprint::normalize);
            if peer.is_none() || peer != bound {
                anyhow::bail!("{url}: the server certificate is not the one bound to VEN {ven}");
            }
        }
        let fx = st
            .write(move |c, env| {
                let mut fx = Effects::default();
                core::decide(c, env, None, &mut fx, |view, ctx| {
                    Ok(vtn_core::Decision {
                        reply: (),
                        ops: vtn_core::delivery::delivered(view, ctx, &delivery)?,
                    })
                })?;
                Ok(fx)
            })
            .await?;
        st.apply(fx);
        if let Ok(msg) = Message::from_slice(&answer) {
            if !matches!(msg, Message::Response(_)) {
                let _ = core::answer(st, svc, msg, None, None, core::Wire::B).await;
            }
        }
    }
    Ok(())
}
