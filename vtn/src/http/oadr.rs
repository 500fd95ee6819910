//! `POST /OpenADR2/Simple/2.0b/{EiRegisterParty,EiEvent,EiReport,EiOpt,OadrPoll}`.
//!
//! Every answer is a valid OpenADR payload with HTTP 200, errors included
//! (an unknown service path is a plain 404). The body is read with a bound.

use std::sync::atomic::Ordering;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use adr_schema::Message;
use futures_util_lite::next_chunk;

use crate::config::SignatureMode;
use crate::core::{self, Wire};
use crate::error::VtnError;
use crate::state::AppState;
use crate::tls::PeerCert;
use adr_schema::Service;

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml")
        .body(body)
}

pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .body("OpenADR services accept POST only\n")
}

/// Read the body, at most `limit` bytes.
async fn read_bounded(
    req: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> Result<web::Bytes, VtnError> {
    if let Some(n) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if n > limit {
            return Err(VtnError::TooLarge(limit));
        }
    }
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = next_chunk(payload).await {
        let chunk = chunk.map_err(|e| VtnError::data(format!("reading the request body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(VtnError::TooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

pub async fn service(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    st: web::Data<AppState>,
) -> HttpResponse {
    let Some(svc) = Service::from_name(&path) else {
        return HttpResponse::NotFound().body(format!("no OpenADR service {:?}\n", path.as_str()));
    };
    let t0 = std::time::Instant::now();
    let mut code = 200;
    let resp = answer_request(req, svc, payload, &st, &mut code, Wire::B).await;
    st.metrics.request(svc, code, t0);
    resp
}

/// `POST /OpenADR2/Simple/EiEvent`: 2.0a VENs (oadrRequestEvent, oadrCreatedEvent).
pub async fn service_20a(
    req: HttpRequest,
    payload: web::Payload,
    st: web::Data<AppState>,
) -> HttpResponse {
    let t0 = std::time::Instant::now();
    let mut code = 200;
    let resp = answer_request(req, Service::EiEvent, payload, &st, &mut code, Wire::A).await;
    st.metrics.request(Service::EiEvent, code, t0);
    resp
}

/// The answer to one request on `svc`; `code` gets its OpenADR response code.
async fn answer_request(
    req: HttpRequest,
    svc: Service,
    mut payload: web::Payload,
    st: &web::Data<AppState>,
    code: &mut u16,
    wire: Wire,
) -> HttpResponse {
    let sign_all = st
        .sig
        .as_ref()
        .is_some_and(|s| s.mode == SignatureMode::Required);
    let limit = std::time::Duration::from_millis(
        st.settings
            .body_timeout
            .to_chrono()
            .num_milliseconds()
            .max(1) as u64,
    );
    let read = read_bounded(&req, &mut payload, st.settings.body_limit);
    let body = match tokio::time::timeout(limit, read).await {
        Ok(Ok(b)) => b,
        Err(_) => {
            // The rest of the body will never be read: answer and close.
            hold_until_answered(payload);
            let e = VtnError::data("the request body did not arrive in time");
            tracing::warn!(service = svc.as_str(), error = %e, "refused request body");
            *code = e.response_code().0;
            let r = wire.render(core::error_reply(&st.settings, None, &e));
            let mut resp = reply(st, r, sign_all).await;
            resp.head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            return resp;
        }
        Ok(Err(e)) => {
            hold_until_answered(payload);
            tracing::warn!(service = svc.as_str(), error = %e, "refused request body");
            *code = e.response_code().0;
            let r = wire.render(core::error_reply(&st.settings, None, &e));
            return reply(st, r, sign_all).await;
        }
    };
    // On TLS, the client certificate (verified at the handshake) is the VEN's identity.
    let mut peer = req.conn_data::<PeerCert>().map(|p| p.fingerprint.clone());
    if st.settings.tls.is_some() && peer.is_none() {
        let e = VtnError::not_registered("(no client certificate on this connection)");
        *code = e.response_code().0;
        let r = wire.render(core::error_reply(&st.settings, None, &e));
        return reply(st, r, sign_all).await;
    }
    let msg = match wire.parse(&body) {
        Ok(m) => m,
        Err(e) => {
            let e = VtnError::from(e);
            tracing::warn!(service = svc.as_str(), error = %e, "unreadable message");
            *code = e.response_code().0;
            let r = wire.render(core::error_reply(&st.settings, None, &e));
            return reply(st, r, sign_all).await;
        }
    };
    // XML signatures: verify before anything is looked up or stored.
    let mut signed = false;
    if let Some(sig) = st.sig.clone() {
        let outcome = if adr_xmlsig::is_signed(&body) {
            let expected = peer.clone();
            let now = st.clock.now();
            match web::block(move || sig.verifier.verify(&body, expected.as_deref(), now)).await {
                Ok(Ok(v)) => {
                    signed = true;
                    // Without TLS the signing certificate is the identity.
                    peer.get_or_insert(v.fingerprint);
                    Ok(())
                }
                // Mentions of ds:Signature without one (e.g. in text): unsigned.
                Ok(Err(adr_xmlsig::SigError::Unsigned)) if !sign_all => Ok(()),
                Ok(Err(e)) => Err(VtnError::Signature(e.to_string())),
                Err(e) => Err(VtnError::from(e)),
            }
        } else if sign_all {
            Err(VtnError::Signature("the message is not signed".into()))
        } else {
            Ok(())
        };
        if let Err(e) = outcome {
            tracing::warn!(service = svc.as_str(), message = msg.name(), code = e.response_code().0, error = %e, "refused");
            *code = e.response_code().0;
            let r = wire.render(core::error_reply(&st.settings, Some(&msg), &e));
            return reply(st, r, true).await;
        }
    }
    // 2.0a has no XML signatures.
    let sign = (sign_all || signed) && wire == Wire::B;
    // Hot path: a registered VEN with nothing queued gets its answer from memory.
    if let (Service::OadrPoll, Message::Poll(p)) = (svc, &msg) {
        if let Some(e) = st.registry.get(p.ven_id.as_str()) {
            if e.is_registered()
                && e.pending.load(Ordering::Relaxed) <= 0
                && peer
                    .as_deref()
                    .is_none_or(|fp| st.registry.fingerprint_is(&e.ven_id, fp))
            {
                e.last_contact
                    .fetch_max(crate::clock::to_ms(st.clock.now()), Ordering::Relaxed);
                let r = st.empty_poll(p.ven_id.as_str());
                return reply(st, r, sign).await;
            }
        } else {
            let e = VtnError::not_registered(p.ven_id.to_string());
            *code = e.response_code().0;
            let r = wire.render(core::error_reply(&st.settings, Some(&msg), &e));
            return reply(st, r, sign).await;
        }
    }
    let source = req.peer_addr().map(|a| a.ip());
    let (r, c) = core::answer(st, svc, msg, peer, source, wire).await;
    *code = c;
    reply(st, r, sign).await
}

/// Keep an unread body open until its answer is written. actix closes the
/// connection after answering a request whose body is unread but still
/// held; a dropped chunked body it would instead drain for as long as the
/// client keeps sending.
fn hold_until_answered(p: web::Payload) {
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(5)).await;
        drop(p);
    });
}

/// Write the answer, signed when asked and signatures are configured.
async fn reply(st: &AppState, body: String, sign: bool) -> HttpResponse {
    let Some(sig) = st.sig.clone().filter(|_| sign) else {
        return xml(body);
    };
    let now = st.clock.now();
    match web::block(move || sig.signer.sign(&body, now)).await {
        Ok(Ok(signed)) => xml(signed),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "signing the answer failed");
            HttpResponse::InternalServerError().body("cannot sign the answer\n")
        }
        Err(e) => {
            tracing::error!(error = %e, "signing the answer failed");
            HttpResponse::InternalServerError().body("cannot sign the answer\n")
        }
    }
}

/// `StreamExt::next` without the futures crate.
mod futures_util_lite {
    use std::future::poll_fn;
    use std::pin::Pin;

    use actix_web::web::{self, Bytes};
    use futures_core::Stream;

    pub async fn next_chunk(
        p: &mut web::Payload,
    ) -> Option<Result<Bytes, actix_web::error::PayloadError>> {
        poll_fn(|cx| Pin::new(&mut *p).poll_next(cx)).await
    }
}
