//! Issue 14: a 2.0a VEN and a 2.0b VEN served by one VTN, from the same
//! store and decision core. The 2.0a VEN is provisioned (2.0a has no
//! registration service) and pulls with oadrRequestEvent on
//! `/OpenADR2/Simple/EiEvent`; the 2.0b one polls.

mod common;

use adr_schema::*;
use common::*;
use serde_json::json;

async fn post_20a<S>(app: &S, m: &Message) -> (String, Message)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let req = actix_web::test::TestRequest::post()
        .uri("/OpenADR2/Simple/EiEvent")
        .insert_header(("Content-Type", "application/xml"))
        .set_payload(m.to_xml_20a().unwrap())
        .to_request();
    let resp = actix_web::test::call_service(app, req).await;
    assert_eq!(resp.status().as_u16(), 200);
    let body = String::from_utf8(actix_web::test::read_body(resp).await.to_vec()).unwrap();
    let m = Message::from_slice_20a(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
    (body, m)
}

fn request_event(ven: &VenId) -> Message {
    Message::RequestEvent(RequestEvent {
        request_id: req("ra"),
        ven_id: ven.clone(),
        reply_limit: None,
    })
}

#[actix_web::test]
async fn a_2_0a_and_a_2_0b_ven_get_the_same_event_and_both_answers_show() {
    let w = world();
    let app = app!(w);
    // Provision the 2.0a VEN: it is registered at once, and says so.
    let (s, v) = api(
        &app,
        "POST",
        "/vens",
        Some(json!({"ven_name": "thermostat-a", "profile": "2.0a"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["profile"], "2.0a");
    assert_eq!(v["registered"], true);
    let ven_a = VenId::new(v["ven_id"].as_str().unwrap()).unwrap();
    let (ven_b, _) = register(&app, "ven-b").await;

    // Nothing yet: an empty 2.0a oadrDistributeEvent, 200.
    let (xml, m) = post_20a(&app, &request_event(&ven_a)).await;
    assert!(xml.contains("http://openadr.org/oadr-2.0a/2012/07") && !xml.contains("oadrPayload"));
    let Message::DistributeEvent(d) = m else {
        panic!("{m:?}")
    };
    assert!(d.events.is_empty());

    // One event for both (what 2.0a cannot express is cut: vtn-core's tests).
    let (s, v) = api(
        &app,
        "POST",
        "/events",
        Some(json!({"vens": ["thermostat-a", "ven-b"], "level": 2, "start": "now", "duration": "PT30M"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["event_id"].as_str().unwrap().to_string();

    // The 2.0b VEN polls it; the 2.0a VEN asks for it: the same event.
    let Message::DistributeEvent(b) = post(&app, "OadrPoll", poll(&ven_b)).await else {
        panic!()
    };
    let (xml, m) = post_20a(&app, &request_event(&ven_a)).await;
    let Message::DistributeEvent(a) = m else {
        panic!("{m:?}")
    };
    assert_eq!(a.events.len(), 1);
    assert_eq!(a.events[0].event.descriptor, b.events[0].event.descriptor);
    assert_eq!(a.events[0].event.descriptor.event_id.as_str(), id);
    assert!(
        xml.contains(">simple<") && !xml.contains("schemaVersion"),
        "{xml}"
    );
    assert_eq!(
        a.events[0].event.signals[0].intervals,
        b.events[0].event.signals[0].intervals
    );

    // Both answer: the 2.0a one in 2.0a (oadrResponse without venID), optIn.
    let (xml, m) = post_20a(&app, &created_event(&ven_a, &id, 0, OptType::OptIn)).await;
    assert_eq!(code(&m), 200, "{xml}");
    assert!(!xml.contains("venID"), "{xml}");
    assert_eq!(
        code(
            &post(
                &app,
                "EiEvent",
                created_event(&ven_b, &id, 0, OptType::OptOut)
            )
            .await
        ),
        200
    );
    // The operator sees both answers, and which profile each VEN speaks.
    let (_, evs) = api(&app, "GET", "/events", None).await;
    let opts: std::collections::BTreeMap<String, String> = evs[0]["vens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["ven_name"].as_str().unwrap().to_string(),
                p["opt"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(opts["thermostat-a"], "optIn");
    assert_eq!(opts["ven-b"], "optOut");
    let (_, vens) = api(&app, "GET", "/vens", None).await;
    let profiles: Vec<_> = vens
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["ven_name"].as_str().unwrap(),
                v["profile"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(profiles.contains(&("thermostat-a", "2.0a")) && profiles.contains(&("ven-b", "2.0b")));

    // A stranger on the 2.0a path: a 2.0a error answer (463), not a 2.0b one.
    let (xml, m) = post_20a(&app, &request_event(&VenId::new("ghost").unwrap())).await;
    assert_eq!(code(&m), 463, "{xml}");
    // A 2.0b document on the 2.0a path is refused in 2.0a (454).
    let req = actix_web::test::TestRequest::post()
        .uri("/OpenADR2/Simple/EiEvent")
        .set_payload(request_event(&ven_a).to_xml())
        .to_request();
    let body = actix_web::test::read_body(actix_web::test::call_service(&app, req).await).await;
    let m = Message::from_slice_20a(&body).unwrap();
    assert_eq!(code(&m), 454);
    // 2.0a has no registration or report service: the operator is told so.
    let (s, v) = api(&app, "POST", "/vens/thermostat-a/reregister", None).await;
    assert_eq!(s, 409, "{v}");
}
