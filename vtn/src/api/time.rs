//! Timestamps on the admin API: RFC 3339 in UTC with milliseconds
//! (`2026-07-01T12:00:00.000Z`), so that they sort as strings.

use adr_schema::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

pub fn write(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&write(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| adr_schema::time::parse_timestamp(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

pub mod one {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&write(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        adr_schema::time::parse_timestamp(&s).map_err(serde::de::Error::custom)
    }
}
