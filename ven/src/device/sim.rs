//! A simulated thermostat-controlled HVAC load and its meter, so the agent
//! runs with no hardware.
//!
//! Model: the indoor temperature relaxes toward the outdoor temperature with
//! time constant `tau_s`; while the compressor runs it moves by
//! `hvac_rate_c_per_h` toward the setpoint (hysteresis ±`deadband_c`). A
//! SIMPLE level raises (cooling) or lowers (heating) the setpoint by
//! `shed_step_c` per level; level 3 switches the HVAC off. Power is the base
//! load plus the HVAC power when running; the meter integrates it.

use adr_schema::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Device, Telemetry};
use crate::error::Result;
use crate::protocol::SignalCommand;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Cool,
    Heat,
    Off,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    pub mode: Mode,
    pub setpoint_c: f64,
    pub indoor_c: f64,
    pub outdoor_c: f64,
    pub tau_s: f64,
    pub hvac_rate_c_per_h: f64,
    pub hvac_power_w: f64,
    pub base_load_w: f64,
    pub deadband_c: f64,
    pub shed_step_c: f64,
    /// Beyond this indoor temperature (cooling; below it when heating) the
    /// device reports that it cannot shed.
    pub comfort_limit_c: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            mode: Mode::Cool,
            setpoint_c: 22.0,
            indoor_c: 23.0,
            outdoor_c: 32.0,
            tau_s: 4.0 * 3600.0,
            hvac_rate_c_per_h: 6.0,
            hvac_power_w: 3500.0,
            base_load_w: 400.0,
            deadband_c: 0.5,
            shed_step_c: 2.0,
            comfort_limit_c: 28.0,
        }
    }
}

pub struct Thermostat {
    cfg: SimConfig,
    indoor_c: f64,
    running: bool,
    level: f64,
    energy_wh: f64,
    last: Timestamp,
}

impl Thermostat {
    pub fn new(cfg: SimConfig, now: Timestamp) -> Self {
        Thermostat {
            indoor_c: cfg.indoor_c,
            cfg,
            running: false,
            level: 0.0,
            energy_wh: 0.0,
            last: now,
        }
    }

    pub fn indoor_c(&self) -> f64 {
        self.indoor_c
    }

    pub fn effective_setpoint(&self) -> Option<f64> {
        let steps = self.level.clamp(0.0, 3.0);
        match self.cfg.mode {
            Mode::Off => None,
            _ if steps >= 3.0 => None,
            Mode::Cool => Some(self.cfg.setpoint_c + steps * self.cfg.shed_step_c),
            Mode::Heat => Some(self.cfg.setpoint_c - steps * self.cfg.shed_step_c),
        }
    }

    fn power(&self) -> f64 {
        self.cfg.base_load_w
            + if self.running {
                self.cfg.hvac_power_w
            } else {
                0.0
            }
    }

    /// Run the model forward to `now`, in steps of at most 10 s.
    pub fn advance(&mut self, now: Timestamp) {
        let mut left = (now - self.last).num_milliseconds() as f64 / 1000.0;
        if left <= 0.0 {
            return;
        }
        self.last = now;
        while left > 0.0 {
            let dt = left.min(10.0);
            left -= dt;
            let sp = self.effective_setpoint();
            self.running = match (self.cfg.mode, sp) {
                (Mode::Cool, Some(sp)) => {
                    if self.indoor_c > sp + self.cfg.deadband_c {
                        true
                    } else if self.indoor_c < sp - self.cfg.deadband_c {
                        false
                    } else {
                        self.running
                    }
                }
                (Mode::Heat, Some(sp)) => {
                    if self.indoor_c < sp - self.cfg.deadband_c {
                        true
                    } else if self.indoor_c > sp + self.cfg.deadband_c {
                        false
                    } else {
                        self.running
                    }
                }
                _ => false,
            };
            self.indoor_c += (self.cfg.outdoor_c - self.indoor_c) * (dt / self.cfg.tau_s.max(1.0));
            if self.running {
                let d = self.cfg.hvac_rate_c_per_h * dt / 3600.0;
                self.indoor_c += if self.cfg.mode == Mode::Cool { -d } else { d };
            }
            self.energy_wh += self.power() * dt / 3600.0;
        }
    }

    fn can_shed(&self) -> bool {
        match self.cfg.mode {
            Mode::Off => false,
            Mode::Cool => self.level < 3.0 && self.indoor_c < self.cfg.comfort_limit_c,
            Mode::Heat => self.level < 3.0 && self.indoor_c > self.cfg.comfort_limit_c,
        }
    }
}

impl Device for Thermostat {
    async fn apply(&mut self, cmd: &SignalCommand, now: Timestamp) -> Result<()> {
        self.advance(now);
        self.level = if cmd.level.is_finite() {
            cmd.level
        } else {
            0.0
        };
        tracing::info!(
            level = self.level, setpoint_c = ?self.effective_setpoint(), indoor_c = format!("{:.2}", self.indoor_c),
            "simulated thermostat: level applied"
        );
        Ok(())
    }

    async fn read(&mut self, now: Timestamp) -> Result<Telemetry> {
        self.advance(now);
        Ok(Telemetry {
            power_w: self.power(),
            energy_wh: self.energy_wh,
            online: true,
            manual_override: false,
            can_shed: self.can_shed(),
            level: self.level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2026-07-01T12:00:00Z".parse().unwrap()
    }

    #[tokio::test]
    async fn cools_to_setpoint_and_meters_energy() {
        let mut d = Thermostat::new(SimConfig::default(), t0());
        let r = d.read(t0() + chrono::Duration::hours(2)).await.unwrap();
        assert!((d.indoor_c() - 22.0).abs() < 1.0, "indoor {}", d.indoor_c());
        // Base load alone is 800 Wh in 2 h; the compressor adds to it.
        assert!(
            r.energy_wh > 800.0 && r.energy_wh < 2.0 * 3900.0,
            "{}",
            r.energy_wh
        );
        assert!(r.can_shed);
    }

    #[tokio::test]
    async fn shedding_raises_temperature_and_saves_energy() {
        let mut normal = Thermostat::new(SimConfig::default(), t0());
        let mut shed = Thermostat::new(SimConfig::default(), t0());
        let cmd = SignalCommand {
            level: 2.0,
            ..SignalCommand::normal()
        };
        shed.apply(&cmd, t0()).await.unwrap();
        let end = t0() + chrono::Duration::hours(3);
        let a = normal.read(end).await.unwrap();
        let b = shed.read(end).await.unwrap();
        assert!(
            b.energy_wh < a.energy_wh,
            "{} !< {}",
            b.energy_wh,
            a.energy_wh
        );
        assert!(shed.indoor_c() > normal.indoor_c() + 2.0);
        assert_eq!(b.level, 2.0);
    }
}
