//! Push VENs (oadrHttpPullModel false): the VTN POSTs queued messages to the
//! VEN's transport address and handles the answer in the response.
//! (openleadr's VEN cannot be pushed to, so this is tested here with a tiny VEN.)

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use adr_schema::*;
use common::*;
use oadr_test_pki::leaf_fingerprint;
use serde_json::json;

#[actix_web::test]
async fn events_are_pushed_and_the_answer_is_recorded() {
    let w = world();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let g2 = got.clone();
    // The push VEN: answers every oadrDistributeEvent with an optIn.
    let srv = HttpServer::new(move || {
        let g = g2.clone();
        App::new().route(
            "/OpenADR2/Simple/2.0b/{service}",
            web::post().to(move |path: web::Path<String>, body: web::Bytes| {
                let g = g.clone();
                async move {
                    g.lock().unwrap().push(path.into_inner());
                    let answer = match Message::from_slice(&body) {
                        Ok(Message::DistributeEvent(d)) => {
                            let e = &d.events[0].event;
                            created_event(
                                &e.target.ven_ids[0],
                                e.descriptor.event_id.as_str(),
                                e.descriptor.modification_number,
                                OptType::OptIn,
                            )
                        }
                        _ => Message::Response(Response {
                            response: EiResponse::ok(req("")),
                            ven_id: None,
                        }),
                    };
                    HttpResponse::Ok()
                        .content_type("application/xml")
                        .body(answer.to_xml())
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = srv.addrs()[0].port();
    actix_web::rt::spawn(srv.run());

    let st = vtn::push::spawn(w.st.clone());
    let app =
        actix_web::test::init_service(App::new().configure(vtn::http::configure(st.clone()))).await;
    let mut m = create_registration("push-ven", None, None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.http_pull_model = Some(false);
        c.transport_address = Some(format!("http://127.0.0.1:{port}/OpenADR2/Simple/2.0b"));
    }
    assert_eq!(code(&post(&app, "EiRegisterParty", m).await), 200);
    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"vens": ["push-ven"], "level": 1, "duration": "PT1H"})),
    )
    .await;
    assert_eq!(s, 201);
    let id = v["event_id"].as_str().unwrap().to_string();
    let mut opt = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, ev) = api(&app, "GET", &format!("/events/{id}"), None).await;
        opt = ev["vens"][0]["opt"].clone();
        if opt == "optIn" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(opt, "optIn");
    assert_eq!(got.lock().unwrap().as_slice(), ["EiEvent"]);
    // Delivered: nothing left in the queue.
    let (_, vens) = api(&app, "GET", "/vens", None).await;
    assert_eq!(vens[0]["pending_messages"], 0);
}

/// An endpoint that accepts connections and never answers (a device behind a
/// firewall that swallows packets) holds up only its own VEN: another push
/// VEN gets its message while the stuck delivery is still waiting, not after
/// the VTN has given up on it (judged by order, not by a clock bound).
#[actix_web::test]
async fn a_silent_push_endpoint_does_not_hold_up_other_vens() {
    let w = world();
    // The silent endpoint: accepts, answers nothing, and notes when the VTN
    // gives up on the delivery (closes the connection).
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gave_up: Arc<Mutex<Option<std::time::Instant>>> = Arc::default();
    let (a2, gu2) = (accepted.clone(), gave_up.clone());
    actix_web::rt::spawn(async move {
        while let Ok((mut conn, _)) = silent.accept().await {
            a2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let gu = gu2.clone();
            actix_web::rt::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut buf = [0u8; 4096];
                while matches!(conn.read(&mut buf).await, Ok(n) if n > 0) {}
                gu.lock()
                    .unwrap()
                    .get_or_insert_with(std::time::Instant::now);
            });
        }
    });
    // The live endpoint: records the time of each call.
    let got: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
    let g2 = got.clone();
    let srv = HttpServer::new(move || {
        let g = g2.clone();
        App::new().default_service(web::post().to(move || {
            let g = g.clone();
            async move {
                g.lock().unwrap().push(std::time::Instant::now());
                HttpResponse::Ok().content_type("application/xml").body(
                    Message::Response(Response {
                        response: EiResponse::ok(req("")),
                        ven_id: None,
                    })
                    .to_xml(),
                )
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let live_port = srv.addrs()[0].port();
    actix_web::rt::spawn(srv.run());

    let st = vtn::push::spawn(w.st.clone());
    let app =
        actix_web::test::init_service(App::new().configure(vtn::http::configure(st.clone()))).await;
    for (name, port) in [("silent", silent_port), ("live", live_port)] {
        let mut m = create_registration(name, None, None);
        if let Message::CreatePartyRegistration(c) = &mut m {
            c.http_pull_model = Some(false);
            c.transport_address = Some(format!("http://127.0.0.1:{port}/OpenADR2/Simple/2.0b"));
        }
        assert_eq!(code(&post(&app, "EiRegisterParty", m).await), 200);
    }
    let event_for = |ven: &str| json!({"vens": [ven], "level": 1, "duration": "PT1H"});
    let (s, _) = api(&app, "POST", "/events", Some(event_for("silent"))).await;
    assert_eq!(s, 201);
    // Wait until the silent endpoint holds a delivery.
    for _ in 0..100 {
        if accepted.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let (s, _) = api(&app, "POST", "/events", Some(event_for("live"))).await;
    assert_eq!(s, 201);
    // Long enough for a queue behind the silent VEN to get through (its push
    // times out after 10 s), so the old behaviour fails on order, not on time.
    for _ in 0..400 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let live = got.lock().unwrap().first().copied();
    let gave_up = *gave_up.lock().unwrap();
    assert!(live.is_some(), "the live VEN got nothing");
    assert!(
        gave_up.is_none() || live < gave_up,
        "the live VEN was served only after the silent delivery was given up"
    );
}

/// The test PKI (certs/make-test-pki.sh), made once per run into the target
/// directory's scratch space.
fn pki() -> std::path::PathBuf {
    oadr_test_pki::pki(|| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("vtn-push-pki"))
        .to_path_buf()
}

/// With TLS on, a push goes out only over a handshake with the certificate
/// bound to the VEN: an endpoint presenting another valid certificate of the
/// same PKI never receives the message, which stays queued. The bound one is
/// reached even at an address its certificate does not name.
#[actix_web::test]
async fn tls_push_reaches_only_the_bound_certificate() {
    tls_push_case(vtn::tls::TlsStack::Rustls, None).await;
}

/// The same with `--tls-stack openssl`, against an endpoint of a strict 2.0b
/// device that offers only `AES128-SHA256` (which rustls does not implement).
#[actix_web::test]
async fn openssl_push_reaches_a_strict_2_0b_endpoint_with_the_bound_certificate_only() {
    tls_push_case(vtn::tls::TlsStack::Openssl, Some("AES128-SHA256")).await;
}

/// `strict_suite`: the endpoint is openssl limited to TLS 1.2 and that one
/// suite; otherwise rustls with its defaults.
async fn tls_push_case(stack: vtn::tls::TlsStack, strict_suite: Option<&str>) {
    let pki = pki();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    // ven-rsa's endpoint, and one presenting a certificate from a rogue CA.
    let port = push_endpoint(&pki, "ven-rsa", strict_suite, &got);
    let rogue_port = push_endpoint(&pki, "ven-rogue", strict_suite, &got);

    // Push VENs: "right" is bound to ven-rsa (what its endpoint presents),
    // "wrong" to ven-ec (valid, same PKI, not what that endpoint presents),
    // "rogue" to ven-rogue (what its endpoint presents, but from a rogue CA).
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vtn.db");
    {
        let pool = vtn::store::open(&db).unwrap();
        let mut c = pool.get().unwrap();
        for (name, cert, port) in [
            ("right", "ven-rsa.crt", port),
            ("wrong", "ven-ec.crt", port),
            ("rogue", "ven-rogue.crt", rogue_port),
        ] {
            vtn::store::insert_ven(
                &mut c,
                &vtn::store::VenRow {
                    ven_id: format!("ven-{name}"),
                    ven_name: Some(name.into()),
                    registration_id: Some(format!("reg-{name}")),
                    profile_name: "2.0b".into(),
                    transport_name: "simpleHttp".into(),
                    transport_address: Some(format!(
                        "https://127.0.0.2:{port}/{name}/OpenADR2/Simple/2.0b"
                    )),
                    http_pull_model: false,
                    report_only: false,
                    xml_signature: false,
                    groups_json: "[]".into(),
                    resources_json: "[]".into(),
                    party_id: None,
                    cert_fingerprint: Some(leaf_fingerprint(&pki.join(cert))),
                    created_at: 0,
                    registered_at: Some(0),
                    last_contact: None,
                },
            )
            .unwrap();
        }
    }
    let mut s = settings(db);
    s.tls = Some(vtn::tls::Tls {
        stack,
        cert: pki.join("vtn-rsa.crt"),
        key: pki.join("vtn-rsa.key"),
        ec: None,
        client_ca: pki.join("ca.crt"),
    });
    let st = vtn::AppState::open(s, Arc::new(vtn::ManualClock::new(t0()))).unwrap();
    let st = vtn::push::spawn(st);
    let app =
        actix_web::test::init_service(App::new().configure(vtn::http::configure(st.clone()))).await;
    let (s, _) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"vens": ["right", "wrong", "rogue"], "level": 1, "duration": "PT1H"})),
    )
    .await;
    assert_eq!(s, 201);
    let pending = |vens: &serde_json::Value, name: &str| {
        vens.as_array()
            .unwrap()
            .iter()
            .find(|v| v["ven_name"] == name)
            .map(|v| v["pending_messages"].clone())
            .unwrap()
    };
    let mut delivered = false;
    for _ in 0..100 {
        let (_, vens) = api(&app, "GET", "/vens", None).await;
        if pending(&vens, "right") == 0 {
            delivered = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(delivered, "the bound endpoint got its message");
    // Give the other delivery every chance to happen.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(got.lock().unwrap().as_slice(), ["right"]);
    let (_, vens) = api(&app, "GET", "/vens", None).await;
    assert_eq!(pending(&vens, "wrong"), 1, "refused, not lost");
    assert_eq!(
        pending(&vens, "rogue"),
        1,
        "a pinned certificate must still chain to the CA"
    );
}

/// With TLS on, a push VEN must give an https:// address: refused at
/// registration (454) rather than queued for a delivery that can never go out.
#[actix_web::test]
async fn tls_vtn_refuses_a_plain_http_push_address() {
    use vtn::core::{handle_message, Env};
    use vtn::store::Effects;
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path().join("vtn.db"));
    s.tls = Some(vtn::tls::Tls {
        stack: vtn::tls::TlsStack::Rustls,
        cert: pki.join("vtn-rsa.crt"),
        key: pki.join("vtn-rsa.key"),
        ec: None,
        client_ca: pki.join("ca.crt"),
    });
    let st = vtn::AppState::open(s, Arc::new(vtn::ManualClock::new(t0()))).unwrap();
    let register = |address: &str| {
        let mut m = create_registration("push-ven", None, None);
        if let Message::CreatePartyRegistration(c) = &mut m {
            c.http_pull_model = Some(false);
            c.transport_address = Some(address.into());
        }
        let mut c = st.pool.get().unwrap();
        // As if over TLS with this client certificate.
        let env = Env {
            settings: &st.settings,
            now: t0(),
        };
        handle_message(
            &mut c,
            &env,
            Some("AA:BB:CC:DD:EE:FF:00:11:22:33".into()),
            Service::EiRegisterParty,
            &m,
            &mut Effects::default(),
        )
        .err()
        .map(|e| e.response_code().0)
    };
    assert_eq!(
        register("http://127.0.0.1:9/OpenADR2/Simple/2.0b"),
        Some(454)
    );
    assert_ne!(
        register("https://127.0.0.1:9/OpenADR2/Simple/2.0b"),
        Some(454)
    );
}

/// A push endpoint at 127.0.0.2 (an address the test certificates do not
/// name: the pin, not the name, identifies the VEN) presenting `cert`; it
/// records the first path segment of each call in `got`. `strict_suite`:
/// openssl limited to TLS 1.2 and that one suite; otherwise rustls defaults.
fn push_endpoint(
    pki: &std::path::Path,
    cert: &str,
    strict_suite: Option<&str>,
    got: &Arc<Mutex<Vec<String>>>,
) -> u16 {
    use rustls::pki_types::pem::PemObject;
    let g2 = got.clone();
    let srv = HttpServer::new(move || {
        let g = g2.clone();
        App::new().route(
            "/{who}/OpenADR2/Simple/2.0b/{service}",
            web::post().to(move |path: web::Path<(String, String)>| {
                let g = g.clone();
                async move {
                    g.lock().unwrap().push(path.into_inner().0);
                    let ok = Message::Response(Response {
                        response: EiResponse::ok(req("")),
                        ven_id: None,
                    });
                    HttpResponse::Ok()
                        .content_type("application/xml")
                        .body(ok.to_xml())
                }
            }),
        )
    })
    .workers(1);
    let srv = match strict_suite {
        Some(suite) => {
            use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVersion};
            let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
            b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
            b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
            b.set_cipher_list(suite).unwrap();
            b.set_certificate_chain_file(pki.join(format!("{cert}.crt")))
                .unwrap();
            b.set_private_key_file(pki.join(format!("{cert}.key")), SslFiletype::PEM)
                .unwrap();
            srv.bind_openssl("127.0.0.2:0", b).unwrap()
        }
        None => {
            let chain =
                rustls::pki_types::CertificateDer::pem_file_iter(pki.join(format!("{cert}.crt")))
                    .unwrap()
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap();
            let key =
                rustls::pki_types::PrivateKeyDer::from_pem_file(pki.join(format!("{cert}.key")))
                    .unwrap();
            let server_cfg = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
            srv.bind_rustls_0_23("127.0.0.2:0", server_cfg).unwrap()
        }
    };
    let port = srv.addrs()[0].port();
    actix_web::rt::spawn(srv.run());
    port
}

/// What a push VEN received in each oadrDistributeEvent: (eventID,
/// modificationNumber, status) of every event in it.
type Seen = Arc<Mutex<Vec<Vec<(String, u32, EventStatus)>>>>;

/// A push VEN whose endpoint holds its first delivery until `release` is
/// set (a slow device), then answers every call with a plain oadrResponse.
fn slow_push_endpoint(seen: Seen, release: Arc<std::sync::atomic::AtomicBool>) -> u16 {
    let srv = HttpServer::new(move || {
        let (seen, release) = (seen.clone(), release.clone());
        App::new().default_service(web::post().to(move |body: web::Bytes| {
            let (seen, release) = (seen.clone(), release.clone());
            async move {
                if let Ok(Message::DistributeEvent(d)) = Message::from_slice(&body) {
                    let first = {
                        let mut s = seen.lock().unwrap();
                        s.push(
                            d.events
                                .iter()
                                .map(|e| {
                                    let x = &e.event.descriptor;
                                    (
                                        x.event_id.to_string(),
                                        x.modification_number,
                                        x.event_status,
                                    )
                                })
                                .collect(),
                        );
                        s.len() == 1
                    };
                    while first && !release.load(std::sync::atomic::Ordering::SeqCst) {
                        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
                HttpResponse::Ok().content_type("application/xml").body(
                    Message::Response(Response {
                        response: EiResponse::ok(req("")),
                        ven_id: None,
                    })
                    .to_xml(),
                )
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = srv.addrs()[0].port();
    actix_web::rt::spawn(srv.run());
    port
}

/// An event is changed by `change` (an admin API call) while its first push
/// to a slow VEN is in flight. The VEN must then receive the changed version:
/// a delivery removes only the queued version it sent.
async fn change_during_push(method: &str, path_suffix: &str, body: Option<serde_json::Value>) {
    let w = world();
    let seen: Seen = Arc::default();
    let release = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port = slow_push_endpoint(seen.clone(), release.clone());
    let st = vtn::push::spawn(w.st.clone());
    let app =
        actix_web::test::init_service(App::new().configure(vtn::http::configure(st.clone()))).await;
    let mut m = create_registration("slow-ven", None, None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.http_pull_model = Some(false);
        c.transport_address = Some(format!("http://127.0.0.1:{port}/OpenADR2/Simple/2.0b"));
    }
    assert_eq!(code(&post(&app, "EiRegisterParty", m).await), 200);
    // Active now (the world's clock stands still).
    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"vens": ["slow-ven"], "level": 1, "duration": "PT1H", "start": "now"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["event_id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen.lock().unwrap().len(), 1, "the first push is in flight");
    let (s, v) = api(&app, method, &format!("/events/{id}{path_suffix}"), body).await;
    assert!(s == 200, "change refused: {s} {v}");
    release.store(true, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..300 {
        if seen.lock().unwrap().len() >= 2 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], vec![(id.clone(), 0, EventStatus::Active)]);
    assert!(
        seen.len() >= 2,
        "the change made during the push never reached the VEN: {seen:?}"
    );
    let last = seen.last().unwrap();
    assert_eq!(last.len(), 1, "{seen:?}");
    assert_eq!((&last[0].0, last[0].1), (&id, 1), "{seen:?}");
    if path_suffix == "/cancel" {
        assert_eq!(last[0].2, EventStatus::Cancelled, "{seen:?}");
    }
    // And nothing is left queued once it is through.
    for _ in 0..100 {
        let (_, vens) = api(&app, "GET", "/vens", None).await;
        if vens[0]["pending_messages"] == 0 {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the queue did not drain");
}

#[actix_web::test]
async fn a_cancellation_made_during_a_push_is_pushed_next() {
    change_during_push("POST", "/cancel", None).await;
}

#[actix_web::test]
async fn a_modification_made_during_a_push_is_pushed_next() {
    change_during_push("PATCH", "", Some(json!({"level": 3}))).await;
}
