//! EiRegisterParty service payloads and oadrPoll.

use serde::Serialize;

use super::common::{read_duration_prop, write_duration_prop, EiResponse};
use crate::enums::{ProfileName, ServiceName, TransportName};
use crate::error::Result;
use crate::ids::{RegistrationId, RequestId, VenId, VtnId};
use crate::ns::Ns;
use crate::time::Duration;
use crate::xml::{need, once, push, Element, Reader, Writer};

/// `oadr:oadrQueryRegistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryRegistration {
    pub request_id: RequestId,
}

/// `oadr:oadrCreatePartyRegistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatePartyRegistration {
    pub request_id: RequestId,
    pub registration_id: Option<RegistrationId>,
    pub ven_id: Option<VenId>,
    pub profile_name: ProfileName,
    pub transport_name: TransportName,
    /// Where a push VEN listens.
    pub transport_address: Option<String>,
    pub report_only: bool,
    pub xml_signature: bool,
    pub ven_name: Option<String>,
    pub http_pull_model: Option<bool>,
}

/// `oadr:oadrCreatedPartyRegistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatedPartyRegistration {
    pub response: EiResponse,
    pub registration_id: Option<RegistrationId>,
    pub ven_id: Option<VenId>,
    pub vtn_id: VtnId,
    pub profiles: Vec<Profile>,
    pub poll_freq: Option<Duration>,
    /// `oadrServiceSpecificInfo`; `None` when absent.
    pub service_specific_info: Option<Vec<ServiceInfo>>,
    /// `oadrExtensions`; `None` when absent.
    pub extensions: Option<Vec<Extension>>,
}

/// `oadr:oadrProfile`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub profile_name: ProfileName,
    pub transports: Vec<TransportName>,
}

/// `oadr:oadrService`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceInfo {
    pub service_name: ServiceName,
    /// At least one.
    pub info: Vec<KeyValue>,
}

/// `oadr:oadrInfo`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// `oadr:oadrExtension`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Extension {
    pub name: String,
    pub info: Vec<KeyValue>,
}

/// `oadr:oadrCancelPartyRegistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CancelPartyRegistration {
    pub request_id: RequestId,
    pub registration_id: RegistrationId,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrCanceledPartyRegistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CanceledPartyRegistration {
    pub response: EiResponse,
    pub registration_id: Option<RegistrationId>,
    pub ven_id: Option<VenId>,
}

/// `oadr:oadrRequestReregistration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestReregistration {
    pub ven_id: VenId,
}

/// `oadr:oadrPoll`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Poll {
    pub ven_id: VenId,
}

impl Element for QueryRegistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let mut req = None;
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(QueryRegistration {
            request_id: need!(r, req, "requestID"),
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        w.close(tag);
    }
}

impl Element for CreatePartyRegistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (
            mut req,
            mut reg,
            mut ven,
            mut prof,
            mut tr,
            mut addr,
            mut ro,
            mut sig,
            mut name,
            mut pull,
        ) = (None, None, None, None, None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "registrationID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, reg, "registrationID", v)
                    }
                }
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                (Ns::Oadr, "oadrProfileName") => once!(r, prof, "oadrProfileName", r.leaf()?),
                (Ns::Oadr, "oadrTransportName") => once!(r, tr, "oadrTransportName", r.leaf()?),
                (Ns::Oadr, "oadrTransportAddress") => {
                    once!(r, addr, "oadrTransportAddress", r.leaf()?)
                }
                (Ns::Oadr, "oadrReportOnly") => once!(r, ro, "oadrReportOnly", r.leaf()?),
                (Ns::Oadr, "oadrXmlSignature") => once!(r, sig, "oadrXmlSignature", r.leaf()?),
                (Ns::Oadr, "oadrVenName") => once!(r, name, "oadrVenName", r.leaf()?),
                (Ns::Oadr, "oadrHttpPullModel") => once!(r, pull, "oadrHttpPullModel", r.leaf()?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CreatePartyRegistration {
            request_id: need!(r, req, "requestID"),
            registration_id: reg,
            ven_id: ven,
            profile_name: need!(r, prof, "oadrProfileName"),
            transport_name: need!(r, tr, "oadrTransportName"),
            transport_address: addr,
            report_only: need!(r, ro, "oadrReportOnly"),
            xml_signature: need!(r, sig, "oadrXmlSignature"),
            ven_name: name,
            http_pull_model: pull,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        w.opt_leaf("ei:registrationID", &self.registration_id);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.leaf("oadr:oadrProfileName", &self.profile_name);
        w.leaf("oadr:oadrTransportName", &self.transport_name);
        w.opt_leaf("oadr:oadrTransportAddress", &self.transport_address);
        w.leaf("oadr:oadrReportOnly", &self.report_only);
        w.leaf("oadr:oadrXmlSignature", &self.xml_signature);
        w.opt_leaf("oadr:oadrVenName", &self.ven_name);
        w.opt_leaf("oadr:oadrHttpPullModel", &self.http_pull_model);
        w.close(tag);
    }
}

