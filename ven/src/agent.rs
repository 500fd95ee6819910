//! The agent: joins the protocol core to the transport, the device, the
//! store and the clock. All decisions are the core's; this module only
//! moves messages, readings and time.

use std::collections::{HashMap, VecDeque};
use std::time::Duration as StdDuration;

use adr_schema::{Message, OptId, ReportSpecifierId, ResponseCode, Timestamp, UpdatedReport};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::Config;
use crate::device::{Device, Telemetry};
use crate::error::{Result, VenError};
use crate::protocol::delivery::{Refused, Verdict};
use crate::protocol::reports::{update_report, Reading, Standing, Value};
use crate::protocol::schedule::{self, Grid};
use crate::protocol::{
    backoff, opt, Action, DataPoint, Next, OptPolicy, Registered, ReportBook, ReportKind, Session,
    Unregistered, VenProfile,
};
use crate::store::Store;
use crate::transport::{PushRequest, Transport};

/// What the agent needs beyond the config file.
#[derive(Clone, Debug)]
pub struct AgentSettings {
    pub ven_name: String,
    pub push_address: Option<String>,
    pub report_only: bool,
    pub poll_override: Option<StdDuration>,
    pub max_backoff: StdDuration,
    pub min_period: chrono::Duration,
    pub history_period: Option<chrono::Duration>,
    pub history_retention: chrono::Duration,
    pub batch: i64,
    /// Consecutive refusals after which a report is set aside (0: never);
    /// see `protocol::delivery`.
    pub set_aside_after: u32,
    pub policy: OptPolicy,
    pub seed: u64,
}

impl AgentSettings {
    pub fn from_config(c: &Config, ven_name: &str) -> Result<Self> {
        Ok(AgentSettings {
            ven_name: ven_name.to_owned(),
            push_address: c.push.as_ref().map(|p| p.public_url.clone()),
            report_only: c.ven.report_only,
            poll_override: c.poll.period_s.map(StdDuration::from_secs),
            max_backoff: StdDuration::from_secs(c.poll.max_backoff_s.max(1)),
            min_period: chrono::Duration::seconds(c.reports.min_period_s.max(1) as i64),
            history_period: (c.reports.history_period_s > 0)
                .then(|| chrono::Duration::seconds(c.reports.history_period_s as i64)),
            history_retention: chrono::Duration::days(
                c.reports.history_retention_days.max(1) as i64
            ),
            batch: c.reports.batch.max(1),
            set_aside_after: c.reports.set_aside_after,
            policy: c.opt_policy()?,
            seed: c.ven.seed.unwrap_or_else(rand::random),
        })
    }
}

const OPTS_KEY: &str = "opts";
/// The telemetry requests being sampled, kept so that a restarted VEN
/// samples them again at once (`ReportBook::standing`).
const REPORTS_KEY: &str = "reports";
/// The reports the VTN refuses (`protocol::delivery::Refused`, JSON), for
/// `ven status`.
pub const REFUSALS_KEY: &str = "report_refusals";
/// Hard bound on readings per oadrUpdateReport, whatever the config says.
pub const MAX_BATCH: i64 = 1000;
/// Batches sent back to back before the agent polls and samples again; the
/// rest of a backlog follows at the next wake-up.
const BATCHES_PER_WAKE: usize = 10;

pub struct Agent<T, D, C> {
    s: AgentSettings,
    transport: T,
    device: D,
    clock: C,
    store: Store,
    push: Option<mpsc::Receiver<PushRequest>>,
    rng: StdRng,
    /// Meter reading at the previous sample, per reportSpecifierID and
    /// granularity (energy deltas): a request replacing another at the same
    /// period goes on from its meter reading.
    last_energy: HashMap<(ReportSpecifierId, i64), f64>,
    /// One device read per tick serves every sample of that tick.
    reading: Option<(Timestamp, Telemetry)>,
    history_grid: Option<Grid>,
    history_next: Option<Timestamp>,
    /// Start of the history interval being measured, and the meter then.
    history_from: Option<(Timestamp, f64)>,
    flush_failures: u32,
    flush_retry_at: Option<Timestamp>,
    /// The last `REPORTS_KEY` value written.
    saved_standing: Option<String>,
    /// The last `REFUSALS_KEY` value written.
    saved_refusals: Option<String>,
    /// The VTN refused readings sent under a request we believed current:
    /// send our METADATA again to learn the current requests.
    reregister_reports: bool,
}

enum Exit {
    Reregister(Unregistered, Session),
    Cancelled(Unregistered, Session),
}

fn to_std(d: chrono::Duration) -> StdDuration {
    d.to_std().unwrap_or(StdDuration::ZERO)
}

