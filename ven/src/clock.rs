//! Time as a dependency: the protocol core takes `now` as an argument, and
//! the agent asks a [`Clock`] for it, so tests can drive time by hand (the
//! clock is shared with the VTN, in `oadr-edge`).

pub use oadr_edge::clock::{Clock, ManualClock, SystemClock};
