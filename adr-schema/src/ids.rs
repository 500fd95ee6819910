//! Identifiers as validated newtypes: no bare `String` ids cross a crate boundary.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::xml::{Leaf, Writer};

/// Longest id we accept from a peer. The XSD sets none; 2.0b ids in the
/// wild are UUIDs or short names, and a bound keeps a hostile peer from
/// filling our tables with megabyte keys.
pub const MAX_ID_LEN: usize = 256;

fn check(s: &str, allow_empty: bool) -> Result<(), String> {
    if s.is_empty() && !allow_empty {
        return Err("an id may not be empty".into());
    }
    if s.len() > MAX_ID_LEN {
        return Err(format!("an id may be at most {MAX_ID_LEN} bytes"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("an id may not contain control characters".into());
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, allow_empty = $empty:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Result<Self, Error> {
                let s = s.into();
                check(&s, $empty).map_err(|reason| Error::value(&s, reason))?;
                Ok($name(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl Leaf for $name {
            fn parse(s: &str) -> Result<Self, String> {
                let s = s.trim();
                check(s, $empty)?;
                Ok($name(s.to_owned()))
            }
            fn write(&self, w: &mut Writer) {
                w.text(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        /// Read with the same checks as [`Self::new`], so a stored or
        /// configured id is as valid as one read from the wire.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                check(&s, $empty).map_err(serde::de::Error::custom)?;
                Ok($name(s))
            }
        }
    };
}

id_type!(/// `ei:venID`, assigned by the VTN at registration.
    VenId, allow_empty = false);
id_type!(/// `ei:vtnID`.
    VtnId, allow_empty = false);
id_type!(/// `ei:registrationID`.
    RegistrationId, allow_empty = false);
id_type!(/// `ei:eventID`.
    EventId, allow_empty = false);
id_type!(/// `pyld:requestID`. May be empty: several VTNs answer polls with an empty one.
    RequestId, allow_empty = true);
id_type!(/// `ei:reportRequestID`. `0` names the VEN's own initial METADATA registration.
    ReportRequestId, allow_empty = false);
id_type!(/// `ei:reportSpecifierID`.
    ReportSpecifierId, allow_empty = false);
id_type!(/// `ei:optID`.
    OptId, allow_empty = false);
id_type!(/// `ei:eiReportID`.
    ReportId, allow_empty = false);
id_type!(/// `ei:rID`: one data point within a report.
    Rid, allow_empty = false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_deserialize_with_the_wire_checks() {
        let v: VenId = serde_json::from_str("\"ven-1\"").unwrap();
        assert_eq!(v.as_str(), "ven-1");
        assert!(serde_json::from_str::<VenId>("\"\"").is_err());
        assert!(serde_json::from_str::<VenId>("\"a\\u001bb\"").is_err());
        assert!(serde_json::from_str::<VenId>(&format!("\"{}\"", "x".repeat(300))).is_err());
        assert!(serde_json::from_str::<RequestId>("\"\"").is_ok());
    }
}
