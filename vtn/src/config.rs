//! Configuration: a TOML file, then environment variables, then flags (each
//! overriding the one before). The flag/env layering is done by clap
//! (`#[arg(env = ..)]`), so here we only merge the file with what clap found.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use adr_schema::{Duration, VtnId};

pub use crate::tls::{Tls, TlsStack};
use serde::Deserialize;

/// The TOML file. Every field is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub db: Option<PathBuf>,
    pub vtn_id: Option<String>,
    /// xs:duration, e.g. "PT10S".
    pub poll_freq: Option<String>,
    pub admin_token: Option<String>,
    pub market_context: Option<String>,
    /// How long before dtstart an event is `near` when it has no x-eiRampUp.
    pub near_window: Option<String>,
    /// Granularity (and report-back duration) asked of telemetry reports.
    pub report_granularity: Option<String>,
    /// A report request not acknowledged by oadrCreatedReport within this is flagged.
    pub report_deadline: Option<String>,
    /// Undelivered messages older than this are dropped.
    pub queue_ttl: Option<String>,
    /// Readings dated further back than this are refused (unless a HISTORY
    /// request asked for that window), e.g. "P31D".
    pub reading_window: Option<String>,
    /// Readings and opts dated further ahead of the VTN's clock than this
    /// are refused, e.g. "PT1H".
    pub clock_skew: Option<String>,
    pub body_limit: Option<usize>,
    /// The whole request body must arrive within this, e.g. "PT30S" (a body
    /// trickled byte by byte, or a huge chunk size never filled, is cut off).
    pub body_timeout: Option<String>,
    /// New VENs one source address may add per minute (0: no limit; default 60).
    pub new_vens_per_minute: Option<u32>,
    pub workers: Option<usize>,
    /// TLS with client certificates (issue 7). Absent: plain HTTP.
    pub tls: Option<TlsConfig>,
    /// Who may register: `open` or `provisioned` (default: only VENs an
    /// operator added, by certificate over TLS or by name over plain HTTP).
    pub registration_policy: Option<RegistrationPolicy>,
    /// XML signatures: `off` (default), `optional`, `required`.
    pub xml_signature: Option<SignatureMode>,
    /// How far a ReplayProtect timestamp may be from now (either way), e.g. "PT5M".
    pub replay_window: Option<String>,
    /// Signing key and certificate (PEM); default: the TLS certificate and key.
    pub signing_cert: Option<PathBuf>,
    pub signing_key: Option<PathBuf>,
    /// Chain mode: follow the DR program on Stacks (see `bridge::ChainConfig`).
    pub chain: Option<crate::bridge::ChainConfig>,
}

/// `[tls]` in the file; flags (`--tls-*`, `--client-ca`) override each key.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub stack: Option<TlsStack>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub ec_cert: Option<PathBuf>,
    pub ec_key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
}

impl TlsConfig {
    fn merge(self, o: TlsConfig) -> TlsConfig {
        TlsConfig {
            stack: o.stack.or(self.stack),
            cert: o.cert.or(self.cert),
            key: o.key.or(self.key),
            ec_cert: o.ec_cert.or(self.ec_cert),
            ec_key: o.ec_key.or(self.ec_key),
            client_ca: o.client_ca.or(self.client_ca),
        }
    }

    fn is_empty(&self) -> bool {
        self.stack.is_none()
            && self.cert.is_none()
            && self.key.is_none()
            && self.ec_cert.is_none()
            && self.ec_key.is_none()
            && self.client_ca.is_none()
    }

