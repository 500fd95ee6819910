//! `vtn`: the OpenADR 2.0b VTN server (`vtn serve`) and a CLI for its admin API.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};
use vtn::client::{seg, ApiClient};
use vtn::config::{Overrides, Settings};
use vtn::{http, jobs, push, AppState, SystemClock};

#[derive(Parser)]
#[command(name = "vtn", version, about = "OpenADR 2.0b Virtual Top Node")]
struct Cli {
    /// Admin API base URL for the client subcommands.
    #[arg(
        long,
        global = true,
        env = "VTN_API",
        default_value = "http://127.0.0.1:8080"
    )]
    api: String,
    /// Admin API bearer token.
    #[arg(long, global = true, env = "VTN_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// CA bundle to verify an https VTN with (admin client).
    #[arg(long, global = true, env = "VTN_CA")]
    ca: Option<PathBuf>,
    /// Client certificate chain (PEM) for an https VTN that requires one (admin client).
    #[arg(long, global = true, env = "VTN_CLIENT_CERT")]
    cert: Option<PathBuf>,
    /// Private key of --cert (PEM).
    #[arg(long, global = true, env = "VTN_CLIENT_KEY")]
    key: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
enum Cmd {
    /// Run the VTN server.
    Serve(ServeArgs),
    /// Create, modify, cancel and list events.
    #[command(subcommand)]
    Events(EventsCmd),
    /// List and manage VENs.
    #[command(subcommand)]
    Vens(VensCmd),
    /// Read stored report readings.
    Readings(ReadingsArgs),
    /// Offered reports and report requests.
    #[command(subcommand)]
    Reports(ReportsCmd),
    /// Print the admin API's OpenAPI document.
    Openapi,
    /// Chain mode: recompute each participant's oracle data from the stored
    /// readings and compare with data-oracle on chain; non-zero exit on a mismatch.
    Verify(VerifyArgs),
}

#[derive(Args)]
struct VerifyArgs {
    /// The on-chain event id.
    #[arg(long)]
    event: u64,
    /// TOML configuration file (its `[chain]` section; env VTN_CHAIN_* also work).
    #[arg(long, env = "VTN_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite database file (default ./vtn.db).
    #[arg(long, env = "VTN_DB")]
    db: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "VTN_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "VTN_LISTEN")]
    listen: Option<String>,
    /// SQLite database file (default ./vtn.db).
    #[arg(long, env = "VTN_DB")]
    db: Option<PathBuf>,
    /// vtnID (not all lower case).
    #[arg(long, env = "VTN_ID")]
    vtn_id: Option<String>,
    /// oadrRequestedOadrPollFreq, e.g. PT10S.
    #[arg(long, env = "VTN_POLL_FREQ")]
    poll_freq: Option<String>,
    /// Default market context of new events.
    #[arg(long, env = "VTN_MARKET_CONTEXT")]
    market_context: Option<String>,
    /// Log as JSON lines.
    #[arg(long, env = "VTN_LOG_JSON")]
    log_json: bool,
    /// TLS implementation: openssl (the 2.0b profile: TLS 1.2, AES128-SHA256 and
    /// ECDHE-ECDSA-AES128-SHA256) or rustls (modern suites, TLS 1.2/1.3).
    #[arg(long, value_enum, env = "VTN_TLS_STACK")]
    tls_stack: Option<vtn::tls::TlsStack>,
    /// Server certificate chain (PEM, leaf first); RSA for the 2.0b RSA suite.
    #[arg(long, env = "VTN_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// Private key of --tls-cert (PEM).
    #[arg(long, env = "VTN_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// ECC server certificate chain (served for ECDSA suites).
    #[arg(long, env = "VTN_TLS_CERT_EC")]
    tls_cert_ec: Option<PathBuf>,
    /// Private key of --tls-cert-ec.
    #[arg(long, env = "VTN_TLS_KEY_EC")]
    tls_key_ec: Option<PathBuf>,
    /// CA bundle that VEN client certificates must chain to (required with TLS).
    #[arg(long, env = "VTN_CLIENT_CA")]
    client_ca: Option<PathBuf>,
    /// Who may register over TLS: provisioned certificates only (default) or any valid one.
    #[arg(long, value_enum, env = "VTN_REGISTRATION_POLICY")]
    registration_policy: Option<vtn::config::RegistrationPolicy>,
    /// XML signatures: off (default), optional (verify when present), required.
    #[arg(long, value_enum, env = "VTN_XML_SIGNATURE")]
    xml_signature: Option<vtn::config::SignatureMode>,
    /// Accepted ReplayProtect clock difference, either way (default PT5M).
    #[arg(long, env = "VTN_REPLAY_WINDOW")]
    replay_window: Option<String>,
    /// Certificate that signs payloads (default: --tls-cert).
    #[arg(long, env = "VTN_SIGNING_CERT")]
    signing_cert: Option<PathBuf>,
    /// Key that signs payloads (default: --tls-key).
    #[arg(long, env = "VTN_SIGNING_KEY")]
    signing_key: Option<PathBuf>,
}

