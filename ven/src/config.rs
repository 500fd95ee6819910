//! Configuration: defaults, then a TOML file, then environment and flags
//! (`ven run --vtn URL --name NAME` needs no file at all).
//!
//! ```toml
//! [vtn]
//! url = "http://127.0.0.1:8080/OpenADR2/Simple/2.0b"
//! timeout_s = 10
//!
//! [vtn.tls]                    # mutual TLS (the URL must be https://)
//! cert = "ven.crt"             # leaf + intermediate(s), PEM
//! key = "ven.key"              # PKCS#8 (or PKCS#1/SEC1) PEM
//! ca = "ca.crt"                # roots that the VTN's chain must reach
//! stack = "rustls"             # or "openssl": the 2.0b suites (TLS 1.2 CBC)
//!
//! [ven]
//! name = "site-42"
//! db = "ven.db"
//!
//! [push]                       # absent: pull mode
//! listen = "127.0.0.1:8081"
//! public_url = "http://127.0.0.1:8081/OpenADR2/Simple/2.0b"
//! # with [vtn.tls]: https public_url, and the VTN certificates allowed to push;
//! # the listener uses [vtn.tls]'s certificate and stack
//! # vtn_fingerprints = ["7E:1A:...:C3"]
//!
//! [opt]
//! default = "optIn"
//! max_level = 2.0
//! hours = "07:00-22:00"
//! utc_offset_minutes = 60
//! max_duration = "PT4H"
//! respect_device = true
//! unavailable = [{ start = "2026-12-24T00:00:00Z", duration = "P2D" }]
//!
//! [reports]
//! min_period_s = 1
//! history_period_s = 60
//! batch = 500                  # readings per oadrUpdateReport, at most 1000
//! set_aside_after = 10         # refusals of one report before it is set aside (0: never)
//!
//! [device]
//! kind = "simulated"           # or "command", "webhook", "modbus"
//! ```

use std::path::Path;

use adr_schema::{OptType, Timestamp};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::device::command::{CommandConfig, WebhookConfig};
use crate::device::modbus::ModbusConfig;
use crate::device::sim::SimConfig;
use crate::error::{Result, VenError};
use crate::protocol::{OptPolicy, Window};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub vtn: VtnConfig,
    pub ven: VenConfig,
    pub push: Option<PushConfig>,
    pub poll: PollConfig,
    pub opt: OptConfig,
    pub reports: ReportsConfig,
    pub device: DeviceConfig,
    pub log: LogConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VtnConfig {
    /// Base URL up to and including `/OpenADR2/Simple/2.0b`.
    pub url: Option<String>,
    pub timeout_s: u64,
    /// Mutual TLS (`--cert --key --ca --tls-stack`); see [`crate::tls`].
    pub tls: Option<TlsConfig>,
}

