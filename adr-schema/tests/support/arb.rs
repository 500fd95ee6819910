//! proptest strategies for every OpenADR 2.0b message type.
//!
//! Shared by the round-trip property tests and by the `write_samples`
//! example that feeds the XSD validation: what we test round-trips is also
//! what we prove schema-valid. Values stay inside what the XSDs allow
//! (whole-second durations, float-representable numbers, `x-` extension tokens).
#![allow(dead_code)]

use adr_schema::*;
use chrono::TimeZone;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,16}", "[a-zA-Z0-9 <>&'\"é€]{1,12}",]
}

fn id_str() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9_.:-]{0,15}"
}

macro_rules! arb_id {
    ($f:ident, $t:ty) => {
        pub fn $f() -> impl Strategy<Value = $t> {
            id_str().prop_map(|s| <$t>::new(s).unwrap())
        }
    };
}
arb_id!(ven_id, VenId);
arb_id!(vtn_id, VtnId);
arb_id!(registration_id, RegistrationId);
arb_id!(event_id, EventId);
arb_id!(report_request_id, ReportRequestId);
arb_id!(report_specifier_id, ReportSpecifierId);
arb_id!(opt_id, OptId);
arb_id!(report_id, ReportId);
arb_id!(rid, Rid);

pub fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![Just(String::new()), id_str()].prop_map(|s| RequestId::new(s).unwrap())
}

pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(f64::from),
        (-100_000i32..100_000).prop_map(f64::from),
        Just(f64::INFINITY),
    ]
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0i64..4_102_444_800,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(|(s, n)| chrono::Utc.timestamp_opt(s, n).unwrap())
}

pub fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u32..120).prop_map(|m| Duration {
            minutes: m,
            ..Duration::ZERO
        }),
        (
            any::<bool>(),
            0u32..3,
            0u32..13,
            0u32..40,
            0u32..48,
            0u32..120,
            0u32..120
        )
            .prop_map(|(negative, years, months, days, hours, minutes, seconds)| {
                Duration {
                    negative,
                    years,
                    months,
                    days,
                    hours,
                    minutes,
                    seconds,
                    ..Duration::ZERO
                }
            }),
    ]
}

macro_rules! arb_closed {
    ($f:ident, $t:ty) => {
        pub fn $f() -> impl Strategy<Value = $t> {
            select(<$t>::ALL)
        }
    };
}
arb_closed!(event_status, EventStatus);
arb_closed!(signal_type, SignalType);
arb_closed!(opt_type, OptType);
arb_closed!(response_required, ResponseRequired);
arb_closed!(profile_name, ProfileName);
arb_closed!(transport_name, TransportName);
arb_closed!(service_name, ServiceName);
arb_closed!(si_scale, SiScale);
arb_closed!(temperature_unit, TemperatureUnit);
arb_closed!(currency_description, CurrencyDescription);

macro_rules! arb_open {
    ($f:ident, $t:ident) => {
        pub fn $f() -> impl Strategy<Value = $t> {
            prop_oneof![
                4 => select($t::KNOWN),
                1 => "x-ext[A-Za-z]{1,8}".prop_map($t::Extension),
            ]
        }
    };
}
arb_open!(signal_name, SignalName);
arb_open!(opt_reason, OptReason);
arb_open!(report_name, ReportName);
arb_open!(report_type, ReportType);
arb_open!(reading_type, ReadingType);
arb_open!(data_quality, DataQuality);

pub fn response_code() -> impl Strategy<Value = ResponseCode> {
    prop_oneof![
        select(vec![200u16, 450, 451, 452, 453, 454, 459, 460, 463, 469]),
        100u16..1000
    ]
    .prop_map(ResponseCode)
}

pub fn ei_response() -> BoxedStrategy<EiResponse> {
    (response_code(), option::of(text()), request_id())
        .prop_map(|(c, d, r)| EiResponse {
            response_code: c,
            response_description: d,
            request_id: r,
        })
        .boxed()
}

