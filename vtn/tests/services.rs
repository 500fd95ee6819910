//! In-process tests of every OpenADR service and the admin API (actix
//! `test::init_service`, a fresh database per test, a manual clock).

mod common;

use adr_schema::*;
use common::*;
use serde_json::json;

#[actix_web::test]
async fn registration_query_create_reregister_cancel() {
    let w = world();
    let app = app!(w);
    let m = post(
        &app,
        "EiRegisterParty",
        Message::QueryRegistration(QueryRegistration {
            request_id: req("q1"),
        }),
    )
    .await;
    let Message::CreatedPartyRegistration(c) = m else {
        panic!()
    };
    assert_eq!(c.vtn_id.as_str(), "VTN-ADR-BRIDGE");
    assert_eq!(c.poll_freq.unwrap().to_string(), "PT1S");
    assert!(c.registration_id.is_none());
    assert_eq!(c.profiles[0].transports, vec![TransportName::SimpleHttp]);

    let (ven, reg) = register(&app, "ven-a").await;
    // Same name again: same venID (and registrationID).
    let (ven2, reg2) = register(&app, "ven-a").await;
    assert_eq!((ven.clone(), reg.clone()), (ven2, reg2));
    // Re-registration by venID + registrationID.
    let m = post(
        &app,
        "EiRegisterParty",
        create_registration("ven-a", Some(&ven), Some(&reg)),
    )
    .await;
    assert_eq!(code(&m), 200);
    // A registrationID nobody has: 452, as oadrCreatedPartyRegistration.
    let bad = RegistrationId::new("nope").unwrap();
    let m = post(
        &app,
        "EiRegisterParty",
        create_registration("ven-a", None, Some(&bad)),
    )
    .await;
    assert!(matches!(m, Message::CreatedPartyRegistration(_)));
    assert_eq!(code(&m), 452);

    let cancel = |r: &RegistrationId| {
        Message::CancelPartyRegistration(CancelPartyRegistration {
            request_id: req("c1"),
            registration_id: r.clone(),
            ven_id: Some(ven.clone()),
        })
    };
    assert_eq!(
        code(&post(&app, "EiRegisterParty", cancel(&bad)).await),
        452
    );
    let m = post(&app, "EiRegisterParty", cancel(&reg)).await;
    let Message::CanceledPartyRegistration(c) = &m else {
        panic!()
    };
    assert_eq!(code(&m), 200);
    assert_eq!(c.ven_id.as_ref(), Some(&ven));
    // Not registered any more.
    assert_eq!(code(&post(&app, "OadrPoll", poll(&ven)).await), 463);
    // Registering again keeps the venID, with a new registrationID.
    let (ven3, reg3) = register(&app, "ven-a").await;
    assert_eq!(ven3, ven);
    assert_ne!(reg3, reg);
}

