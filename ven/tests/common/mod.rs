//! A small fake VTN for socket-level tests: answers registration, requests
//! one TELEMETRY_USAGE report at 1 s, records every reading and every
//! message, and can be switched to answer 503 or be stopped and restarted.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use adr_schema::*;

#[derive(Default)]
pub struct FakeState {
    pub up: bool,
    /// (rID, dtstart, value) in arrival order.
    pub readings: Vec<(String, Timestamp, f64)>,
    pub received: Vec<String>,
    pub push_address: Option<String>,
    pub created_events: Vec<(String, u32, OptType)>,
    /// (venID, registrationID) offered in each oadrCreatePartyRegistration.
    pub registrations: Vec<(Option<String>, Option<String>)>,
    /// Behave like the real VTN on oadrRegisterReport: each one replaces the
    /// report request (new reportRequestID `RR-usage-<n>`), and readings sent
    /// under a replaced one are refused with 461, the whole message.
    pub supersede: bool,
    /// oadrRegisterReport messages answered (the current request is
    /// `RR-usage-<generation>` in supersede mode).
    pub generation: u32,
    /// oadrUpdateReport messages refused with 461.
    pub refused: usize,
    /// reportRequestID of each entry of `readings`.
    pub reading_requests: Vec<String>,
    /// Hold every request without answering while set (a VTN that accepts
    /// connections and does not answer).
    pub hang: bool,
    /// Also request TELEMETRY_STATUS (reportRequestID `RR-status`, 1 s).
    pub status_report: bool,
    /// Answer HTTP 500 to any oadrUpdateReport carrying an
    /// `oadrPayloadResourceStatus`, as openleadr's VTN does.
    pub refuse_status: bool,
    /// oadrUpdateReport messages answered 500 for their resource status.
    pub status_refused: usize,
    /// The most oadrReports seen in one oadrUpdateReport.
    pub max_reports_per_message: usize,
    /// Answers to the next polls (otherwise an empty oadrResponse).
    pub queued: std::collections::VecDeque<Message>,
}

pub type Shared = Arc<Mutex<FakeState>>;

pub struct FakeVtn {
    pub state: Shared,
    pub addr: SocketAddr,
    handle: Option<actix_web::dev::ServerHandle>,
}

fn rid(s: &str) -> Rid {
    Rid::new(s).unwrap()
}

pub fn report_request() -> ReportRequest {
    ReportRequest {
        report_request_id: ReportRequestId::new("RR-usage").unwrap(),
        specifier: ReportSpecifier {
            report_specifier_id: ReportSpecifierId::new("TELEMETRY_USAGE").unwrap(),
            granularity: Duration::from_secs(1),
            report_back_duration: Duration::from_secs(1),
            report_interval: None,
            payloads: vec![SpecifierPayload {
                rid: rid("power"),
                item_base: None,
                reading_type: ReadingType::DirectRead,
            }],
        },
    }
}

/// A TELEMETRY_STATUS request at 1 s.
pub fn status_request(id: &str) -> ReportRequest {
    ReportRequest {
        report_request_id: ReportRequestId::new(id).unwrap(),
        specifier: ReportSpecifier {
            report_specifier_id: ReportSpecifierId::new("TELEMETRY_STATUS").unwrap(),
            granularity: Duration::from_secs(1),
            report_back_duration: Duration::from_secs(1),
            report_interval: None,
            payloads: vec![SpecifierPayload {
                rid: rid("status"),
                item_base: None,
                reading_type: ReadingType::NotApplicable,
            }],
        },
    }
}

