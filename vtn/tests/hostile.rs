//! Bad input: each malformed or hostile message gets the right OpenADR
//! response code as a valid payload, and the server keeps serving.

mod common;

use adr_schema::*;
use common::*;

#[actix_web::test]
async fn hostile_corpus_gets_the_right_codes_and_the_server_keeps_serving() {
    let w = world();
    let app = app!(w);
    let (ven, reg) = register(&app, "ven-a").await;
    let (other, _) = register(&app, "ven-b").await;
    let (_, v) = api(
        &app,
        "POST",
        "/events",
        Some(serde_json::json!({"vens": ["ven-b"], "level": 1, "duration": "PT1H"})),
    )
    .await;
    let b_event = v["event_id"].as_str().unwrap().to_string();
    let _ = other;

    let ns = r#"xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110" xmlns:pyld="http://docs.oasis-open.org/ns/energyinterop/201110/payloads""#;
    let poll_of = |id: &str| {
        format!(
            r#"<oadr:oadrPayload {ns}><oadr:oadrSignedObject><oadr:oadrPoll ei:schemaVersion="2.0b"><ei:venID>{id}</ei:venID></oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"#
        )
    };
    let big = format!("{}{}", poll_of(ven.as_str()), " ".repeat(100 * 1024));
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">&lol2;</oadr:oadrPayload>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>"#;
    let wrong_ns =
        poll_of(ven.as_str()).replace("http://openadr.org/oadr-2.0b/2012/07", "urn:evil");

    let corpus: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("not XML", "OadrPoll", b"hello there".to_vec(), 454),
        ("empty body", "OadrPoll", Vec::new(), 454),
        (
            "truncated",
            "OadrPoll",
            poll_of(ven.as_str()).as_bytes()[..60].to_vec(),
            454,
        ),
        ("not UTF-8", "OadrPoll", vec![0xff, 0xfe, 0x3c, 0x00], 454),
        ("oversized body", "OadrPoll", big.into_bytes(), 454),
        ("deep nesting", "OadrPoll", deep.into_bytes(), 454),
        (
            "entity expansion",
            "OadrPoll",
            bomb.as_bytes().to_vec(),
            454,
        ),
        ("external entity", "OadrPoll", xxe.as_bytes().to_vec(), 454),
        ("wrong namespace", "OadrPoll", wrong_ns.into_bytes(), 454),
        (
            "unknown venID",
            "OadrPoll",
            poll_of("intruder").into_bytes(),
            463,
        ),
        (
            "control character id",
            "OadrPoll",
            poll_of("a&#1;b").into_bytes(),
            454,
        ),
        (
            "poll on EiEvent",
            "EiEvent",
            poll_of(ven.as_str()).into_bytes(),
            453,
        ),
        (
            "someone else's event",
            "EiEvent",
            created_event(&ven, &b_event, 0, OptType::OptIn)
                .to_xml()
                .into_bytes(),
            452,
        ),
        (
            "wrong registrationID",
            "EiRegisterParty",
            Message::CancelPartyRegistration(CancelPartyRegistration {
                request_id: req("x"),
                registration_id: RegistrationId::new("stolen").unwrap(),
                ven_id: Some(ven.clone()),
            })
            .to_xml()
            .into_bytes(),
            452,
        ),
        (
            "registrationID of another VEN",
            "EiRegisterParty",
            Message::CancelPartyRegistration(CancelPartyRegistration {
                request_id: req("x"),
                registration_id: reg.clone(),
                ven_id: Some(other.clone()),
            })
            .to_xml()
            .into_bytes(),
            452,
        ),
        (
            "unknown report",
            "EiReport",
            update(&ven, "rr-unknown", "spec", &[(t0(), 1.0)])
                .to_xml()
                .into_bytes(),
            452,
        ),
        (
            "report without venID",
            "EiReport",
            {
                let mut m = update(&ven, "rr", "spec", &[(t0(), 1.0)]);
                if let Message::UpdateReport(u) = &mut m {
                    u.ven_id = None;
                }
                m.to_xml().into_bytes()
            },
            463,
        ),
        (
            "unregistered venID on EiOpt",
            "EiOpt",
            Message::CancelOpt(CancelOpt {
                request_id: req("x"),
                opt_id: OptId::new("o").unwrap(),
                ven_id: VenId::new("intruder").unwrap(),
            })
            .to_xml()
            .into_bytes(),
            463,
        ),
        (
            "2.0a profile",
            "EiRegisterParty",
            {
                let mut m = create_registration("ven-z", None, None);
                if let Message::CreatePartyRegistration(c) = &mut m {
                    c.profile_name = ProfileName::V20a;
                }
                m.to_xml().into_bytes()
            },
            454,
        ),
        (
            "push without address",
            "EiRegisterParty",
            {
                let mut m = create_registration("ven-z", None, None);
                if let Message::CreatePartyRegistration(c) = &mut m {
                    c.http_pull_model = Some(false);
                }
                m.to_xml().into_bytes()
            },
            454,
        ),
        (
            "opt window past the year 9999",
            "EiOpt",
            schedule_opt(&ven, "9999-12-31T23:59:59Z", "P100Y").into_bytes(),
            454,
        ),
        (
            "opt with a signed six-digit year",
            "EiOpt",
            schedule_opt(&ven, "+262142-06-01T00:00:00", "PT1H").into_bytes(),
            454,
        ),
        (
            "opt window ending before it starts",
            "EiOpt",
            schedule_opt(&ven, "2026-01-01T00:00:00Z", "-PT1H").into_bytes(),
            454,
        ),
    ];
    for (what, service, body, want) in corpus {
        let (status, text) = post_raw(&app, service, body).await;
        assert_eq!(status, 200, "{what}: HTTP {status}");
        let m = Message::from_xml(&text)
            .unwrap_or_else(|e| panic!("{what}: answer does not parse: {e}\n{text}"));
        assert_eq!(code(&m), want, "{what}: {text}");
        // And the server keeps serving.
        assert_eq!(
            code(&post(&app, "OadrPoll", poll(&ven)).await),
            200,
            "after {what}"
        );
    }

    // Not an OpenADR service / not POST: plain HTTP errors, no panic.
    let (status, _) = post_raw(&app, "EiNothing", "x").await;
    assert_eq!(status, 404);
    let r = actix_web::test::TestRequest::get()
        .uri("/OpenADR2/Simple/2.0b/OadrPoll")
        .to_request();
    assert_eq!(
        actix_web::test::call_service(&app, r)
            .await
            .status()
            .as_u16(),
        405
    );
}

