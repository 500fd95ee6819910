//! The decisions against the in-memory view, with the clock and the ids
//! chosen by the test: no database, no server.

use adr_schema::*;

use crate::ctx::{Ctx, Policy, SeqIds};
use crate::delivery;
use crate::events::{EventSpec, IntervalSpec, SignalSpec, TargetSpec};
use crate::mem::MemView;
use crate::model::{PendingKind, ReportRequestState};
use crate::operator;
use crate::ops::Decision;
use crate::service::{self, Reply};
use crate::tick;
use crate::Error;

fn t0() -> Timestamp {
    "2026-07-01T12:00:00Z".parse().unwrap()
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

fn policy() -> Policy {
    Policy {
        vtn_id: VtnId::new("VTN-Test").unwrap(),
        poll_freq: Duration::from_secs(10),
        near_window: Duration::minutes(30),
        report_granularity: Duration::minutes(1),
        report_deadline: Duration::minutes(5),
        queue_ttl: Duration::from_secs(24 * 3600),
        reading_window: Duration::from_secs(31 * 24 * 3600),
        clock_skew: Duration::minutes(60),
        open_registration: true,
        tls: false,
    }
}

/// A VTN in memory: the view, the policy, the ids and the time.
struct World {
    v: MemView,
    policy: Policy,
    ids: SeqIds,
    now: Timestamp,
    peer: Option<String>,
    new_vens_allowed: bool,
}

impl World {
    fn new() -> World {
        World {
            v: MemView::default(),
            policy: policy(),
            ids: SeqIds::default(),
            now: t0(),
            peer: None,
            new_vens_allowed: true,
        }
    }

    /// Take a decision and apply it, as the store does.
    fn run<T>(
        &mut self,
        f: impl FnOnce(&MemView, &Ctx) -> crate::Result<Decision<T>>,
    ) -> crate::Result<T> {
        let ctx = Ctx {
            policy: &self.policy,
            now: self.now,
            peer_fingerprint: self.peer.clone(),
            new_vens_allowed: self.new_vens_allowed,
            ids: &self.ids,
        };
        let d = f(&self.v, &ctx)?;
        self.v.apply(&d.ops, self.now);
        Ok(d.reply)
    }

    fn send(&mut self, svc: Service, m: Message) -> crate::Result<Message> {
        let r = self.run(|v, ctx| service::handle(v, ctx, svc, &m))?;
        Ok(match r {
            Reply::Msg(m) => *m,
            Reply::Xml(x) => Message::from_xml(&x).expect("our own XML reads back"),
        })
    }

    fn register(&mut self, name: &str) -> (VenId, RegistrationId) {
        match self
            .send(Service::EiRegisterParty, registration(name, None))
            .unwrap()
        {
            Message::CreatedPartyRegistration(c) => (c.ven_id.unwrap(), c.registration_id.unwrap()),
            other => panic!("{other:?}"),
        }
    }

    fn poll(&mut self, ven: &VenId) -> Message {
        self.send(
            Service::OadrPoll,
            Message::Poll(Poll {
                ven_id: ven.clone(),
            }),
        )
        .unwrap()
    }

    fn event(&mut self, ven: &VenId, start: Timestamp) -> String {
        let spec = spec(ven, start);
        self.run(|v, ctx| operator::create_event(v, ctx, None, spec))
            .unwrap()
            .event_id
    }
}

fn req(s: &str) -> RequestId {
    RequestId::new(s).unwrap()
}

fn registration(name: &str, push: Option<&str>) -> Message {
    Message::CreatePartyRegistration(CreatePartyRegistration {
        request_id: req("r"),
        registration_id: None,
        ven_id: None,
        profile_name: ProfileName::V20b,
        transport_name: TransportName::SimpleHttp,
        transport_address: push.map(str::to_string),
        report_only: false,
        xml_signature: false,
        ven_name: Some(name.into()),
        http_pull_model: Some(push.is_none()),
    })
}

fn spec(ven: &VenId, start: Timestamp) -> EventSpec {
    EventSpec {
        dtstart: start,
        duration: "PT1H".parse().unwrap(),
        signals: vec![SignalSpec {
            signal_name: SignalName::Simple,
            signal_type: SignalType::Level,
            signal_id: None,
            intervals: vec![IntervalSpec {
                duration: "PT1H".parse().unwrap(),
                value: 1.0,
            }],
            current_value: None,
            currency: None,
            target: None,
        }],
        targets: TargetSpec {
            ven_ids: vec![ven.clone()],
            ..Default::default()
        },
        market_context: "http://market".into(),
        priority: None,
        test_event: false,
        vtn_comment: None,
        response_required: true,
        ramp_up: None,
        recovery: None,
        notification: None,
        start_after: None,
        baseline: None,
    }
}

fn code(m: &Message) -> u16 {
    match m {
        Message::Response(r) => r.response.response_code.0,
        Message::CreatedPartyRegistration(r) => r.response.response_code.0,
        Message::CreatedOpt(r) => r.response.response_code.0,
        Message::UpdatedReport(r) => r.response.response_code.0,
        Message::RegisteredReport(r) => r.response.response_code.0,
        other => panic!("no code in {}", other.name()),
    }
}

fn distributed(m: &Message) -> Vec<(String, u32, EventStatus)> {
    match m {
        Message::DistributeEvent(d) => d
            .events
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
        other => panic!("not a distribute: {}", other.name()),
    }
}

// ---------------------------------------------------------------- registration

#[test]
fn registration_gives_ids_and_re_registration_keeps_them() {
    let mut w = World::new();
    let (ven, reg) = w.register("ven-a");
    // SeqIds: the venID is drawn first, then the registrationID.
    assert_eq!((ven.as_str(), reg.as_str()), ("id-1", "id-2"));
    assert!(w.v.vens["id-1"].is_registered());
    let (again, reg2) = w.register("ven-a");
    assert_eq!((again, reg2), (ven, reg));
    assert_eq!(w.v.vens.len(), 1);
}

#[test]
fn registration_refusals_carry_the_right_codes() {
    let mut w = World::new();
    w.register("ven-a");
    let (b, _) = w.register("ven-b");
    let mut m = registration("ven-a", None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.ven_id = Some(b.clone());
    }
    let e = w.send(Service::EiRegisterParty, m).unwrap_err();
    assert_eq!(e.response_code().0, 452, "{e}");

    let mut m = registration("ven-z", None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.profile_name = ProfileName::V20a;
    }
    assert_eq!(
        w.send(Service::EiRegisterParty, m)
            .unwrap_err()
            .response_code()
            .0,
        454
    );

    let mut m = registration("ven-z", None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.http_pull_model = Some(false);
    }
    assert_eq!(
        w.send(Service::EiRegisterParty, m)
            .unwrap_err()
            .response_code()
            .0,
        454
    );

    w.policy.tls = true;
    w.peer = Some("AA:BB:CC:DD:EE:FF:00:11:22:33".into());
    let m = registration("ven-z", Some("http://ven/OpenADR2/Simple/2.0b"));
    assert_eq!(
        w.send(Service::EiRegisterParty, m)
            .unwrap_err()
            .response_code()
            .0,
        454
    );
    w.policy.open_registration = false;
    let m = registration("ven-z", None);
    assert_eq!(
        w.send(Service::EiRegisterParty, m)
            .unwrap_err()
            .response_code()
            .0,
        463
    );
    // Nothing was stored by the refusals.
    assert_eq!(w.v.vens.len(), 2);
}

#[test]
fn on_tls_a_venid_answers_only_to_its_certificate() {
    let mut w = World::new();
    w.policy.tls = true;
    w.peer = Some("AA:BB:CC:DD:EE:FF:00:11:22:33".into());
    let (ven, _) = w.register("ven-a");
    assert_eq!(code(&w.poll(&ven)), 200);
    w.peer = Some("12:34:56:78:9A:BC:DE:F0:12:34".into());
    let e = w
        .send(Service::OadrPoll, Message::Poll(Poll { ven_id: ven }))
        .unwrap_err();
    assert_eq!(e.response_code().0, 463);
}

#[test]
fn a_message_on_the_wrong_service_is_not_recognized() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let e = w
        .send(Service::EiEvent, Message::Poll(Poll { ven_id: ven }))
        .unwrap_err();
    assert_eq!(e.response_code().0, 453);
}

