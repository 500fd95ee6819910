//! Where the decision core ([`vtn_core`]) meets the store: a decision is
//! taken over a [`SqliteView`] and its operations applied in the same
//! `BEGIN IMMEDIATE` transaction; what the registry must mirror comes back
//! as [`Effects`], derived from those operations.

use adr_schema::{Message, Service, Timestamp};
use diesel::connection::TransactionManager;
use vtn_core::service::Reply;
use vtn_core::{Ctx, Decision, Ids, Policy, View};

use crate::config::{RegistrationPolicy, Settings};
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store::{self, Conn, Effects, SqliteView};

/// The OpenADR profile a message arrived in; its answer goes out in the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// 2.0b: `oadrPayload` documents on `/OpenADR2/Simple/2.0b/{service}`.
    B,
    /// 2.0a: bare EiEvent messages on `/OpenADR2/Simple/EiEvent`.
    A,
}

impl Wire {
    pub fn parse(self, body: &[u8]) -> adr_schema::Result<Message> {
        match self {
            Wire::B => Message::from_slice(body),
            Wire::A => Message::from_slice_20a(body),
        }
    }

    /// A message in this profile; a 2.0a one keeps what 2.0a can express.
    pub fn render(self, m: Message) -> String {
        match (self, m) {
            (Wire::B, m) => m.to_xml(),
            (Wire::A, Message::DistributeEvent(d)) => {
                let m = Message::DistributeEvent(vtn_core::profile_a::distribute(d));
                m.to_xml_20a().unwrap_or_default()
            }
            (Wire::A, m) => m.to_xml_20a().unwrap_or_else(|| {
                // Only the four 2.0a messages are read on a 2.0a path, and
                // the core answers those with 2.0a messages: not reached.
                tracing::error!(message = m.name(), "no 2.0a form for this answer");
                let id = adr_schema::RequestId::new("0").expect("a valid id");
                Message::Response(adr_schema::Response {
                    response: adr_schema::EiResponse::error(
                        adr_schema::ResponseCode::DEPLOYMENT_ERROR,
                        "internal error at the VTN",
                        id,
                    ),
                    ven_id: None,
                })
                .to_xml_20a()
                .unwrap_or_default()
            }),
        }
    }

    fn render_reply(self, r: Reply) -> String {
        match (self, r) {
            (_, Reply::Msg(m)) => self.render(*m),
            // Pre-rendered answers are 2.0b polls only.
            (_, Reply::Xml(x)) => x,
        }
    }
}

/// Random (UUID v4) ids, as OpenADR peers expect them.
#[derive(Debug, Default)]
pub struct UuidIds;

impl Ids for UuidIds {
    fn next_id(&self) -> String {
        new_id()
    }
}

/// A fresh id for requests, events, registrations and report requests.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Settings {
    /// The settings decisions depend on, as they stand now (the
    /// registration policy can change at run time).
    pub fn policy(&self) -> Policy {
        Policy {
            vtn_id: self.vtn_id.clone(),
            poll_freq: self.poll_freq,
            near_window: self.near_window,
            report_granularity: self.report_granularity,
            report_deadline: self.report_deadline,
            queue_ttl: self.queue_ttl,
            reading_window: self.reading_window,
            clock_skew: self.clock_skew,
            open_registration: self.registration_policy.get() == RegistrationPolicy::Open,
            tls: self.tls.is_some(),
        }
    }
}

/// What storage work outside a decision may read: the settings and the time.
pub struct Env<'a> {
    pub settings: &'a Settings,
    pub now: Timestamp,
}

/// Who sent a message, as far as decisions care.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client certificate's fingerprint on a TLS listener.
    pub fingerprint: Option<String>,
    /// False when its source address has used up its new registrations.
    pub new_vens_allowed: bool,
}

/// A peer known only by its certificate (if any), not limited.
impl From<Option<String>> for Peer {
    fn from(fingerprint: Option<String>) -> Self {
        Peer {
            fingerprint,
            new_vens_allowed: true,
        }
    }
}

/// Take one decision and apply its operations, in one transaction (a
/// savepoint when the caller already holds one). The effects to mirror are
/// added to `fx`; the caller applies them once everything has committed.
pub fn decide<T>(
    c: &mut Conn,
    env: &Env,
    peer_fingerprint: Option<String>,
    fx: &mut Effects,
    f: impl FnOnce(&dyn View, &Ctx) -> vtn_core::Result<Decision<T>>,
) -> Result<T> {
    decide_for(c, env, peer_fingerprint.into(), fx, f)
}