/// How the VTN took one report's oadrUpdateReport.
enum Taken {
    /// oadrUpdatedReport 200: the readings leave the outbox.
    Acknowledged(UpdatedReport),
    /// The VTN answered, and not with an acknowledgement: an error code
    /// (`code`), or an HTTP error status, or an answer that is not one.
    /// This report backs off; the others go on.
    Refused {
        reason: String,
        code: Option<ResponseCode>,
    },
    /// Unreachable, or an HTTP status saying the whole VTN is unavailable:
    /// every report waits.
    Unavailable(VenError),
}

impl Taken {
    fn of(answer: Result<Option<Message>>) -> Taken {
        let refused = |reason: String, code| Taken::Refused { reason, code };
        match answer {
            Ok(Some(Message::UpdatedReport(u))) if u.response.response_code.is_ok() => {
                Taken::Acknowledged(u)
            }
            Ok(Some(Message::UpdatedReport(u))) => refused(
                format!(
                    "oadrUpdatedReport {}: {}",
                    u.response.response_code,
                    u.response.response_description.unwrap_or_default()
                ),
                Some(u.response.response_code),
            ),
            Ok(Some(Message::Response(r))) => refused(
                format!(
                    "oadrResponse {}: {}",
                    r.response.response_code,
                    r.response.response_description.unwrap_or_default()
                ),
                (!r.response.response_code.is_ok()).then_some(r.response.response_code),
            ),
            Ok(Some(other)) => refused(format!("answered {}", other.name()), None),
            Ok(None) => refused("empty answer".into(), None),
            Err(
                e @ VenError::Http {
                    status: 408 | 429 | 502 | 503 | 504,
                    ..
                },
            ) => Taken::Unavailable(e),
            Err(e @ (VenError::Http { .. } | VenError::Codec(_))) => refused(e.to_string(), None),
            Err(e) => Taken::Unavailable(e),
        }
    }
}

impl<T: Transport, D: Device, C: Clock> Agent<T, D, C> {
    pub fn new(
        s: AgentSettings,
        transport: T,
        device: D,
        clock: C,
        store: Store,
        push: Option<mpsc::Receiver<PushRequest>>,
    ) -> Self {
        let rng = StdRng::seed_from_u64(s.seed ^ 0x9e37_79b9_7f4a_7c15);
        Agent {
            s,
            transport,
            device,
            clock,
            store,
            push,
            rng,
            last_energy: HashMap::new(),
            reading: None,
            history_grid: None,
            history_next: None,
            history_from: None,
            flush_failures: 0,
            flush_retry_at: None,
            saved_standing: None,
            saved_refusals: None,
            reregister_reports: false,
        }
    }