// ---------------------------------------------------------------- poll and delivery

#[test]
fn poll_hands_out_each_queued_message_once() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    assert_eq!(code(&w.poll(&ven)), 200);
    let id = w.event(&ven, t0() + minutes(60));
    let got = distributed(&w.poll(&ven));
    assert_eq!(got, vec![(id, 0, EventStatus::Far)]);
    assert_eq!(code(&w.poll(&ven)), 200, "delivered once");
}

#[test]
fn a_distribute_changed_in_flight_is_delivered_again() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let id = w.event(&ven, t0());
    // A push takes the message out (transaction 1) ...
    let d1 = w
        .run(|v, ctx| {
            let row = v.vens[ven.as_str()].clone();
            Ok(Decision {
                reply: delivery::next(v, ctx, &row)?.unwrap(),
                ops: vec![],
            })
        })
        .unwrap();
    assert_eq!(d1.kind, PendingKind::Distribute);
    // ... the operator cancels while it is on the wire ...
    w.run(|v, ctx| operator::modify_event(v, ctx, &id, |_| Ok(()), None, true))
        .unwrap();
    assert_eq!(w.v.pending_of(&ven).len(), 1, "one queued copy, bumped");
    // ... and its delivery (transaction 2) leaves the newer version queued.
    w.run(|v, ctx| {
        Ok(Decision {
            reply: (),
            ops: delivery::delivered(v, ctx, &d1)?,
        })
    })
    .unwrap();
    let p = w.v.pending_of(&ven);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].generation, d1.generation + 1);
    let got = distributed(&w.poll(&ven));
    assert_eq!(got, vec![(id, 1, EventStatus::Cancelled)]);
    assert!(w.v.pending_of(&ven).is_empty());
}