fn small<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    vec(s, 0..3)
}

pub fn target() -> BoxedStrategy<EiTarget> {
    (
        (
            small(text()),
            small(text()),
            small(text()),
            small(text()),
            small(text()),
        ),
        small((text(), text()).prop_map(|(a, b)| TransportInterface {
            point_of_receipt: a,
            point_of_delivery: b,
        })),
        (
            small(text()),
            small(text()),
            small(text()),
            small(ven_id()),
            small(text()),
        ),
    )
        .prop_map(
            |((ap, eda, ma, pn, sdp), ti, (g, gn, res, ven, party))| EiTarget {
                aggregated_pnodes: ap,
                end_device_assets: eda,
                meter_assets: ma,
                pnodes: pn,
                service_delivery_points: sdp,
                transport_interfaces: ti,
                group_ids: g,
                group_names: gn,
                resource_ids: res,
                ven_ids: ven,
                party_ids: party,
            },
        )
        .boxed()
}

fn unit_item() -> impl Strategy<Value = UnitItem> {
    (text(), text(), si_scale()).prop_map(|(d, u, s)| UnitItem {
        description: d,
        units: u,
        scale: s,
    })
}

fn power() -> impl Strategy<Value = PowerItem> {
    (
        si_scale(),
        float(),
        float(),
        any::<bool>(),
        select(vec!["W", "J/s"]),
    )
        .prop_map(|(scale, hz, v, ac, units)| PowerItem {
            description: "RealPower".into(),
            units: units.into(),
            scale,
            attributes: PowerAttributes {
                hertz: hz.clamp(-1e9, 1e9).trunc(),
                voltage: v.clamp(-1e9, 1e9).trunc(),
                ac,
            },
        })
}

fn currency() -> impl Strategy<Value = CurrencyItem> {
    (
        currency_description(),
        select(vec!["USD", "EUR", "CAD"]),
        si_scale(),
    )
        .prop_map(|(d, u, s)| CurrencyItem {
            description: d,
            units: u.into(),
            scale: s,
        })
}

pub fn item_base() -> BoxedStrategy<ItemBase> {
    let fixed = |d: &'static str, u: &'static str| {
        si_scale().prop_map(move |s| UnitItem {
            description: d.into(),
            units: u.into(),
            scale: s,
        })
    };
    prop_oneof![
        power().prop_map(ItemBase::PowerReal),
        power().prop_map(|mut p| {
            p.description = "ReactivePower".into();
            p.units = "VAR".into();
            ItemBase::PowerReactive(p)
        }),
        power().prop_map(|mut p| {
            p.description = "ApparentPower".into();
            p.units = "VA".into();
            ItemBase::PowerApparent(p)
        }),
        fixed("RealEnergy", "Wh").prop_map(ItemBase::EnergyReal),
        fixed("ReactiveEnergy", "VARh").prop_map(ItemBase::EnergyReactive),
        fixed("ApparentEnergy", "VAh").prop_map(ItemBase::EnergyApparent),
        fixed("Voltage", "V").prop_map(ItemBase::Voltage),
        fixed("Current", "A").prop_map(ItemBase::Current),
        fixed("Frequency", "Hz").prop_map(ItemBase::Frequency),
        fixed("Therm", "thm").prop_map(ItemBase::Therm),
        currency().prop_map(ItemBase::Currency),
        currency().prop_map(ItemBase::CurrencyPerKwh),
        currency().prop_map(ItemBase::CurrencyPerKw),
        currency().prop_map(ItemBase::CurrencyPerThm),
        (temperature_unit(), si_scale())
            .prop_map(|(u, s)| ItemBase::Temperature(TemperatureItem { units: u, scale: s })),
        float().prop_map(|f| ItemBase::PulseCount(PulseCountItem { factor: f })),
        unit_item().prop_map(ItemBase::Custom),
    ]
    .boxed()
}