#[actix_web::test]
async fn events_through_poll_with_opt_modification_and_cancellation() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let (other, _) = register(&app, "ven-b").await;
    assert_eq!(code(&post(&app, "OadrPoll", poll(&ven)).await), 200);

    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"vens": ["ven-a"], "level": 2, "start": "now", "duration": "PT30M", "priority": 1,
                    "ramp_up": "PT5M", "recovery": "PT5M", "start_after": "PT2M", "test_event": true})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["event_id"].as_str().unwrap().to_string();

    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(d.vtn_id.as_str(), "VTN-ADR-BRIDGE");
    let e = &d.events[0].event;
    assert_eq!(e.descriptor.event_id.as_str(), id);
    assert_eq!(e.descriptor.modification_number, 0);
    assert_eq!(e.descriptor.event_status, EventStatus::Active);
    assert_eq!(e.target.ven_ids, vec![ven.clone()]);
    assert_eq!(e.active_period.x_ei_ramp_up, Some(Duration::minutes(5)));
    assert!(e
        .active_period
        .tolerance
        .as_ref()
        .unwrap()
        .startafter
        .is_some());
    assert_eq!(d.events[0].response_required, ResponseRequired::Always);
    // Delivered once: the queue is empty now. The other VEN was not targeted.
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::Response(_)
    ));
    assert!(matches!(
        post(&app, "OadrPoll", poll(&other)).await,
        Message::Response(_)
    ));

    // Opt in; the admin API shows it.
    assert_eq!(
        code(&post(&app, "EiEvent", created_event(&ven, &id, 0, OptType::OptIn)).await),
        200
    );
    let (_, evs) = api(&app, "GET", "/events", None).await;
    assert_eq!(evs[0]["vens"][0]["opt"], "optIn");
    assert_eq!(evs[0]["participants"], 1);
    // Someone else's event, an unknown event, a future modification.
    assert_eq!(
        code(
            &post(
                &app,
                "EiEvent",
                created_event(&other, &id, 0, OptType::OptIn)
            )
            .await
        ),
        452
    );
    assert_eq!(
        code(
            &post(
                &app,
                "EiEvent",
                created_event(&ven, "no-such", 0, OptType::OptIn)
            )
            .await
        ),
        452
    );
    assert_eq!(
        code(&post(&app, "EiEvent", created_event(&ven, &id, 7, OptType::OptIn)).await),
        450
    );

    // Modify: modification 1 through poll, with the new level.
    let (s, _) = api(
        &app,
        "PATCH",
        &format!("/events/{id}"),
        Some(json!({"level": 3, "reason": "deeper"})),
    )
    .await;
    assert_eq!(s, 200);
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    let e = &d.events[0].event;
    assert_eq!(e.descriptor.modification_number, 1);
    assert_eq!(e.descriptor.modification_reason.as_deref(), Some("deeper"));
    assert_eq!(e.signals[0].intervals[0].signal_value(), Some(3.0));
    // Opt out of modification 1 through EiOpt; it counts over the earlier optIn.
    let opt = Message::CreateOpt(CreateOpt {
        opt_id: OptId::new("opt-1").unwrap(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Participating,
        market_context: None,
        ven_id: ven.clone(),
        vavailability: None,
        created_date_time: t0(),
        request_id: req("o1"),
        qualified_event_id: Some(QualifiedEventId {
            event_id: EventId::new(id.clone()).unwrap(),
            modification_number: 1,
        }),
        target: EiTarget::ven(ven.clone()),
        device_class: None,
    });
    w.clock.advance(chrono::Duration::seconds(1));
    let m = post(&app, "EiOpt", opt).await;
    assert!(matches!(&m, Message::CreatedOpt(c) if c.opt_id.as_str() == "opt-1"));
    let (_, ev) = api(&app, "GET", &format!("/events/{id}"), None).await;
    assert_eq!(ev["vens"][0]["opt"], "optOut");
    assert_eq!(ev["participants"], 0);
    let cancel_opt = |o: &str| {
        Message::CancelOpt(CancelOpt {
            request_id: req("o2"),
            opt_id: OptId::new(o).unwrap(),
            ven_id: ven.clone(),
        })
    };
    assert_eq!(code(&post(&app, "EiOpt", cancel_opt("opt-zzz")).await), 452);
    assert_eq!(code(&post(&app, "EiOpt", cancel_opt("opt-1")).await), 200);
    let (_, ev) = api(&app, "GET", &format!("/events/{id}"), None).await;
    assert_eq!(ev["vens"][0]["opt"], "optIn");

    // Cancel: delivered with status cancelled, modification 2.
    let (s, _) = api(&app, "POST", &format!("/events/{id}/cancel"), None).await;
    assert_eq!(s, 200);
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(
        d.events[0].event.descriptor.event_status,
        EventStatus::Cancelled
    );
    assert_eq!(d.events[0].event.descriptor.modification_number, 2);
    let (_, versions) = api(&app, "GET", &format!("/events/{id}/versions"), None).await;
    assert_eq!(versions.as_array().unwrap().len(), 3);
    // A cancelled event cannot be modified.
    let (s, _) = api(
        &app,
        "PATCH",
        &format!("/events/{id}"),
        Some(json!({"level": 1})),
    )
    .await;
    assert_eq!(s, 409);

    // oadrRequestEvent answers with the current events directly.
    let m = post(
        &app,
        "EiEvent",
        Message::RequestEvent(RequestEvent {
            request_id: req("re1"),
            ven_id: ven.clone(),
            reply_limit: None,
        }),
    )
    .await;
    let Message::DistributeEvent(d) = m else {
        panic!()
    };
    assert_eq!(d.response.as_ref().unwrap().request_id.as_str(), "re1");
    assert_eq!(d.events.len(), 1);
}