#[test]
fn a_delivered_cancellation_cleans_up_the_same_on_every_transport() {
    // Pull: the oadrCancelPartyRegistration goes out in a poll.
    let mut pull = World::new();
    // Push: next, then delivered in a second decision.
    let mut push = World::new();
    for w in [&mut pull, &mut push] {
        let (ven, _) = w.register("ven-a");
        let m = metadata(&ven);
        assert_eq!(code(&w.send(Service::EiReport, m).unwrap()), 200);
        w.event(&ven, t0() + minutes(60));
        w.run(|v, ctx| operator::cancel_registration(v, ctx, "ven-a"))
            .unwrap();
    }
    let ven = VenId::new("id-1").unwrap();
    // Pull drains the distribute, then gets the cancellation.
    pull.poll(&ven);
    assert!(matches!(
        pull.poll(&ven),
        Message::CancelPartyRegistration(_)
    ));
    // Push: the same two messages through next/delivered.
    for _ in 0..2 {
        let d = push
            .run(|v, ctx| {
                let row = v.vens["id-1"].clone();
                Ok(Decision {
                    reply: delivery::next(v, ctx, &row)?.unwrap(),
                    ops: vec![],
                })
            })
            .unwrap();
        push.run(|v, ctx| {
            Ok(Decision {
                reply: (),
                ops: delivery::delivered(v, ctx, &d)?,
            })
        })
        .unwrap();
    }
    for w in [&pull, &push] {
        assert!(!w.v.vens["id-1"].is_registered());
        assert!(w.v.pending.is_empty());
        assert!(w
            .v
            .requests
            .values()
            .all(|r| r.state == ReportRequestState::Cancelled));
    }
}

// ---------------------------------------------------------------- events

#[test]
fn an_answer_for_a_later_modification_is_out_of_sequence() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let id = w.event(&ven, t0());
    let answer = |modn| {
        Message::CreatedEvent(CreatedEvent {
            response: EiResponse::ok(req("d")),
            event_responses: Some(vec![EventResponse {
                response_code: ResponseCode::OK,
                response_description: None,
                request_id: req("d"),
                qualified_event_id: QualifiedEventId {
                    event_id: EventId::new(id.clone()).unwrap(),
                    modification_number: modn,
                },
                opt_type: OptType::OptOut,
            }]),
            ven_id: ven.clone(),
        })
    };
    let e = w.send(Service::EiEvent, answer(1)).unwrap_err();
    assert_eq!(e.response_code().0, 450);
    assert_eq!(code(&w.send(Service::EiEvent, answer(0)).unwrap()), 200);
    let vens: Vec<_> = w.v.vens.values().cloned().collect();
    let ev = w.v.event_of(&id).unwrap().clone();
    let p = crate::participation::participation(&ev, &vens, &w.v.answers, &[]);
    assert_eq!(p[0].opt, "optOut");
    assert!(!p[0].participates);
}