    fn validate(self) -> anyhow::Result<Tls> {
        let need = |v: Option<PathBuf>, what: &str| {
            v.ok_or_else(|| anyhow::anyhow!("TLS is configured but {what} is missing"))
        };
        let ec = match (self.ec_cert, self.ec_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => anyhow::bail!("--tls-cert-ec and --tls-key-ec go together"),
        };
        Ok(Tls {
            stack: self.stack.unwrap_or_default(),
            cert: need(self.cert, "--tls-cert (tls.cert)")?,
            key: need(self.key, "--tls-key (tls.key)")?,
            ec,
            // Client certificates are the VEN's identity in 2.0b: always required with TLS.
            client_ca: need(self.client_ca, "--client-ca (tls.client_ca)")?,
        })
    }
}

/// Who may register. Over TLS a VEN is its certificate; over plain HTTP it is
/// only its name, which is why plain HTTP belongs on a trusted network.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationPolicy {
    /// Any VEN may register (over TLS: any certificate that chains to the client CA;
    /// its fingerprint is bound to the new venID), within the per-source limit.
    Open,
    /// Only VENs pre-provisioned by an operator (`vtn vens add --name [--fingerprint]`).
    #[default]
    Provisioned,
}

impl RegistrationPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationPolicy::Open => "open",
            RegistrationPolicy::Provisioned => "provisioned",
        }
    }
}

/// XML signatures (the 2.0b high-security option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMode {
    /// Neither verify nor sign (a signature on an incoming message is ignored).
    #[default]
    Off,
    /// Verify signed messages (refusing bad ones), accept unsigned ones; sign the
    /// answers to signed messages.
    Optional,
    /// Refuse unsigned messages; sign every answer.
    Required,
}

/// The registration policy, changeable at run time through the admin API.
#[derive(Debug, Default)]
pub struct PolicyCell(AtomicBool);

impl PolicyCell {
    pub fn new(p: RegistrationPolicy) -> Self {
        PolicyCell(AtomicBool::new(p == RegistrationPolicy::Open))
    }
    pub fn get(&self) -> RegistrationPolicy {
        if self.0.load(Ordering::Relaxed) {
            RegistrationPolicy::Open
        } else {
            RegistrationPolicy::Provisioned
        }
    }
    pub fn set(&self, p: RegistrationPolicy) {
        self.0
            .store(p == RegistrationPolicy::Open, Ordering::Relaxed);
    }
}

/// Values given on the command line or in the environment (already merged by clap).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub db: Option<PathBuf>,
    pub vtn_id: Option<String>,
    pub poll_freq: Option<String>,
    pub admin_token: Option<String>,
    pub market_context: Option<String>,
    pub tls: TlsConfig,
    pub registration_policy: Option<RegistrationPolicy>,
    pub new_vens_per_minute: Option<u32>,
    pub xml_signature: Option<SignatureMode>,
    pub replay_window: Option<String>,
    pub signing_cert: Option<PathBuf>,
    pub signing_key: Option<PathBuf>,
}

/// Everything the running VTN needs to know, validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: String,
    pub db: PathBuf,
    pub vtn_id: VtnId,
    pub poll_freq: Duration,
    /// `None` means one was generated at start (and printed once).
    pub admin_token: String,
    pub admin_token_generated: bool,
    pub market_context: String,
    pub near_window: Duration,
    pub report_granularity: Duration,
    pub report_deadline: Duration,
    pub queue_ttl: Duration,
    pub reading_window: Duration,
    pub clock_skew: Duration,
    pub body_limit: usize,
    pub body_timeout: Duration,
    pub new_vens_per_minute: u32,
    pub workers: Option<usize>,
    pub tls: Option<Tls>,
    pub registration_policy: Arc<PolicyCell>,
    pub xml_signature: SignatureMode,
    pub replay_window: Duration,
    /// (certificate, key) that sign outgoing payloads when signatures are on.
    pub signing: Option<(PathBuf, PathBuf)>,
    /// Chain mode, from `[chain]` with env overrides (`VTN_CHAIN_NODE`,
    /// `VTN_CHAIN_API`, `VTN_CHAIN_DEPLOYER`; the key from `VTN_ORACLE_KEY`).
    pub chain: Option<crate::bridge::ChainConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(FileConfig::default(), Overrides::default()).expect("defaults are valid")
    }
}

