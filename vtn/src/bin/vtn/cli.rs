//! The command line: `vtn serve`, `vtn verify`, and the admin API client commands.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(name = "vtn", version, about = "OpenADR 2.0b Virtual Top Node")]
pub(crate) struct Cli {
    /// Admin API base URL for the client subcommands.
    #[arg(
        long,
        global = true,
        env = "VTN_API",
        default_value = "http://127.0.0.1:8080"
    )]
    pub(crate) api: String,
    /// Admin API bearer token.
    #[arg(long, global = true, env = "VTN_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// CA bundle to verify an https VTN with (admin client).
    #[arg(long, global = true, env = "VTN_CA")]
    pub(crate) ca: Option<PathBuf>,
    /// Client certificate chain (PEM) for an https VTN that requires one (admin client).
    #[arg(long, global = true, env = "VTN_CLIENT_CERT")]
    pub(crate) cert: Option<PathBuf>,
    /// Private key of --cert (PEM).
    #[arg(long, global = true, env = "VTN_CLIENT_KEY")]
    pub(crate) key: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub(crate) enum Cmd {
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
pub(crate) struct VerifyArgs {
    /// The on-chain event id.
    #[arg(long)]
    pub(crate) event: u64,
    /// TOML configuration file (its `[chain]` section; env VTN_CHAIN_* also work).
    #[arg(long, env = "VTN_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// SQLite database file (default ./vtn.db).
    #[arg(long, env = "VTN_DB")]
    pub(crate) db: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "VTN_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "VTN_LISTEN")]
    pub(crate) listen: Option<String>,
    /// SQLite database file (default ./vtn.db).
    #[arg(long, env = "VTN_DB")]
    pub(crate) db: Option<PathBuf>,
    /// vtnID (not all lower case).
    #[arg(long, env = "VTN_ID")]
    pub(crate) vtn_id: Option<String>,
    /// oadrRequestedOadrPollFreq, e.g. PT10S.
    #[arg(long, env = "VTN_POLL_FREQ")]
    pub(crate) poll_freq: Option<String>,
    /// Default market context of new events.
    #[arg(long, env = "VTN_MARKET_CONTEXT")]
    pub(crate) market_context: Option<String>,
    /// Log as JSON lines.
    #[arg(long, env = "VTN_LOG_JSON")]
    pub(crate) log_json: bool,
    /// TLS implementation: openssl (the 2.0b profile: TLS 1.2, AES128-SHA256 and
    /// ECDHE-ECDSA-AES128-SHA256) or rustls (modern suites, TLS 1.2/1.3).
    #[arg(long, value_enum, env = "VTN_TLS_STACK")]
    pub(crate) tls_stack: Option<vtn::tls::TlsStack>,
    /// Server certificate chain (PEM, leaf first); RSA for the 2.0b RSA suite.
    #[arg(long, env = "VTN_TLS_CERT")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// Private key of --tls-cert (PEM).
    #[arg(long, env = "VTN_TLS_KEY")]
    pub(crate) tls_key: Option<PathBuf>,
    /// ECC server certificate chain (served for ECDSA suites).
    #[arg(long, env = "VTN_TLS_CERT_EC")]
    pub(crate) tls_cert_ec: Option<PathBuf>,
    /// Private key of --tls-cert-ec.
    #[arg(long, env = "VTN_TLS_KEY_EC")]
    pub(crate) tls_key_ec: Option<PathBuf>,
    /// CA bundle that VEN client certificates must chain to (required with TLS).
    #[arg(long, env = "VTN_CLIENT_CA")]
    pub(crate) client_ca: Option<PathBuf>,
    /// Who may register: provisioned VENs only (default; by certificate over TLS, by
    /// name over plain HTTP) or any (over TLS, any certificate the client CA signed).
    #[arg(long, value_enum, env = "VTN_REGISTRATION_POLICY")]
    pub(crate) registration_policy: Option<vtn::config::RegistrationPolicy>,
    /// New VENs one source address may add per minute (default 60; 0: no limit).
    #[arg(long, env = "VTN_NEW_VENS_PER_MINUTE")]
    pub(crate) new_vens_per_minute: Option<u32>,
    /// XML signatures: off (default), optional (verify when present), required.
    #[arg(long, value_enum, env = "VTN_XML_SIGNATURE")]
    pub(crate) xml_signature: Option<vtn::config::SignatureMode>,
    /// Accepted ReplayProtect clock difference, either way (default PT5M).
    #[arg(long, env = "VTN_REPLAY_WINDOW")]
    pub(crate) replay_window: Option<String>,
    /// Certificate that signs payloads (default: --tls-cert).
    #[arg(long, env = "VTN_SIGNING_CERT")]
    pub(crate) signing_cert: Option<PathBuf>,
    /// Key that signs payloads (default: --tls-key).
    #[arg(long, env = "VTN_SIGNING_KEY")]
    pub(crate) signing_key: Option<PathBuf>,
}

#[derive(Args, Default)]
pub(crate) struct EventArgs {
    /// Target VEN by oadrVenName (or venID); repeatable.
    #[arg(long = "ven")]
    pub(crate) vens: Vec<String>,
    #[arg(long = "group")]
    pub(crate) groups: Vec<String>,
    #[arg(long = "resource")]
    pub(crate) resources: Vec<String>,
    #[arg(long = "party")]
    pub(crate) parties: Vec<String>,
    /// Target every registered VEN.
    #[arg(long)]
    pub(crate) all: bool,
    /// signalName, e.g. SIMPLE or ELECTRICITY_PRICE.
    #[arg(long)]
    pub(crate) signal: Option<String>,
    /// signalType, e.g. level, price, delta.
    #[arg(long = "type")]
    pub(crate) signal_type: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) level: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) price: Option<f64>,
    #[arg(long)]
    pub(crate) currency: Option<String>,
    /// Intervals as DURATION=VALUE,... e.g. PT10M=1,PT20M=2.
    #[arg(long)]
    pub(crate) intervals: Option<String>,
    /// now, RFC 3339, or +PT5M.
    #[arg(long)]
    pub(crate) start: Option<String>,
    #[arg(long)]
    pub(crate) duration: Option<String>,
    #[arg(long)]
    pub(crate) market_context: Option<String>,
    #[arg(long)]
    pub(crate) priority: Option<u32>,
    /// Mark as a test event.
    #[arg(long)]
    pub(crate) test: bool,
    #[arg(long)]
    pub(crate) comment: Option<String>,
    /// oadrResponseRequired = never.
    #[arg(long)]
    pub(crate) no_response: bool,
    #[arg(long)]
    pub(crate) ramp_up: Option<String>,
    #[arg(long)]
    pub(crate) recovery: Option<String>,
    #[arg(long)]
    pub(crate) notification: Option<String>,
    /// Randomization window (tolerance startafter).
    #[arg(long)]
    pub(crate) start_after: Option<String>,
    /// Modification reason.
    #[arg(long)]
    pub(crate) reason: Option<String>,
}

impl EventArgs {
    pub(crate) fn body(&self, create: bool) -> anyhow::Result<Value> {
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
pub(crate) enum EventsCmd {
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
pub(crate) enum VensCmd {
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
        /// Without one the VEN registers by name (plain HTTP only).
        #[arg(long)]
        fingerprint: Option<String>,
        /// OpenADR profile the VEN speaks: 2.0b (default) or 2.0a (provisioning
        /// registers it; it polls /OpenADR2/Simple/EiEvent with oadrRequestEvent).
        #[arg(long, value_parser = ["2.0a", "2.0b"])]
        profile: Option<String>,
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
pub(crate) struct ReadingsArgs {
    /// VEN name (oadrVenName) or venID.
    #[arg(long)]
    pub(crate) ven: Option<String>,
    #[arg(long)]
    pub(crate) report_name: Option<String>,
    #[arg(long)]
    pub(crate) report_request_id: Option<String>,
    #[arg(long)]
    pub(crate) rid: Option<String>,
    #[arg(long)]
    pub(crate) from: Option<String>,
    #[arg(long)]
    pub(crate) to: Option<String>,
    #[arg(long)]
    pub(crate) limit: Option<i64>,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand)]
pub(crate) enum ReportsCmd {
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
