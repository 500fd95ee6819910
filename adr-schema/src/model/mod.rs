//! The typed OpenADR 2.0b model. Field order in every struct follows the
//! XSD `xs:sequence`, which is also the order we write.

pub mod common;
pub mod event;
pub mod event_payloads;
pub mod item_base;
pub mod message;
pub mod opt_payloads;
pub mod registration_payloads;
pub mod report;
pub mod report_payloads;

/// Written on every payload element.
pub(crate) const SCHEMA_VERSION: &str = r#" ei:schemaVersion="2.0b""#;
