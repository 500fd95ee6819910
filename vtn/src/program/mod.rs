//! The VTN's protocol logic, free of IO: event lifecycle and targeting,
//! report requests, and the answers to each OpenADR message given what the
//! store holds. Time always comes in as an argument.

pub mod events;
pub mod reports;
pub mod service;

/// A fresh id for requests, events, registrations and report requests.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