#[test]
fn status_changes_over_time_are_sent_except_completion() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let id = w.event(&ven, t0() + minutes(90));
    w.poll(&ven);
    let step = |w: &mut World, at: Timestamp| {
        w.now = at;
        w.run(|v, ctx| tick::tick(v, ctx)).unwrap()
    };
    let rep = step(&mut w, t0() + minutes(61));
    assert_eq!(rep.transitions, vec![(id.clone(), EventStatus::Near)]);
    assert_eq!(
        distributed(&w.poll(&ven)),
        vec![(id.clone(), 0, EventStatus::Near)]
    );
    let rep = step(&mut w, t0() + minutes(90));
    assert_eq!(rep.transitions, vec![(id.clone(), EventStatus::Active)]);
    assert_eq!(distributed(&w.poll(&ven))[0].2, EventStatus::Active);
    let rep = step(&mut w, t0() + minutes(151));
    assert_eq!(rep.transitions, vec![(id, EventStatus::Completed)]);
    assert_eq!(code(&w.poll(&ven)), 200, "completion is not sent");
    assert!(step(&mut w, t0() + minutes(152)).transitions.is_empty());
}

#[test]
fn undelivered_messages_expire_after_their_time_to_live() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    w.event(&ven, t0() + minutes(60));
    assert_eq!(w.v.pending_of(&ven).len(), 1);
    w.now = t0() + chrono::Duration::hours(25);
    let rep = w.run(|v, ctx| tick::tick(v, ctx)).unwrap();
    assert_eq!(rep.messages_expired, 1);
    assert!(w.v.pending.is_empty());
}

// ---------------------------------------------------------------- opts

fn schedule_opt(ven: &VenId, start: Timestamp, duration: &str) -> Message {
    Message::CreateOpt(CreateOpt {
        opt_id: OptId::new("opt-1").unwrap(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        market_context: None,
        ven_id: ven.clone(),
        vavailability: Some(vec![Properties::new(start, duration.parse().unwrap())]),
        created_date_time: t0(),
        request_id: req("o"),
        qualified_event_id: None,
        target: EiTarget::default(),
        device_class: None,
    })
}

#[test]
fn opt_windows_are_bounded_and_checked() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let end_of_time: Timestamp = "9999-12-31T23:59:59Z".parse().unwrap();
    for (start, d) in [(end_of_time, "P100Y"), (t0(), "-PT1H")] {
        let e = w
            .send(Service::EiOpt, schedule_opt(&ven, start, d))
            .unwrap_err();
        assert_eq!(e.response_code().0, 454, "{start} {d}: {e}");
    }
    assert!(w.v.opts.is_empty());
    let m = schedule_opt(&ven, t0(), "PT2H");
    assert_eq!(code(&w.send(Service::EiOpt, m).unwrap()), 200);
    let o = w.v.opts.values().next().unwrap();
    assert_eq!(o.windows, vec![(t0(), t0() + chrono::Duration::hours(2))]);
    // The window overlaps an event in it: the VEN is out.
    let id = w.event(&ven, t0() + minutes(30));
    let vens: Vec<_> = w.v.vens.values().cloned().collect();
    let opts: Vec<_> = w.v.opts.values().cloned().collect();
    let ev = w.v.event_of(&id).unwrap().clone();
    let p = crate::participation::participation(&ev, &vens, &[], &opts);
    assert_eq!(
        (p[0].opt.as_str(), p[0].source.as_deref()),
        ("optOut", Some("schedule"))
    );
    let cancel = |id: &str| {
        Message::CancelOpt(CancelOpt {
            request_id: req("c"),
            opt_id: OptId::new(id).unwrap(),
            ven_id: ven.clone(),
        })
    };
    assert_eq!(
        w.send(Service::EiOpt, cancel("nope"))
            .unwrap_err()
            .response_code()
            .0,
        452
    );
    assert!(w.send(Service::EiOpt, cancel("opt-1")).is_ok());
    assert!(w.v.opts.values().next().unwrap().cancelled_at.is_some());
}