#[derive(Args, Default)]
struct EventArgs {
    /// Target VEN by oadrVenName (or venID); repeatable.
    #[arg(long = "ven")]
    vens: Vec<String>,
    #[arg(long = "group")]
    groups: Vec<String>,
    #[arg(long = "resource")]
    resources: Vec<String>,
    #[arg(long = "party")]
    parties: Vec<String>,
    /// Target every registered VEN.
    #[arg(long)]
    all: bool,
    /// signalName, e.g. SIMPLE or ELECTRICITY_PRICE.
    #[arg(long)]
    signal: Option<String>,
    /// signalType, e.g. level, price, delta.
    #[arg(long = "type")]
    signal_type: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    level: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    price: Option<f64>,
    #[arg(long)]
    currency: Option<String>,
    /// Intervals as DURATION=VALUE,... e.g. PT10M=1,PT20M=2.
    #[arg(long)]
    intervals: Option<String>,
    /// now, RFC 3339, or +PT5M.
    #[arg(long)]
    start: Option<String>,
    #[arg(long)]
    duration: Option<String>,
    #[arg(long)]
    market_context: Option<String>,
    #[arg(long)]
    priority: Option<u32>,
    /// Mark as a test event.
    #[arg(long)]
    test: bool,
    #[arg(long)]
    comment: Option<String>,
    /// oadrResponseRequired = never.
    #[arg(long)]
    no_response: bool,
    #[arg(long)]
    ramp_up: Option<String>,
    #[arg(long)]
    recovery: Option<String>,
    #[arg(long)]
    notification: Option<String>,
    /// Randomization window (tolerance startafter).
    #[arg(long)]
    start_after: Option<String>,
    /// Modification reason.
    #[arg(long)]
    reason: Option<String>,
}

impl EventArgs {
    fn body(&self, create: bool) -> anyhow::Result<Value> {
        let mut b = serde_json::Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                b.insert(k.to_string(), v);
            }
        };
        let list = |v: &Vec<String>| if v.is_empty() { Value::Null } else { json!(v) };
        put("vens", list(&self.vens));
        put("group_ids", list(&self.groups));
        put("resource_ids", list(&self.resources));
        put("party_ids", list(&self.parties));
        if self.all {
            put("all_vens", json!(true));
        }
        put("signal_name", json!(self.signal));
        put("signal_type", json!(self.signal_type));
        put("level", json!(self.level));
        put("price", json!(self.price));
        put("currency", json!(self.currency));
        if let Some(iv) = &self.intervals {
            let mut out = Vec::new();
            for part in iv.split(',').filter(|s| !s.trim().is_empty()) {
                let (d, v) = part
                    .split_once('=')
                    .with_context(|| format!("interval {part:?}: expected DURATION=VALUE"))?;
                let v: f64 = v
                    .trim()
                    .parse()
                    .with_context(|| format!("interval value {v:?}"))?;
                out.push(json!({"duration": d.trim(), "value": v}));
            }
            put("intervals", json!(out));
        }
        put(
            "start",
            json!(self
                .start
                .clone()
                .or_else(|| create.then(|| "now".to_string()))),
        );
        put("duration", json!(self.duration));
        put("market_context", json!(self.market_context));
        put("priority", json!(self.priority));
        if self.test {
            put("test_event", json!(true));
        }
        put("vtn_comment", json!(self.comment));
        if self.no_response {
            put("response_required", json!(false));
        }
        put("ramp_up", json!(self.ramp_up));
        put("recovery", json!(self.recovery));
        put("notification", json!(self.notification));
        put("start_after", json!(self.start_after));
        put("reason", json!(self.reason));
        Ok(Value::Object(b))
    }
}

