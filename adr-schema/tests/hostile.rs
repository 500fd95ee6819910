//! Hostile and broken input: each gets a clear error, quickly, in bounded memory.

use std::time::Instant;

use adr_schema::{ErrorKind, Limits, Message};

const POLL: &str = r#"<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><oadr:oadrSignedObject><oadr:oadrPoll ei:schemaVersion="2.0b"><ei:venID>VEN-1</ei:venID></oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"#;

fn err(xml: &str) -> adr_schema::Error {
    let t = Instant::now();
    let e = Message::from_xml(xml).expect_err("hostile input must be refused");
    assert!(t.elapsed().as_secs() < 2, "took {:?}", t.elapsed());
    e
}

#[test]
fn a_valid_poll_parses() {
    assert_eq!(Message::from_xml(POLL).unwrap().name(), "oadrPoll");
}

#[test]
fn billion_laughs_is_refused_without_expansion() {
    let xml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>{}"#,
        POLL.replace("VEN-1", "&lol3;")
    );
    assert_eq!(err(&xml).kind, ErrorKind::DocType);
    // Without the DTD, the reference is simply undefined.
    let e = err(&POLL.replace("VEN-1", "&lol3;"));
    assert_eq!(e.kind, ErrorKind::Entity("lol3".into()), "{e}");
}

#[test]
fn external_entities_are_refused() {
    let xml = format!(
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>{}"#,
        POLL.replace("VEN-1", "&xxe;")
    );
    assert_eq!(err(&xml).kind, ErrorKind::DocType);
}

#[test]
fn deep_nesting_hits_the_depth_limit() {
    let depth = 10_000;
    let mut xml = String::from(
        r#"<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07"><oadr:oadrSignedObject><oadr:oadrPoll>"#,
    );
    for _ in 0..depth {
        xml.push_str("<a>");
    }
    for _ in 0..depth {
        xml.push_str("</a>");
    }
    xml.push_str("</oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>");
    let e = err(&xml);
    // `<a>` is unknown in oadrPoll: refused at the first one, long before the limit.
    assert!(matches!(e.kind, ErrorKind::UnexpectedElement(_)), "{e}");

    // Deep nesting inside an element we skip (ds:Signature) meets the limit.
    let mut sig = String::from(
        r#"<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    );
    for _ in 0..depth {
        sig.push_str("<oadr:oadrPayload>");
    }
    let e = err(&sig);
    assert!(
        matches!(
            e.kind,
            ErrorKind::Limit(_) | ErrorKind::UnexpectedElement(_)
        ),
        "{e}"
    );

    // And the depth limit itself, with elements that are all allowed where they are.
    let strict = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let e = Message::from_xml_with(POLL, &strict).unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::Limit(ref m) if m.contains("nested")),
        "{e}"
    );
}

#[test]
fn a_50_mb_attribute_is_refused_by_size() {
    let big = "A".repeat(50 * 1024 * 1024);
    let xml = POLL.replace(r#"ei:schemaVersion="2.0b""#, &format!(r#"junk="{big}""#));
    let e = err(&xml);
    assert!(
        matches!(e.kind, ErrorKind::Limit(ref m) if m.contains("document")),
        "{e}"
    );
    // Under a larger document limit, the tag limit still catches it.
    let roomy = Limits {
        max_document_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    let e = Message::from_xml_with(&xml, &roomy).unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::Limit(ref m) if m.contains("start tag")),
        "{e}"
    );
}

#[test]
fn oversized_text_is_refused() {
    let xml = POLL.replace("VEN-1", &"x".repeat(100_000));
    let e = err(&xml);
    assert!(
        matches!(e.kind, ErrorKind::Limit(_) | ErrorKind::InvalidValue { .. }),
        "{e}"
    );
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for n in 0..POLL.len() {
        if !POLL.is_char_boundary(n) {
            continue;
        }
        assert!(
            Message::from_xml(&POLL[..n]).is_err(),
            "truncated at {n} parsed"
        );
    }
}