pub fn answer(state: &Shared, m: Message) -> Option<Message> {
    let ven = VenId::new("VEN-FAKE").unwrap();
    let ok = |req: RequestId| EiResponse::ok(req);
    let mut s = state.lock().unwrap();
    s.received.push(m.name().to_string());
    let created = |push: Option<String>| {
        let _ = push;
        Message::CreatedPartyRegistration(CreatedPartyRegistration {
            response: ok(RequestId::new("x").unwrap()),
            registration_id: Some(RegistrationId::new("REG-FAKE").unwrap()),
            ven_id: Some(ven.clone()),
            vtn_id: VtnId::new("VTN-Fake").unwrap(),
            profiles: vec![Profile {
                profile_name: ProfileName::V20b,
                transports: vec![TransportName::SimpleHttp],
            }],
            poll_freq: Some(Duration::from_secs(1)),
            service_specific_info: None,
            extensions: None,
        })
    };
    Some(match m {
        Message::QueryRegistration(_) => created(None),
        Message::CreatePartyRegistration(c) => {
            s.registrations.push((
                c.ven_id.as_ref().map(|v| v.to_string()),
                c.registration_id.as_ref().map(|v| v.to_string()),
            ));
            s.push_address = c.transport_address.clone();
            created(c.transport_address)
        }
        Message::RegisterReport(r) => {
            s.generation += 1;
            let mut rr = report_request();
            if s.supersede {
                rr.report_request_id =
                    ReportRequestId::new(format!("RR-usage-{}", s.generation)).unwrap();
            }
            let mut report_requests = vec![rr];
            if s.status_report {
                report_requests.push(status_request("RR-status"));
            }
            Message::RegisteredReport(RegisteredReport {
                response: ok(r.request_id),
                report_requests,
                ven_id: Some(ven),
            })
        }
        Message::UpdateReport(u)
            if s.supersede
                && u.reports.iter().any(|rep| {
                    rep.report_request_id.as_str() != format!("RR-usage-{}", s.generation)
                }) =>
        {
            s.refused += 1;
            Message::UpdatedReport(UpdatedReport {
                response: EiResponse::error(
                    ResponseCode::REPORT_NOT_SUPPORTED,
                    "report request was replaced by a newer one",
                    u.request_id,
                ),
                cancel_report: None,
                ven_id: Some(ven),
            })
        }
        Message::UpdateReport(u) => {
            s.max_reports_per_message = s.max_reports_per_message.max(u.reports.len());
            for rep in &u.reports {
                let n: usize = rep.intervals.iter().map(|iv| iv.payloads.len()).sum();
                for _ in 0..n {
                    s.reading_requests.push(rep.report_request_id.to_string());
                }
                for iv in &rep.intervals {
                    for p in &iv.payloads {
                        if let StreamPayload::Report(rp) = p {
                            let v = match rp.payload {
                                PayloadBase::Float(f) => f,
                                _ => f64::NAN,
                            };
                            s.readings
                                .push((rp.rid.to_string(), iv.dtstart.unwrap(), v));
                        }
                    }
                }
            }
            Message::UpdatedReport(UpdatedReport {
                response: ok(u.request_id),
                cancel_report: None,
                ven_id: Some(ven),
            })
        }
        Message::CreatedEvent(c) => {
            for r in c.event_responses.unwrap_or_default() {
                s.created_events.push((
                    r.qualified_event_id.event_id.to_string(),
                    r.qualified_event_id.modification_number,
                    r.opt_type,
                ));
            }
            Message::Response(Response {
                response: ok(c.response.request_id),
                ven_id: Some(ven),
            })
        }
        Message::Poll(_) if !s.queued.is_empty() => s.queued.pop_front().unwrap(),
        Message::Response(_) => return None,
        other => Message::Response(Response {
            response: ok(RequestId::new(format!("re-{}", other.name())).unwrap()),
            ven_id: Some(ven),
        }),
    })
}

async fn handler(body: web::Bytes, state: web::Data<Shared>) -> HttpResponse {
    while state.lock().unwrap().hang {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    if !state.lock().unwrap().up {
        return HttpResponse::ServiceUnavailable().finish();
    }
    {
        let mut s = state.lock().unwrap();
        if s.refuse_status
            && body
                .windows(b"oadrPayloadResourceStatus".len())
                .any(|w| w == b"oadrPayloadResourceStatus")
        {
            s.received.push("oadrUpdateReport (refused)".into());
            s.status_refused += 1;
            return HttpResponse::InternalServerError().body("Internal Server Error");
        }
    }
    let m = match Message::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return HttpResponse::BadRequest().body(e.to_string()),
    };
    match answer(&state, m) {
        Some(a) => HttpResponse::Ok()
            .content_type("application/xml")
            .body(a.to_xml()),
        None => HttpResponse::Ok().finish(),
    }
}

impl FakeVtn {
    pub fn start() -> FakeVtn {
        let state: Shared = Arc::new(Mutex::new(FakeState {
            up: true,
            ..Default::default()
        }));
        let mut v = FakeVtn {
            state,
            addr: "127.0.0.1:0".parse().unwrap(),
            handle: None,
        };
        v.listen();
        v
    }

    fn listen(&mut self) {
        let st = self.state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(st.clone()))
                .default_service(web::post().to(handler))
        })
        .workers(1)
        .disable_signals()
        .bind(self.addr)
        .expect("bind fake VTN");
        self.addr = server.addrs()[0];
        let server = server.run();
        self.handle = Some(server.handle());
        tokio::spawn(server);
    }

    pub fn url(&self) -> String {
        format!("http://{}/OpenADR2/Simple/2.0b", self.addr)
    }

    pub fn set_up(&self, up: bool) {
        self.state.lock().unwrap().up = up;
    }

    /// Close the socket: connections are refused until `restart`.
    pub async fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.stop(false).await;
        }
    }

    pub fn restart(&mut self) {
        self.listen();
    }
}