#[actix_web::test]
async fn openleadr_style_empty_report_id_is_tolerated() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let Message::RegisteredReport(r) = post(
        &app,
        "EiReport",
        metadata(&ven, "spec-usage", ReportName::MetadataTelemetryUsage),
    )
    .await
    else {
        panic!()
    };
    let rrid = r.report_requests[0].report_request_id.to_string();
    let xml = update(&ven, &rrid, "spec-usage", &[(t0(), 5.0)])
        .to_xml()
        .replace(
            "<ei:reportRequestID>",
            "<ei:eiReportID></ei:eiReportID><ei:reportRequestID>",
        );
    // An empty eiReportID (openleadr writes one in every report) reads as none.
    assert!(Message::from_xml(&xml).is_ok());
    let (_, text) = post_raw(&app, "EiReport", xml).await;
    assert_eq!(code(&Message::from_xml(&text).unwrap()), 200, "{text}");
}

/// An oadrCreateOpt (x-schedule) whose one availability window starts at
/// `dtstart` and lasts `duration`, both written as given.
fn schedule_opt(ven: &VenId, dtstart: &str, duration: &str) -> String {
    let t = t0();
    Message::CreateOpt(CreateOpt {
        opt_id: OptId::new("opt-hostile").unwrap(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        market_context: None,
        ven_id: ven.clone(),
        vavailability: Some(vec![Properties {
            dtstart: t,
            duration: "PT7M".parse().unwrap(),
            tolerance: None,
            x_ei_notification: None,
            x_ei_ramp_up: None,
            x_ei_recovery: None,
        }]),
        created_date_time: t,
        request_id: req("opt-req"),
        qualified_event_id: None,
        target: EiTarget::default(),
        device_class: None,
    })
    .to_xml()
    .replacen(
        &{
            let mut s = String::new();
            adr_schema::time::write_timestamp(&t, &mut s);
            format!("<xcal:date-time>{s}</xcal:date-time></xcal:dtstart>")
        },
        &format!("<xcal:date-time>{dtstart}</xcal:date-time></xcal:dtstart>"),
        1,
    )
    .replacen(
        "<xcal:duration>PT7M</xcal:duration>",
        &format!("<xcal:duration>{duration}</xcal:duration>"),
        1,
    )
}

/// The admin API authenticates before it reads a body: without the token
/// (or with a wrong one) every route answers 401, whatever the body, and
/// the answer describes nothing of the schema.
#[actix_web::test]
async fn the_admin_api_answers_401_before_reading_a_body() {
    let w = world();
    let app = app!(w);
    for (method, path, body) in [
        ("POST", "/api/v1/events", r#"{"a":1}"#),
        ("POST", "/api/v1/events", "not json at all"),
        ("PATCH", "/api/v1/vens/x", r#"{"groups": 5}"#),
        ("GET", "/api/v1/vens", ""),
        ("POST", "/api/v1/tick", ""),
    ] {
        for auth in [None, Some("Bearer wrong"), Some("bearer-less")] {
            let mut r = match method {
                "GET" => actix_web::test::TestRequest::get(),
                "PATCH" => actix_web::test::TestRequest::patch(),
                _ => actix_web::test::TestRequest::post(),
            }
            .uri(path)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.to_string());
            if let Some(a) = auth {
                r = r.insert_header(("Authorization", a));
            }
            let resp = actix_web::test::call_service(&app, r.to_request()).await;
            assert_eq!(resp.status().as_u16(), 401, "{method} {path} {auth:?}");
            let text = String::from_utf8(actix_web::test::read_body(resp).await.to_vec()).unwrap();
            assert!(
                !text.contains("field") && !text.contains("signal"),
                "{method} {path}: {text}"
            );
        }
    }
    // The open routes stay open.
    let r = actix_web::test::TestRequest::get()
        .uri("/api/v1/health")
        .to_request();
    assert_eq!(
        actix_web::test::call_service(&app, r)
            .await
            .status()
            .as_u16(),
        200
    );
    // And with the token the schema error is what an operator needs.
    let (s, v) = api(&app, "POST", "/events", Some(serde_json::json!({"a": 1}))).await;
    assert_eq!(s, 400, "{v}");
}

/// A body trickled byte by byte, or a chunk size that is never filled,
/// holds its request no longer than `body_timeout`: the VTN answers 454 with
/// `connection: close`, and the connection is closed (chunked or not).
#[actix_web::test]
async fn slow_bodies_are_cut_off_at_the_body_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path().join("vtn.db"));
    s.body_timeout = "PT1S".parse().unwrap();
    let st = vtn::AppState::open(s, std::sync::Arc::new(vtn::ManualClock::new(t0()))).unwrap();
    let srv = actix_web::HttpServer::new(move || {
        actix_web::App::new().configure(vtn::http::configure(st.clone()))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = srv.addrs()[0].port();
    actix_web::rt::spawn(srv.run());
    let heads = [
        "POST /OpenADR2/Simple/2.0b/OadrPoll HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n",
        "POST /OpenADR2/Simple/2.0b/OadrPoll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
    ];
    for head in heads {
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        c.write_all(head.as_bytes()).await.unwrap();
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        let mut answered_at = None;
        let mut closed = false;
        // Trickle one byte every 200 ms for up to 5 s, reading what comes back.
        while started.elapsed().as_secs() < 5 {
            let _ = c.write_all(b"<").await;
            match tokio::time::timeout(std::time::Duration::from_millis(200), c.read(&mut buf))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    closed = true;
                    break;
                }
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&answer).contains("</oadr:oadrPayload>") {
                        answered_at.get_or_insert(started.elapsed());
                    }
                }
                Err(_) => {}
            }
        }
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.contains("<ei:responseCode>454</ei:responseCode>"),
            "{head:?}: {text}"
        );
        assert!(text.contains("connection: close"), "{head:?}: {text}");
        let at = answered_at.unwrap();
        assert!(
            at.as_millis() >= 900 && at.as_secs() < 3,
            "{head:?}: answered after {at:?}"
        );
        assert!(closed, "{head:?}: connection not closed");
    }
}