#[actix_web::test]
async fn event_status_follows_the_injected_clock_and_is_resent() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    api(
        &app,
        "PATCH",
        "/vens/ven-a",
        Some(json!({"groups": ["north"]})),
    )
    .await;
    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"group_ids": ["north"], "signal_name": "ELECTRICITY_PRICE", "signal_type": "price",
                    "currency": "USD", "intervals": [{"duration": "PT15M", "value": 0.2}, {"duration": "PT15M", "value": 0.4}],
                    "start": "+PT2H", "ramp_up": "PT10M"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(d.events[0].event.descriptor.event_status, EventStatus::Far);
    assert_eq!(
        d.events[0].event.active_period.duration,
        Duration::minutes(30)
    );

    let step = |mins| w.clock.advance(chrono::Duration::minutes(mins));
    step(60);
    let rep = vtn::jobs::run_tick(&w.st).await.unwrap();
    assert!(rep.transitions.is_empty());
    step(51);
    let rep = vtn::jobs::run_tick(&w.st).await.unwrap();
    assert_eq!(rep.transitions[0].1, EventStatus::Near);
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(d.events[0].event.descriptor.event_status, EventStatus::Near);
    assert_eq!(d.events[0].event.descriptor.modification_number, 0);
    step(20);
    vtn::jobs::run_tick(&w.st).await.unwrap();
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    let e = &d.events[0].event;
    assert_eq!(e.descriptor.event_status, EventStatus::Active);
    assert_eq!(e.signals[0].current_value, Some(0.2)); // 11 minutes in: first interval
    step(30);
    let rep = vtn::jobs::run_tick(&w.st).await.unwrap();
    assert_eq!(rep.transitions[0].1, EventStatus::Completed);
    // Completion is not pushed: every VEN computes it.
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::Response(_)
    ));
}

