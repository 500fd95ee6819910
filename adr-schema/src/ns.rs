//! Namespace URIs of OpenADR 2.0b and the prefixes we write.
//!
//! Reading matches on the URI, never on the prefix a peer chose; writing uses
//! the conventional prefixes, all declared once on `oadrPayload`.

pub const OADR: &str = "http://openadr.org/oadr-2.0b/2012/07";
/// The 2.0a profile's namespace: read as [`Ns::Oadr`] by the 2.0a reader only.
pub const OADR_20A: &str = "http://openadr.org/oadr-2.0a/2012/07";
pub const PYLD: &str = "http://docs.oasis-open.org/ns/energyinterop/201110/payloads";
pub const EI: &str = "http://docs.oasis-open.org/ns/energyinterop/201110";
pub const EMIX: &str = "http://docs.oasis-open.org/ns/emix/2011/06";
pub const SCALE: &str = "http://docs.oasis-open.org/ns/emix/2011/06/siscale";
pub const POWER: &str = "http://docs.oasis-open.org/ns/emix/2011/06/power";
pub const STRM: &str = "urn:ietf:params:xml:ns:icalendar-2.0:stream";
pub const XCAL: &str = "urn:ietf:params:xml:ns:icalendar-2.0";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const DSP: &str = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties";
pub const GML: &str = "http://www.opengis.net/gml/3.2";

/// The `xmlns` declarations written once on `oadrPayload`.
pub(crate) const PAYLOAD_DECLS: &str = concat!(
    r#" xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07""#,
    r#" xmlns:pyld="http://docs.oasis-open.org/ns/energyinterop/201110/payloads""#,
    r#" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110""#,
    r#" xmlns:emix="http://docs.oasis-open.org/ns/emix/2011/06""#,
    r#" xmlns:scale="http://docs.oasis-open.org/ns/emix/2011/06/siscale""#,
    r#" xmlns:power="http://docs.oasis-open.org/ns/emix/2011/06/power""#,
    r#" xmlns:strm="urn:ietf:params:xml:ns:icalendar-2.0:stream""#,
    r#" xmlns:xcal="urn:ietf:params:xml:ns:icalendar-2.0""#,
);

/// The `xmlns` declarations written on a 2.0a message's root element.
pub(crate) const DECLS_20A: &str = concat!(
    r#" xmlns:oadr="http://openadr.org/oadr-2.0a/2012/07""#,
    r#" xmlns:pyld="http://docs.oasis-open.org/ns/energyinterop/201110/payloads""#,
    r#" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110""#,
    r#" xmlns:emix="http://docs.oasis-open.org/ns/emix/2011/06""#,
    r#" xmlns:strm="urn:ietf:params:xml:ns:icalendar-2.0:stream""#,
    r#" xmlns:xcal="urn:ietf:params:xml:ns:icalendar-2.0""#,
);

/// The namespaces an OpenADR 2.0b element can live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ns {
    Oadr,
    Pyld,
    Ei,
    Emix,
    Scale,
    Power,
    Strm,
    Xcal,
    Ds,
    Gml,
    /// No namespace, or one OpenADR does not define.
    Other,
}

impl Ns {
    pub fn from_uri(uri: &str) -> Ns {
        match uri {
            OADR => Ns::Oadr,
            PYLD => Ns::Pyld,
            EI => Ns::Ei,
            EMIX => Ns::Emix,
            SCALE => Ns::Scale,
            POWER => Ns::Power,
            STRM => Ns::Strm,
            XCAL => Ns::Xcal,
            DS => Ns::Ds,
            GML => Ns::Gml,
            _ => Ns::Other,
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Ns::Oadr => "oadr",
            Ns::Pyld => "pyld",
            Ns::Ei => "ei",
            Ns::Emix => "emix",
            Ns::Scale => "scale",
            Ns::Power => "power",
            Ns::Strm => "strm",
            Ns::Xcal => "xcal",
            Ns::Ds => "ds",
            Ns::Gml => "gml",
            Ns::Other => "?",
        }
    }
}
