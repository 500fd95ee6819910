//! Push VENs (oadrHttpPullModel false): the VTN POSTs queued messages to the
//! VEN's transport address and handles the answer in the response.
//! (openleadr's VEN cannot be pushed to, so this is tested here with a tiny VEN.)

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use adr_schema::*;
use common::*;
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
