//! Shared helpers: every test gets its own world (fresh temp database, manual clock).
#![allow(dead_code)]

use std::sync::Arc;

use actix_web::test;
use adr_schema::*;
use chrono::TimeZone;
use serde_json::Value;
use vtn::config::{FileConfig, Overrides, Settings};
use vtn::{AppState, ManualClock};

pub const TOKEN: &str = "test-token";

pub struct World {
    pub dir: tempfile::TempDir,
    pub st: AppState,
    pub clock: Arc<ManualClock>,
}

pub fn t0() -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub fn settings(db: std::path::PathBuf) -> Settings {
    Settings::resolve(
        FileConfig {
            body_limit: Some(64 * 1024),
            report_granularity: Some("PT1M".into()),
            ..Default::default()
        },
        Overrides {
            db: Some(db),
            poll_freq: Some("PT1S".into()),
            admin_token: Some(TOKEN.into()),
            // Most tests register VENs on the fly over plain HTTP.
            registration_policy: Some(vtn::config::RegistrationPolicy::Open),
            ..Default::default()
        },
    )
    .unwrap()
}

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let st = AppState::open(settings(dir.path().join("vtn.db")), clock.clone()).unwrap();
    World { dir, st, clock }
}

impl World {
    /// The same database, opened again (a restart).
    pub fn restart(self) -> World {
        let World { dir, st, clock } = self;
        drop(st);
        let st = AppState::open(settings(dir.path().join("vtn.db")), clock.clone()).unwrap();
        World { dir, st, clock }
    }
}

#[macro_export]
macro_rules! app {
    ($w:expr) => {
        actix_web::test::init_service(
            actix_web::App::new().configure(vtn::http::configure($w.st.clone())),
        )
        .await
    };
}

pub async fn post_raw<S>(
    app: &S,
    service: &str,
    body: impl Into<actix_web::web::Bytes>,
) -> (u16, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let req = test::TestRequest::post()
        .uri(&format!("/OpenADR2/Simple/2.0b/{service}"))
        .insert_header(("Content-Type", "application/xml"))
        .set_payload(body.into())
        .to_request();
    let resp = test::call_service(app, req).await;
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    if status == 200 {
        assert!(ct.starts_with("application/xml"), "content type {ct}");
    }
    (status, body)
}

pub async fn post<S>(app: &S, service: &str, m: Message) -> Message
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let (status, body) = post_raw(app, service, m.to_xml()).await;
    assert_eq!(status, 200, "{body}");
    Message::from_xml(&body).unwrap_or_else(|e| panic!("our answer does not parse: {e}\n{body}"))
}

pub async fn api<S>(app: &S, method: &str, path: &str, body: Option<Value>) -> (u16, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let mut r = match method {
        "GET" => test::TestRequest::get(),
        "POST" => test::TestRequest::post(),
        "PATCH" => test::TestRequest::patch(),
        "PUT" => test::TestRequest::put(),
        "DELETE" => test::TestRequest::delete(),
        _ => unreachable!(),
    }
    .uri(&format!("/api/v1{path}"))
    .insert_header(("Authorization", format!("Bearer {TOKEN}")));
    if let Some(b) = body {
        r = r.set_json(b);
    }
    let resp = test::call_service(app, r.to_request()).await;
    let status = resp.status().as_u16();
    let bytes = test::read_body(resp).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The response code of any answer that carries an eiResponse.
pub fn code(m: &Message) -> u16 {
    match m {
        Message::Response(r) => r.response.response_code.0,
        Message::CreatedPartyRegistration(r) => r.response.response_code.0,
        Message::CanceledPartyRegistration(r) => r.response.response_code.0,
        Message::CreatedOpt(r) => r.response.response_code.0,
        Message::CanceledOpt(r) => r.response.response_code.0,
        Message::RegisteredReport(r) => r.response.response_code.0,
        Message::CreatedReport(r) => r.response.response_code.0,
        Message::CanceledReport(r) => r.response.response_code.0,
        Message::UpdatedReport(r) => r.response.response_code.0,
        Message::DistributeEvent(r) => r
            .response
            .as_ref()
            .map(|r| r.response_code.0)
            .unwrap_or(200),
        other => panic!("no response code in {}", other.name()),
    }
}

pub fn req(s: &str) -> RequestId {
    RequestId::new(s).unwrap()
}

pub fn create_registration(
    name: &str,
    ven_id: Option<&VenId>,
    reg: Option<&RegistrationId>,
) -> Message {
    Message::CreatePartyRegistration(CreatePartyRegistration {
        request_id: req("r-create"),
        registration_id: reg.cloned(),
        ven_id: ven_id.cloned(),
        profile_name: ProfileName::V20b,
        transport_name: TransportName::SimpleHttp,
        transport_address: None,
        report_only: false,
        xml_signature: false,
        ven_name: Some(name.into()),
        http_pull_model: Some(true),
    })
}

/// Register a VEN by name; returns (venID, registrationID).
pub async fn register<S>(app: &S, name: &str) -> (VenId, RegistrationId)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    match post(
        app,
        "EiRegisterParty",
        create_registration(name, None, None),
    )
    .await
    {
        Message::CreatedPartyRegistration(c) => {
            assert_eq!(c.response.response_code.0, 200);
            (c.ven_id.unwrap(), c.registration_id.unwrap())
        }
        other => panic!("{other:?}"),
    }
}

