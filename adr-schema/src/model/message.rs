//! The message: one payload inside `oadrPayload/oadrSignedObject`.

use serde::Serialize;

use super::event_payloads::{CreatedEvent, DistributeEvent, RequestEvent, Response};
use super::opt_payloads::{CancelOpt, CanceledOpt, CreateOpt, CreatedOpt};
use super::registration_payloads::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration,
    CreatedPartyRegistration, Poll, QueryRegistration, RequestReregistration,
};
use super::report_payloads::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, RegisterReport, RegisteredReport,
    UpdateReport, UpdatedReport,
};
use crate::error::{ErrorKind, Result};
use crate::limits::Limits;
use crate::ns::{Ns, PAYLOAD_DECLS};
use crate::xml::{Element, Reader, Writer};

/// Every OpenADR 2.0b (profile B) payload.
// One message is built per request and moved, not stored in bulk: boxing the
// large variants would only complicate every match and constructor.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Message {
    #[serde(rename = "oadrDistributeEvent")]
    DistributeEvent(DistributeEvent),
    #[serde(rename = "oadrCreatedEvent")]
    CreatedEvent(CreatedEvent),
    #[serde(rename = "oadrRequestEvent")]
    RequestEvent(RequestEvent),
    #[serde(rename = "oadrResponse")]
    Response(Response),
    #[serde(rename = "oadrCancelOpt")]
    CancelOpt(CancelOpt),
    #[serde(rename = "oadrCanceledOpt")]
    CanceledOpt(CanceledOpt),
    #[serde(rename = "oadrCreateOpt")]
    CreateOpt(CreateOpt),
    #[serde(rename = "oadrCreatedOpt")]
    CreatedOpt(CreatedOpt),
    #[serde(rename = "oadrCancelReport")]
    CancelReport(CancelReport),
    #[serde(rename = "oadrCanceledReport")]
    CanceledReport(CanceledReport),
    #[serde(rename = "oadrCreateReport")]
    CreateReport(CreateReport),
    #[serde(rename = "oadrCreatedReport")]
    CreatedReport(CreatedReport),
    #[serde(rename = "oadrRegisterReport")]
    RegisterReport(RegisterReport),
    #[serde(rename = "oadrRegisteredReport")]
    RegisteredReport(RegisteredReport),
    #[serde(rename = "oadrUpdateReport")]
    UpdateReport(UpdateReport),
    #[serde(rename = "oadrUpdatedReport")]
    UpdatedReport(UpdatedReport),
    #[serde(rename = "oadrCancelPartyRegistration")]
    CancelPartyRegistration(CancelPartyRegistration),
    #[serde(rename = "oadrCanceledPartyRegistration")]
    CanceledPartyRegistration(CanceledPartyRegistration),
    #[serde(rename = "oadrCreatePartyRegistration")]
    CreatePartyRegistration(CreatePartyRegistration),
    #[serde(rename = "oadrCreatedPartyRegistration")]
    CreatedPartyRegistration(CreatedPartyRegistration),
    #[serde(rename = "oadrRequestReregistration")]
    RequestReregistration(RequestReregistration),
    #[serde(rename = "oadrQueryRegistration")]
    QueryRegistration(QueryRegistration),
    #[serde(rename = "oadrPoll")]
    Poll(Poll),
}

