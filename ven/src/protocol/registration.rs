//! Registration as a typestate: [`Unregistered`] → [`Registered`].
//!
//! Only `Unregistered::on_created` makes a `Registered`, and only a
//! `Registered` can poll, request events or report: a VEN cannot poll before
//! it is registered because the type that polls does not exist yet.

use adr_schema::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration, EiResponse,
    Message, Poll, ProfileName, QueryRegistration, RegistrationId, RequestEvent, Response,
    ResponseCode, Timestamp, TransportName, VenId,
};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::events::EventBook;
use super::opt::{DecisionContext, OptPolicy};
use super::reports::ReportBook;
use super::{request_id, Action, Next, Output};
use crate::error::VenError;

/// How the VEN presents itself.
#[derive(Clone, Debug, PartialEq)]
pub struct VenProfile {
    pub ven_name: String,
    /// Push mode: the URL the VTN posts to. `None` is pull mode.
    pub push_address: Option<String>,
    pub report_only: bool,
}

/// What a registration leaves us with; persisted so a restart keeps the ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub ven_id: String,
    pub registration_id: String,
    pub vtn_id: String,
    /// The VTN's oadrRequestedOadrPollFreq, in seconds.
    pub poll_freq_s: u64,
}

impl Registration {
    pub fn ven_id(&self) -> VenId {
        VenId::new(self.ven_id.clone()).expect("validated at registration")
    }
}

/// Not registered: may query and register, nothing else.
#[derive(Debug)]
pub struct Unregistered {
    profile: VenProfile,
    /// Ids from an earlier registration, sent again so the VTN keeps them.
    prior: Option<Registration>,
    /// Poll frequency learnt from oadrQueryRegistration.
    poll_freq_s: Option<u64>,
}

impl Unregistered {
    pub fn new(profile: VenProfile, prior: Option<Registration>) -> Self {
        Unregistered {
            profile,
            prior,
            poll_freq_s: None,
        }
    }

    pub fn profile(&self) -> &VenProfile {
        &self.profile
    }

    pub fn query_registration(&self) -> Message {
        Message::QueryRegistration(QueryRegistration {
            request_id: request_id(),
        })
    }

    /// Learn what the VTN says about itself (poll frequency).
    pub fn on_query_response(&mut self, m: &Message) -> Result<(), VenError> {
        match m {
            Message::CreatedPartyRegistration(c) if c.response.response_code.is_ok() => {
                self.poll_freq_s = c
                    .poll_freq
                    .map(|d| d.to_chrono().num_seconds().max(1) as u64);
                Ok(())
            }
            Message::CreatedPartyRegistration(c) => Err(VenError::Vtn {
                code: c.response.response_code,
                description: c.response.response_description.clone().unwrap_or_default(),
            }),
            other => Err(VenError::OutOfSequence(format!(
                "expected oadrCreatedPartyRegistration, got {}",
                other.name()
            ))),
        }
    }

    pub fn create_party_registration(&self) -> Message {
        let prior = self.prior.as_ref();
        Message::CreatePartyRegistration(CreatePartyRegistration {
            request_id: request_id(),
            registration_id: prior
                .and_then(|p| RegistrationId::new(p.registration_id.clone()).ok()),
            ven_id: prior.and_then(|p| VenId::new(p.ven_id.clone()).ok()),
            profile_name: ProfileName::V20b,
            transport_name: TransportName::SimpleHttp,
            transport_address: self.profile.push_address.clone(),
            report_only: self.profile.report_only,
            xml_signature: false,
            ven_name: Some(self.profile.ven_name.clone()),
            http_pull_model: Some(self.profile.push_address.is_none()),
        })
    }