#[actix_web::test]
async fn reports_register_request_update_and_vtn_metadata() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let m = post(
        &app,
        "EiReport",
        metadata(&ven, "spec-usage", ReportName::MetadataTelemetryUsage),
    )
    .await;
    let Message::RegisteredReport(r) = m else {
        panic!()
    };
    assert_eq!(r.report_requests.len(), 1);
    let rr = &r.report_requests[0];
    assert_eq!(rr.specifier.granularity.to_string(), "PT1M");
    let rrid = rr.report_request_id.to_string();
    // HISTORY_USAGE is registered but not requested by itself.
    let Message::RegisteredReport(r) = post(
        &app,
        "EiReport",
        metadata(&ven, "spec-hist", ReportName::MetadataHistoryUsage),
    )
    .await
    else {
        panic!()
    };
    assert!(r.report_requests.is_empty());

    let created = Message::CreatedReport(CreatedReport {
        response: EiResponse::ok(req("x")),
        pending_reports: vec![ReportRequestId::new(rrid.clone()).unwrap()],
        ven_id: Some(ven.clone()),
    });
    assert_eq!(code(&post(&app, "EiReport", created).await), 200);
    let (_, reps) = api(&app, "GET", "/reports?ven=ven-a", None).await;
    assert_eq!(reps["requests"][0]["state"], "active");

    let t = t0();
    let vals = [(t, 230.0), (t + chrono::Duration::minutes(1), 231.5)];
    assert_eq!(
        code(&post(&app, "EiReport", update(&ven, &rrid, "spec-usage", &vals)).await),
        200
    );
    let (_, rs) = api(&app, "GET", "/readings?ven=ven-a", None).await;
    assert_eq!(rs.as_array().unwrap().len(), 2);
    assert_eq!(rs[1]["value"], 231.5);
    // The VEN re-sends a report it got no answer for: acknowledged again, stored once.
    assert_eq!(
        code(&post(&app, "EiReport", update(&ven, &rrid, "spec-usage", &vals)).await),
        200
    );
    let (_, rs) = api(&app, "GET", "/readings?ven=ven-a", None).await;
    assert_eq!(
        rs.as_array().unwrap().len(),
        2,
        "a re-sent report is stored once"
    );
    assert_eq!(rs[0]["report_name"], "TELEMETRY_USAGE");
    let (_, rs) = api(
        &app,
        "GET",
        "/readings?ven=ven-a&from=2026-06-01T12:00:30Z",
        None,
    )
    .await;
    assert_eq!(rs.as_array().unwrap().len(), 1);
    // Unknown report request, or a mismatched specifier: 452.
    assert_eq!(
        code(&post(&app, "EiReport", update(&ven, "nope", "spec-usage", &vals)).await),
        452
    );
    assert_eq!(
        code(&post(&app, "EiReport", update(&ven, &rrid, "spec-other", &vals)).await),
        452
    );

    // HISTORY_USAGE through the admin API: an oadrCreateReport with a window, through poll.
    let (s, v) = api(
        &app,
        "POST",
        "/vens/ven-a/report-requests",
        Some(json!({"report_specifier_id": "spec-hist", "start": "2026-06-01T00:00:00Z", "end": "2026-06-01T06:00:00Z", "granularity": "PT15M"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let Message::CreateReport(cr) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    let sp = &cr.report_requests[0].specifier;
    assert_eq!(sp.report_specifier_id.as_str(), "spec-hist");
    assert_eq!(
        sp.report_interval.as_ref().unwrap().duration,
        Duration::from_secs(6 * 3600)
    );
    let (s, _) = api(
        &app,
        "POST",
        "/vens/ven-a/report-requests",
        Some(json!({"report_specifier_id": "nope"})),
    )
    .await;
    assert_eq!(s, 400);

    // The operator cancels the telemetry request: oadrCancelReport through poll.
    let (s, _) = api(&app, "DELETE", &format!("/report-requests/{rrid}"), None).await;
    assert_eq!(s, 202);
    let Message::CancelReport(c) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(c.report_request_ids[0].as_str(), rrid);
    let canceled = Message::CanceledReport(CanceledReport {
        response: EiResponse::ok(c.request_id.clone()),
        pending_reports: vec![],
        ven_id: Some(ven.clone()),
    });
    assert_eq!(code(&post(&app, "EiReport", canceled).await), 200);
    let (_, reps) = api(&app, "GET", "/reports?ven=ven-a", None).await;
    let states: Vec<_> = reps["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].clone())
        .collect();
    assert!(states.contains(&json!("cancelled")), "{states:?}");

    // The VEN asks for the VTN's METADATA: oadrCreatedReport now, oadrRegisterReport through poll.
    let ask = |spec: &str| {
        Message::CreateReport(CreateReport {
            request_id: req("cr1"),
            report_requests: vec![ReportRequest {
                report_request_id: ReportRequestId::new("rq-1").unwrap(),
                specifier: ReportSpecifier {
                    report_specifier_id: ReportSpecifierId::new(spec).unwrap(),
                    granularity: Duration::ZERO,
                    report_back_duration: Duration::ZERO,
                    report_interval: None,
                    payloads: vec![SpecifierPayload {
                        rid: Rid::new("x").unwrap(),
                        item_base: None,
                        reading_type: ReadingType::DirectRead,
                    }],
                },
            }],
            ven_id: Some(ven.clone()),
        })
    };
    assert_eq!(code(&post(&app, "EiReport", ask("METADATA")).await), 200);
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::RegisterReport(_)
    ));
    // 461, not the 459 of the issue's list: the 2.0b response-code table has
    // 459 = compliance error, 461 = report not supported, and openleadr reads
    // it the same way (tests/vtn_openleadr checks openleadr's enum).
    assert_eq!(
        code(&post(&app, "EiReport", ask("SOMETHING_ELSE")).await),
        461
    );
}

#[actix_web::test]
async fn operator_reregistration_and_cancellation_travel_through_poll() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let (s, _) = api(&app, "POST", "/vens/ven-a/reregister", None).await;
    assert_eq!(s, 202);
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::RequestReregistration(_)
    ));
    let (s, _) = api(
        &app,
        "POST",
        &format!("/vens/{ven}/cancel-registration"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    let Message::CancelPartyRegistration(c) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    assert_eq!(c.ven_id.as_ref(), Some(&ven));
    // The VEN's acknowledgement is welcome; after that it is no longer registered.
    let ack = Message::CanceledPartyRegistration(CanceledPartyRegistration {
        response: EiResponse::ok(c.request_id.clone()),
        registration_id: Some(c.registration_id.clone()),
        ven_id: Some(ven.clone()),
    });
    assert_eq!(code(&post(&app, "EiRegisterParty", ack).await), 200);
    assert_eq!(code(&post(&app, "OadrPoll", poll(&ven)).await), 463);
    let (_, vens) = api(&app, "GET", "/vens", None).await;
    assert_eq!(vens[0]["registered"], false);
    assert!(vens[0]["last_contact"].is_string());
    let (s, _) = api(&app, "POST", "/vens/nobody/reregister", None).await;
    assert_eq!(s, 404);
}

#[actix_web::test]
async fn admin_api_needs_the_token_and_publishes_openapi() {
    let w = world();
    let app = app!(w);
    let r = actix_web::test::TestRequest::get()
        .uri("/api/v1/vens")
        .to_request();
    let resp = actix_web::test::call_service(&app, r).await;
    assert_eq!(resp.status().as_u16(), 401);
    let body: serde_json::Value = actix_web::test::read_body_json(resp).await;
    assert!(body["error"].as_str().unwrap().contains("token"));
    let r = actix_web::test::TestRequest::get()
        .uri("/api/v1/events")
        .insert_header(("Authorization", "Bearer wrong"))
        .to_request();
    assert_eq!(
        actix_web::test::call_service(&app, r)
            .await
            .status()
            .as_u16(),
        401
    );
    let r = actix_web::test::TestRequest::get()
        .uri("/api/v1/openapi.json")
        .to_request();
    let doc: serde_json::Value = actix_web::test::call_and_read_body_json(&app, r).await;
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/events"]["post"].is_object());
    // Bad event requests are 400 with a message, not 500.
    for body in [
        json!({"level": 1, "duration": "PT1H"}),
        json!({"vens": ["ghost"], "level": 1, "duration": "PT1H"}),
        json!({"all_vens": true, "level": 1, "duration": "one hour"}),
        json!({"all_vens": true, "duration": "PT1H"}),
        json!({"all_vens": true, "level": 1, "duration": "PT1H", "signal_name": "NOT A SIGNAL"}),
        json!({"all_vens": true, "level": 1, "duration": "PT1H", "surprise": 1}),
    ] {
        let (s, v) = api(&app, "POST", "/events", Some(body.clone())).await;
        assert_eq!(s, 400, "{body} -> {v}");
        assert!(v["error"].is_string());
    }
    assert!(vtn::http::admin::ct_eq(b"abc", b"abc"));
    assert!(!vtn::http::admin::ct_eq(b"abc", b"abd"));
    assert!(!vtn::http::admin::ct_eq(b"abc", b"abcd"));
    assert!(!vtn::http::admin::ct_eq(b"", b"a"));
}

/// A VEN that re-registers its reports and re-sends a batch the VTN stored
/// but never acknowledged (it died in between) sends it under the newer
/// request: the reading is stored once.
#[actix_web::test]
async fn a_reading_resent_under_a_newer_request_is_stored_once() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let rr = |m: Message| match m {
        Message::RegisteredReport(r) => r.report_requests[0].report_request_id.to_string(),
        other => panic!("{other:?}"),
    };
    let meta = || metadata(&ven, "spec-usage", ReportName::MetadataTelemetryUsage);
    let first = rr(post(&app, "EiReport", meta()).await);
    let m = update(&ven, &first, "spec-usage", &[(t0(), 5.0)]);
    assert_eq!(code(&post(&app, "EiReport", m).await), 200);
    let second = rr(post(&app, "EiReport", meta()).await);
    assert_ne!(first, second);
    let m = update(
        &ven,
        &second,
        "spec-usage",
        &[(t0(), 5.0), (t0() + chrono::Duration::minutes(1), 6.0)],
    );
    assert_eq!(code(&post(&app, "EiReport", m).await), 200);
    let (_, v) = api(&app, "GET", "/readings?ven=ven-a", None).await;
    let starts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dtstart"].as_str().unwrap())
        .collect();
    assert_eq!(starts.len(), 2, "{v}");
}