    /// The sampling grid's phase: the one `serve` will use with the poll
    /// period we expect (override, else the stored registration's).
    fn expected_phase(&self, prior: Option<&crate::protocol::Registration>) -> chrono::Duration {
        let period = self.s.poll_override.unwrap_or_else(|| {
            StdDuration::from_secs(prior.map(|p| p.poll_freq_s.max(1)).unwrap_or(10))
        });
        let period_c = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::seconds(10));
        schedule::phase_for(&self.s.ven_name, period_c)
    }

    /// Keep what we sample in the store, when it changed.
    fn save_standing(&mut self, reports: &ReportBook) -> Result<()> {
        let json = serde_json::to_string(&reports.standing())
            .map_err(|e| VenError::Store(format!("report state: {e}")))?;
        if self.saved_standing.as_deref() != Some(json.as_str()) {
            self.store.set(REPORTS_KEY, Some(&json))?;
            self.saved_standing = Some(json);
        }
        Ok(())
    }

    /// Keep the refused reports in the store (for `ven status`), when they
    /// changed.
    fn save_refusals(&mut self, reports: &ReportBook) -> Result<()> {
        let json = serde_json::to_string(&reports.delivery.refusals())
            .map_err(|e| VenError::Store(format!("report refusals: {e}")))?;
        if self.saved_refusals.as_deref() != Some(json.as_str()) {
            self.store.set(REFUSALS_KEY, Some(&json))?;
            self.saved_refusals = Some(json);
        }
        Ok(())
    }

    /// Sample what is due while not registered (no flush: nothing can be
    /// sent), until `until`.
    async fn sample_until(&mut self, session: &mut Session, until: Timestamp) -> Result<()> {
        loop {
            self.meter().tick(session).await?;
            self.save_standing(&session.reports)?;
            let now = self.clock.now();
            if now >= until {
                return Ok(());
            }
            let wake = session
                .reports
                .next_wakeup()
                .map_or(until, |t| t.min(until));
            tokio::time::sleep(to_std(wake - now).max(StdDuration::from_millis(5))).await;
        }
    }

    /// Run until the task is dropped: register, then poll / serve pushes,
    /// apply events, report; register again whenever the VTN asks.
    pub async fn run(mut self) -> Result<()> {
        let profile = VenProfile {
            ven_name: self.s.ven_name.clone(),
            push_address: self.s.push_address.clone(),
            report_only: self.s.report_only,
        };
        let prior = self.store.registration()?;
        if let Some(p) = &prior {
            tracing::info!(ven_id = %p.ven_id, registration_id = %p.registration_id, "stored registration found");
        }
        // Sample from the start, registered or not: what we sampled before
        // the restart, else every telemetry report we offer.
        let mut book = ReportBook::new(self.s.ven_name.clone(), self.s.min_period);
        book.set_phase(self.expected_phase(prior.as_ref()));
        let standing: Vec<Standing> = match self.store.get(REPORTS_KEY)? {
            Some(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored report requests unreadable; sampling the defaults");
                Vec::new()
            }),
            None => Vec::new(),
        };
        book.restore(&standing, self.clock.now());
        // Reports set aside before a restart are tried again: the VEN sends
        // its METADATA at registration and the VTN's requests resume them.
        book.delivery.set_limit(self.s.set_aside_after);
        let before: Vec<Refused> = self
            .store
            .get(REFUSALS_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        for r in before.iter().filter(|r| r.set_aside) {
            tracing::info!(report = %r.report, refusals = r.refusals, last_error = %r.last_error, "report set aside before the restart; trying it again");
        }
        self.save_refusals(&book)?;
        let mut unreg = Unregistered::new(profile, prior);
        let mut session = Session::new(book, self.s.policy.clone(), self.s.seed);
        loop {
            let reg = self.register(unreg, session).await?;
            match self.serve(reg).await? {
                Exit::Reregister(u, s) => {
                    unreg = u;
                    session = s;
                }
                Exit::Cancelled(u, s) => {
                    self.store.set_registration(None)?;
                    unreg = u;
                    session = s;
                    let wait = backoff::delay(
                        6,
                        StdDuration::from_secs(10),
                        self.s.max_backoff,
                        &mut self.rng,
                    );
                    tracing::info!(
                        wait_s = wait.as_secs(),
                        "registration cancelled by the VTN; registering anew later"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn register(
        &mut self,
        mut unreg: Unregistered,
        mut session: Session,
    ) -> Result<Registered> {
        let mut failures = 0u32;
        loop {
            self.sample_until(&mut session, self.clock.now()).await?;
            // The attempt may hang for the transport's timeout when the VTN
            // does not answer: sample meanwhile.
            let attempt: Result<Message> = {
                let transport = &self.transport;
                let unreg = &mut unreg;
                let attempt = async move {
                    if let Some(answer) = transport.send(&unreg.query_registration()).await? {
                        if let Err(e) = unreg.on_query_response(&answer) {
                            tracing::warn!(error = %e, "oadrQueryRegistration answered oddly; registering anyway");
                        }
                    }
                    transport
                        .send(&unreg.create_party_registration())
                        .await?
                        .ok_or_else(|| {
                            VenError::InvalidData(
                                "empty answer to oadrCreatePartyRegistration".into(),
                            )
                        })
                };
                tokio::pin!(attempt);
                let mut meter = Meter {
                    device: &mut self.device,
                    clock: &self.clock,
                    store: &mut self.store,
                    reading: &mut self.reading,
                    last_energy: &mut self.last_energy,
                };
                loop {
                    let now = meter.clock.now();
                    let wake = session
                        .reports
                        .next_wakeup()
                        .unwrap_or(now + chrono::Duration::seconds(60));
                    tokio::select! {
                        r = &mut attempt => break r,
                        _ = tokio::time::sleep(to_std(wake - now).max(StdDuration::from_millis(5))) => {
                            meter.tick(&mut session).await?;
                        }
                    }
                }
            };
            let err = match attempt {
                Ok(answer) => match unreg.on_created(answer, session) {
                    Ok(reg) => {
                        self.store.set_registration(Some(reg.registration()))?;
                        return Ok(reg);
                    }
                    Err((u, s, e)) => {
                        unreg = u;
                        session = s;
                        e
                    }
                },
                Err(e) => e,
            };
            failures += 1;
            let wait = backoff::delay(
                failures,
                StdDuration::from_secs(5),
                self.s.max_backoff,
                &mut self.rng,
            );
            tracing::warn!(error = %err, failures, retry_in_ms = wait.as_millis() as u64, "registration failed");
            let until = self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
            self.sample_until(&mut session, until).await?;
        }
    }

    fn poll_period(&self, reg: &Registered) -> StdDuration {
        self.s.poll_override.unwrap_or_else(|| reg.poll_period())
    }

    async fn serve(&mut self, mut reg: Registered) -> Result<Exit> {
        let period = self.poll_period(&reg);
        let period_c = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::seconds(10));
        let phase = schedule::phase_for(&self.s.ven_name, period_c);
        let poll_grid = Grid::new(period_c, phase);
        reg.session.reports.set_phase(phase);
        // Start-up exchanges: current events, our reports, our opts.
        let mut reports_ok = false;
        for (i, msg) in [reg.request_event(), reg.register_report(self.clock.now())]
            .into_iter()
            .enumerate()
        {
            match self.exchange(&mut reg, msg).await {
                Ok(Next::Stay) => reports_ok |= i == 1,
                Ok(next) => return Ok(self.exit(reg, next)),
                Err(e) => tracing::warn!(error = %e, "start-up exchange failed"),
            }
        }
        self.announce_opts(&mut reg).await;
        let pull = self.s.push_address.is_none();
        let idle = crate::idle::IdleTimer::new();
        self.history_grid = self.s.history_period.map(|p| Grid::new(p, phase));
        // How long a deferrable deadline may wait for the next one.
        let slack = (period_c / 10).min(chrono::Duration::seconds(1));
        let mut next_poll = self.clock.now();
        let mut poll_failures = 0u32;
        let mut polled = false;
        let mut reports_retry_at = self.clock.now();
        loop {
            let now = self.clock.now();
            self.reading = None;
            let actions = reg.tick(now);
            self.perform(&mut reg, actions).await?;
            self.history(now).await?;
            // Our METADATA again: the start-up exchange failed, or the VTN
            // refused readings under a request we thought current.
            if (!reports_ok || self.reregister_reports) && reports_retry_at <= now {
                if self.reregister_reports {
                    reg.session.reports.make_provisional();
                    self.reregister_reports = false;
                }
                let msg = reg.register_report(now);
                match self.exchange(&mut reg, msg).await {
                    Ok(Next::Stay) => reports_ok = true,
                    Ok(next) => return Ok(self.exit(reg, next)),
                    Err(e) => {
                        reports_ok = false;
                        let wait = backoff::delay(
                            poll_failures + 1,
                            period,
                            self.s.max_backoff,
                            &mut self.rng,
                        );
                        reports_retry_at =
                            now + chrono::Duration::from_std(wait).unwrap_or_default();
                        tracing::warn!(error = %e, "oadrRegisterReport failed; retrying");
                    }
                }
                self.save_standing(&reg.session.reports)?;
            }
            // The VTN has answered our METADATA (and, pulling, a first poll):
            // provisional requests it did not replace stop, and readings no
            // current request takes are dropped, logged.
            if !reg.session.reports.is_settled() && reports_ok && (polled || !pull) {
                reg.session.reports.settle();
                self.save_standing(&reg.session.reports)?;
                for (spec, rid, n) in self
                    .store
                    .drop_streams_except(&reg.session.reports.kept_streams())?
                {
                    tracing::warn!(specifier = %spec, %rid, dropped = n, "readings no report request takes dropped");
                }
                self.deliver(&mut reg).await?;
            }
            if self.flush_retry_at.is_some_and(|t| t <= now) {
                self.flush_retry_at = None;
                self.deliver(&mut reg).await?;
            }
            // A poll due within the slack is made now: it shares this wake-up.
            if pull && next_poll <= now + slack {
                // Poll until the VTN has nothing more for us.
                let mut drained = 0;
                loop {
                    let poll = reg.poll();
                    match self.send(&mut reg.session, &poll).await {
                        Ok(answer) => {
                            poll_failures = 0;
                            let more =
                                matches!(&answer, Some(m) if !matches!(m, Message::Response(_)));
                            if let Some(m) = answer {
                                let next = self.handle(&mut reg, m).await?;
                                if next != Next::Stay {
                                    return Ok(self.exit(reg, next));
                                }
                            }
                            drained += 1;
                            if !more || drained >= 20 {
                                polled = true;
                                next_poll = poll_grid.next_after(next_poll.max(self.clock.now()));
                                break;
                            }
                        }
                        Err(e) => {
                            poll_failures += 1;
                            let wait = backoff::delay(
                                poll_failures,
                                period,
                                self.s.max_backoff,
                                &mut self.rng,
                            );
                            tracing::warn!(error = %e, failures = poll_failures, retry_in_ms = wait.as_millis() as u64, "poll failed");
                            next_poll = self.clock.now()
                                + chrono::Duration::from_std(wait).unwrap_or_default();
                            break;
                        }
                    }
                }
            }
            // Sleep until the next thing to do, or a pushed message.
            let now = self.clock.now();
            let soft = [
                pull.then_some(next_poll),
                reg.next_report_due(),
                self.history_next,
                self.flush_retry_at,
            ];
            let wake = schedule::wake_at(
                reg.next_event_change(now),
                soft.into_iter().flatten(),
                slack,
            )
            .unwrap_or(now + chrono::Duration::seconds(60));
            let wait =
                to_std(wake - now).clamp(StdDuration::from_millis(5), StdDuration::from_secs(60));
            let pushed = match self.push.as_mut() {
                Some(rx) => tokio::select! {
                    _ = idle.sleep(wait) => None,
                    r = rx.recv() => r,
                },
                None => {
                    idle.sleep(wait).await;
                    None
                }
            };
            if let Some(req) = pushed {
                reg.session.reports.delivery.answered();
                let now = self.clock.now();
                let out = reg.handle(req.msg, now);
                let _ = req.reply.send(out.reply.clone().or_else(|| {
                    Some(Message::Response(adr_schema::Response {
                        response: adr_schema::EiResponse::ok(crate::protocol::request_id()),
                        ven_id: Some(reg.ven_id()),
                    }))
                }));
                self.perform(&mut reg, out.actions).await?;
                let mut next = out.next;
                for m in out.send {
                    match self.exchange(&mut reg, m).await {
                        Ok(Next::Stay) => {}
                        Ok(n) => next = n,
                        Err(e) => tracing::warn!(error = %e, "sending failed"),
                    }
                }
                if next != Next::Stay {
                    return Ok(self.exit(reg, next));
                }
            }
        }
    }

    fn exit(&mut self, reg: Registered, next: Next) -> Exit {
        match next {
            Next::Cancelled => {
                let (u, s) = reg.into_unregistered(false);
                Exit::Cancelled(u, s)
            }
            _ => {
                let (u, s) = reg.into_unregistered(true);
                Exit::Reregister(u, s)
            }
        }
    }

    /// Handle one message from the VTN (pull mode): perform its actions and
    /// send its reply and follow-up requests.
    async fn handle(&mut self, reg: &mut Registered, m: Message) -> Result<Next> {
        let out = reg.handle(m, self.clock.now());
        self.perform(reg, out.actions).await?;
        let mut next = out.next;
        for msg in out.reply.into_iter().chain(out.send) {
            match self.exchange(reg, msg).await {
                Ok(Next::Stay) => {}
                Ok(n) => next = n,
                Err(e) => tracing::warn!(error = %e, "sending failed"),
            }
        }
        Ok(next)
    }

    /// Send a request and follow the conversation it starts to its end.
    async fn exchange(&mut self, reg: &mut Registered, first: Message) -> Result<Next> {
        let mut queue = VecDeque::from([first]);
        let mut next = Next::Stay;
        while let Some(msg) = queue.pop_front() {
            let Some(answer) = self.send(&mut reg.session, &msg).await? else {
                continue;
            };
            let out = reg.handle(answer, self.clock.now());
            self.perform(reg, out.actions).await?;
            queue.extend(out.reply);
            queue.extend(out.send);
            if out.next != Next::Stay {
                next = out.next;
            }
        }
        Ok(next)
    }

    /// oadrCreateOpt for configured unavailability windows not yet announced;
    /// oadrCancelOpt for announced windows no longer configured.
    async fn announce_opts(&mut self, reg: &mut Registered) {
        let announced: Vec<String> = self
            .store
            .get(OPTS_KEY)
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let ven_id = reg.ven_id();
        let now = self.clock.now();
        let wanted = self.s.policy.create_opts(&ven_id, now);
        let mut kept: Vec<String> = Vec::new();
        for (id, msg) in wanted {
            if announced.contains(&id.to_string()) {
                kept.push(id.to_string());
                continue;
            }
            match self.send(&mut reg.session, &msg).await {
                Ok(Some(Message::CreatedOpt(c))) if c.response.response_code.is_ok() => {
                    tracing::info!(opt_id = %id, "unavailability announced (oadrCreateOpt)");
                    kept.push(id.to_string());
                }
                Ok(other) => {
                    tracing::warn!(opt_id = %id, answer = ?other.map(|m| m.name()), "oadrCreateOpt not accepted")
                }
                Err(VenError::Http { status: 404, .. }) => {
                    tracing::warn!(
                        "the VTN has no EiOpt service; unavailability is applied locally only"
                    );
                    return;
                }
                Err(e) => tracing::warn!(opt_id = %id, error = %e, "oadrCreateOpt failed"),
            }
        }
        let withdrawn: Vec<String> = announced
            .iter()
            .filter(|a| !kept.contains(a))
            .cloned()
            .collect();
        for old in &withdrawn {
            let Ok(id) = OptId::new(old.clone()) else {
                continue;
            };
            match self
                .send(&mut reg.session, &opt::cancel_opt(&ven_id, id))
                .await
            {
                Ok(_) => tracing::info!(opt_id = %old, "unavailability withdrawn (oadrCancelOpt)"),
                Err(e) => {
                    tracing::warn!(opt_id = %old, error = %e, "oadrCancelOpt failed");
                    kept.push(old.clone());
                }
            }
        }
        let _ = self.store.set(
            OPTS_KEY,
            Some(&serde_json::to_string(&kept).expect("serializable")),
        );
    }

    async fn perform(&mut self, reg: &mut Registered, actions: Vec<Action>) -> Result<()> {
        let mut flush = false;
        for a in actions {
            match a {
                Action::Apply(cmd) => {
                    tracing::info!(level = cmd.level, event_id = ?cmd.event_id, signal = %cmd.signal_name, "applying signal");
                    if let Err(e) = self.device.apply(&cmd, self.clock.now()).await {
                        tracing::warn!(error = %e, "device refused the signal");
                    }
                }
                Action::Decided { .. } => {}
                a @ Action::Sample { .. } => self.sample(&mut reg.session, a).await?,
                Action::History {
                    kind,
                    report_request_id,
                    report_specifier_id,
                    points,
                    from,
                    to,
                    ..
                } => {
                    let rows = self.store.history(from, to)?;
                    let readings: Vec<Reading> = rows
                        .iter()
                        .flat_map(|h| {
                            points.iter().map(|(rid, p)| Reading {
                                report_request_id: report_request_id.clone(),
                                report_specifier_id: report_specifier_id.clone(),
                                kind,
                                rid: rid.clone(),
                                dtstart: h.dtstart(),
                                duration_s: h.duration_s.max(0) as u32,
                                value: Value::Float(match p {
                                    DataPoint::PowerW => h.power_w,
                                    _ => h.energy_wh,
                                }),
                            })
                        })
                        .collect();
                    tracing::info!(report_request_id = %report_request_id, intervals = rows.len(), "history queued");
                    self.store.push_readings(&readings)?;
                }
                Action::Flush => flush = true,
                Action::VtnError { code, description } => {
                    tracing::warn!(%code, %description, "VTN reported an error");
                }
            }
        }
        self.save_standing(&reg.session.reports)?;
        // A request may have resumed a report set aside.
        self.save_refusals(&reg.session.reports)?;
        if flush {
            self.deliver(reg).await?;
        }
        Ok(())
    }

    /// The parts of the agent sampling needs, borrowed apart from the
    /// transport so that sampling goes on while a request to the VTN hangs.
    fn meter(&mut self) -> Meter<'_, D, C> {
        Meter {
            device: &mut self.device,
            clock: &self.clock,
            store: &mut self.store,
            reading: &mut self.reading,
            last_energy: &mut self.last_energy,
        }
    }

    async fn sample(&mut self, session: &mut Session, a: Action) -> Result<()> {
        self.meter().sample(session, a).await
    }

    /// Send a request to the VTN, sampling what falls due while the answer
    /// is awaited (a VTN that does not answer holds a request for up to the
    /// transport's timeout). A send-back due meanwhile waits for the next.
    async fn send(&mut self, session: &mut Session, msg: &Message) -> Result<Option<Message>> {
        let transport = &self.transport;
        let fut = transport.send(msg);
        tokio::pin!(fut);
        let mut meter = Meter {
            device: &mut self.device,
            clock: &self.clock,
            store: &mut self.store,
            reading: &mut self.reading,
            last_energy: &mut self.last_energy,
        };
        loop {
            let now = meter.clock.now();
            let wake = session
                .reports
                .next_wakeup()
                .unwrap_or(now + chrono::Duration::seconds(60));
            tokio::select! {
                r = &mut fut => {
                    // The VTN is up: evidence that a report it keeps refusing
                    // is refused for itself (a report's own acknowledgement
                    // is counted by `deliver`).
                    if r.is_ok() && !matches!(msg, Message::UpdateReport(_)) {
                        session.reports.delivery.answered();
                    }
                    return r;
                }
                _ = tokio::time::sleep(to_std(wake - now).max(StdDuration::from_millis(5))) => {
                    // Not the request's failure: logged, and the request goes on.
                    if let Err(e) = meter.tick(session).await {
                        tracing::error!(error = %e, "storing readings failed");
                    }
                }
            }
        }
    }

    /// Send the outbox, oldest first, in bounded batches; a batch leaves the
    /// outbox only when the VTN answers oadrUpdatedReport 200. A reading is
    /// sent under the request current for its stream (`ReportBook::address`),
    /// not necessarily the one it was queued under; readings no current
    /// request takes wait.
    ///
    /// One batch is one oadrUpdateReport carrying one report (one request,
    /// so one reportSpecifierID), so that the VTN refusing a report concerns
    /// that report only: it is retried with its own back-off and, after
    /// `set_aside_after` refusals, set aside (`protocol::delivery`), while
    /// the other reports go on in the same pass. An unreachable or
    /// unavailable VTN (502, 503, 504, 408, 429) stops the pass for all.
    async fn deliver(&mut self, reg: &mut Registered) -> Result<()> {
        let limit = self.s.batch.clamp(1, MAX_BATCH);
        let history_name = ReportKind::HistoryUsage.name();
        for _ in 0..BATCHES_PER_WAKE {
            let now = self.clock.now();
            let book = &reg.session.reports;
            // Reports backing off or set aside wait; the others go.
            let streams: Vec<_> = book
                .streams()
                .into_iter()
                .filter(|(spec, _)| book.delivery.ready(spec.as_str(), now))
                .collect();
            let history_ready = book.delivery.ready(history_name.as_str(), now);
            let rows = self.store.pending_streams(&streams, history_ready, limit)?;
            // Address each row; history answers keep their own request.
            let addressed: Vec<(i64, Reading, bool)> = rows
                .into_iter()
                .filter_map(|(id, r)| {
                    if r.kind == ReportKind::HistoryUsage {
                        return Some((id, r, true));
                    }
                    let to = book.address(&r.report_specifier_id, &r.rid, &r.report_request_id)?;
                    Some((
                        id,
                        Reading {
                            report_request_id: to,
                            ..r
                        },
                        false,
                    ))
                })
                .collect();
            let Some((first, report)) = addressed.first().map(|(_, r, _)| {
                (
                    r.report_request_id.clone(),
                    r.report_specifier_id.to_string(),
                )
            }) else {
                self.flush_failures = 0;
                self.schedule_report_retry(reg);
                return Ok(());
            };
            let (ids, readings, history): (Vec<i64>, Vec<Reading>, bool) = {
                let mut ids = Vec::new();
                let mut rs = Vec::new();
                let mut h = false;
                for (id, r, is_h) in addressed {
                    if r.report_request_id == first {
                        ids.push(id);
                        rs.push(r);
                        h |= is_h;
                    }
                }
                (ids, rs, h)
            };
            let msg = update_report(&reg.ven_id(), &readings, self.clock.now());
            let answer = self.send(&mut reg.session, &msg).await;
            match Taken::of(answer) {
                Taken::Acknowledged(u) => {
                    self.store.ack(&ids)?;
                    self.flush_failures = 0;
                    if let Some(n) = reg.session.reports.delivery.accepted(&report) {
                        tracing::info!(%report, refusals = n, "report acknowledged again after refusals");
                    }
                    self.save_refusals(&reg.session.reports)?;
                    tracing::info!(readings = ids.len(), report_request_id = %first, "readings delivered");
                    let out = reg.handle(Message::UpdatedReport(u), self.clock.now());
                    for m in out.send {
                        if let Err(e) = self.send(&mut reg.session, &m).await {
                            tracing::warn!(error = %e, "sending failed");
                        }
                    }
                }
                Taken::Refused {
                    code: Some(code), ..
                } if history => {
                    // A history answer the VTN refuses will never be
                    // taken (it is asked for once): drop it.
                    tracing::warn!(%code, report_request_id = %first, dropped = ids.len(), "history readings refused; dropped");
                    self.store.ack(&ids)?;
                }
                Taken::Refused {
                    code: Some(ResponseCode::NOT_REGISTERED_OR_AUTHORIZED),
                    ..
                } => {
                    // Not this report's fault: the poll will learn it too
                    // and register again.
                    tracing::warn!(report_request_id = %first, kept = ids.len(), "the VTN does not know us; readings kept");
                    self.retry_later(reg);
                    return Ok(());
                }
                Taken::Refused { reason, code } => {
                    // Telemetry is never dropped for a refusal, and a
                    // refused report waits alone: the others go on.
                    let base = self.poll_period(reg).min(StdDuration::from_secs(10));
                    let verdict = reg.session.reports.delivery.refused(
                        &report,
                        reason.clone(),
                        now,
                        base,
                        self.s.max_backoff,
                        &mut self.rng,
                    );
                    let refusals = reg
                        .session
                        .reports
                        .delivery
                        .refusals()
                        .iter()
                        .find(|r| r.report == report)
                        .map_or(0, |r| r.refusals);
                    match verdict {
                        Verdict::RetryAt(at) => {
                            tracing::warn!(%report, report_request_id = %first, %reason, refusals, kept = ids.len(), retry_in_ms = (at - now).num_milliseconds(), "report refused by the VTN; readings kept, this report retried alone");
                        }
                        Verdict::SetAside => {
                            let kept = self.store.outbox_count(&report)?;
                            tracing::warn!(%report, report_request_id = %first, %reason, refusals, kept, "report set aside after repeated refusals: no longer sent nor sampled, its readings kept (see `ven status`); it resumes when the VTN requests it again");
                        }
                    }
                    // 461 / 452: the request we think current may have been
                    // replaced without our hearing of it (a lost
                    // oadrRegisteredReport): ask for the current requests.
                    if verdict != Verdict::SetAside
                        && matches!(
                            code,
                            Some(ResponseCode::REPORT_NOT_SUPPORTED)
                                | Some(ResponseCode::INVALID_ID)
                        )
                    {
                        self.reregister_reports = true;
                    }
                    self.save_refusals(&reg.session.reports)?;
                }
                Taken::Unavailable(e) => {
                    tracing::warn!(error = %e, pending = self.store.outbox_len().unwrap_or(-1), "delivery failed; readings kept");
                    self.retry_later(reg);
                    return Ok(());
                }
            }
        }
        // More backlog: go on at the next wake-up, after polling and sampling.
        self.flush_retry_at = Some(self.clock.now());
        Ok(())
    }

    /// Wake up to send a refused report again when its back-off ends.
    fn schedule_report_retry(&mut self, reg: &Registered) {
        if let Some(t) = reg
            .session
            .reports
            .delivery
            .next_retry_after(self.clock.now())
        {
            self.flush_retry_at = Some(self.flush_retry_at.map_or(t, |f| f.min(t)));
        }
    }

    /// The VTN is unreachable or unavailable: every report waits.
    fn retry_later(&mut self, reg: &Registered) {
        self.flush_failures += 1;
        let base = self.poll_period(reg).min(StdDuration::from_secs(10));
        let wait = backoff::delay(self.flush_failures, base, self.s.max_backoff, &mut self.rng);
        self.flush_retry_at =
            Some(self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default());
    }

    /// Meter history for HISTORY_USAGE: one interval per history period, on
    /// the grid the polls use; a row covers the time since the last meter
    /// read that succeeded, so a failed read or a first partial interval
    /// gives a row with its true start and duration.
    async fn history(&mut self, now: Timestamp) -> Result<()> {
        let Some(grid) = self.history_grid else {
            return Ok(());
        };
        let Some(next) = self.history_next else {
            // First call: take the starting meter value.
            if let Ok(t) = self.device.read(now).await {
                self.history_from = Some((now, t.energy_wh));
            }
            self.history_next = Some(grid.next_after(now));
            return Ok(());
        };
        if now < next {
            return Ok(());
        }
        self.history_next = Some(grid.next_after(now));
        let t = match self.device.read(now).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "device read for history failed");
                return Ok(());
            }
        };
        // Samples stay on the grid even when taken a little late.
        let end = grid.floor(now);
        if let Some((from, energy_from)) = self.history_from {
            let secs = (end - from).num_seconds();
            if secs >= 1 {
                let energy = (t.energy_wh - energy_from).max(0.0);
                let avg_w = energy * 3600.0 / secs as f64;
                self.store
                    .add_history(from, secs as u32, round3(energy), round3(avg_w))?;
            }
        }
        self.history_from = Some((end, t.energy_wh));
        if self.rng.gen_ratio(1, 60) {
            self.store.prune_history(now - self.s.history_retention)?;
        }
        Ok(())
    }
}