#[derive(Subcommand)]
enum EventsCmd {
    /// Create an event; prints the new eventID.
    Create(EventArgs),
    /// Modify an event (modificationNumber + 1).
    Modify {
        event_id: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// Cancel an event.
    Cancel { event_id: String },
    /// List events with per-VEN opt status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one event.
    Show { event_id: String },
}

#[derive(Subcommand)]
enum VensCmd {
    /// List VENs with their last contact.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one VEN (by name or venID).
    Show { ven: String },
    /// Pre-provision a VEN by its client certificate fingerprint; prints the venID.
    Add {
        #[arg(long)]
        name: String,
        /// 29-character OpenADR fingerprint (`oadr fingerprint VEN.crt`); 20 hex digits also accepted.
        #[arg(long)]
        fingerprint: String,
    },
    /// Show or set the registration policy for TLS clients (open | provisioned).
    Policy {
        #[arg(value_enum)]
        policy: Option<vtn::config::RegistrationPolicy>,
    },
    /// Ask a VEN to register again (oadrRequestReregistration).
    Reregister { ven: String },
    /// Cancel a VEN's registration (oadrCancelPartyRegistration).
    Cancel { ven: String },
    /// Set targeting attributes.
    Set {
        ven: String,
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long = "resource")]
        resources: Vec<String>,
        #[arg(long)]
        party: Option<String>,
    },
}

#[derive(Args)]
struct ReadingsArgs {
    /// VEN name (oadrVenName) or venID.
    #[arg(long)]
    ven: Option<String>,
    #[arg(long)]
    report_name: Option<String>,
    #[arg(long)]
    report_request_id: Option<String>,
    #[arg(long)]
    rid: Option<String>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    limit: Option<i64>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ReportsCmd {
    /// Offered reports and report requests.
    List {
        #[arg(long)]
        ven: Option<String>,
    },
    /// Ask a VEN for a report it offered (e.g. HISTORY_USAGE over a window).
    Request {
        ven: String,
        #[arg(long = "spec")]
        report_specifier_id: String,
        #[arg(long)]
        granularity: Option<String>,
        #[arg(long)]
        report_back_duration: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
    },
    /// Cancel a report request (oadrCancelReport).
    Cancel { report_request_id: String },
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve(a) => serve(a, cli.token),
        Cmd::Verify(a) => verify(a),
        cmd => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let api = ApiClient::new(&cli.api, cli.token)?.with_tls(
                cli.ca.as_deref(),
                cli.cert.as_deref(),
                cli.key.as_deref(),
            )?;
            rt.block_on(client(cmd, api))
        }
    }
}