/// [`decide`] for a message from `peer`.
pub fn decide_for<T>(
    c: &mut Conn,
    env: &Env,
    peer: Peer,
    fx: &mut Effects,
    f: impl FnOnce(&dyn View, &Ctx) -> vtn_core::Result<Decision<T>>,
) -> Result<T> {
    let policy = env.settings.policy();
    let ids = UuidIds;
    let ctx = Ctx {
        policy: &policy,
        now: env.now,
        peer_fingerprint: peer.fingerprint,
        new_vens_allowed: peer.new_vens_allowed,
        ids: &ids,
    };
    let run = |c: &mut Conn| {
        let d = f(&SqliteView::new(c), &ctx)?;
        let more = store::apply(c, &d.ops, env.now)?;
        Ok::<_, VtnError>((d.reply, more))
    };
    // Inside the group-commit writer's transaction a decision is a savepoint;
    // on its own it takes the write lock first.
    let nested = diesel::connection::AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth()
        .ok()
        .flatten()
        .is_some();
    let (reply, more) = if nested {
        diesel::Connection::transaction(c, run)?
    } else {
        c.immediate_transaction(run)?
    };
    fx.merge(more);
    Ok(reply)
}

/// The answer to one message from a VEN (any transport).
pub fn handle_message(
    c: &mut Conn,
    env: &Env,
    peer: impl Into<Peer>,
    service: Service,
    msg: &Message,
    fx: &mut Effects,
) -> Result<Reply> {
    decide_for(c, env, peer.into(), fx, |v, ctx| {
        vtn_core::service::handle(v, ctx, service, msg)
    })
}

/// The error reply for a message (see [`vtn_core::service::error_reply`]).
pub fn error_reply(settings: &Settings, m: Option<&Message>, e: &VtnError) -> Message {
    vtn_core::service::error_reply(
        &settings.policy(),
        m,
        e.response_code(),
        e.peer_text(),
        &new_id(),
    )
}

/// Who takes part in an event (see [`vtn_core::participation`]), from the
/// stored answers, active opts and VENs.
pub fn participation(
    c: &mut Conn,
    ev: &vtn_core::events::StoredEvent,
    vens: &[vtn_core::model::Ven],
) -> Result<Vec<vtn_core::participation::Participation>> {
    let opts = store::list_opts(c, None, true)?
        .into_iter()
        .map(vtn_core::model::Opt::try_from)
        .collect::<vtn_core::Result<Vec<_>>>()?;
    let answers = SqliteView::new(c).event_answers(&ev.event_id)?;
    Ok(vtn_core::participation::participation(
        ev, vens, &answers, &opts,
    ))
}

/// Every VEN as the core sees it (a corrupt row is an error naming it).
pub fn vens(c: &mut Conn) -> Result<Vec<vtn_core::model::Ven>> {
    Ok(SqliteView::new(c).vens()?)
}

/// The answer to one parsed message, whatever carried it (the HTTP
/// services, the VEN's answer to a push, and later XMPP): decided and
/// applied on the blocking pool, the registry updated, errors as payloads.
/// `peer` is the client certificate's fingerprint on a TLS listener,
/// `source` the address new registrations are counted against.
pub async fn answer(
    st: &AppState,
    svc: Service,
    msg: Message,
    peer: Option<String>,
    source: Option<std::net::IpAddr>,
    wire: Wire,
) -> (String, u16) {
    let name = msg.name();
    let msg = std::sync::Arc::new(msg);
    let m2 = msg.clone();
    let peer = Peer {
        fingerprint: peer,
        new_vens_allowed: st
            .new_vens
            .allows(source, crate::clock::to_ms(st.clock.now())),
    };
    let res = st
        .write(move |c, env| {
            let mut fx = Effects::default();
            let reply = handle_message(c, env, peer, svc, &m2, &mut fx)?;
            Ok((wire.render_reply(reply), fx))
        })
        .await;
    match res {
        Ok((xml, fx)) => {
            st.new_vens
                .record(source, crate::clock::to_ms(st.clock.now()), fx.new_vens);
            st.apply(fx);
            tracing::debug!(service = svc.as_str(), message = name, "handled");
            (xml, 200)
        }
        Err(e) => {
            if e.is_internal() {
                tracing::error!(service = svc.as_str(), message = name, error = %e, "handler failed");
            } else {
                tracing::warn!(service = svc.as_str(), message = name, code = e.response_code().0, error = %e, "refused");
            }
            (
                wire.render(error_reply(&st.settings, Some(&msg), &e)),
                e.response_code().0,
            )
        }
    }
}
