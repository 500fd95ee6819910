//! Push mode over loopback HTTP: the VEN registers with its listener's
//! address and no pull model, never polls, and answers what the VTN posts.

mod common;

use std::time::Duration;

use adr_schema::*;
use chrono::Utc;
use common::FakeVtn;
use ven::agent::{Agent, AgentSettings};
use ven::clock::SystemClock;
use ven::config::{Config, VtnConfig};
use ven::device::sim::{SimConfig, Thermostat};
use ven::store::Store;
use ven::transport::{start_push_listener, HttpTransport};

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn push(http: &reqwest::Client, url: &str, m: Message) -> Message {
    let r = http
        .post(url)
        .header("content-type", "application/xml")
        .body(m.to_xml())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    Message::from_slice(&r.bytes().await.unwrap()).unwrap()
}

fn event(start: Timestamp) -> Message {
    Message::DistributeEvent(DistributeEvent {
        response: None,
        request_id: RequestId::new("push-1").unwrap(),
        vtn_id: VtnId::new("VTN-Fake").unwrap(),
        events: vec![OadrEvent {
            event: EiEvent {
                descriptor: EventDescriptor {
                    event_id: EventId::new("E-push").unwrap(),
                    modification_number: 0,
                    modification_date_time: None,
                    modification_reason: None,
                    priority: None,
                    market_context: "http://market".into(),
                    created_date_time: start,
                    event_status: EventStatus::Far,
                    test_event: None,
                    vtn_comment: None,
                },
                active_period: Properties::new(start, Duration::from_secs(60).into_xs()),
                signals: vec![EventSignal {
                    intervals: vec![Interval {
                        dtstart: None,
                        duration: Some(Duration::from_secs(60).into_xs()),
                        uid: Some("0".into()),
                        payloads: vec![StreamPayload::Signal(PayloadBase::Float(2.0))],
                    }],
                    target: None,
                    signal_name: SignalName::Simple,
                    signal_type: SignalType::Level,
                    signal_id: "s".into(),
                    item_base: None,
                    current_value: None,
                }],
                baseline: None,
                target: EiTarget::default(),
            },
            response_required: ResponseRequired::Always,
        }],
    })
}

trait IntoXs {
    fn into_xs(self) -> adr_schema::Duration;
}
impl IntoXs for Duration {
    fn into_xs(self) -> adr_schema::Duration {
        adr_schema::Duration::from_secs(self.as_secs())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_mode_end_to_end() {
    let vtn = FakeVtn::start();
    let (listener, rx) = start_push_listener("127.0.0.1:0", None).unwrap();
    let base = format!("http://{}/OpenADR2/Simple/2.0b", listener.addr);
    let mut s = AgentSettings::from_config(&Config::default(), "ven-push").unwrap();
    s.push_address = Some(base.clone());
    s.history_period = None;
    let agent = Agent::new(
        s,
        HttpTransport::new(&vtn.url(), &VtnConfig::default()).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(":memory:").unwrap(),
        Some(rx),
    );
    let task = tokio::spawn(agent.run());
    let st = vtn.state.clone();
    wait_for("registration", 10, || {
        st.lock()
            .unwrap()
            .received
            .iter()
            .any(|m| m == "oadrRegisterReport")
    })
    .await;
    assert_eq!(
        st.lock().unwrap().push_address.as_deref(),
        Some(base.as_str())
    );

    let http = reqwest::Client::new();
    // An event: answered at once, confirmed by oadrCreatedEvent to the VTN.
    let a = push(&http, &format!("{base}/EiEvent"), event(Utc::now())).await;
    assert!(
        matches!(a, Message::Response(ref r) if r.response.response_code.is_ok()),
        "{a:?}"
    );
    wait_for("oadrCreatedEvent", 10, || {
        st.lock()
            .unwrap()
            .created_events
            .contains(&("E-push".into(), 0, OptType::OptIn))
    })
    .await;

    // A report request: answered with oadrCreatedReport in the HTTP response.
    let mut rr = common::report_request();
    rr.report_request_id = ReportRequestId::new("RR-push").unwrap();
    let a = push(
        &http,
        &format!("{base}/EiReport"),
        Message::CreateReport(CreateReport {
            request_id: RequestId::new("cr").unwrap(),
            report_requests: vec![rr],
            ven_id: Some(VenId::new("VEN-FAKE").unwrap()),
        }),
    )
    .await;
    let Message::CreatedReport(c) = a else {
        panic!("{a:?}")
    };
    assert!(c.pending_reports.iter().any(|p| p.as_str() == "RR-push"));
    let a = push(
        &http,
        &format!("{base}/EiReport"),
        Message::CancelReport(CancelReport {
            request_id: RequestId::new("cx").unwrap(),
            report_request_ids: vec![ReportRequestId::new("RR-push").unwrap()],
            report_to_follow: false,
            ven_id: None,
        }),
    )
    .await;
    let Message::CanceledReport(c) = a else {
        panic!("{a:?}")
    };
    assert!(
        c.response.response_code.is_ok()
            && !c.pending_reports.iter().any(|p| p.as_str() == "RR-push")
    );

    // Registration cancelled by the VTN.
    let a = push(
        &http,
        &format!("{base}/EiRegisterParty"),
        Message::CancelPartyRegistration(CancelPartyRegistration {
            request_id: RequestId::new("cpr").unwrap(),
            registration_id: RegistrationId::new("REG-FAKE").unwrap(),
            ven_id: Some(VenId::new("VEN-FAKE").unwrap()),
        }),
    )
    .await;
    let Message::CanceledPartyRegistration(c) = a else {
        panic!("{a:?}")
    };
    assert!(c.response.response_code.is_ok());
    assert_eq!(c.ven_id.map(|v| v.to_string()).as_deref(), Some("VEN-FAKE"));

    assert!(
        !st.lock().unwrap().received.iter().any(|m| m == "oadrPoll"),
        "push VENs do not poll"
    );
    task.abort();
    listener.handle.stop(false).await;
}