// ---------------------------------------------------------------- reports

fn metadata(ven: &VenId) -> Message {
    Message::RegisterReport(RegisterReport {
        request_id: req("m"),
        reports: vec![OadrReport {
            dtstart: None,
            duration: Some(Duration::minutes(60)),
            intervals: vec![],
            report_id: None,
            descriptions: vec![ReportDescription {
                rid: Rid::new("usage").unwrap(),
                report_subject: None,
                report_data_source: None,
                report_type: ReportType::Usage,
                item_base: None,
                reading_type: ReadingType::DirectRead,
                market_context: None,
                sampling_rate: None,
            }],
            report_request_id: ReportRequestId::new("0").unwrap(),
            report_specifier_id: ReportSpecifierId::new("spec-usage").unwrap(),
            report_name: Some(ReportName::MetadataTelemetryUsage),
            created_date_time: t0(),
        }],
        ven_id: Some(ven.clone()),
        report_request_id: Some(ReportRequestId::new("0").unwrap()),
    })
}

fn reading(ven: &VenId, rrid: &str, at: Timestamp) -> Message {
    Message::UpdateReport(UpdateReport {
        request_id: req("u"),
        reports: vec![OadrReport {
            dtstart: Some(at),
            duration: None,
            intervals: vec![Interval {
                dtstart: Some(at),
                duration: Some(Duration::minutes(1)),
                uid: None,
                payloads: vec![StreamPayload::Report(ReportPayload {
                    rid: Rid::new("usage").unwrap(),
                    confidence: None,
                    accuracy: None,
                    payload: PayloadBase::Float(5.0),
                    data_quality: None,
                })],
            }],
            report_id: None,
            descriptions: vec![],
            report_request_id: ReportRequestId::new(rrid).unwrap(),
            report_specifier_id: ReportSpecifierId::new("spec-usage").unwrap(),
            report_name: Some(ReportName::TelemetryUsage),
            created_date_time: at,
        }],
        ven_id: Some(ven.clone()),
    })
}

fn requested(m: Message) -> String {
    match m {
        Message::RegisteredReport(r) => r.report_requests[0].report_request_id.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn telemetry_is_requested_and_a_newer_request_supersedes_the_old() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let old = requested(w.send(Service::EiReport, metadata(&ven)).unwrap());
    assert_eq!(w.v.requests[&old].state, ReportRequestState::Requested);
    assert_eq!(
        code(
            &w.send(Service::EiReport, reading(&ven, &old, t0()))
                .unwrap()
        ),
        200
    );
    assert_eq!(w.v.requests[&old].state, ReportRequestState::Active);
    assert_eq!(w.v.readings.len(), 1);
    // Re-sent: stored once.
    w.send(Service::EiReport, reading(&ven, &old, t0()))
        .unwrap();
    assert_eq!(w.v.readings.len(), 1);

    let new = requested(w.send(Service::EiReport, metadata(&ven)).unwrap());
    assert_ne!(new, old);
    assert_eq!(w.v.requests[&old].state, ReportRequestState::Superseded);
    assert_eq!(w.v.requests[&new].state, ReportRequestState::Requested);
    let e = w
        .send(Service::EiReport, reading(&ven, &old, t0() + minutes(1)))
        .unwrap_err();
    assert_eq!(e.response_code().0, 461);
    let e = w
        .send(Service::EiReport, reading(&ven, "rr-never", t0()))
        .unwrap_err();
    assert_eq!(e.response_code().0, 452);
}

#[test]
fn an_unconfirmed_request_becomes_unacknowledged_at_its_deadline() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let id = requested(w.send(Service::EiReport, metadata(&ven)).unwrap());
    w.now = t0() + minutes(6);
    let rep = w.run(|v, ctx| tick::tick(v, ctx)).unwrap();
    assert_eq!(rep.report_requests_expired, 1);
    assert_eq!(w.v.requests[&id].state, ReportRequestState::Unacknowledged);
}

