//! Issue 7: the client certificate is the VEN's identity. The TLS layer puts the
//! peer's fingerprint in `vtn_core::Ctx::peer_fingerprint`; here we drive the decisions
//! with chosen fingerprints (the socket-level tests are tests/tls_matrix and
//! tests/vtn_openleadr_tls).

mod common;

use adr_schema::*;
use common::*;
use serde_json::json;
use vtn::config::RegistrationPolicy;
use vtn::core::{handle_message, Env};
use vtn::store::Effects;

const FP_A: &str = "AA:BB:CC:DD:EE:FF:00:11:22:33";
const FP_B: &str = "12:34:56:78:9A:BC:DE:F0:12:34";

fn handle(w: &World, peer: &str, svc: Service, m: &Message) -> Result<Message, u16> {
    let mut c = w.st.pool.get().unwrap();
    let env = Env {
        settings: &w.st.settings,
        now: t0(),
    };
    let mut fx = Effects::default();
    match handle_message(&mut c, &env, Some(peer.to_string()), svc, m, &mut fx) {
        Ok(r) => {
            w.st.apply(fx);
            Ok(Message::from_slice(r.into_xml().as_bytes()).unwrap())
        }
        Err(e) => Err(e.response_code().0),
    }
}

fn poll(v: &str) -> Message {
    Message::Poll(Poll {
        ven_id: VenId::new(v).unwrap(),
    })
}

#[actix_web::test]
async fn provisioned_certificates_register_and_others_are_refused() {
    let w = world();
    let app = app!(w);
    // Pre-provision with a lower-case, colon-less fingerprint: stored normalised.
    let (s, v) = api(
        &app,
        "POST",
        "/vens",
        Some(json!({"ven_name": "ven-a", "cert_fingerprint": "aabbccddeeff00112233"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["cert_fingerprint"], FP_A);
    let ven_a = v["ven_id"].as_str().unwrap().to_string();
    // The same fingerprint twice, or a malformed one: refused.
    let (s, _) = api(
        &app,
        "POST",
        "/vens",
        Some(json!({"ven_name": "ven-x", "cert_fingerprint": FP_A})),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = api(
        &app,
        "POST",
        "/vens",
        Some(json!({"ven_name": "ven-y", "cert_fingerprint": "AA:BB"})),
    )
    .await;
    assert_eq!(s, 400);

    // ven-a's certificate registers (found by fingerprint, whatever name it sends).
    let r = handle(
        &w,
        FP_A,
        Service::EiRegisterParty,
        &create_registration("some-name", None, None),
    )
    .unwrap();
    let Message::CreatedPartyRegistration(r) = r else {
        panic!("{r:?}")
    };
    assert_eq!(r.ven_id.unwrap().as_str(), ven_a);

    // An unprovisioned certificate cannot self-register under `provisioned` (the
    // default; the tests' settings choose open for plain-HTTP registrations).
    assert_eq!(
        vtn::config::Settings::default().registration_policy.get(),
        RegistrationPolicy::Provisioned
    );
    w.st.settings
        .registration_policy
        .set(RegistrationPolicy::Provisioned);
    let n = vtn::store::list_vens(&mut w.st.pool.get().unwrap())
        .unwrap()
        .len();
    assert_eq!(
        handle(
            &w,
            FP_B,
            Service::EiRegisterParty,
            &create_registration("ven-b", None, None)
        )
        .unwrap_err(),
        463
    );
    assert_eq!(
        vtn::store::list_vens(&mut w.st.pool.get().unwrap())
            .unwrap()
            .len(),
        n
    );

    // Another certificate claiming ven-a's venID: 463 on every service.
    assert_eq!(
        handle(&w, FP_B, Service::OadrPoll, &poll(&ven_a)).unwrap_err(),
        463
    );
    assert_eq!(
        handle(
            &w,
            FP_B,
            Service::EiRegisterParty,
            &create_registration("ven-a", Some(&VenId::new(ven_a.clone()).unwrap()), None)
        )
        .unwrap_err(),
        463
    );
    // Its own certificate polls.
    assert!(handle(&w, FP_A, Service::OadrPoll, &poll(&ven_a)).is_ok());

    // Open policy (admin API): ven-b self-registers and its fingerprint is bound.
    let (s, v) = api(
        &app,
        "PUT",
        "/registration-policy",
        Some(json!({"policy": "open"})),
    )
    .await;
    assert_eq!((s, v["policy"].as_str()), (200, Some("open")));
    let Message::CreatedPartyRegistration(r) = handle(
        &w,
        FP_B,
        Service::EiRegisterParty,
        &create_registration("ven-b", None, None),
    )
    .unwrap() else {
        panic!()
    };
    let ven_b = r.ven_id.unwrap();
    let (_, v) = api(&app, "GET", &format!("/vens/{ven_b}"), None).await;
    assert_eq!(v["cert_fingerprint"], FP_B);
    // ...and still cannot act as ven-a, nor ven-a as ven-b.
    assert_eq!(
        handle(&w, FP_B, Service::OadrPoll, &poll(&ven_a)).unwrap_err(),
        463
    );
    assert_eq!(
        handle(&w, FP_A, Service::OadrPoll, &poll(ven_b.as_str())).unwrap_err(),
        463
    );
}
