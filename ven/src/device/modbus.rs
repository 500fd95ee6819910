//! Modbus TCP (tokio-modbus): write the shed level and/or a setpoint to
//! holding registers, read power and energy from a meter's registers.
//!
//! 32-bit values span two registers, high word first (the common meter
//! layout); every value is multiplied by its `scale` (engineering units per
//! count). The connection is opened lazily and re-opened after any error.

use std::net::SocketAddr;
use std::time::Duration;

use adr_schema::Timestamp;
use serde::{Deserialize, Serialize};
use tokio_modbus::client::{tcp, Context, Reader, Writer};
use tokio_modbus::Slave;

use super::{Device, Telemetry};
use crate::error::{Result, VenError};
use crate::protocol::SignalCommand;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RegisterKind {
    #[default]
    Holding,
    Input,
}

/// A value read from one or two registers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRegister {
    pub register: u16,
    #[serde(default)]
    pub kind: RegisterKind,
    /// 1 (u16) or 2 (u32, high word first).
    #[serde(default = "two")]
    pub words: u8,
    #[serde(default = "one")]
    pub scale: f64,
}

/// The shed level, written as `level * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRegister {
    pub register: u16,
    #[serde(default = "one")]
    pub scale: f64,
}

/// A setpoint, written as `(base + level * step) * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetpointRegister {
    pub register: u16,
    pub base: f64,
    pub step: f64,
    #[serde(default = "one")]
    pub scale: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModbusConfig {
    /// `host:port` of the Modbus TCP server.
    pub address: String,
    #[serde(default = "unit")]
    pub unit: u8,
    pub level: Option<LevelRegister>,
    pub setpoint: Option<SetpointRegister>,
    pub power: ReadRegister,
    pub energy: ReadRegister,
    #[serde(default = "timeout")]
    pub timeout_s: u64,
}

fn one() -> f64 {
    1.0
}
fn two() -> u8 {
    2
}
fn unit() -> u8 {
    1
}
fn timeout() -> u64 {
    5
}

pub struct ModbusDevice {
    cfg: ModbusConfig,
    addr: SocketAddr,
    ctx: Option<Context>,
    level: f64,
}

fn err(e: impl std::fmt::Display) -> VenError {
    VenError::Device(format!("modbus: {e}"))
}

impl ModbusDevice {
    pub fn new(cfg: ModbusConfig) -> Result<Self> {
        let addr = cfg
            .address
            .parse()
            .map_err(|e| VenError::Config(format!("modbus address {}: {e}", cfg.address)))?;
        Ok(ModbusDevice {
            cfg,
            addr,
            ctx: None,
            level: 0.0,
        })
    }

    async fn ctx(&mut self) -> Result<&mut Context> {
        if self.ctx.is_none() {
            let c = tokio::time::timeout(
                Duration::from_secs(self.cfg.timeout_s),
                tcp::connect_slave(self.addr, Slave(self.cfg.unit)),
            )
            .await
            .map_err(|_| err("connect timed out"))?
            .map_err(err)?;
            self.ctx = Some(c);
        }
        Ok(self.ctx.as_mut().expect("just set"))
    }

    async fn write(&mut self, register: u16, value: f64) -> Result<()> {
        let word = value.round().clamp(0.0, u16::MAX as f64) as u16;
        let t = Duration::from_secs(self.cfg.timeout_s);
        let ctx = self.ctx().await?;
        let r = tokio::time::timeout(t, ctx.write_single_register(register, word)).await;
        match r {
            Ok(Ok(Ok(()))) => Ok(()),
            other => {
                self.ctx = None;
                Err(err(format!("write register {register}: {other:?}")))
            }
        }
    }

    async fn read_value(&mut self, reg: &ReadRegister) -> Result<f64> {
        let n = reg.words.clamp(1, 2) as u16;
        let t = Duration::from_secs(self.cfg.timeout_s);
        let ctx = self.ctx().await?;
        let fut = async {
            match reg.kind {
                RegisterKind::Holding => ctx.read_holding_registers(reg.register, n).await,
                RegisterKind::Input => ctx.read_input_registers(reg.register, n).await,
            }
        };
        let words = match tokio::time::timeout(t, fut).await {
            Ok(Ok(Ok(w))) if w.len() == n as usize => w,
            other => {
                self.ctx = None;
                return Err(err(format!("read register {}: {other:?}", reg.register)));
            }
        };
        let raw = if n == 2 {
            ((words[0] as u32) << 16) | words[1] as u32
        } else {
            words[0] as u32
        };
        Ok(raw as f64 * reg.scale)
    }
}

impl Device for ModbusDevice {
    async fn apply(&mut self, cmd: &SignalCommand, _now: Timestamp) -> Result<()> {
        let level = if cmd.level.is_finite() {
            cmd.level.max(0.0)
        } else {
            0.0
        };
        if let Some(l) = self.cfg.level.clone() {
            self.write(l.register, level * l.scale).await?;
        }
        if let Some(s) = self.cfg.setpoint.clone() {
            self.write(s.register, (s.base + level * s.step) * s.scale)
                .await?;
        }
        self.level = level;
        tracing::info!(level, "modbus: level written");
        Ok(())
    }

    async fn read(&mut self, _now: Timestamp) -> Result<Telemetry> {
        let p = self.cfg.power.clone();
        let e = self.cfg.energy.clone();
        let power_w = self.read_value(&p).await?;
        let energy_wh = self.read_value(&e).await?;
        Ok(Telemetry {
            power_w,
            energy_wh,
            online: true,
            manual_override: false,
            can_shed: true,
            level: self.level,
        })
    }
}