fn dur(field: &str, v: Option<String>, default: &str) -> anyhow::Result<Duration> {
    let s = v.unwrap_or_else(|| default.to_string());
    s.parse::<Duration>()
        .map_err(|e| anyhow::anyhow!("{field} = {s:?}: {e}"))
}

impl Settings {
    pub fn load(path: Option<&Path>, o: Overrides) -> anyhow::Result<Settings> {
        let file = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        Settings::resolve(file, o)
    }

    pub fn resolve(f: FileConfig, o: Overrides) -> anyhow::Result<Settings> {
        let vtn_id = o
            .vtn_id
            .or(f.vtn_id)
            .unwrap_or_else(|| "VTN-ADR-BRIDGE".into());
        if vtn_id.chars().any(|c| c.is_alphabetic()) && vtn_id == vtn_id.to_lowercase() {
            // openleadr's VEN (and the spec's examples) refuse an all lower-case vtnID.
            anyhow::bail!("vtn_id {vtn_id:?} is all lower case; some VENs answer 452 to that. Use upper case letters.");
        }
        let token = o.admin_token.or(f.admin_token).filter(|t| !t.is_empty());
        let generated = token.is_none();
        let admin_token = token.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let mut s = Settings {
            listen: o
                .listen
                .or(f.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            db: o.db.or(f.db).unwrap_or_else(|| PathBuf::from("vtn.db")),
            vtn_id: VtnId::new(vtn_id)?,
            poll_freq: dur("poll_freq", o.poll_freq.or(f.poll_freq), "PT10S")?,
            admin_token,
            admin_token_generated: generated,
            market_context: o
                .market_context
                .or(f.market_context)
                .unwrap_or_else(|| "http://MarketContext1".into()),
            near_window: dur("near_window", f.near_window, "PT15M")?,
            report_granularity: dur("report_granularity", f.report_granularity, "PT1M")?,
            report_deadline: dur("report_deadline", f.report_deadline, "PT5M")?,
            queue_ttl: dur("queue_ttl", f.queue_ttl, "P7D")?,
            reading_window: dur("reading_window", f.reading_window, "P31D")?,
            clock_skew: dur("clock_skew", f.clock_skew, "PT1H")?,
            body_limit: f.body_limit.unwrap_or(1024 * 1024),
            body_timeout: dur("body_timeout", f.body_timeout, "PT30S")?,
            new_vens_per_minute: o
                .new_vens_per_minute
                .or(f.new_vens_per_minute)
                .unwrap_or(60),
            workers: f.workers,
            tls: {
                let t = f.tls.unwrap_or_default().merge(o.tls);
                if t.is_empty() {
                    None
                } else {
                    Some(t.validate()?)
                }
            },
            registration_policy: Arc::new(PolicyCell::new(
                o.registration_policy
                    .or(f.registration_policy)
                    .unwrap_or_default(),
            )),
            xml_signature: SignatureMode::Off,
            replay_window: dur("replay_window", None, "PT5M")?,
            signing: None,
            chain: chain_config(f.chain),
        };
        s.xml_signature = o.xml_signature.or(f.xml_signature).unwrap_or_default();
        s.replay_window = dur("replay_window", o.replay_window.or(f.replay_window), "PT5M")?;
        s.signing = match (
            o.signing_cert.or(f.signing_cert),
            o.signing_key.or(f.signing_key),
        ) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => s.tls.as_ref().map(|t| (t.cert.clone(), t.key.clone())),
            _ => anyhow::bail!("signing_cert and signing_key go together"),
        };
        if s.xml_signature != SignatureMode::Off && s.signing.is_none() {
            anyhow::bail!("XML signatures need a signing key: --signing-cert/--signing-key or TLS");
        }
        if s.poll_freq.is_zero() || s.poll_freq.negative {
            anyhow::bail!("poll_freq must be positive");
        }
        Ok(s)
    }
}