fn read_key_value(r: &mut Reader<'_>) -> Result<KeyValue> {
    let (mut k, mut v) = (None, None);
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Oadr, "oadrKey") => once!(r, k, "oadrKey", r.leaf()?),
            (Ns::Oadr, "oadrValue") => once!(r, v, "oadrValue", r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(KeyValue {
        key: need!(r, k, "oadrKey"),
        value: need!(r, v, "oadrValue"),
    })
}

fn write_key_value(w: &mut Writer, kv: &KeyValue) {
    w.open("oadr:oadrInfo");
    w.leaf("oadr:oadrKey", &kv.key);
    w.leaf("oadr:oadrValue", &kv.value);
    w.close("oadr:oadrInfo");
}

fn read_profiles(r: &mut Reader<'_>) -> Result<Vec<Profile>> {
    let mut out = Vec::new();
    while let Some(c) = r.next_child()? {
        if !(c.ns == Ns::Oadr && c.local() == "oadrProfile") {
            return Err(r.unexpected(&c));
        }
        let (mut name, mut transports) = (None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Oadr, "oadrProfileName") => once!(r, name, "oadrProfileName", r.leaf()?),
                (Ns::Oadr, "oadrTransports") => {
                    let mut ts = Vec::new();
                    while let Some(c) = r.next_child()? {
                        if !(c.ns == Ns::Oadr && c.local() == "oadrTransport") {
                            return Err(r.unexpected(&c));
                        }
                        push!(
                            r,
                            ts,
                            r.wrapped(Ns::Oadr, "oadrTransportName", |r| r.leaf())?
                        );
                    }
                    once!(r, transports, "oadrTransports", ts)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        push!(
            r,
            out,
            Profile {
                profile_name: need!(r, name, "oadrProfileName"),
                transports: need!(r, transports, "oadrTransports"),
            }
        );
    }
    Ok(out)
}

fn read_services(r: &mut Reader<'_>) -> Result<Vec<ServiceInfo>> {
    let mut out = Vec::new();
    while let Some(c) = r.next_child()? {
        if !(c.ns == Ns::Oadr && c.local() == "oadrService") {
            return Err(r.unexpected(&c));
        }
        let mut name = None;
        let mut info = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Oadr, "oadrServiceName") => once!(r, name, "oadrServiceName", r.leaf()?),
                (Ns::Oadr, "oadrInfo") => push!(r, info, read_key_value(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        push!(
            r,
            out,
            ServiceInfo {
                service_name: need!(r, name, "oadrServiceName"),
                info,
            }
        );
    }
    Ok(out)
}

fn read_extensions(r: &mut Reader<'_>) -> Result<Vec<Extension>> {
    let mut out = Vec::new();
    while let Some(c) = r.next_child()? {
        if !(c.ns == Ns::Oadr && c.local() == "oadrExtension") {
            return Err(r.unexpected(&c));
        }
        let mut name = None;
        let mut info = Vec::new();
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Oadr, "oadrExtensionName") => once!(r, name, "oadrExtensionName", r.leaf()?),
                (Ns::Oadr, "oadrInfo") => push!(r, info, read_key_value(r)?),
                _ => return Err(r.unexpected(&c)),
            }
        }
        push!(
            r,
            out,
            Extension {
                name: need!(r, name, "oadrExtensionName"),
                info,
            }
        );
    }
    Ok(out)
}