/// Over plain HTTP a registration follows the policy too (a VEN is only its
/// name there), and one source address adds at most `new_vens_per_minute`
/// VENs; each refusal stores nothing.
#[actix_web::test]
async fn plain_http_registration_follows_the_policy_and_a_per_source_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path().join("vtn.db"));
    s.new_vens_per_minute = 3;
    let st = vtn::AppState::open(s, std::sync::Arc::new(vtn::ManualClock::new(t0()))).unwrap();
    let app = actix_web::test::init_service(
        actix_web::App::new().configure(vtn::http::configure(st.clone())),
    )
    .await;
    let send = |name: &str, from: &str| {
        actix_web::test::TestRequest::post()
            .uri("/OpenADR2/Simple/2.0b/EiRegisterParty")
            .insert_header(("Content-Type", "application/xml"))
            .peer_addr(format!("{from}:40000").parse().unwrap())
            .set_payload(create_registration(name, None, None).to_xml())
            .to_request()
    };
    let count = || {
        vtn::store::list_vens(&mut st.pool.get().unwrap())
            .unwrap()
            .len()
    };
    let answer = |resp: actix_web::dev::ServiceResponse| async move {
        let body = actix_web::test::read_body(resp).await;
        code(&Message::from_slice(&body).unwrap())
    };
    for i in 0..3 {
        let r = actix_web::test::call_service(&app, send(&format!("ven-{i}"), "192.0.2.7")).await;
        assert_eq!(answer(r).await, 200);
    }
    // The fourth new VEN from that address: 451, nothing stored.
    let r = actix_web::test::call_service(&app, send("ven-3", "192.0.2.7")).await;
    assert_eq!(answer(r).await, 451);
    assert_eq!(count(), 3);
    // A known VEN registering again is not a new one; another address is not limited.
    let r = actix_web::test::call_service(&app, send("ven-0", "192.0.2.7")).await;
    assert_eq!(answer(r).await, 200);
    let r = actix_web::test::call_service(&app, send("ven-3", "192.0.2.8")).await;
    assert_eq!(answer(r).await, 200);
    assert_eq!(count(), 4);

    // Provisioned: an unknown name is refused (463), an added one registers.
    st.settings
        .registration_policy
        .set(vtn::config::RegistrationPolicy::Provisioned);
    let r = actix_web::test::call_service(&app, send("stranger", "192.0.2.9")).await;
    assert_eq!(answer(r).await, 463);
    assert_eq!(count(), 4);
    let (s, v) = api(
        &app,
        "POST",
        "/vens",
        Some(serde_json::json!({"ven_name": "meter-1"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let r = actix_web::test::call_service(&app, send("meter-1", "192.0.2.9")).await;
    assert_eq!(answer(r).await, 200);
    assert_eq!(count(), 5);
}