pub fn properties() -> BoxedStrategy<Properties> {
    (
        timestamp(),
        duration(),
        option::of(option::of(duration()).prop_map(|s| Tolerance { startafter: s })),
        option::of(duration()),
        option::of(duration()),
        option::of(duration()),
    )
        .prop_map(|(dtstart, duration, tolerance, n, ru, rec)| Properties {
            dtstart,
            duration,
            tolerance,
            x_ei_notification: n,
            x_ei_ramp_up: ru,
            x_ei_recovery: rec,
        })
        .boxed()
}

fn load_value() -> impl Strategy<Value = LoadControlValue> {
    (
        option::of(float()),
        option::of(float()),
        float(),
        option::of(float()),
    )
        .prop_map(|(min, max, current, normal)| LoadControlValue {
            min,
            max,
            current,
            normal,
        })
}

pub fn payload_base() -> BoxedStrategy<PayloadBase> {
    prop_oneof![
        3 => float().prop_map(PayloadBase::Float),
        1 => (
            any::<bool>(),
            any::<bool>(),
            option::of(
                (option::of(load_value()), option::of(load_value()), option::of(load_value()), option::of(load_value()))
                    .prop_map(|(c, l, p, s)| LoadControlState {
                        capacity: c,
                        level_offset: l,
                        percent_offset: p,
                        set_point: s,
                    })
            )
        )
            .prop_map(|(online, manual_override, load_control_state)| PayloadBase::ResourceStatus(Box::new(ResourceStatus {
                online,
                manual_override,
                load_control_state,
            }))),
    ]
    .boxed()
}

pub fn stream_payload() -> BoxedStrategy<StreamPayload> {
    prop_oneof![
        payload_base().prop_map(StreamPayload::Signal),
        (
            rid(),
            option::of(0u32..=100),
            option::of(float()),
            payload_base(),
            option::of(data_quality())
        )
            .prop_map(|(rid, confidence, accuracy, payload, data_quality)| {
                StreamPayload::Report(ReportPayload {
                    rid,
                    confidence,
                    accuracy,
                    payload,
                    data_quality,
                })
            }),
    ]
    .boxed()
}

pub fn interval() -> BoxedStrategy<Interval> {
    (
        option::of(timestamp()),
        option::of(duration()),
        option::of(text()),
        vec(stream_payload(), 1..3),
    )
        .prop_map(|(dtstart, duration, uid, payloads)| Interval {
            dtstart,
            duration,
            uid,
            payloads,
        })
        .boxed()
}

pub fn event_signal() -> BoxedStrategy<EventSignal> {
    (
        vec(interval(), 1..4),
        option::of(target()),
        signal_name(),
        signal_type(),
        text(),
        option::of(item_base()),
        option::of(float()),
    )
        .prop_map(
            |(intervals, target, signal_name, signal_type, signal_id, item_base, current_value)| {
                EventSignal {
                    intervals,
                    target: target.map(Box::new),
                    signal_name,
                    signal_type,
                    signal_id,
                    item_base,
                    current_value,
                }
            },
        )
        .boxed()
}

pub fn baseline() -> BoxedStrategy<EventBaseline> {
    (
        timestamp(),
        duration(),
        vec(interval(), 1..3),
        text(),
        small(text()),
        text(),
        option::of(item_base()),
    )
        .prop_map(
            |(
                dtstart,
                duration,
                intervals,
                baseline_id,
                resource_ids,
                baseline_name,
                item_base,
            )| EventBaseline {
                dtstart,
                duration,
                intervals,
                baseline_id,
                resource_ids,
                baseline_name,
                item_base,
            },
        )
        .boxed()
}

pub fn descriptor() -> BoxedStrategy<EventDescriptor> {
    (
        event_id(),
        any::<u32>(),
        option::of(timestamp()),
        option::of(text()),
        option::of(any::<u32>()),
        "http://[a-z]{1,10}\\.example/[a-z]{0,8}",
        timestamp(),
        event_status(),
        option::of(prop_oneof![
            Just("true".to_string()),
            Just("false".to_string()),
            text()
        ]),
        option::of(text()),
    )
        .prop_map(
            |(event_id, m, mdt, mr, p, mc, created, status, test, comment)| EventDescriptor {
                event_id,
                modification_number: m,
                modification_date_time: mdt,
                modification_reason: mr,
                priority: p,
                market_context: mc,
                created_date_time: created,
                event_status: status,
                test_event: test,
                vtn_comment: comment,
            },
        )
        .boxed()
}