impl Default for VtnConfig {
    fn default() -> Self {
        VtnConfig {
            url: None,
            timeout_s: 10,
            tls: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Our certificate chain (leaf first, then the intermediates), PEM.
    pub cert: String,
    /// The private key of `cert`, PEM.
    pub key: String,
    /// The roots we trust for the VTN's certificate (only these), PEM.
    pub ca: String,
    #[serde(default)]
    pub stack: TlsStack,
}

/// Which TLS implementation talks to the VTN (and serves the push listener).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TlsStack {
    /// rustls: TLS 1.2/1.3 with modern (ECDHE, AEAD) suites only.
    #[default]
    Rustls,
    /// OpenSSL: the 2.0b profile (TLS 1.2; ECDHE-GCM when offered, else
    /// ECDHE-ECDSA-AES128-SHA256 or AES128-SHA256).
    Openssl,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VenConfig {
    pub name: Option<String>,
    pub db: String,
    pub report_only: bool,
    /// Seed for start randomization (default: from the OS).
    pub seed: Option<u64>,
}

impl Default for VenConfig {
    fn default() -> Self {
        VenConfig {
            name: None,
            db: "ven.db".into(),
            report_only: false,
            seed: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// Where the push listener binds, e.g. `127.0.0.1:8081`.
    pub listen: String,
    /// The address the VTN posts to (oadrTransportAddress).
    pub public_url: String,
    /// With TLS: the OpenADR fingerprints (`AA:BB:...`, the last 10 bytes of
    /// the certificate's SHA-256) of the VTN certificates allowed to push.
    #[serde(default)]
    pub vtn_fingerprints: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    /// Overrides the VTN's requested poll frequency.
    pub period_s: Option<u64>,
    /// Longest wait between retries while the VTN is unreachable.
    pub max_backoff_s: u64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            period_s: None,
            max_backoff_s: 300,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportsConfig {
    /// Shortest sampling period we offer.
    pub min_period_s: u64,
    /// Meter history interval (source of HISTORY_USAGE); 0 disables it.
    /// Intervals start on the VEN's poll grid (see `protocol::schedule`), so
    /// history is read in a poll's wake-up.
    pub history_period_s: u64,
    pub history_retention_days: u32,
    /// Most readings in one oadrUpdateReport (clamped to 1..=1000,
    /// `agent::MAX_BATCH`); a backlog goes out 10 batches per wake-up.
    pub batch: i64,
    /// Consecutive refusals of one report's oadrUpdateReport (an error code,
    /// or an HTTP error other than 502/503/504/408/429) after which that
    /// report is set aside: no longer sent nor sampled, its readings kept,
    /// shown by `ven status`, until the VTN requests it again (it does when
    /// the VEN registers again or restarts). Between refusals the report
    /// backs off on its own (from the poll period, at most 10 s, doubled per
    /// refusal up to `[poll] max_backoff_s`); other reports go on. 0 never
    /// sets a report aside. See `protocol::delivery`.
    pub set_aside_after: u32,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            min_period_s: 1,
            history_period_s: 60,
            history_retention_days: 7,
            batch: 500,
            set_aside_after: crate::protocol::delivery::DEFAULT_SET_ASIDE_AFTER,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptConfig {
    /// "optIn" or "optOut".
    pub default: String,
    pub max_level: Option<f64>,
    /// "HH:MM-HH:MM", local time (see `utc_offset_minutes`).
    pub hours: Option<String>,
    pub utc_offset_minutes: i32,
    /// An xs:duration, e.g. "PT4H".
    pub max_duration: Option<String>,
    pub respect_device: bool,
    pub unavailable: Vec<WindowConfig>,
}

impl Default for OptConfig {
    fn default() -> Self {
        OptConfig {
            default: "optIn".into(),
            max_level: None,
            hours: None,
            utc_offset_minutes: 0,
            max_duration: None,
            respect_device: true,
            unavailable: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    /// An xs:duration, when `end` is not given.
    pub duration: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DeviceConfig {
    Simulated(SimConfig),
    Command(CommandConfig),
    Webhook(WebhookConfig),
    Modbus(ModbusConfig),
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig::Simulated(SimConfig::default())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// "text" or "json".
    pub format: String,
    /// A tracing filter, e.g. "info,ven=debug" (RUST_LOG wins when set).
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "text".into(),
            filter: "info".into(),
        }
    }
}

fn xs_duration(s: &str) -> Result<chrono::Duration> {
    s.parse::<adr_schema::Duration>()
        .map(|d| d.to_chrono())
        .map_err(|e| VenError::Config(format!("{s:?}: {e}")))
}

impl Config {
    pub fn from_toml(s: &str) -> Result<Config> {
        toml::from_str(s).map_err(|e| VenError::Config(e.to_string()))
    }

    pub fn load(path: &Path) -> Result<Config> {
        let s = std::fs::read_to_string(path)
            .map_err(|e| VenError::Config(format!("{}: {e}", path.display())))?;
        Self::from_toml(&s)
    }

    /// The opt policy this config describes.
    pub fn opt_policy(&self) -> Result<OptPolicy> {
        let o = &self.opt;
        let default = match o.default.as_str() {
            "optIn" | "optin" | "in" => OptType::OptIn,
            "optOut" | "optout" | "out" => OptType::OptOut,
            other => {
                return Err(VenError::Config(format!(
                    "opt.default must be optIn or optOut, not {other:?}"
                )))
            }
        };
        let hours = match &o.hours {
            None => None,
            Some(h) => {
                let (a, b) = h.split_once('-').ok_or_else(|| {
                    VenError::Config(format!("opt.hours {h:?}: expected HH:MM-HH:MM"))
                })?;
                let t = |s: &str| {
                    NaiveTime::parse_from_str(s.trim(), "%H:%M")
                        .map_err(|e| VenError::Config(format!("opt.hours {h:?}: {e}")))
                };
                Some((t(a)?, t(b)?))
            }
        };
        let mut unavailable = Vec::new();
        for w in &o.unavailable {
            let end = match (&w.end, &w.duration) {
                (Some(e), _) => *e,
                (None, Some(d)) => w.start + xs_duration(d)?,
                (None, None) => {
                    return Err(VenError::Config(
                        "an unavailable window needs end or duration".into(),
                    ))
                }
            };
            if end <= w.start {
                return Err(VenError::Config(format!(
                    "unavailable window ends before it starts: {}",
                    w.start
                )));
            }
            unavailable.push(Window {
                start: w.start,
                end,
            });
        }
        Ok(OptPolicy {
            default,
            max_level: o.max_level,
            hours,
            utc_offset_minutes: o.utc_offset_minutes,
            max_duration: o.max_duration.as_deref().map(xs_duration).transpose()?,
            respect_device: o.respect_device,
            unavailable,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_simulated_default() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.device, DeviceConfig::Simulated(SimConfig::default()));
        assert_eq!(c.opt_policy().unwrap().default, OptType::OptIn);
        assert!(c.push.is_none());
        assert_eq!(c.reports.set_aside_after, 10);
        let c = Config::from_toml("[reports]\nset_aside_after = 0").unwrap();
        assert_eq!(c.reports.set_aside_after, 0, "0: never set aside");
    }

    #[test]
    fn full_config_parses() {
        let c = Config::from_toml(
            r#"
            [vtn]
            url = "http://127.0.0.1:1/OpenADR2/Simple/2.0b"
            [ven]
            name = "site"
            db = "/tmp/x.db"
            [opt]
            default = "optOut"
            max_level = 2.0
            hours = "22:00-06:00"
            max_duration = "PT4H"
            unavailable = [{ start = "2026-12-24T00:00:00Z", duration = "P2D" }]
            [device]
            kind = "modbus"
            address = "127.0.0.1:5020"
            level = { register = 100 }
            power = { register = 0, kind = "input" }
            energy = { register = 2, kind = "input", scale = 0.1 }
            "#,
        )
        .unwrap();
        let p = c.opt_policy().unwrap();
        assert_eq!(p.default, OptType::OptOut);
        assert_eq!(p.max_duration, Some(chrono::Duration::hours(4)));
        assert_eq!(
            p.unavailable[0].end - p.unavailable[0].start,
            chrono::Duration::days(2)
        );
        assert!(matches!(c.device, DeviceConfig::Modbus(ref m) if m.energy.scale == 0.1));
        assert!(Config::from_toml("[ven]\nbogus = 1").is_err());
    }
}
