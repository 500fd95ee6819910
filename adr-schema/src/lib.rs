//! OpenADR 2.0b (profile B) message model.
//!
//! Every payload that travels inside `oadrPayload/oadrSignedObject` is a
//! variant of [`Message`], read with [`Message::from_xml`] and written with
//! [`Message::to_xml`]. Reading matches namespaces by URI, so any prefixes a
//! peer chooses parse; writing produces one canonical form that validates
//! against the official 2.0b XSDs. Reading is bounded ([`Limits`]) and never
//! panics on bad input: it returns an [`Error`] naming what is wrong and where.
//!
//! Pure: no IO, no HTTP, no database.
#![forbid(unsafe_code)]

pub mod enums;
pub mod error;
pub mod fingerprint;
pub mod ids;
pub mod limits;
pub mod model;
pub mod ns;
pub mod service;
pub mod time;
mod xml;

pub use enums::*;
pub use error::{Error, ErrorKind, Position, Result};
pub use ids::*;
pub use limits::Limits;
pub use model::common::*;
pub use model::event::*;
pub use model::event_payloads::*;
pub use model::item_base::*;
pub use model::message::Message;
pub use model::opt_payloads::*;
pub use model::registration_payloads::*;
pub use model::report::*;
pub use model::report_payloads::*;
pub use service::Service;
pub use time::{Duration, Timestamp, TimestampExt};