pub fn ei_event() -> BoxedStrategy<EiEvent> {
    (
        descriptor(),
        properties(),
        vec(event_signal(), 1..3),
        option::of(baseline()),
        target(),
    )
        .prop_map(
            |(descriptor, active_period, signals, baseline, target)| EiEvent {
                descriptor,
                active_period,
                signals,
                baseline: baseline.map(Box::new),
                target,
            },
        )
        .boxed()
}

pub fn qualified_event_id() -> impl Strategy<Value = QualifiedEventId> {
    (event_id(), any::<u32>()).prop_map(|(event_id, modification_number)| QualifiedEventId {
        event_id,
        modification_number,
    })
}

pub fn report_description() -> BoxedStrategy<ReportDescription> {
    (
        rid(),
        option::of(target()),
        option::of(target()),
        report_type(),
        option::of(item_base()),
        reading_type(),
        option::of("http://[a-z]{1,10}\\.example/".prop_map(String::from)),
        option::of(
            (duration(), duration(), any::<bool>()).prop_map(|(a, b, c)| SamplingRate {
                min_period: a,
                max_period: b,
                on_change: c,
            }),
        ),
    )
        .prop_map(|(rid, subj, src, rt, ib, read, mc, sr)| ReportDescription {
            rid,
            report_subject: subj,
            report_data_source: src,
            report_type: rt,
            item_base: ib,
            reading_type: read,
            market_context: mc,
            sampling_rate: sr,
        })
        .boxed()
}

pub fn oadr_report() -> BoxedStrategy<OadrReport> {
    (
        option::of(timestamp()),
        option::of(duration()),
        small(interval()),
        option::of(report_id()),
        small(report_description()),
        report_request_id(),
        report_specifier_id(),
        option::of(report_name()),
        timestamp(),
    )
        .prop_map(
            |(dtstart, duration, intervals, report_id, descriptions, rrid, spec, name, created)| {
                OadrReport {
                    dtstart,
                    duration,
                    intervals,
                    report_id,
                    descriptions,
                    report_request_id: rrid,
                    report_specifier_id: spec,
                    report_name: name,
                    created_date_time: created,
                }
            },
        )
        .boxed()
}

pub fn report_request() -> BoxedStrategy<ReportRequest> {
    (
        report_request_id(),
        report_specifier_id(),
        duration(),
        duration(),
        option::of(properties()),
        vec(
            (rid(), option::of(item_base()), reading_type()).prop_map(
                |(rid, item_base, reading_type)| SpecifierPayload {
                    rid,
                    item_base,
                    reading_type,
                },
            ),
            1..3,
        ),
    )
        .prop_map(|(id, sid, g, b, ri, payloads)| ReportRequest {
            report_request_id: id,
            specifier: ReportSpecifier {
                report_specifier_id: sid,
                granularity: g,
                report_back_duration: b,
                report_interval: ri,
                payloads,
            },
        })
        .boxed()
}

fn cancel_report() -> BoxedStrategy<CancelReport> {
    (
        request_id(),
        vec(report_request_id(), 1..3),
        any::<bool>(),
        option::of(ven_id()),
    )
        .prop_map(|(r, ids, f, v)| CancelReport {
            request_id: r,
            report_request_ids: ids,
            report_to_follow: f,
            ven_id: v,
        })
        .boxed()
}

fn key_value() -> impl Strategy<Value = KeyValue> {
    (text(), text()).prop_map(|(key, value)| KeyValue { key, value })
}