    /// The VTN's answer to oadrCreatePartyRegistration. On success the VEN is
    /// registered; on failure it stays unregistered, with the reason.
    #[allow(clippy::result_large_err)]
    pub fn on_created(
        self,
        m: Message,
        session: Session,
    ) -> Result<Registered, (Unregistered, Session, VenError)> {
        let c = match m {
            Message::CreatedPartyRegistration(c) => c,
            other => {
                let e = VenError::OutOfSequence(format!(
                    "expected oadrCreatedPartyRegistration, got {}",
                    other.name()
                ));
                return Err((self, session, e));
            }
        };
        if !c.response.response_code.is_ok() {
            let e = VenError::Vtn {
                code: c.response.response_code,
                description: c.response.response_description.clone().unwrap_or_default(),
            };
            return Err((self, session, e));
        }
        let (Some(ven_id), Some(reg_id)) = (c.ven_id.clone(), c.registration_id.clone()) else {
            let e = VenError::InvalidData(
                "oadrCreatedPartyRegistration without venID or registrationID".into(),
            );
            return Err((self, session, e));
        };
        let poll_freq_s = c
            .poll_freq
            .map(|d| d.to_chrono().num_seconds().max(1) as u64)
            .or(self.poll_freq_s)
            .unwrap_or(10);
        let reg = Registration {
            ven_id: ven_id.into_string(),
            registration_id: reg_id.into_string(),
            vtn_id: c.vtn_id.into_string(),
            poll_freq_s,
        };
        tracing::info!(ven_id = %reg.ven_id, registration_id = %reg.registration_id, vtn_id = %reg.vtn_id, poll_freq_s, "registered");
        Ok(Registered {
            profile: self.profile,
            reg,
            session,
        })
    }
}

/// The state that outlives one registration attempt: events, reports, the
/// opt policy and the random source for start randomization.
#[derive(Debug)]
pub struct Session {
    pub events: EventBook,
    pub reports: ReportBook,
    pub policy: OptPolicy,
    /// Updated by the agent from the device's last reading.
    pub can_shed: bool,
    pub rng: StdRng,
}

impl Session {
    pub fn new(reports: ReportBook, policy: OptPolicy, seed: u64) -> Self {
        Session {
            events: EventBook::new(),
            reports,
            policy,
            can_shed: true,
            rng: StdRng::seed_from_u64(seed),
        }
    }
}

/// Registered: polls, takes events, reports.
#[derive(Debug)]
pub struct Registered {
    profile: VenProfile,
    reg: Registration,
    pub session: Session,
}