impl Message {
    /// The payload's element name, e.g. `oadrDistributeEvent`.
    pub fn name(&self) -> &'static str {
        match self {
            Message::DistributeEvent(_) => "oadrDistributeEvent",
            Message::CreatedEvent(_) => "oadrCreatedEvent",
            Message::RequestEvent(_) => "oadrRequestEvent",
            Message::Response(_) => "oadrResponse",
            Message::CancelOpt(_) => "oadrCancelOpt",
            Message::CanceledOpt(_) => "oadrCanceledOpt",
            Message::CreateOpt(_) => "oadrCreateOpt",
            Message::CreatedOpt(_) => "oadrCreatedOpt",
            Message::CancelReport(_) => "oadrCancelReport",
            Message::CanceledReport(_) => "oadrCanceledReport",
            Message::CreateReport(_) => "oadrCreateReport",
            Message::CreatedReport(_) => "oadrCreatedReport",
            Message::RegisterReport(_) => "oadrRegisterReport",
            Message::RegisteredReport(_) => "oadrRegisteredReport",
            Message::UpdateReport(_) => "oadrUpdateReport",
            Message::UpdatedReport(_) => "oadrUpdatedReport",
            Message::CancelPartyRegistration(_) => "oadrCancelPartyRegistration",
            Message::CanceledPartyRegistration(_) => "oadrCanceledPartyRegistration",
            Message::CreatePartyRegistration(_) => "oadrCreatePartyRegistration",
            Message::CreatedPartyRegistration(_) => "oadrCreatedPartyRegistration",
            Message::RequestReregistration(_) => "oadrRequestReregistration",
            Message::QueryRegistration(_) => "oadrQueryRegistration",
            Message::Poll(_) => "oadrPoll",
        }
    }

    /// Read a message from an `oadrPayload` document, with default limits.
    pub fn from_xml(xml: &str) -> Result<Message> {
        Self::from_xml_with(xml, &Limits::default())
    }

    /// Read from bytes: UTF-8 is required (every 2.0b peer we know sends it).
    pub fn from_slice(xml: &[u8]) -> Result<Message> {
        Self::from_slice_with(xml, &Limits::default())
    }

    pub fn from_slice_with(xml: &[u8], limits: &Limits) -> Result<Message> {
        Self::from_xml_with(utf8(xml, limits)?, limits)
    }

    /// Read a 2.0a message: the root element is the message itself, in the
    /// 2.0a namespace (no `oadrPayload`, no `ei:schemaVersion`). 2.0a's EiEvent
    /// service has four: oadrRequestEvent, oadrDistributeEvent,
    /// oadrCreatedEvent and oadrResponse; their content is 2.0b's.
    pub fn from_slice_20a(xml: &[u8]) -> Result<Message> {
        let limits = Limits::default();
        let mut r = Reader::new(utf8(xml, &limits)?, &limits)?;
        r.set_profile_a();
        let root = r.root()?;
        if root.ns != Ns::Oadr || !PROFILE_A_MESSAGES.contains(&root.local()) {
            return Err(r.unexpected(&root));
        }
        let msg =
            read_body(&mut r, root.local()).and_then(|m| m.ok_or_else(|| r.unexpected(&root)))?;
        r.finish()?;
        Ok(msg)
    }

    /// The 2.0a document for one of the four 2.0a messages (`None` for
    /// any other): the message as root element, the 2.0a namespace declared
    /// on it, no schemaVersion, no venID in oadrResponse. What 2.0a cannot
    /// express inside an event is the caller's to leave out.
    pub fn to_xml_20a(&self) -> Option<String> {
        if !PROFILE_A_MESSAGES.contains(&self.name()) {
            return None;
        }
        let mut w = Writer::with_capacity(1024);
        w.profile_a = true;
        w.out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
        // The root carries the declarations: write the body, then splice
        // them in after the root's name.
        self.write_body(&mut w);
        let at = w.out.find(self.name()).map(|i| i + self.name().len())?;
        w.out.insert_str(at, crate::ns::DECLS_20A);
        Some(w.out)
    }
}

/// The messages of 2.0a's EiEvent service, the only 2.0a service.
const PROFILE_A_MESSAGES: [&str; 4] = [
    "oadrRequestEvent",
    "oadrDistributeEvent",
    "oadrCreatedEvent",
    "oadrResponse",
];

/// The document as UTF-8 within the size limit.
fn utf8<'a>(xml: &'a [u8], limits: &Limits) -> Result<&'a str> {
    let head = &xml[..xml.len().min(limits.max_document_bytes + 1)];
    let s = std::str::from_utf8(head).map_err(|e| crate::error::Error {
        kind: ErrorKind::NotUtf8,
        position: crate::xml::locate::locate(
            std::str::from_utf8(&xml[..e.valid_up_to()]).unwrap_or(""),
            e.valid_up_to(),
        ),
    })?;
    if xml.len() > limits.max_document_bytes {
        return Err(crate::error::Error {
            kind: ErrorKind::Limit(format!(
                "document is {} bytes, at most {} allowed",
                xml.len(),
                limits.max_document_bytes
            )),
            position: Default::default(),
        });
    }
    Ok(s)
}

impl Message {
    pub fn from_xml_with(xml: &str, limits: &Limits) -> Result<Message> {
        let mut r = Reader::new(xml, limits)?;
        let root = r.root()?;
        if !(root.ns == Ns::Oadr && root.local() == "oadrPayload") {
            return Err(r.unexpected(&root));
        }
        let mut msg = None;
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                // Signatures are checked on the raw document by the caller.
                (Ns::Ds, "Signature") => r.skip(&c)?,
                (Ns::Oadr, "oadrSignedObject") => {
                    if msg.is_some() {
                        return Err(r.error(ErrorKind::Duplicate("oadrSignedObject")));
                    }
                    msg = Some(read_signed_object(&mut r)?);
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        let msg = match msg {
            Some(m) => m,
            None => return Err(r.missing("oadrSignedObject")),
        };
        r.finish()?;
        Ok(msg)
    }

    /// The canonical document: XML declaration, every namespace declared
    /// once on `oadrPayload`, no insignificant whitespace.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::with_capacity(1024);
        self.write_document(&mut w);
        w.out
    }