/// What sampling needs: the device, the clock, the store, and the per-tick
/// and per-stream memory.
struct Meter<'a, D, C> {
    device: &'a mut D,
    clock: &'a C,
    store: &'a mut Store,
    reading: &'a mut Option<(Timestamp, Telemetry)>,
    last_energy: &'a mut HashMap<(ReportSpecifierId, i64), f64>,
}

impl<D: Device, C: Clock> Meter<'_, D, C> {
    async fn read_device(&mut self, session: &mut Session, now: Timestamp) -> Option<Telemetry> {
        if let Some((t, r)) = &*self.reading {
            if *t == now {
                return Some(r.clone());
            }
        }
        match self.device.read(now).await {
            Ok(r) => {
                session.can_shed = r.can_shed;
                *self.reading = Some((now, r.clone()));
                Some(r)
            }
            Err(e) => {
                tracing::warn!(error = %e, "device read failed");
                None
            }
        }
    }

    /// Take what is due at `now` (sampling only: nothing can be sent).
    async fn tick(&mut self, session: &mut Session) -> Result<()> {
        let now = self.clock.now();
        *self.reading = None;
        for a in session.reports.tick(now) {
            if let Action::Sample { .. } = a {
                self.sample(session, a).await?;
            }
        }
        Ok(())
    }

    /// Read the device (once per tick) and store one reading per data point
    /// of an `Action::Sample`, durably.
    async fn sample(&mut self, session: &mut Session, a: Action) -> Result<()> {
        let Action::Sample {
            kind,
            report_request_id,
            report_specifier_id,
            points,
            dtstart,
            granularity,
        } = a
        else {
            return Ok(());
        };
        let now = self.clock.now();
        let Some(t) = self.read_device(session, now).await else {
            return Ok(());
        };
        let g_s = granularity.num_seconds().max(1) as u32;
        let prev = self.last_energy.insert(
            (report_specifier_id.clone(), granularity.num_milliseconds()),
            t.energy_wh,
        );
        let readings: Vec<Reading> = points
            .iter()
            .map(|(rid, p)| Reading {
                report_request_id: report_request_id.clone(),
                report_specifier_id: report_specifier_id.clone(),
                kind,
                rid: rid.clone(),
                dtstart,
                duration_s: g_s,
                value: match p {
                    DataPoint::PowerW => Value::Float(round3(t.power_w)),
                    DataPoint::EnergyWh => Value::Float(round3(match prev {
                        Some(e) => (t.energy_wh - e).max(0.0),
                        None => t.power_w * g_s as f64 / 3600.0,
                    })),
                    DataPoint::Status => Value::Status {
                        online: t.online,
                        manual_override: t.manual_override,
                        level: t.level,
                    },
                },
            })
            .collect();
        let n = self.store.push_readings(&readings)?;
        tracing::debug!(report_request_id = %report_request_id, n, "readings stored");
        Ok(())
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