#[test]
fn wrong_namespaces_are_refused() {
    // The right local names in the wrong namespace.
    let xml = POLL.replace(
        "http://docs.oasis-open.org/ns/energyinterop/201110",
        "http://example.com/not-ei",
    );
    let e = err(&xml);
    assert!(e.to_string().contains("venID (unknown namespace)"), "{e}");
    let xml = POLL.replace(
        "http://openadr.org/oadr-2.0b/2012/07",
        "http://openadr.org/oadr-2.0a/2012/07",
    );
    assert!(matches!(err(&xml).kind, ErrorKind::UnexpectedElement(_)));
    // An undeclared prefix.
    let xml = POLL.replace(
        r#" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110""#,
        "",
    );
    assert!(matches!(err(&xml).kind, ErrorKind::Syntax(_)));
}

#[test]
fn bad_values_are_errors() {
    for (from, to) in [("VEN-1", ""), ("VEN-1", "a\u{1}b")] {
        let e = err(&POLL.replace(from, to));
        assert!(
            matches!(
                e.kind,
                ErrorKind::InvalidValue { .. } | ErrorKind::Syntax(_)
            ),
            "{e}"
        );
    }
    assert!(Message::from_slice(b"\xff\xfe<oadrPayload/>").is_err());
    assert!(Message::from_xml("").is_err());
    assert!(Message::from_xml("<a/><b/>").is_err());
    assert!(Message::from_xml(&format!("{POLL}<extra/>")).is_err());
    assert!(Message::from_xml(&format!("{POLL}trailing")).is_err());
}

/// Not well-formed XML: an attribute twice on one element (issue 14). Each
/// position is refused, namespace declarations included.
#[test]
fn duplicate_attributes_are_refused() {
    for (from, to) in [
        (
            "<oadr:oadrSignedObject>",
            r#"<oadr:oadrSignedObject a="1" a="2">"#,
        ),
        (
            r#"ei:schemaVersion="2.0b""#,
            r#"ei:schemaVersion="2.0b" ei:schemaVersion="2.0a""#,
        ),
        (
            r#"xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110""#,
            r#"xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110" xmlns:ei="urn:x""#,
        ),
        ("<ei:venID>", r#"<ei:venID x="1" y="2" x="3">"#),
    ] {
        let xml = POLL.replacen(from, to, 1);
        assert_ne!(xml, POLL);
        let e = err(&xml);
        assert!(
            matches!(e.kind, ErrorKind::Syntax(_)),
            "{to}: {e} ({:?})",
            e.kind
        );
    }
}

/// openleadr 0.5's oadrRegisteredReport, as it writes it: a zero granularity
/// and reportBackDuration come out as a bare `P`, which OpenADR's duration
/// pattern allows (issue 14). It must parse, as zero.
#[test]
fn openleadrs_bare_p_durations_parse_as_zero() {
    let xml = r#"<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">
<oadr:oadrSignedObject xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" oadr:Id="oadrSignedObject"><oadr:oadrRegisteredReport ei:schemaVersion="2.0b" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><ei:eiResponse><ei:responseCode>200</ei:responseCode><ei:responseDescription>OK</ei:responseDescription><requestID xmlns="http://docs.oasis-open.org/ns/energyinterop/201110/payloads">r1</requestID></ei:eiResponse><oadr:oadrReportRequest><ei:reportRequestID>rr1</ei:reportRequestID><ei:reportSpecifier xmlns:xcal="urn:ietf:params:xml:ns:icalendar-2.0"><ei:reportSpecifierID>s1</ei:reportSpecifierID><xcal:granularity><xcal:duration>P</xcal:duration></xcal:granularity><ei:reportBackDuration><xcal:duration>P</xcal:duration></ei:reportBackDuration><ei:specifierPayload><ei:rID>r1</ei:rID><ei:readingType>Direct Read</ei:readingType></ei:specifierPayload></ei:reportSpecifier></oadr:oadrReportRequest>    <ei:venID>v1</ei:venID></oadr:oadrRegisteredReport></oadr:oadrSignedObject>
</oadr:oadrPayload>"#;
    let m = Message::from_xml(xml).unwrap_or_else(|e| panic!("{e}"));
    let adr_schema::Message::RegisteredReport(r) = m else {
        panic!("{m:?}")
    };
    let spec = &r.report_requests[0].specifier;
    assert!(spec.granularity.is_zero());
    assert!(spec.report_back_duration.is_zero());
}