/// `[chain]` from the file, each key overridable from the environment; the
/// node URL alone (env) is enough to turn chain mode on with the deployer given too.
fn chain_config(f: Option<crate::bridge::ChainConfig>) -> Option<crate::bridge::ChainConfig> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let node = env("VTN_CHAIN_NODE");
    let deployer = env("VTN_CHAIN_DEPLOYER");
    let mut c = match (f, &node, &deployer) {
        (Some(c), _, _) => c,
        (None, Some(n), Some(d)) => crate::bridge::ChainConfig {
            node_url: n.clone(),
            api_url: None,
            deployer: d.clone(),
            network: None,
            oracle_key: None,
            confirmations: None,
            poll_secs: None,
            fee: None,
        },
        _ => return None,
    };
    if let Some(n) = node {
        c.node_url = n;
    }
    if let Some(d) = deployer {
        c.deployer = d;
    }
    if let Some(a) = env("VTN_CHAIN_API") {
        c.api_url = Some(a);
    }
    if let Some(p) = env("VTN_CHAIN_POLL_SECS").and_then(|p| p.parse().ok()) {
        c.poll_secs = Some(p);
    }
    if let Some(p) = env("VTN_CHAIN_CONFIRMATIONS").and_then(|p| p.parse().ok()) {
        c.confirmations = Some(p);
    }
    if let Some(n) = env("VTN_CHAIN_NETWORK") {
        c.network = Some(n);
    }
    if let Some(f) = env("VTN_CHAIN_FEE").and_then(|f| f.parse().ok()) {
        c.fee = Some(f);
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_defaults_fill_the_rest() {
        let f: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9000\"\npoll_freq = \"PT5S\"\nvtn_id = \"FILE-VTN\"",
        )
        .unwrap();
        let o = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::resolve(f, o).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert_eq!(s.poll_freq.to_string(), "PT5S");
        assert_eq!(s.vtn_id.as_str(), "FILE-VTN");
        assert_eq!(s.db, PathBuf::from("vtn.db"));
        assert!(s.admin_token_generated);
    }

    #[test]
    fn lower_case_vtn_id_is_refused() {
        let o = Overrides {
            vtn_id: Some("myvtn".into()),
            ..Default::default()
        };
        assert!(Settings::resolve(FileConfig::default(), o).is_err());
    }

    #[test]
    fn tls_from_file_and_flags() {
        let f: FileConfig = toml::from_str(
            "registration_policy = \"open\"\nxml_signature = \"required\"\n[tls]\nstack = \"openssl\"\ncert = \"a.crt\"\nkey = \"a.key\"\nclient_ca = \"ca.crt\"",
        )
        .unwrap();
        let o = Overrides {
            tls: TlsConfig {
                ec_cert: Some("e.crt".into()),
                ec_key: Some("e.key".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Settings::resolve(f, o).unwrap();
        let t = s.tls.unwrap();
        assert_eq!(t.stack, TlsStack::Openssl);
        assert_eq!(t.ec, Some(("e.crt".into(), "e.key".into())));
        assert_eq!(s.registration_policy.get(), RegistrationPolicy::Open);
        assert_eq!(s.xml_signature, SignatureMode::Required);
        // The signing pair defaults to the TLS pair.
        assert_eq!(s.signing, Some(("a.crt".into(), "a.key".into())));
        // TLS without a client CA is refused: client certificates are the identity.
        let o = Overrides {
            tls: TlsConfig {
                cert: Some("a.crt".into()),
                key: Some("a.key".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(Settings::resolve(FileConfig::default(), o).is_err());
        // Signatures need a key.
        let o = Overrides {
            xml_signature: Some(SignatureMode::Optional),
            ..Default::default()
        };
        assert!(Settings::resolve(FileConfig::default(), o).is_err());
    }
}