    /// Append the document to `out` (reuse one buffer on hot paths).
    pub fn write_xml(&self, out: &mut String) {
        let mut w = Writer {
            out: std::mem::take(out),
            profile_a: false,
        };
        self.write_document(&mut w);
        *out = w.out;
    }

    fn write_document(&self, w: &mut Writer) {
        w.out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
        w.open_attrs("oadr:oadrPayload", PAYLOAD_DECLS);
        w.open_attrs("oadr:oadrSignedObject", r#" oadr:Id="oadrSignedObject""#);
        self.write_body(w);
        w.close("oadr:oadrSignedObject");
        w.close("oadr:oadrPayload");
    }

    fn write_body(&self, w: &mut Writer) {
        match self {
            Message::DistributeEvent(m) => m.write(w, "oadr:oadrDistributeEvent"),
            Message::CreatedEvent(m) => m.write(w, "oadr:oadrCreatedEvent"),
            Message::RequestEvent(m) => m.write(w, "oadr:oadrRequestEvent"),
            Message::Response(m) => m.write(w, "oadr:oadrResponse"),
            Message::CancelOpt(m) => m.write(w, "oadr:oadrCancelOpt"),
            Message::CanceledOpt(m) => m.write(w, "oadr:oadrCanceledOpt"),
            Message::CreateOpt(m) => m.write(w, "oadr:oadrCreateOpt"),
            Message::CreatedOpt(m) => m.write(w, "oadr:oadrCreatedOpt"),
            Message::CancelReport(m) => m.write(w, "oadr:oadrCancelReport"),
            Message::CanceledReport(m) => m.write(w, "oadr:oadrCanceledReport"),
            Message::CreateReport(m) => m.write(w, "oadr:oadrCreateReport"),
            Message::CreatedReport(m) => m.write(w, "oadr:oadrCreatedReport"),
            Message::RegisterReport(m) => m.write(w, "oadr:oadrRegisterReport"),
            Message::RegisteredReport(m) => m.write(w, "oadr:oadrRegisteredReport"),
            Message::UpdateReport(m) => m.write(w, "oadr:oadrUpdateReport"),
            Message::UpdatedReport(m) => m.write(w, "oadr:oadrUpdatedReport"),
            Message::CancelPartyRegistration(m) => m.write(w, "oadr:oadrCancelPartyRegistration"),
            Message::CanceledPartyRegistration(m) => {
                m.write(w, "oadr:oadrCanceledPartyRegistration")
            }
            Message::CreatePartyRegistration(m) => m.write(w, "oadr:oadrCreatePartyRegistration"),
            Message::CreatedPartyRegistration(m) => m.write(w, "oadr:oadrCreatedPartyRegistration"),
            Message::RequestReregistration(m) => m.write(w, "oadr:oadrRequestReregistration"),
            Message::QueryRegistration(m) => m.write(w, "oadr:oadrQueryRegistration"),
            Message::Poll(m) => m.write(w, "oadr:oadrPoll"),
        }
    }
}

fn read_signed_object(r: &mut Reader<'_>) -> Result<Message> {
    let c = match r.next_child()? {
        Some(c) => c,
        None => return Err(r.missing("payload element")),
    };
    if c.ns != Ns::Oadr {
        return Err(r.unexpected(&c));
    }
    let msg = read_body(r, c.local()).and_then(|m| m.ok_or_else(|| r.unexpected(&c)))?;
    if let Some(extra) = r.next_child()? {
        return Err(r.unexpected(&extra));
    }
    Ok(msg)
}

fn read_body(r: &mut Reader<'_>, local: &str) -> Result<Option<Message>> {
    Ok(Some(match local {
        "oadrDistributeEvent" => Message::DistributeEvent(DistributeEvent::read(r)?),
        "oadrCreatedEvent" => Message::CreatedEvent(CreatedEvent::read(r)?),
        "oadrRequestEvent" => Message::RequestEvent(RequestEvent::read(r)?),
        "oadrResponse" => Message::Response(Response::read(r)?),
        "oadrCancelOpt" => Message::CancelOpt(CancelOpt::read(r)?),
        "oadrCanceledOpt" => Message::CanceledOpt(CanceledOpt::read(r)?),
        "oadrCreateOpt" => Message::CreateOpt(CreateOpt::read(r)?),
        "oadrCreatedOpt" => Message::CreatedOpt(CreatedOpt::read(r)?),
        "oadrCancelReport" => Message::CancelReport(CancelReport::read(r)?),
        "oadrCanceledReport" => Message::CanceledReport(CanceledReport::read(r)?),
        "oadrCreateReport" => Message::CreateReport(CreateReport::read(r)?),
        "oadrCreatedReport" => Message::CreatedReport(CreatedReport::read(r)?),
        "oadrRegisterReport" => Message::RegisterReport(RegisterReport::read(r)?),
        "oadrRegisteredReport" => Message::RegisteredReport(RegisteredReport::read(r)?),
        "oadrUpdateReport" => Message::UpdateReport(UpdateReport::read(r)?),
        "oadrUpdatedReport" => Message::UpdatedReport(UpdatedReport::read(r)?),
        "oadrCancelPartyRegistration" => {
            Message::CancelPartyRegistration(CancelPartyRegistration::read(r)?)
        }
        "oadrCanceledPartyRegistration" => {
            Message::CanceledPartyRegistration(CanceledPartyRegistration::read(r)?)
        }
        "oadrCreatePartyRegistration" => {
            Message::CreatePartyRegistration(CreatePartyRegistration::read(r)?)
        }
        "oadrCreatedPartyRegistration" => {
            Message::CreatedPartyRegistration(CreatedPartyRegistration::read(r)?)
        }
        "oadrRequestReregistration" => {
            Message::RequestReregistration(RequestReregistration::read(r)?)
        }
        "oadrQueryRegistration" => Message::QueryRegistration(QueryRegistration::read(r)?),
        "oadrPoll" => Message::Poll(Poll::read(r)?),
        _ => return Ok(None),
    }))
}

impl From<DistributeEvent> for Message {
    fn from(m: DistributeEvent) -> Self {
        Message::DistributeEvent(m)
    }
}
impl From<CreatedEvent> for Message {
    fn from(m: CreatedEvent) -> Self {
        Message::CreatedEvent(m)
    }
}
impl From<RequestEvent> for Message {
    fn from(m: RequestEvent) -> Self {
        Message::RequestEvent(m)
    }
}
impl From<Response> for Message {
    fn from(m: Response) -> Self {
        Message::Response(m)
    }
}
impl From<CancelOpt> for Message {
    fn from(m: CancelOpt) -> Self {
        Message::CancelOpt(m)
    }
}
impl From<CanceledOpt> for Message {
    fn from(m: CanceledOpt) -> Self {
        Message::CanceledOpt(m)
    }
}
impl From<CreateOpt> for Message {
    fn from(m: CreateOpt) -> Self {
        Message::CreateOpt(m)
    }
}
impl From<CreatedOpt> for Message {
    fn from(m: CreatedOpt) -> Self {
        Message::CreatedOpt(m)
    }
}
impl From<CancelReport> for Message {
    fn from(m: CancelReport) -> Self {
        Message::CancelReport(m)
    }
}
impl From<CanceledReport> for Message {
    fn from(m: CanceledReport) -> Self {
        Message::CanceledReport(m)
    }
}
impl From<CreateReport> for Message {
    fn from(m: CreateReport) -> Self {
        Message::CreateReport(m)
    }
}
impl From<CreatedReport> for Message {
    fn from(m: CreatedReport) -> Self {
        Message::CreatedReport(m)
    }
}
impl From<RegisterReport> for Message {
    fn from(m: RegisterReport) -> Self {
        Message::RegisterReport(m)
    }
}
impl From<RegisteredReport> for Message {
    fn from(m: RegisteredReport) -> Self {
        Message::RegisteredReport(m)
    }
}
impl From<UpdateReport> for Message {
    fn from(m: UpdateReport) -> Self {
        Message::UpdateReport(m)
    }
}
impl From<UpdatedReport> for Message {
    fn from(m: UpdatedReport) -> Self {
        Message::UpdatedReport(m)
    }
}
impl From<CancelPartyRegistration> for Message {
    fn from(m: CancelPartyRegistration) -> Self {
        Message::CancelPartyRegistration(m)
    }
}
impl From<CanceledPartyRegistration> for Message {
    fn from(m: CanceledPartyRegistration) -> Self {
        Message::CanceledPartyRegistration(m)
    }
}
impl From<CreatePartyRegistration> for Message {
    fn from(m: CreatePartyRegistration) -> Self {
        Message::CreatePartyRegistration(m)
    }
}
impl From<CreatedPartyRegistration> for Message {
    fn from(m: CreatedPartyRegistration) -> Self {
        Message::CreatedPartyRegistration(m)
    }
}
impl From<RequestReregistration> for Message {
    fn from(m: RequestReregistration) -> Self {
        Message::RequestReregistration(m)
    }
}
impl From<QueryRegistration> for Message {
    fn from(m: QueryRegistration) -> Self {
        Message::QueryRegistration(m)
    }
}
impl From<Poll> for Message {
    fn from(m: Poll) -> Self {
        Message::Poll(m)
    }
}