fn verify(a: VerifyArgs) -> anyhow::Result<()> {
    let settings = Settings::load(
        a.config.as_deref(),
        Overrides {
            db: a.db,
            ..Default::default()
        },
    )?;
    let cc = settings.chain.clone().context(
        "no chain configured: give [chain] in --config or VTN_CHAIN_NODE and VTN_CHAIN_DEPLOYER",
    )?;
    let bridge = vtn::bridge::Bridge::from_config(&cc)?;
    if !settings.db.exists() {
        anyhow::bail!("no database at {}", settings.db.display());
    }
    let pool = vtn::store::open(&settings.db)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let checks = rt.block_on(vtn::bridge::verify::verify(&pool, &bridge, a.event))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        println!(
            "{:<44} {:>8} {:>12} {:>12} {:>12} {:>12}  {:<10} result",
            "participant", "readings", "baseline Wh", "chain", "actual Wh", "chain", "hash"
        );
        let o = |v: Option<u128>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        for c in &checks {
            let hash = match (&c.hash, &c.chain_hash) {
                (Some(a), Some(b)) if a == b => "same".to_string(),
                (Some(_), Some(_)) => "DIFFERENT".to_string(),
                (None, _) => "no data".to_string(),
                (_, None) => "not on chain".to_string(),
            };
            println!(
                "{:<44} {:>8} {:>12} {:>12} {:>12} {:>12}  {:<10} {}",
                c.user,
                c.readings,
                o(c.baseline_wh),
                o(c.chain_baseline_wh),
                o(c.actual_wh),
                o(c.chain_actual_wh),
                hash,
                if c.ok { "ok" } else { "MISMATCH" }
            );
        }
    }
    let bad = checks.iter().filter(|c| !c.ok).count();
    if checks.is_empty() {
        anyhow::bail!(
            "event {}: no oracle submissions recorded by this VTN",
            a.event
        );
    }
    if bad > 0 {
        anyhow::bail!(
            "event {}: {bad} of {} participants do not match the chain",
            a.event,
            checks.len()
        );
    }
    println!(
        "event {}: all {} participants match the chain",
        a.event,
        checks.len()
    );
    Ok(())
}

fn serve(a: ServeArgs, token: Option<String>) -> anyhow::Result<()> {
    init_tracing(a.log_json);
    let settings = Settings::load(
        a.config.as_deref(),
        Overrides {
            listen: a.listen,
            db: a.db,
            vtn_id: a.vtn_id,
            poll_freq: a.poll_freq,
            admin_token: token,
            market_context: a.market_context,
            tls: vtn::config::TlsConfig {
                stack: a.tls_stack,
                cert: a.tls_cert,
                key: a.tls_key,
                ec_cert: a.tls_cert_ec,
                ec_key: a.tls_key_ec,
                client_ca: a.client_ca,
            },
            registration_policy: a.registration_policy,
            xml_signature: a.xml_signature,
            replay_window: a.replay_window,
            signing_cert: a.signing_cert,
            signing_key: a.signing_key,
        },
    )?;
    let sig = vtn::state::Signatures::from_settings(&settings)?.map(Arc::new);
    let workers = settings.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    actix_web::rt::System::new().block_on(async move {
        let listen = settings.listen.clone();
        let generated = settings.admin_token_generated;
        let token = settings.admin_token.clone();
        let tls = settings.tls.clone();
        let mut st =
            AppState::open(settings, Arc::new(SystemClock)).context("opening the database")?;
        if let Some(s) = &sig {
            tracing::info!(mode = ?s.mode, algorithm = ?s.signer.algorithm(), fingerprint = s.signer.fingerprint(), replay_window = %st.settings.replay_window, "XML signatures on");
        }
        st.sig = sig;
        if tls.is_none() {
            tracing::warn!(
                "TLS is off: serving plain HTTP on {listen}. Use it only on a trusted network."
            );
        }
        if generated {
            // Printed once, on stderr, so that an operator can use the CLI; set VTN_ADMIN_TOKEN to choose one.
            eprintln!("admin API token (generated, not stored): {token}");
        }
        let st = push::spawn(st);
        let _sched = jobs::start(st.clone()).await?;
        if let Some(cc) = &st.settings.chain {
            let b = vtn::bridge::Bridge::from_config(cc).context("chain configuration")?;
            vtn::bridge::spawn(st.clone(), Arc::new(b));
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(
            vtn_id = st.settings.vtn_id.as_str(),
            db = %st.settings.db.display(),
            vens = st.registry.len(),
            tls = %tls.as_ref().map(|t| t.stack.to_string()).unwrap_or_else(|| "off".into()),
            registration_policy = st.settings.registration_policy.get().as_str(),
            "VTN listening on {scheme}://{listen}{}",
            http::OADR_PREFIX
        );
        let st2 = st.clone();
        let server = HttpServer::new(move || App::new().configure(http::configure(st2.clone())))
            .on_connect(vtn::tls::on_connect)
            .workers(workers)
            .backlog(4096)
            .max_connections(100_000)
            .keep_alive(std::time::Duration::from_secs(75))
            .client_request_timeout(std::time::Duration::from_secs(30));
        let server = match &tls {
            None => server.bind(&listen),
            Some(t) => match t.stack {
                vtn::tls::TlsStack::Openssl => server.bind_openssl(&listen, t.openssl_acceptor()?),
                vtn::tls::TlsStack::Rustls => server.bind_rustls_0_23(&listen, t.rustls_config()?),
            },
        }
        .with_context(|| format!("binding {listen}"))?;
        server.run().await?;
        let _ = jobs::run_housekeeping(&st).await;
        Ok(())
    })
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(x) => x.to_string(),
    }
}

