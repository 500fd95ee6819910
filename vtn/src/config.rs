//! Configuration: a TOML file, then environment variables, then flags (each
//! overriding the one before). The flag/env layering is done by clap
//! (`#[arg(env = ..)]`), so here we only merge the file with what clap found.

use std::path::{Path, PathBuf};

use adr_schema::{Duration, VtnId};
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
    pub body_limit: Option<usize>,
    pub workers: Option<usize>,
    /// Issue 7 hook: TLS with client certificates. Not implemented yet: setting it is refused.
    pub tls: Option<TlsConfig>,
    /// Issue 6 hook: Stacks chain module. Accepted and ignored for now.
    pub chain: Option<toml::Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ec_cert: Option<PathBuf>,
    pub ec_key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
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
    pub body_limit: usize,
    pub workers: Option<usize>,
    pub tls: Option<TlsConfig>,
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
        let s = Settings {
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
            body_limit: f.body_limit.unwrap_or(1024 * 1024),
            workers: f.workers,
            tls: f.tls,
        };
        if s.poll_freq.is_zero() || s.poll_freq.negative {
            anyhow::bail!("poll_freq must be positive");
        }
        Ok(s)
    }
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
}