pub fn poll(ven: &VenId) -> Message {
    Message::Poll(Poll {
        ven_id: ven.clone(),
    })
}

pub fn metadata(ven: &VenId, spec: &str, name: ReportName) -> Message {
    Message::RegisterReport(RegisterReport {
        request_id: req("r-reg-report"),
        reports: vec![OadrReport {
            dtstart: None,
            duration: Some(Duration::minutes(60)),
            intervals: vec![],
            report_id: None,
            descriptions: vec![ReportDescription {
                rid: Rid::new("voltage-1").unwrap(),
                report_subject: None,
                report_data_source: Some(EiTarget {
                    resource_ids: vec!["device001".into()],
                    ..Default::default()
                }),
                report_type: ReportType::Reading,
                item_base: None,
                reading_type: ReadingType::DirectRead,
                market_context: None,
                sampling_rate: Some(SamplingRate {
                    min_period: Duration::from_secs(10),
                    max_period: Duration::minutes(60),
                    on_change: false,
                }),
            }],
            report_request_id: ReportRequestId::new("0").unwrap(),
            report_specifier_id: ReportSpecifierId::new(spec).unwrap(),
            report_name: Some(name),
            created_date_time: t0(),
        }],
        ven_id: Some(ven.clone()),
        report_request_id: Some(ReportRequestId::new("0").unwrap()),
    })
}

pub fn update(ven: &VenId, rrid: &str, spec: &str, values: &[(Timestamp, f64)]) -> Message {
    Message::UpdateReport(UpdateReport {
        request_id: req("r-update"),
        reports: vec![OadrReport {
            dtstart: values.first().map(|v| v.0),
            duration: None,
            intervals: values
                .iter()
                .map(|(t, v)| Interval {
                    dtstart: Some(*t),
                    duration: Some(Duration::minutes(1)),
                    uid: None,
                    payloads: vec![StreamPayload::Report(ReportPayload {
                        rid: Rid::new("voltage-1").unwrap(),
                        confidence: Some(100),
                        accuracy: None,
                        payload: PayloadBase::Float(*v),
                        data_quality: None,
                    })],
                })
                .collect(),
            report_id: None,
            descriptions: vec![],
            report_request_id: ReportRequestId::new(rrid).unwrap(),
            report_specifier_id: ReportSpecifierId::new(spec).unwrap(),
            report_name: Some(ReportName::TelemetryUsage),
            created_date_time: t0(),
        }],
        ven_id: Some(ven.clone()),
    })
}

pub fn created_event(ven: &VenId, event: &str, modn: u32, opt: OptType) -> Message {
    Message::CreatedEvent(CreatedEvent {
        response: EiResponse::ok(req("r-dist")),
        event_responses: Some(vec![EventResponse {
            response_code: ResponseCode::OK,
            response_description: Some("OK".into()),
            request_id: req("r-dist"),
            qualified_event_id: QualifiedEventId {
                event_id: EventId::new(event).unwrap(),
                modification_number: modn,
            },
            opt_type: opt,
        }]),
        ven_id: ven.clone(),
    })
}