/// `/metrics` counts what the VTN answered, in Prometheus text format;
/// `/healthz` and `/readyz` answer.
#[actix_web::test]
async fn metrics_and_health_probes() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-m").await;
    assert_eq!(code(&post(&app, "OadrPoll", poll(&ven)).await), 200);
    let (_, _) = post_raw(&app, "OadrPoll", "not xml").await;
    let get = |path: &'static str| actix_web::test::TestRequest::get().uri(path).to_request();
    let resp = actix_web::test::call_service(&app, get("/metrics")).await;
    assert_eq!(resp.status().as_u16(), 200);
    let text = String::from_utf8(actix_web::test::read_body(resp).await.to_vec()).unwrap();
    for line in [
        r#"vtn_requests_total{code="200",service="EiRegisterParty"} 1"#,
        r#"vtn_requests_total{code="200",service="OadrPoll"} 1"#,
        r#"vtn_requests_total{code="454",service="OadrPoll"} 1"#,
        r#"vtn_vens{state="registered",transport="pull"} 1"#,
        r#"vtn_pending_messages{transport="pull"} 0"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    }
    assert!(text.contains("vtn_request_seconds_bucket"));
    for probe in ["/healthz", "/readyz"] {
        let resp = actix_web::test::call_service(&app, get(probe)).await;
        assert_eq!(resp.status().as_u16(), 200, "{probe}");
    }
}

