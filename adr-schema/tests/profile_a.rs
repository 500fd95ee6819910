//! OpenADR 2.0a documents (issue 14): the message is the root element, in
//! the 2.0a namespace, without schemaVersion; the EiEvent content is 2.0b's.

use adr_schema::Message;

/// A 2.0a oadrDistributeEvent as a JAXB-based VTN writes it: default
/// namespace for ei, numbered prefixes for the rest.
const DISTRIBUTE_20A: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<n6:oadrDistributeEvent xmlns="http://docs.oasis-open.org/ns/energyinterop/201110"
  xmlns:n2="http://docs.oasis-open.org/ns/energyinterop/201110/payloads"
  xmlns:n3="http://docs.oasis-open.org/ns/emix/2011/06"
  xmlns:n4="urn:ietf:params:xml:ns:icalendar-2.0"
  xmlns:n5="urn:ietf:params:xml:ns:icalendar-2.0:stream" xmlns:n6="http://openadr.org/oadr-2.0a/2012/07">
  <n2:requestID>REQ-A-1</n2:requestID>
  <vtnID>VTN-A</vtnID>
  <n6:oadrEvent>
    <eiEvent>
      <eventDescriptor>
        <eventID>EV-A-1</eventID>
        <modificationNumber>2</modificationNumber>
        <eiMarketContext><n3:marketContext>http://MarketContext1</n3:marketContext></eiMarketContext>
        <createdDateTime>2026-06-01T12:00:00Z</createdDateTime>
        <eventStatus>far</eventStatus>
      </eventDescriptor>
      <eiActivePeriod>
        <n4:properties>
          <n4:dtstart><n4:date-time>2026-06-01T13:00:00Z</n4:date-time></n4:dtstart>
          <n4:duration><n4:duration>PT2M</n4:duration></n4:duration>
        </n4:properties>
        <n4:components/>
      </eiActivePeriod>
      <eiEventSignals>
        <eiEventSignal>
          <n5:intervals>
            <interval>
              <n4:duration><n4:duration>PT1M</n4:duration></n4:duration>
              <n4:uid><n4:text>0</n4:text></n4:uid>
              <signalPayload><payloadFloat><value>1.0</value></payloadFloat></signalPayload>
            </interval>
            <interval>
              <n4:duration><n4:duration>PT1M</n4:duration></n4:duration>
              <n4:uid><n4:text>1</n4:text></n4:uid>
              <signalPayload><payloadFloat><value>2.0</value></payloadFloat></signalPayload>
            </interval>
          </n5:intervals>
          <signalName>simple</signalName>
          <signalType>level</signalType>
          <signalID>S1</signalID>
          <currentValue><payloadFloat><value>0.0</value></payloadFloat></currentValue>
        </eiEventSignal>
      </eiEventSignals>
      <eiTarget><venID>VEN-A</venID></eiTarget>
    </eiEvent>
    <n6:oadrResponseRequired>always</n6:oadrResponseRequired>
  </n6:oadrEvent>
</n6:oadrDistributeEvent>"#;

/// 2.0a's request may carry eventID, marketContext and eventFilter, which
/// 2.0b dropped.
const REQUEST_20A: &str = r#"<oadr:oadrRequestEvent xmlns:emix="http://docs.oasis-open.org/ns/emix/2011/06" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110" xmlns:pyld="http://docs.oasis-open.org/ns/energyinterop/201110/payloads" xmlns:oadr="http://openadr.org/oadr-2.0a/2012/07">
  <pyld:eiRequestEvent>
    <pyld:requestID>R1</pyld:requestID>
    <ei:eventID>EV-A-1</ei:eventID>
    <emix:marketContext>http://MarketContext1</emix:marketContext>
    <ei:venID>VEN-A</ei:venID>
    <pyld:eventFilter>all</pyld:eventFilter>
    <pyld:replyLimit>0</pyld:replyLimit>
  </pyld:eiRequestEvent>
</oadr:oadrRequestEvent>"#;

#[test]
fn a_2_0a_distribute_event_reads_and_writes_back_as_2_0a() {
    let m = Message::from_slice_20a(DISTRIBUTE_20A.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let Message::DistributeEvent(d) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].event.descriptor.modification_number, 2);
    let xml = m.to_xml_20a().unwrap();
    assert!(
        xml.contains(
            r#"<oadr:oadrDistributeEvent xmlns:oadr="http://openadr.org/oadr-2.0a/2012/07""#
        ),
        "{xml}"
    );
    assert!(
        !xml.contains("schemaVersion") && !xml.contains("oadrPayload"),
        "{xml}"
    );
    assert_eq!(Message::from_slice_20a(xml.as_bytes()).unwrap(), m);
    // The profiles do not mix: a 2.0a document is not a 2.0b one, and back.
    assert!(Message::from_slice(DISTRIBUTE_20A.as_bytes()).is_err());
    assert!(Message::from_slice_20a(m.to_xml().as_bytes()).is_err());
}

#[test]
fn a_2_0a_request_event_with_its_extra_filters_reads() {
    let m = Message::from_slice_20a(REQUEST_20A.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let Message::RequestEvent(r) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(r.ven_id.as_str(), "VEN-A");
    // In a 2.0b document the same filters are not allowed.
    let b = m
        .to_xml()
        .replace("<ei:venID>", "<ei:eventID>EV-A-1</ei:eventID><ei:venID>");
    assert!(Message::from_slice(b.as_bytes()).is_err(), "{b}");
}

#[test]
fn only_the_four_2_0a_messages_are_written_as_2_0a() {
    let poll = Message::Poll(adr_schema::Poll {
        ven_id: adr_schema::VenId::new("V").unwrap(),
    });
    assert!(poll.to_xml_20a().is_none());
    // A 2.0a document naming a 2.0b-only message is refused.
    let xml = r#"<oadr:oadrPoll xmlns:oadr="http://openadr.org/oadr-2.0a/2012/07" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><ei:venID>V</ei:venID></oadr:oadrPoll>"#;
    assert!(Message::from_slice_20a(xml.as_bytes()).is_err());
    // oadrResponse in 2.0a has no venID.
    let resp = Message::Response(adr_schema::Response {
        response: adr_schema::EiResponse::ok(adr_schema::RequestId::new("R").unwrap()),
        ven_id: Some(adr_schema::VenId::new("V").unwrap()),
    });
    let xml = resp.to_xml_20a().unwrap();
    assert!(!xml.contains("venID"), "{xml}");
    assert!(Message::from_slice_20a(xml.as_bytes()).is_ok());
}