#[test]
fn an_operator_report_request_must_name_an_offered_report() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    w.send(Service::EiReport, metadata(&ven)).unwrap();
    let ask = |spec: &str| operator::ReportAsk {
        report_specifier_id: spec.into(),
        ..Default::default()
    };
    let e = w
        .run(|v, ctx| operator::request_report(v, ctx, "ven-a", ask("other")))
        .unwrap_err();
    assert!(matches!(e, Error::ReportNotSupported(_)), "{e}");
    let id = w
        .run(|v, ctx| operator::request_report(v, ctx, "ven-a", ask("spec-usage")))
        .unwrap();
    assert!(w.v.requests.contains_key(&id));
    assert!(matches!(w.poll(&ven), Message::CreateReport(_)));
}

#[test]
fn corrupt_and_internal_errors_never_reach_a_peer() {
    let e = Error::corrupt("vens row \"x\" groups_json", "expected value at line 1");
    assert_eq!(e.response_code().0, 469);
    assert!(!e.peer_text().contains("groups_json"));
}

/// The core stays free of IO by construction: its manifest names no
/// database, HTTP, runtime or network crate (an allow-list, so a new
/// dependency is a decision someone makes here).
#[test]
fn the_core_depends_on_no_io_crate() {
    let manifest = include_str!("../Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table")
        .split("\n[")
        .next()
        .unwrap_or("");
    let names: Vec<&str> = deps
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split(['=', ' ', '.']).next())
        .collect();
    let allowed = [
        "adr-schema",
        "chrono",
        "serde",
        "serde_json",
        "thiserror",
        "tracing",
    ];
    for n in &names {
        assert!(allowed.contains(n), "vtn-core depends on {n}");
    }
    assert!(names.contains(&"adr-schema"));
}

#[test]
fn provisioned_vens_register_by_certificate_and_names_stay_unique() {
    let mut w = World::new();
    let fp = "aabbccddeeff00112233";
    let ven = w
        .run(|v, ctx| operator::provision_ven(v, ctx, "meter-1", Some(fp), None, false))
        .unwrap();
    assert_eq!(
        ven.cert_fingerprint.as_deref(),
        Some("AA:BB:CC:DD:EE:FF:00:11:22:33")
    );
    for (name, f) in [
        ("meter-1", "12:34:56:78:9A:BC:DE:F0:12:34"),
        ("meter-2", fp),
        ("a\u{1b}[31m", "12:34:56:78:9A:BC:DE:F0:12:34"),
    ] {
        let e = w
            .run(|v, ctx| operator::provision_ven(v, ctx, name, Some(f), None, false))
            .unwrap_err();
        assert_eq!(e.response_code().0, 454, "{name}: {e}");
    }
    // Registration over TLS with that certificate finds the provisioned VEN.
    w.policy.tls = true;
    w.policy.open_registration = false;
    w.peer = Some("AA:BB:CC:DD:EE:FF:00:11:22:33".into());
    let mut m = registration("meter-1", None);
    if let Message::CreatePartyRegistration(c) = &mut m {
        c.ven_name = None;
    }
    let got = match w.send(Service::EiRegisterParty, m).unwrap() {
        Message::CreatedPartyRegistration(c) => c.ven_id.unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(got, ven.ven_id);
}

#[test]
fn operators_set_targeting_within_bounds() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let ch = |g: Vec<&str>| operator::VenChanges {
        groups: Some(g.into_iter().map(String::from).collect()),
        ..Default::default()
    };
    let e = w
        .run(|v, ctx| operator::update_ven(v, ctx, "ven-a", ch(vec!["ok", "bad\u{1b}"])))
        .unwrap_err();
    assert_eq!(e.response_code().0, 454);
    w.run(|v, ctx| operator::update_ven(v, ctx, "ven-a", ch(vec!["north"])))
        .unwrap();
    assert_eq!(w.v.vens[ven.as_str()].groups, vec!["north".to_string()]);
    // An event for the group now concerns it.
    let mut s = spec(&ven, t0() + minutes(60));
    s.targets = TargetSpec {
        group_ids: vec!["north".into()],
        ..Default::default()
    };
    w.run(|v, ctx| operator::create_event(v, ctx, None, s))
        .unwrap();
    assert_eq!(w.v.pending_of(&ven).len(), 1);
    let e = w
        .run(|v, ctx| operator::update_ven(v, ctx, "nobody", ch(vec![])))
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
}