/// Issue 14 (E1_1040): an operator's event may carry a baseline; the VEN gets
/// it as `ei:eiEventBaseline`, and a bad one is refused naming the field.
#[actix_web::test]
async fn an_event_with_a_baseline_reaches_the_ven() {
    let w = world();
    let app = app!(w);
    let (ven, _) = register(&app, "ven-a").await;
    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(
            json!({"vens": ["ven-a"], "level": 1, "start": "+PT5M", "duration": "PT20M",
                    "baseline": {"intervals": [{"duration": "PT10M", "value": 1000.0},
                                               {"duration": "PT10M", "value": 1200.0}],
                                 "name": "site load"}}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!()
    };
    let b = d.events[0].event.baseline.as_ref().expect("a baseline");
    assert_eq!(b.baseline_name, "site load");
    assert_eq!(b.intervals.len(), 2);
    assert_eq!(b.duration, Duration::minutes(20));
    assert_eq!(b.dtstart, d.events[0].event.active_period.dtstart);
    // Written and read back by our codec (the XSD check is tests/schema_xsd's).
    let xml = Message::DistributeEvent(d.clone()).to_xml();
    assert!(xml.contains("<ei:eiEventBaseline>"), "{xml}");
    assert_eq!(
        Message::from_xml(&xml).unwrap(),
        Message::DistributeEvent(d)
    );
    for bad in [
        json!({"intervals": []}),
        json!({"intervals": [{"duration": "-PT1M", "value": 1.0}]}),
        json!({"intervals": [{"duration": "PT1M", "value": 1.0}], "name": "a\u{1b}b"}),
        json!({"intervals": [{"duration": "PT1M", "value": 1.0}], "extra": 1}),
    ] {
        let (s, v) = api(
            &app,
            "POST",
            "/events",
            Some(json!({"vens": ["ven-a"], "level": 1, "duration": "PT20M", "baseline": bad})),
        )
        .await;
        assert_eq!(s, 400, "{bad}: {v}");
    }
}
