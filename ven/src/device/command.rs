//! Hand signals to a local program or to a building-management system's HTTP
//! endpoint as JSON, and read the meter the same way.
//!
//! Both send the same JSON document for a signal change:
//! `{"type":"signal","at":"…Z","event_id":"…"|null,"signal_name":"SIMPLE","signal_type":"level","level":2.0}`
//! and expect a [`Telemetry`] document for a meter read:
//! `{"power_w":1200.0,"energy_wh":53211.0,"online":true,"manual_override":false,"can_shed":true,"level":0}`
//! (only `power_w` and `energy_wh` are required).
//!
//! The program is run as `PROGRAM ARGS… signal` (the document on stdin) and
//! `PROGRAM ARGS… read` (telemetry on stdout); a non-zero exit is an error.

use std::process::Stdio;
use std::time::Duration;

use adr_schema::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{Device, Telemetry};
use crate::error::{Result, VenError};
use crate::protocol::SignalCommand;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// POSTed the signal document.
    pub signal_url: String,
    /// GET returns the telemetry document.
    pub meter_url: String,
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
}

fn default_timeout() -> u64 {
    10
}

#[derive(Serialize)]
struct SignalDoc<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    at: Timestamp,
    #[serde(flatten)]
    cmd: &'a SignalCommand,
}

pub struct CommandDevice {
    cfg: CommandConfig,
}

impl CommandDevice {
    pub fn new(cfg: CommandConfig) -> Self {
        CommandDevice { cfg }
    }

    async fn run(&self, verb: &str, stdin: Option<String>) -> Result<Vec<u8>> {
        let mut cmd = tokio::process::Command::new(&self.cfg.program);
        cmd.args(&self.cfg.args)
            .arg(verb)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| VenError::Device(format!("{}: {e}", self.cfg.program)))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes())
                .await
                .map_err(|e| VenError::Device(format!("writing to {}: {e}", self.cfg.program)))?;
        }
        let out = tokio::time::timeout(
            Duration::from_secs(self.cfg.timeout_s),
            child.wait_with_output(),
        )
        .await
        .map_err(|_| VenError::Device(format!("{} {verb}: timed out", self.cfg.program)))?
        .map_err(|e| VenError::Device(format!("{} {verb}: {e}", self.cfg.program)))?;
        if !out.status.success() {
            return Err(VenError::Device(format!(
                "{} {verb}: {}",
                self.cfg.program, out.status
            )));
        }
        Ok(out.stdout)
    }
}

impl Device for CommandDevice {
    async fn apply(&mut self, cmd: &SignalCommand, now: Timestamp) -> Result<()> {
        let doc = serde_json::to_string(&SignalDoc {
            kind: "signal",
            at: now,
            cmd,
        })
        .expect("serializable");
        self.run("signal", Some(doc)).await.map(|_| ())
    }

    async fn read(&mut self, _now: Timestamp) -> Result<Telemetry> {
        let out = self.run("read", None).await?;
        serde_json::from_slice(&out)
            .map_err(|e| VenError::Device(format!("{} read: bad telemetry: {e}", self.cfg.program)))
    }
}

pub struct WebhookDevice {
    cfg: WebhookConfig,
    http: reqwest::Client,
}

impl WebhookDevice {
    pub fn new(cfg: WebhookConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_s))
            .build()
            .map_err(|e| VenError::Config(format!("webhook client: {e}")))?;
        Ok(WebhookDevice { cfg, http })
    }
}

impl Device for WebhookDevice {
    async fn apply(&mut self, cmd: &SignalCommand, now: Timestamp) -> Result<()> {
        let r = self
            .http
            .post(&self.cfg.signal_url)
            .json(&SignalDoc {
                kind: "signal",
                at: now,
                cmd,
            })
            .send()
            .await
            .map_err(|e| VenError::Device(format!("POST {}: {e}", self.cfg.signal_url)))?;
        if !r.status().is_success() {
            return Err(VenError::Device(format!(
                "POST {}: HTTP {}",
                self.cfg.signal_url,
                r.status()
            )));
        }
        Ok(())
    }

    async fn read(&mut self, _now: Timestamp) -> Result<Telemetry> {
        let r = self
            .http
            .get(&self.cfg.meter_url)
            .send()
            .await
            .map_err(|e| VenError::Device(format!("GET {}: {e}", self.cfg.meter_url)))?;
        if !r.status().is_success() {
            return Err(VenError::Device(format!(
                "GET {}: HTTP {}",
                self.cfg.meter_url,
                r.status()
            )));
        }
        r.json().await.map_err(|e| {
            VenError::Device(format!("GET {}: bad telemetry: {e}", self.cfg.meter_url))
        })
    }
}
