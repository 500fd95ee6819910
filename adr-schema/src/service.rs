//! The five simple-HTTP services of 2.0b and which payload belongs to which.

use crate::model::message::Message;

/// One endpoint each, below `/OpenADR2/Simple/2.0b/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    EiRegisterParty,
    EiEvent,
    EiReport,
    EiOpt,
    OadrPoll,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::EiRegisterParty,
        Service::EiEvent,
        Service::EiReport,
        Service::EiOpt,
        Service::OadrPoll,
    ];

    /// The path segment, e.g. `EiEvent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::EiRegisterParty => "EiRegisterParty",
            Service::EiEvent => "EiEvent",
            Service::EiReport => "EiReport",
            Service::EiOpt => "EiOpt",
            Service::OadrPoll => "OadrPoll",
        }
    }

    pub fn from_name(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|svc| svc.as_str() == s)
    }

    /// The service a payload travels through. A bare oadrResponse is
    /// answered where the exchange began; sent on its own (as an
    /// acknowledgement of a polled message) it goes to EiRegisterParty, as
    /// peers we tested expect.
    pub fn of(m: &Message) -> Service {
        use Message as M;
        match m {
            M::QueryRegistration(_)
            | M::CreatePartyRegistration(_)
            | M::CancelPartyRegistration(_)
            | M::CanceledPartyRegistration(_)
            | M::CreatedPartyRegistration(_)
            | M::RequestReregistration(_)
            | M::Response(_) => Service::EiRegisterParty,
            M::RequestEvent(_) | M::CreatedEvent(_) | M::DistributeEvent(_) => Service::EiEvent,
            M::RegisterReport(_)
            | M::RegisteredReport(_)
            | M::CreateReport(_)
            | M::CreatedReport(_)
            | M::UpdateReport(_)
            | M::UpdatedReport(_)
            | M::CancelReport(_)
            | M::CanceledReport(_) => Service::EiReport,
            M::CreateOpt(_) | M::CreatedOpt(_) | M::CancelOpt(_) | M::CanceledOpt(_) => {
                Service::EiOpt
            }
            M::Poll(_) => Service::OadrPoll,
        }
    }

    /// May `m` arrive at this service's endpoint? (An oadrResponse may arrive anywhere.)
    pub fn accepts(self, m: &Message) -> bool {
        matches!(m, Message::Response(_)) || Service::of(m) == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Poll, RequestReregistration, VenId};

    #[test]
    fn names_round_trip() {
        for s in Service::ALL {
            assert_eq!(Service::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Service::from_name("eievent"), None);
    }

    #[test]
    fn all_is_in_declaration_order() {
        // Callers index per-service tables with `svc as usize`.
        for (i, s) in Service::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i);
        }
    }

    #[test]
    fn payloads_go_to_their_service() {
        let ven = VenId::new("V").unwrap();
        let poll = Message::Poll(Poll {
            ven_id: ven.clone(),
        });
        assert_eq!(Service::of(&poll), Service::OadrPoll);
        assert!(Service::OadrPoll.accepts(&poll));
        assert!(!Service::EiEvent.accepts(&poll));
        let rr = Message::RequestReregistration(RequestReregistration { ven_id: ven });
        assert_eq!(Service::of(&rr), Service::EiRegisterParty);
    }
}
