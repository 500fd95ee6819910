//! Property tests: every generated message survives write → read unchanged,
//! and writing is a fixed point when compared as XML events.

mod support;

use adr_schema::Message;
use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// The document as (namespace URI, local name, text) events, ignoring
/// prefixes, declarations and insignificant whitespace.
fn events(xml: &str) -> Vec<String> {
    let mut r = NsReader::from_str(xml);
    let mut out = Vec::new();
    loop {
        let (res, ev) = r.read_resolved_event().expect("well-formed");
        let ns = match res {
            ResolveResult::Bound(n) => n.0.to_owned(),
            _ => String::new(),
        };
        match ev {
            Event::Start(e) => out.push(format!("<{{{ns}}}{}", e.local_name().into_inner())),
            Event::Empty(e) => {
                out.push(format!("<{{{ns}}}{}", e.local_name().into_inner()));
                out.push(">".into());
            }
            Event::End(_) => out.push(">".into()),
            Event::Text(t) if !t.trim().is_empty() => out.push(format!("'{}", &*t)),
            Event::GeneralRef(g) => out.push(format!("&{}", &*g)),
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Strategy trees for the whole 2.0b model are deep; debug builds need more
/// than the default 2 MiB test-thread stack to generate them.
pub fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

#[test]
fn write_then_read_is_identity() {
    with_big_stack(|| {
        let mut runner =
            proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases()));
        runner
            .run(&support::arb::message(), |msg| {
                let xml = msg.to_xml();
                let back = Message::from_xml(&xml)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
                prop_assert_eq!(&back, &msg);
                // Writing what we read gives the same XML events.
                prop_assert_eq!(events(&back.to_xml()), events(&xml));
                Ok(())
            })
            .unwrap();
    });
}

#[test]
fn every_message_type_is_generated() {
    with_big_stack(|| {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strat = support::arb::message();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..5000 {
            seen.insert(strat.new_tree(&mut runner).unwrap().current().name());
        }
        assert_eq!(seen.len(), 23, "generated only {seen:?}");
    });
}

#[test]
fn foreign_prefixes_and_default_namespaces_parse() {
    // The same poll written three ways a device might.
    let a = r#"<p:oadrPayload xmlns:p="http://openadr.org/oadr-2.0b/2012/07"><p:oadrSignedObject><p:oadrPoll xmlns:e="http://docs.oasis-open.org/ns/energyinterop/201110"><e:venID>VEN-1</e:venID></p:oadrPoll></p:oadrSignedObject></p:oadrPayload>"#;
    let b = r#"<?xml version="1.0"?><oadrPayload xmlns="http://openadr.org/oadr-2.0b/2012/07"><oadrSignedObject><oadrPoll><venID xmlns="http://docs.oasis-open.org/ns/energyinterop/201110"> VEN-1 </venID></oadrPoll></oadrSignedObject></oadrPayload>"#;
    let c = Message::Poll(adr_schema::Poll {
        ven_id: "VEN-1".parse().unwrap(),
    })
    .to_xml();
    let ma = Message::from_xml(a).unwrap();
    assert_eq!(ma, Message::from_xml(b).unwrap());
    assert_eq!(ma, Message::from_xml(&c).unwrap());
}

#[test]
fn errors_name_the_element_and_position() {
    let xml = "<oadr:oadrPayload xmlns:oadr=\"http://openadr.org/oadr-2.0b/2012/07\" xmlns:ei=\"http://docs.oasis-open.org/ns/energyinterop/201110\">\n<oadr:oadrSignedObject>\n<oadr:oadrPoll>\n<ei:vtnID>x</ei:vtnID>\n</oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>";
    let e = Message::from_xml(xml).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("unexpected element <ei:vtnID>"), "{s}");
    assert_eq!(e.position.line, 4, "{s}");
    assert!(
        e.position.path.ends_with("oadrSignedObject/oadrPoll"),
        "{s}"
    );

    let missing = xml.replace("<ei:vtnID>x</ei:vtnID>", "");
    let e = Message::from_xml(&missing).unwrap_err();
    assert!(
        e.to_string().contains("missing required element <venID>"),
        "{e}"
    );
    assert!(e.position.path.ends_with("oadrPoll"), "{e}");
}