impl Registered {
    pub fn registration(&self) -> &Registration {
        &self.reg
    }
    pub fn ven_id(&self) -> VenId {
        self.reg.ven_id()
    }
    pub fn poll_period(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.reg.poll_freq_s.max(1))
    }

    pub fn poll(&self) -> Message {
        Message::Poll(Poll {
            ven_id: self.ven_id(),
        })
    }

    pub fn request_event(&self) -> Message {
        Message::RequestEvent(RequestEvent {
            request_id: request_id(),
            ven_id: self.ven_id(),
            reply_limit: None,
        })
    }

    pub fn register_report(&self, now: Timestamp) -> Message {
        self.session.reports.register_report(&self.ven_id(), now)
    }

    /// A VEN-initiated deregistration.
    pub fn cancel_party_registration(&self) -> Message {
        Message::CancelPartyRegistration(CancelPartyRegistration {
            request_id: request_id(),
            registration_id: RegistrationId::new(self.reg.registration_id.clone()).expect("valid"),
            ven_id: Some(self.ven_id()),
        })
    }

    /// Back to unregistered, keeping the ids to offer them again. Keeping
    /// them, sampling goes on under provisional requests until the new
    /// registration's requests replace them; otherwise reports stop.
    pub fn into_unregistered(mut self, keep_ids: bool) -> (Unregistered, Session) {
        if keep_ids {
            self.session.reports.make_provisional();
        } else {
            self.session.reports.clear();
        }
        let prior = keep_ids.then_some(self.reg);
        (Unregistered::new(self.profile, prior), self.session)
    }

    /// Handle one message from the VTN (a poll answer, a pushed message, or
    /// the answer to one of our requests).
    pub fn handle(&mut self, m: Message, now: Timestamp) -> Output {
        let ven_id = self.ven_id();
        let mut out = Output::default();
        match m {
            Message::DistributeEvent(d) => {
                if d.vtn_id.as_str() != self.reg.vtn_id {
                    tracing::warn!(got = %d.vtn_id, expected = %self.reg.vtn_id, "oadrDistributeEvent from another vtnID");
                }
                let ctx = DecisionContext {
                    can_shed: self.session.can_shed,
                };
                let s = &mut self.session;
                let (created, actions) = s
                    .events
                    .distribute(&d, &ven_id, &s.policy, ctx, now, &mut s.rng);
                out.send.extend(created);
                out.actions = actions;
            }
            Message::CreateReport(c) => {
                let (reply, actions) = self.session.reports.create(
                    &c.request_id,
                    &c.report_requests,
                    &ven_id,
                    now,
                    false,
                );
                out.reply = Some(reply);
                out.actions = actions;
            }
            Message::RegisteredReport(r) => {
                check(&r.response, &mut out);
                if !r.report_requests.is_empty() {
                    // Requests carried by oadrRegisteredReport are confirmed
                    // with oadrCreatedReport, as for oadrCreateReport.
                    let (created, actions) = self.session.reports.create(
                        &r.response.request_id,
                        &r.report_requests,
                        &ven_id,
                        now,
                        true,
                    );
                    out.send.push(created);
                    out.actions.extend(actions);
                }
            }
            Message::CancelReport(c) => {
                let (reply, actions) = self.session.reports.cancel(
                    &c.request_id,
                    &c.report_request_ids,
                    c.report_to_follow,
                    &ven_id,
                );
                out.reply = Some(reply);
                out.actions = actions;
            }
            Message::UpdatedReport(u) => {
                check(&u.response, &mut out);
                if let Some(c) = u.cancel_report {
                    let (reply, actions) = self.session.reports.cancel(
                        &c.request_id,
                        &c.report_request_ids,
                        c.report_to_follow,
                        &ven_id,
                    );
                    out.send.push(reply);
                    out.actions.extend(actions);
                }
            }
            Message::RequestReregistration(_) => {
                tracing::info!("VTN requests re-registration");
                out.reply = Some(ok_response(&ven_id, request_id()));
                out.next = Next::Reregister;
            }
            Message::CancelPartyRegistration(c) => {
                let ours = c.registration_id.as_str() == self.reg.registration_id;
                let response = if ours {
                    EiResponse::ok(c.request_id.clone())
                } else {
                    EiResponse::error(
                        ResponseCode::INVALID_ID,
                        format!("registrationID {} is not ours", c.registration_id),
                        c.request_id.clone(),
                    )
                };
                out.reply = Some(Message::CanceledPartyRegistration(
                    CanceledPartyRegistration {
                        response,
                        registration_id: Some(c.registration_id.clone()),
                        ven_id: Some(ven_id),
                    },
                ));
                if ours {
                    tracing::warn!(registration_id = %c.registration_id, "VTN cancelled our registration");
                    out.actions.extend(self.session.events.clear());
                    self.session.reports.clear();
                    out.next = Next::Cancelled;
                }
            }
            Message::Response(r) => check(&r.response, &mut out),
            Message::CreatedOpt(c) => check(&c.response, &mut out),
            Message::CanceledOpt(c) => check(&c.response, &mut out),
            Message::CanceledPartyRegistration(c) => check(&c.response, &mut out),
            Message::CreatedPartyRegistration(c) => check(&c.response, &mut out),
            other => {
                tracing::warn!(message = other.name(), "unexpected message from the VTN");
                out.reply = Some(Message::Response(Response {
                    response: EiResponse::error(
                        ResponseCode::NOT_RECOGNIZED,
                        format!("a VEN does not handle {}", other.name()),
                        request_id(),
                    ),
                    ven_id: Some(ven_id),
                }));
            }
        }
        out
    }

    /// Time passes: level changes, samples, flushes due at `now`.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Action> {
        let mut a = self.session.events.tick(now);
        a.extend(self.session.reports.tick(now));
        a
    }

    /// The next event signal change: served on time, never deferred.
    pub fn next_event_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.session.events.next_wakeup(now)
    }

    /// The next report sample or send: may wait briefly to share a wake-up.
    pub fn next_report_due(&self) -> Option<Timestamp> {
        self.session.reports.next_wakeup()
    }

    /// The next instant `tick` has work to do.
    pub fn next_wakeup(&self, now: Timestamp) -> Option<Timestamp> {
        [
            self.session.events.next_wakeup(now),
            self.session.reports.next_wakeup(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// An error code in a response to one of our requests becomes an action;
/// 463 (not registered) means the VTN forgot us: register again.
fn check(r: &EiResponse, out: &mut Output) {
    if r.response_code.is_ok() {
        return;
    }
    let description = r.response_description.clone().unwrap_or_default();
    tracing::warn!(code = %r.response_code, %description, "VTN answered an error");
    if r.response_code == ResponseCode::NOT_REGISTERED_OR_AUTHORIZED {
        out.next = Next::Reregister;
    }
    out.actions.push(Action::VtnError {
        code: r.response_code,
        description,
    });
}

fn ok_response(ven_id: &VenId, req: adr_schema::RequestId) -> Message {
    Message::Response(Response {
        response: EiResponse::ok(req),
        ven_id: Some(ven_id.clone()),
    })
}
