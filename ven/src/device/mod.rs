//! Devices behind one trait: the agent applies signal levels and reads
//! telemetry; which device does it is chosen in config.

pub mod command;
pub mod modbus;
pub mod sim;

use std::future::Future;

use adr_schema::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::DeviceConfig;
use crate::error::Result;
use crate::protocol::SignalCommand;

/// What a device tells us about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Telemetry {
    /// Real power now, W.
    pub power_w: f64,
    /// Cumulative energy meter, Wh.
    pub energy_wh: f64,
    #[serde(default = "yes")]
    pub online: bool,
    #[serde(default)]
    pub manual_override: bool,
    /// Whether the device could shed load if asked now.
    #[serde(default = "yes")]
    pub can_shed: bool,
    /// The level it is running at (0 = normal).
    #[serde(default)]
    pub level: f64,
}

fn yes() -> bool {
    true
}

/// A controllable load with a meter.
pub trait Device: Send {
    /// Run at the level of `cmd` (0 = normal operation).
    fn apply(
        &mut self,
        cmd: &SignalCommand,
        now: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Read power, energy and status.
    fn read(&mut self, now: Timestamp) -> impl Future<Output = Result<Telemetry>> + Send;
}

/// The device chosen in config.
pub enum AnyDevice {
    Sim(sim::Thermostat),
    Command(command::CommandDevice),
    Webhook(command::WebhookDevice),
    Modbus(modbus::ModbusDevice),
}

impl AnyDevice {
    pub fn from_config(c: &DeviceConfig, now: Timestamp) -> Result<AnyDevice> {
        Ok(match c {
            DeviceConfig::Simulated(s) => AnyDevice::Sim(sim::Thermostat::new(s.clone(), now)),
            DeviceConfig::Command(c) => AnyDevice::Command(command::CommandDevice::new(c.clone())),
            DeviceConfig::Webhook(w) => AnyDevice::Webhook(command::WebhookDevice::new(w.clone())?),
            DeviceConfig::Modbus(m) => AnyDevice::Modbus(modbus::ModbusDevice::new(m.clone())?),
        })
    }
}

impl Device for AnyDevice {
    async fn apply(&mut self, cmd: &SignalCommand, now: Timestamp) -> Result<()> {
        match self {
            AnyDevice::Sim(d) => d.apply(cmd, now).await,
            AnyDevice::Command(d) => d.apply(cmd, now).await,
            AnyDevice::Webhook(d) => d.apply(cmd, now).await,
            AnyDevice::Modbus(d) => d.apply(cmd, now).await,
        }
    }
    async fn read(&mut self, now: Timestamp) -> Result<Telemetry> {
        match self {
            AnyDevice::Sim(d) => d.read(now).await,
            AnyDevice::Command(d) => d.read(now).await,
            AnyDevice::Webhook(d) => d.read(now).await,
            AnyDevice::Modbus(d) => d.read(now).await,
        }
    }
}