async fn client(cmd: Cmd, api: ApiClient) -> anyhow::Result<()> {
    // A closed stdout (`vtn openapi | head`) ends the output, not the process with a panic.
    let print = |v: &Value| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(v).unwrap_or_default()
        );
    };
    match cmd {
        Cmd::Serve(_) | Cmd::Verify(_) => unreachable!("handled in main"),
        Cmd::Openapi => print(&api.get("/openapi.json", &[]).await?),
        Cmd::Events(EventsCmd::Create(a)) => {
            let v = api.post("/events", &a.body(true)?).await?;
            println!("{}", s(&v, "event_id"));
        }
        Cmd::Events(EventsCmd::Modify { event_id, args }) => {
            let v = api
                .patch(&format!("/events/{}", seg(&event_id)), &args.body(false)?)
                .await?;
            println!(
                "{} modification {}",
                s(&v, "event_id"),
                s(&v, "modification_number")
            );
        }
        Cmd::Events(EventsCmd::Cancel { event_id }) => {
            let v = api.delete(&format!("/events/{}", seg(&event_id))).await?;
            println!(
                "{} cancelled (modification {})",
                s(&v, "event_id"),
                s(&v, "modification_number")
            );
        }
        Cmd::Events(EventsCmd::Show { event_id }) => {
            print(&api.get(&format!("/events/{}", seg(&event_id)), &[]).await?)
        }
        Cmd::Events(EventsCmd::List { json }) => {
            let v = api.get("/events", &[]).await?;
            if json {
                print(&v);
            } else {
                println!(
                    "{:<38} {:>4} {:<10} {:<22} {:<8} participants",
                    "EVENT", "MOD", "STATUS", "START", "DURATION"
                );
                for e in v.as_array().into_iter().flatten() {
                    println!(
                        "{:<38} {:>4} {:<10} {:<22} {:<8} {}/{}",
                        s(e, "event_id"),
                        s(e, "modification_number"),
                        s(e, "status"),
                        s(e, "dtstart"),
                        s(e, "duration"),
                        s(e, "participants"),
                        e.get("vens")
                            .and_then(|v| v.as_array())
                            .map(|a| a.len())
                            .unwrap_or(0)
                    );
                }
            }
        }
        Cmd::Vens(VensCmd::List { json }) => {
            let v = api.get("/vens", &[]).await?;
            if json {
                print(&v);
            } else {
                println!(
                    "{:<38} {:<20} {:<10} {:<26} pending",
                    "VEN", "NAME", "REGISTERED", "LAST CONTACT"
                );
                for e in v.as_array().into_iter().flatten() {
                    println!(
                        "{:<38} {:<20} {:<10} {:<26} {}",
                        s(e, "ven_id"),
                        s(e, "ven_name"),
                        s(e, "registered"),
                        s(e, "last_contact"),
                        s(e, "pending_messages")
                    );
                }
            }
        }
        Cmd::Vens(VensCmd::Add { name, fingerprint }) => {
            let v = api
                .post(
                    "/vens",
                    &json!({"ven_name": name, "cert_fingerprint": fingerprint}),
                )
                .await?;
            println!("{}", s(&v, "ven_id"));
        }
        Cmd::Vens(VensCmd::Policy { policy }) => {
            let v = match policy {
                Some(p) => {
                    api.put("/registration-policy", &json!({"policy": p.as_str()}))
                        .await?
                }
                None => api.get("/registration-policy", &[]).await?,
            };
            println!("{}", s(&v, "policy"));
        }
        Cmd::Vens(VensCmd::Show { ven }) => {
            print(&api.get(&format!("/vens/{}", seg(&ven)), &[]).await?)
        }
        Cmd::Vens(VensCmd::Reregister { ven }) => {
            api.post(&format!("/vens/{}/reregister", seg(&ven)), &json!({}))
                .await?;
            println!("oadrRequestReregistration queued for {ven}");
        }
        Cmd::Vens(VensCmd::Cancel { ven }) => {
            api.post(
                &format!("/vens/{}/cancel-registration", seg(&ven)),
                &json!({}),
            )
            .await?;
            println!("oadrCancelPartyRegistration queued for {ven}");
        }
        Cmd::Vens(VensCmd::Set {
            ven,
            groups,
            resources,
            party,
        }) => {
            let mut b = serde_json::Map::new();
            if !groups.is_empty() {
                b.insert("groups".into(), json!(groups));
            }
            if !resources.is_empty() {
                b.insert("resources".into(), json!(resources));
            }
            if let Some(p) = party {
                b.insert("party_id".into(), json!(p));
            }
            print(
                &api.patch(&format!("/vens/{}", seg(&ven)), &Value::Object(b))
                    .await?,
            );
        }
        Cmd::Readings(a) => {
            let mut q = Vec::new();
            for (k, v) in [
                ("ven", a.ven),
                ("report_name", a.report_name),
                ("report_request_id", a.report_request_id),
                ("rid", a.rid),
                ("from", a.from),
                ("to", a.to),
                ("limit", a.limit.map(|l| l.to_string())),
            ] {
                if let Some(v) = v {
                    q.push((k, v));
                }
            }
            let v = api.get("/readings", &q).await?;
            if a.json {
                print(&v);
            } else {
                println!(
                    "{:<26} {:<38} {:<20} {:<18} value",
                    "TIME", "VEN", "REPORT", "RID"
                );
                for r in v.as_array().into_iter().flatten() {
                    println!(
                        "{:<26} {:<38} {:<20} {:<18} {}",
                        s(r, "dtstart"),
                        s(r, "ven_id"),
                        s(r, "report_name"),
                        s(r, "rid"),
                        if r["value"].is_null() {
                            s(r, "status")
                        } else {
                            s(r, "value")
                        }
                    );
                }
            }
        }
        Cmd::Reports(ReportsCmd::List { ven }) => {
            let q: Vec<(&str, String)> = ven.map(|v| vec![("ven", v)]).unwrap_or_default();
            print(&api.get("/reports", &q).await?);
        }
        Cmd::Reports(ReportsCmd::Request {
            ven,
            report_specifier_id,
            granularity,
            report_back_duration,
            start,
            end,
        }) => {
            let now = chrono::Utc::now();
            let t = |x: Option<String>| -> anyhow::Result<Value> {
                Ok(match x {
                    Some(s) => json!(vtn::http::admin::parse_start(&s, now)
                        .map_err(|e| anyhow::anyhow!("{e}"))?),
                    None => Value::Null,
                })
            };
            let body = json!({
                "report_specifier_id": report_specifier_id,
                "granularity": granularity,
                "report_back_duration": report_back_duration,
                "start": t(start)?,
                "end": t(end)?,
            });
            let v = api
                .post(&format!("/vens/{}/report-requests", seg(&ven)), &body)
                .await?;
            println!("{}", s(&v, "report_request_id"));
        }
        Cmd::Reports(ReportsCmd::Cancel { report_request_id }) => {
            api.delete(&format!("/report-requests/{}", seg(&report_request_id)))
                .await?;
            println!("oadrCancelReport queued for {report_request_id}");
        }
    }
    Ok(())
}