#[test]
fn readings_are_checked_at_the_boundary() {
    let mut w = World::new();
    let (ven, _) = w.register("ven-a");
    let rr = requested(w.send(Service::EiReport, metadata(&ven)).unwrap());
    let with = |f: &dyn Fn(&mut UpdateReport)| {
        let mut m = reading(&ven, &rr, t0());
        if let Message::UpdateReport(u) = &mut m {
            f(u);
        }
        m
    };
    fn payload(u: &mut UpdateReport) -> &mut ReportPayload {
        match &mut u.reports[0].intervals[0].payloads[0] {
            StreamPayload::Report(p) => p,
            _ => unreachable!(),
        }
    }
    let cases: Vec<(&str, Message, u16)> = vec![
        (
            "infinite value",
            with(&|u| payload(u).payload = PayloadBase::Float(f64::INFINITY)),
            454,
        ),
        (
            "NaN",
            with(&|u| payload(u).payload = PayloadBase::Float(f64::NAN)),
            454,
        ),
        (
            "rID never requested",
            with(&|u| payload(u).rid = Rid::new("other").unwrap()),
            452,
        ),
        (
            "negative duration",
            with(&|u| u.reports[0].intervals[0].duration = Some("-PT1S".parse().unwrap())),
            454,
        ),
        (
            "dated 9999",
            with(&|u| {
                u.reports[0].intervals[0].dtstart = Some("9999-12-31T00:00:00Z".parse().unwrap())
            }),
            454,
        ),
        (
            "dated 0001",
            with(&|u| {
                u.reports[0].intervals[0].dtstart = Some("0001-01-01T00:00:00Z".parse().unwrap())
            }),
            454,
        ),
        (
            "dated 1969",
            with(&|u| {
                u.reports[0].intervals[0].dtstart = Some("1969-12-31T23:59:59Z".parse().unwrap())
            }),
            454,
        ),
    ];
    for (what, m, want) in cases {
        let e = w.send(Service::EiReport, m).unwrap_err();
        assert_eq!(e.response_code().0, want, "{what}: {e}");
    }
    assert!(w.v.readings.is_empty(), "nothing stored by refusals");
    // Within the window (a day old, a minute ahead): stored.
    for at in [t0() - chrono::Duration::days(1), t0() + minutes(1)] {
        let m = with(&|u| u.reports[0].intervals[0].dtstart = Some(at));
        assert_eq!(code(&w.send(Service::EiReport, m).unwrap()), 200);
    }
    assert_eq!(w.v.readings.len(), 2);
}

#[test]
fn names_and_metadata_are_checked_at_the_boundary() {
    let mut w = World::new();
    for name in ["a\u{1b}[31mred", "nul\u{0}", "cr\r\nlf"] {
        let e = w
            .send(Service::EiRegisterParty, registration(name, None))
            .unwrap_err();
        assert_eq!(e.response_code().0, 454, "{name:?}");
    }
    assert!(w.v.vens.is_empty());
    let (ven, _) = w.register("ven-a");
    let mut m = metadata(&ven);
    if let Message::RegisterReport(r) = &mut m {
        r.reports[0].descriptions[0].sampling_rate = Some(SamplingRate {
            min_period: "-PT1S".parse().unwrap(),
            max_period: Duration::minutes(1),
            on_change: false,
        });
    }
    assert_eq!(
        w.send(Service::EiReport, m).unwrap_err().response_code().0,
        454
    );
    assert!(w.v.requests.is_empty());
    // Operator events: SIMPLE levels 0 to 3, bounded comments.
    let mut s = spec(&ven, t0());
    s.signals[0].intervals[0].value = 7.0;
    assert!(w
        .run(|v, ctx| operator::create_event(v, ctx, None, s))
        .is_err());
    let mut s = spec(&ven, t0());
    s.vtn_comment = Some("x".repeat(900 * 1024));
    assert!(w
        .run(|v, ctx| operator::create_event(v, ctx, None, s))
        .is_err());
    assert!(w.v.events.is_empty());
}

