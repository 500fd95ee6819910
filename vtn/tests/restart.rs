//! Stop the VTN mid-way and start it on the same database: nothing is missing.

mod common;

use adr_schema::*;
use common::*;
use serde_json::json;

#[actix_web::test]
async fn everything_survives_a_restart() {
    let w = world();
    let (ven, reg, event_id, rrid) = {
        let app = app!(w);
        let (ven, reg) = register(&app, "ven-a").await;
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
        post(
            &app,
            "EiReport",
            update(
                &ven,
                &rrid,
                "spec-usage",
                &[(t0(), 1.0), (t0() + chrono::Duration::minutes(1), 2.0)],
            ),
        )
        .await;
        let (_, v) = api(
            &app,
            "POST",
            "/events",
            Some(json!({"vens": ["ven-a"], "level": 2, "duration": "PT30M"})),
        )
        .await;
        let event_id = v["event_id"].as_str().unwrap().to_string();
        // Deliver version 0, answer it, then modify: version 1 stays queued across the restart.
        post(&app, "OadrPoll", poll(&ven)).await;
        post(
            &app,
            "EiEvent",
            created_event(&ven, &event_id, 0, OptType::OptIn),
        )
        .await;
        api(
            &app,
            "PATCH",
            &format!("/events/{event_id}"),
            Some(json!({"level": 3})),
        )
        .await;
        api(&app, "POST", "/vens/ven-a/reregister", None).await;
        let opt = Message::CreateOpt(CreateOpt {
            opt_id: OptId::new("sched-1").unwrap(),
            opt_type: OptType::OptOut,
            opt_reason: OptReason::Economic,
            market_context: None,
            ven_id: ven.clone(),
            vavailability: Some(vec![Properties::new(
                t0() + chrono::Duration::days(1),
                Duration::minutes(60),
            )]),
            created_date_time: t0(),
            request_id: req("o"),
            qualified_event_id: None,
            target: EiTarget::ven(ven.clone()),
            device_class: None,
        });
        assert_eq!(code(&post(&app, "EiOpt", opt).await), 200);
        vtn::jobs::run_housekeeping(&w.st).await.unwrap();
        (ven, reg, event_id, rrid)
    };
    let w = w.restart();
    let app = app!(w);
    // Registration, queue (in order), events with every version, opts, reports, readings.
    let Message::DistributeEvent(d) = post(&app, "OadrPoll", poll(&ven)).await else {
        panic!("distribute first")
    };
    assert_eq!(d.events[0].event.descriptor.modification_number, 1);
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::RequestReregistration(_)
    ));
    assert!(matches!(
        post(&app, "OadrPoll", poll(&ven)).await,
        Message::Response(_)
    ));
    let (_, vens) = api(&app, "GET", "/vens", None).await;
    assert_eq!(vens[0]["registration_id"], reg.as_str());
    assert!(vens[0]["last_contact"].is_string());
    let (_, versions) = api(&app, "GET", &format!("/events/{event_id}/versions"), None).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let (_, ev) = api(&app, "GET", &format!("/events/{event_id}"), None).await;
    assert_eq!(ev["vens"][0]["opt"], "optIn");
    assert_eq!(ev["vens"][0]["modification_number"], 0);
    let (_, opts) = api(&app, "GET", "/opts?ven=ven-a", None).await;
    assert_eq!(opts[0]["opt_id"], "sched-1");
    let (_, reps) = api(&app, "GET", "/reports", None).await;
    assert_eq!(reps["requests"][0]["report_request_id"], rrid.as_str());
    assert_eq!(
        reps["registrations"][0]["report_specifier_id"],
        "spec-usage"
    );
    let (_, rs) = api(&app, "GET", "/readings?ven=ven-a", None).await;
    assert_eq!(rs.as_array().unwrap().len(), 2);
    // And it keeps working: more readings on the same request.
    assert_eq!(
        code(
            &post(
                &app,
                "EiReport",
                update(&ven, &rrid, "spec-usage", &[(t0(), 9.0)])
            )
            .await
        ),
        200
    );
}
