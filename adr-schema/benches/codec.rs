//! Parse and serialise throughput of the codec, against a bare quick-xml
//! event scan of the same bytes (the floor any XML reader pays).
//!
//! Cases mirror bench/openleadr_codec.py: oadrDistributeEvent with 1, 100 and
//! 1000 events (one SIMPLE level signal, 3 intervals, a venID target each) and
//! oadrUpdateReport with 1, 100 and 1000 intervals. With OADR_BENCH_XML_DIR
//! set (bench/schema_codec.sh does this), the documents are the very bytes
//! openleadr wrote; otherwise equivalent messages are built here.

use adr_schema::*;
use chrono::TimeZone;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn t0() -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2030, 1, 15, 12, 0, 0).unwrap()
}

fn distribute(n: usize) -> Message {
    let events = (0..n)
        .map(|i| OadrEvent {
            response_required: ResponseRequired::Always,
            event: EiEvent {
                descriptor: EventDescriptor {
                    event_id: EventId::new(format!("EVT-{i:06}")).unwrap(),
                    modification_number: 0,
                    modification_date_time: Some(t0()),
                    modification_reason: None,
                    priority: Some(1),
                    market_context: "http://MarketContext1".into(),
                    created_date_time: t0(),
                    event_status: EventStatus::Far,
                    test_event: Some("false".into()),
                    vtn_comment: None,
                },
                active_period: Properties::new(
                    t0() + chrono::Duration::hours(i as i64),
                    Duration::minutes(30),
                ),
                signals: vec![EventSignal {
                    intervals: (0..3)
                        .map(|k| Interval {
                            dtstart: None,
                            duration: Some(Duration::minutes(10)),
                            uid: Some(k.to_string()),
                            payloads: vec![StreamPayload::Signal(PayloadBase::Float(
                                k as f64 + 1.0,
                            ))],
                        })
                        .collect(),
                    target: None,
                    signal_name: SignalName::Simple,
                    signal_type: SignalType::Level,
                    signal_id: format!("SIG-{i}"),
                    item_base: None,
                    current_value: Some(0.0),
                }],
                baseline: None,
                target: EiTarget::ven(VenId::new("VEN-Bench-1").unwrap()),
            },
        })
        .collect();
    Message::DistributeEvent(DistributeEvent {
        response: Some(EiResponse::ok(RequestId::new("REQ-0").unwrap())),
        request_id: RequestId::new("REQ-1").unwrap(),
        vtn_id: VtnId::new("VTN-Bench-1").unwrap(),
        events,
    })
}

fn update_report(n: usize) -> Message {
    let intervals = (0..n)
        .map(|i| Interval {
            dtstart: Some(t0() + chrono::Duration::minutes(i as i64)),
            duration: Some(Duration::minutes(1)),
            uid: None,
            payloads: vec![StreamPayload::Report(ReportPayload {
                rid: Rid::new("meter-power").unwrap(),
                confidence: None,
                accuracy: None,
                payload: PayloadBase::Float(1000.0 + i as f64 * 0.5),
                data_quality: None,
            })],
        })
        .collect();
    Message::UpdateReport(UpdateReport {
        request_id: RequestId::new("REQ-UPD").unwrap(),
        reports: vec![OadrReport {
            dtstart: Some(t0()),
            duration: Some(Duration::minutes(n as u32)),
            intervals,
            report_id: Some(ReportId::new("RPT-1").unwrap()),
            descriptions: vec![],
            report_request_id: ReportRequestId::new("RR-1").unwrap(),
            report_specifier_id: ReportSpecifierId::new("SPEC-1").unwrap(),
            report_name: Some(ReportName::TelemetryUsage),
            created_date_time: t0(),
        }],
        ven_id: Some(VenId::new("VEN-Bench-1").unwrap()),
    })
}

fn scan(xml: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => return n,
            Ok(_) => n += 1,
            Err(e) => panic!("{e}"),
        }
    }
}

fn cases() -> Vec<(String, String)> {
    let dir = std::env::var("OADR_BENCH_XML_DIR").ok();
    let mut out = Vec::new();
    for (kind, build) in [
        ("distribute_event", distribute as fn(usize) -> Message),
        ("update_report", update_report),
    ] {
        for n in [1usize, 100, 1000] {
            let name = format!("{kind}/{n}");
            let xml = match &dir {
                Some(d) => std::fs::read_to_string(format!("{d}/{kind}_{n}.xml"))
                    .expect("openleadr bench XML"),
                None => build(n).to_xml(),
            };
            out.push((name, xml));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    for (name, xml) in cases() {
        let msg = Message::from_xml(&xml).expect("bench document parses");
        let mut g = c.benchmark_group(name.replace('/', "_"));
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function("parse", |b| {
            b.iter(|| Message::from_xml(std::hint::black_box(&xml)).unwrap())
        });
        g.bench_function("scan", |b| b.iter(|| scan(std::hint::black_box(&xml))));
        let mut buf = String::with_capacity(xml.len() * 2);
        g.bench_function("serialize", |b| {
            b.iter(|| {
                buf.clear();
                std::hint::black_box(&msg).write_xml(&mut buf);
                buf.len()
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