/// One strategy per payload type, in the XSD's `oadrSignedObject` order.
pub fn message() -> BoxedStrategy<Message> {
    let events = prop_oneof![
        (
            option::of(ei_response()),
            request_id(),
            vtn_id(),
            vec((ei_event(), response_required()), 0..3)
        )
            .prop_map(
                |(response, request_id, vtn_id, evs)| Message::DistributeEvent(DistributeEvent {
                    response,
                    request_id,
                    vtn_id,
                    events: evs
                        .into_iter()
                        .map(|(event, response_required)| OadrEvent {
                            event,
                            response_required
                        })
                        .collect(),
                })
            ),
        (
            ei_response(),
            option::of(vec(
                (
                    response_code(),
                    option::of(text()),
                    request_id(),
                    qualified_event_id(),
                    opt_type()
                )
                    .prop_map(|(c, d, r, q, o)| EventResponse {
                        response_code: c,
                        response_description: d,
                        request_id: r,
                        qualified_event_id: q,
                        opt_type: o,
                    }),
                0..3
            )),
            ven_id()
        )
            .prop_map(|(response, event_responses, ven_id)| Message::CreatedEvent(
                CreatedEvent {
                    response,
                    event_responses,
                    ven_id,
                }
            )),
        (request_id(), ven_id(), option::of(any::<u32>())).prop_map(
            |(request_id, ven_id, reply_limit)| {
                Message::RequestEvent(RequestEvent {
                    request_id,
                    ven_id,
                    reply_limit,
                })
            }
        ),
        (ei_response(), option::of(ven_id()))
            .prop_map(|(response, ven_id)| Message::Response(Response { response, ven_id })),
    ]
    .boxed();
    let opts = prop_oneof![
        (request_id(), opt_id(), ven_id()).prop_map(|(request_id, opt_id, ven_id)| {
            Message::CancelOpt(CancelOpt {
                request_id,
                opt_id,
                ven_id,
            })
        }),
        (ei_response(), option::of(opt_id()))
            .prop_map(|(response, opt_id)| Message::CanceledOpt(CanceledOpt { response, opt_id })),
        (
            (
                opt_id(),
                opt_type(),
                opt_reason(),
                option::of("http://[a-z]{1,8}\\.example/".prop_map(String::from)),
                ven_id()
            ),
            (
                option::of(small(properties())),
                timestamp(),
                request_id(),
                option::of(qualified_event_id())
            ),
            (target(), option::of(target())),
        )
            .prop_map(
                |(
                    (opt_id, opt_type, opt_reason, mc, ven_id),
                    (av, created, request_id, q),
                    (target, dc),
                )| {
                    Message::CreateOpt(CreateOpt {
                        opt_id,
                        opt_type,
                        opt_reason,
                        market_context: mc,
                        ven_id,
                        vavailability: av,
                        created_date_time: created,
                        request_id,
                        qualified_event_id: q,
                        target,
                        device_class: dc,
                    })
                }
            ),
        (ei_response(), opt_id())
            .prop_map(|(response, opt_id)| Message::CreatedOpt(CreatedOpt { response, opt_id })),
    ]
    .boxed();
    let reports = prop_oneof![
        cancel_report().prop_map(Message::CancelReport),
        (
            ei_response(),
            small(report_request_id()),
            option::of(ven_id())
        )
            .prop_map(|(response, pending_reports, ven_id)| {
                Message::CanceledReport(CanceledReport {
                    response,
                    pending_reports,
                    ven_id,
                })
            }),
        (
            request_id(),
            vec(report_request(), 1..3),
            option::of(ven_id())
        )
            .prop_map(|(request_id, report_requests, ven_id)| {
                Message::CreateReport(CreateReport {
                    request_id,
                    report_requests,
                    ven_id,
                })
            }),
        (
            ei_response(),
            small(report_request_id()),
            option::of(ven_id())
        )
            .prop_map(|(response, pending_reports, ven_id)| {
                Message::CreatedReport(CreatedReport {
                    response,
                    pending_reports,
                    ven_id,
                })
            }),
        (
            request_id(),
            small(oadr_report()),
            option::of(ven_id()),
            option::of(report_request_id())
        )
            .prop_map(|(request_id, reports, ven_id, report_request_id)| {
                Message::RegisterReport(RegisterReport {
                    request_id,
                    reports,
                    ven_id,
                    report_request_id,
                })
            }),
        (ei_response(), small(report_request()), option::of(ven_id())).prop_map(
            |(response, report_requests, ven_id)| {
                Message::RegisteredReport(RegisteredReport {
                    response,
                    report_requests,
                    ven_id,
                })
            }
        ),
        (request_id(), small(oadr_report()), option::of(ven_id())).prop_map(
            |(request_id, reports, ven_id)| {
                Message::UpdateReport(UpdateReport {
                    request_id,
                    reports,
                    ven_id,
                })
            }
        ),
        (
            ei_response(),
            option::of(cancel_report()),
            option::of(ven_id())
        )
            .prop_map(|(response, cancel_report, ven_id)| {
                Message::UpdatedReport(UpdatedReport {
                    response,
                    cancel_report,
                    ven_id,
                })
            }),
    ]
    .boxed();
    let registration = prop_oneof![
        (request_id(), registration_id(), option::of(ven_id())).prop_map(
            |(request_id, registration_id, ven_id)| {
                Message::CancelPartyRegistration(CancelPartyRegistration {
                    request_id,
                    registration_id,
                    ven_id,
                })
            }
        ),
        (
            ei_response(),
            option::of(registration_id()),
            option::of(ven_id())
        )
            .prop_map(|(response, registration_id, ven_id)| {
                Message::CanceledPartyRegistration(CanceledPartyRegistration {
                    response,
                    registration_id,
                    ven_id,
                })
            }),
        (
            (
                request_id(),
                option::of(registration_id()),
                option::of(ven_id()),
                profile_name(),
                transport_name()
            ),
            (
                option::of(text()),
                any::<bool>(),
                any::<bool>(),
                option::of(text()),
                option::of(any::<bool>())
            ),
        )
            .prop_map(
                |((request_id, reg, ven, profile, transport), (addr, ro, sig, name, pull))| {
                    Message::CreatePartyRegistration(CreatePartyRegistration {
                        request_id,
                        registration_id: reg,
                        ven_id: ven,
                        profile_name: profile,
                        transport_name: transport,
                        transport_address: addr,
                        report_only: ro,
                        xml_signature: sig,
                        ven_name: name,
                        http_pull_model: pull,
                    })
                }
            ),
        (
            (
                ei_response(),
                option::of(registration_id()),
                option::of(ven_id()),
                vtn_id()
            ),
            vec(
                (profile_name(), vec(transport_name(), 1..3)).prop_map(
                    |(profile_name, transports)| Profile {
                        profile_name,
                        transports
                    }
                ),
                1..3
            ),
            option::of(duration()),
            option::of(small((service_name(), vec(key_value(), 1..3)).prop_map(
                |(service_name, info)| ServiceInfo { service_name, info }
            ))),
            option::of(small(
                (text(), small(key_value())).prop_map(|(name, info)| Extension { name, info })
            )),
        )
            .prop_map(
                |((response, reg, ven, vtn), profiles, poll_freq, ssi, ext)| {
                    Message::CreatedPartyRegistration(CreatedPartyRegistration {
                        response,
                        registration_id: reg,
                        ven_id: ven,
                        vtn_id: vtn,
                        profiles,
                        poll_freq,
                        service_specific_info: ssi,
                        extensions: ext,
                    })
                }
            ),
        ven_id()
            .prop_map(|ven_id| Message::RequestReregistration(RequestReregistration { ven_id })),
        request_id()
            .prop_map(|request_id| Message::QueryRegistration(QueryRegistration { request_id })),
        ven_id().prop_map(|ven_id| Message::Poll(Poll { ven_id })),
    ]
    .boxed();
    prop_oneof![4 => events, 4 => opts, 8 => reports, 7 => registration].boxed()
}