#[test]
fn plain_http_registration_follows_the_policy_and_the_source_limit() {
    let mut w = World::new();
    w.policy.open_registration = false;
    // Unknown name, no certificate: refused, nothing stored.
    let e = w
        .send(Service::EiRegisterParty, registration("stranger", None))
        .unwrap_err();
    assert_eq!(e.response_code().0, 463, "{e}");
    assert!(w.v.vens.is_empty());
    // Provisioned by name only: it registers by that name.
    let ven = w
        .run(|v, ctx| operator::provision_ven(v, ctx, "meter-9", None, None, false))
        .unwrap();
    let (got, _) = w.register("meter-9");
    assert_eq!(got, ven.ven_id);
    // Open policy, but this source has added too many VENs: 451, nothing stored;
    // a known VEN may still register again.
    w.policy.open_registration = true;
    w.new_vens_allowed = false;
    let e = w
        .send(Service::EiRegisterParty, registration("newcomer", None))
        .unwrap_err();
    assert_eq!(e.response_code().0, 451, "{e}");
    assert_eq!(w.v.vens.len(), 1);
    assert_eq!(w.register("meter-9").0, ven.ven_id);
}

#[test]
fn a_2_0a_ven_gets_the_same_events_in_what_2_0a_can_express() {
    let mut w = World::new();
    let a = w
        .run(|v, ctx| operator::provision_ven(v, ctx, "thermostat-a", None, None, true))
        .unwrap();
    assert!(a.is_registered() && a.is_profile_a());
    let (b, _) = w.register("ven-b");
    // One event for both, with a SIMPLE and a price signal.
    let mut s = spec(&a.ven_id, w.now + chrono::Duration::hours(1));
    s.targets.ven_ids.push(b.clone());
    let mut price = s.signals[0].clone();
    price.signal_name = SignalName::ElectricityPrice;
    price.signal_type = SignalType::Price;
    s.signals.push(price);
    let ev = w
        .run(|v, ctx| operator::create_event(v, ctx, None, s))
        .unwrap();
    // Queued for the 2.0b VEN only: the 2.0a one pulls with oadrRequestEvent.
    let queued: Vec<_> = w.v.pending.values().map(|p| p.ven_id.clone()).collect();
    assert_eq!(queued, vec![b.clone()]);
    let m = w
        .send(
            Service::EiEvent,
            Message::RequestEvent(RequestEvent {
                request_id: req("ra"),
                ven_id: a.ven_id.clone(),
                reply_limit: None,
            }),
        )
        .unwrap();
    let Message::DistributeEvent(d) = m else {
        panic!("{m:?}")
    };
    assert_eq!(d.events[0].event.signals.len(), 2);
    let d = crate::profile_a::distribute(d);
    let signals = &d.events[0].event.signals;
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].signal_name, SignalName::SimpleLower);
    assert_eq!(d.events[0].event.descriptor.event_id.as_str(), ev.event_id);
    // 2.0a has no registration or report service: the operator cannot queue them.
    for r in [
        w.run(|v, ctx| operator::request_reregistration(v, ctx, "thermostat-a")),
        w.run(|v, ctx| operator::cancel_registration(v, ctx, "thermostat-a")),
    ] {
        assert_eq!(r.unwrap_err().response_code().0, 451);
    }
    // A price-only event has nothing for a 2.0a VEN.
    let mut s = spec(&a.ven_id, w.now + chrono::Duration::hours(2));
    s.signals[0].signal_name = SignalName::ElectricityPrice;
    s.signals[0].signal_type = SignalType::Price;
    w.run(|v, ctx| operator::create_event(v, ctx, None, s))
        .unwrap();
    let m = w
        .send(
            Service::EiEvent,
            Message::RequestEvent(RequestEvent {
                request_id: req("rb"),
                ven_id: a.ven_id.clone(),
                reply_limit: None,
            }),
        )
        .unwrap();
    let Message::DistributeEvent(d) = m else {
        panic!("{m:?}")
    };
    assert_eq!(d.events.len(), 2);
    assert_eq!(crate::profile_a::distribute(d).events.len(), 1);
}
