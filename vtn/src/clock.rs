//! Time, injected: production uses [`SystemClock`], tests move a
//! [`ManualClock`] (both shared with the VEN, in `oadr-edge`).

pub use oadr_edge::clock::{from_ms, to_ms, Clock, ManualClock, SystemClock};