impl Element for CreatedPartyRegistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut reg, mut ven, mut vtn, mut profiles, mut freq, mut ssi, mut ext) =
            (None, None, None, None, None, None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Ei, "registrationID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, reg, "registrationID", v)
                    }
                }
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                (Ns::Ei, "vtnID") => once!(r, vtn, "vtnID", r.leaf()?),
                (Ns::Oadr, "oadrProfiles") => once!(r, profiles, "oadrProfiles", read_profiles(r)?),
                (Ns::Oadr, "oadrRequestedOadrPollFreq") => {
                    once!(r, freq, "oadrRequestedOadrPollFreq", read_duration_prop(r)?)
                }
                (Ns::Oadr, "oadrServiceSpecificInfo") => {
                    once!(r, ssi, "oadrServiceSpecificInfo", read_services(r)?)
                }
                (Ns::Oadr, "oadrExtensions") => {
                    once!(r, ext, "oadrExtensions", read_extensions(r)?)
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CreatedPartyRegistration {
            response: need!(r, resp, "eiResponse"),
            registration_id: reg,
            ven_id: ven,
            vtn_id: need!(r, vtn, "vtnID"),
            profiles: need!(r, profiles, "oadrProfiles"),
            poll_freq: freq,
            service_specific_info: ssi,
            extensions: ext,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        w.opt_leaf("ei:registrationID", &self.registration_id);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.leaf("ei:vtnID", &self.vtn_id);
        w.open("oadr:oadrProfiles");
        for p in &self.profiles {
            w.open("oadr:oadrProfile");
            w.leaf("oadr:oadrProfileName", &p.profile_name);
            w.open("oadr:oadrTransports");
            for t in &p.transports {
                w.open("oadr:oadrTransport");
                w.leaf("oadr:oadrTransportName", t);
                w.close("oadr:oadrTransport");
            }
            w.close("oadr:oadrTransports");
            w.close("oadr:oadrProfile");
        }
        w.close("oadr:oadrProfiles");
        if let Some(f) = &self.poll_freq {
            write_duration_prop(w, "oadr:oadrRequestedOadrPollFreq", f);
        }
        if let Some(ssi) = &self.service_specific_info {
            w.open("oadr:oadrServiceSpecificInfo");
            for s in ssi {
                w.open("oadr:oadrService");
                w.leaf("oadr:oadrServiceName", &s.service_name);
                for kv in &s.info {
                    write_key_value(w, kv);
                }
                w.close("oadr:oadrService");
            }
            w.close("oadr:oadrServiceSpecificInfo");
        }
        if let Some(ext) = &self.extensions {
            w.open("oadr:oadrExtensions");
            for e in ext {
                w.open("oadr:oadrExtension");
                w.leaf("oadr:oadrExtensionName", &e.name);
                for kv in &e.info {
                    write_key_value(w, kv);
                }
                w.close("oadr:oadrExtension");
            }
            w.close("oadr:oadrExtensions");
        }
        w.close(tag);
    }
}

impl Element for CancelPartyRegistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut req, mut reg, mut ven) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Pyld, "requestID") => once!(r, req, "requestID", r.leaf()?),
                (Ns::Ei, "registrationID") => once!(r, reg, "registrationID", r.leaf()?),
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CancelPartyRegistration {
            request_id: need!(r, req, "requestID"),
            registration_id: need!(r, reg, "registrationID"),
            ven_id: ven,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("pyld:requestID", &self.request_id);
        w.leaf("ei:registrationID", &self.registration_id);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for CanceledPartyRegistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (mut resp, mut reg, mut ven) = (None, None, None);
        while let Some(c) = r.next_child()? {
            match (c.ns, c.local()) {
                (Ns::Ei, "eiResponse") => once!(r, resp, "eiResponse", EiResponse::read(r)?),
                (Ns::Ei, "registrationID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, reg, "registrationID", v)
                    }
                }
                (Ns::Ei, "venID") => {
                    if let Some(v) = r.leaf_opt()? {
                        once!(r, ven, "venID", v)
                    }
                }
                _ => return Err(r.unexpected(&c)),
            }
        }
        Ok(CanceledPartyRegistration {
            response: need!(r, resp, "eiResponse"),
            registration_id: reg,
            ven_id: ven,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        self.response.write(w, "ei:eiResponse");
        w.opt_leaf("ei:registrationID", &self.registration_id);
        w.opt_leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

/// Payloads whose only content is `ei:venID`.
fn read_ven_only(r: &mut Reader<'_>) -> Result<VenId> {
    let mut ven = None;
    while let Some(c) = r.next_child()? {
        match (c.ns, c.local()) {
            (Ns::Ei, "venID") => once!(r, ven, "venID", r.leaf()?),
            _ => return Err(r.unexpected(&c)),
        }
    }
    Ok(need!(r, ven, "venID"))
}

impl Element for RequestReregistration {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(RequestReregistration {
            ven_id: read_ven_only(r)?,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}

impl Element for Poll {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Poll {
            ven_id: read_ven_only(r)?,
        })
    }
    fn write(&self, w: &mut Writer, tag: &str) {
        w.open_attrs(tag, super::SCHEMA_VERSION);
        w.leaf("ei:venID", &self.ven_id);
        w.close(tag);
    }
}
