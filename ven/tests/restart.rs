//! The agent driven through an in-memory transport (no sockets): the
//! registration ids survive a restart, and readings flow.

mod common;

use std::time::Duration;

use adr_schema::Message;
use chrono::Utc;
use common::{answer, FakeState, Shared};
use ven::agent::{Agent, AgentSettings};
use ven::clock::SystemClock;
use ven::config::Config;
use ven::device::sim::{SimConfig, Thermostat};
use ven::store::Store;
use ven::transport::Transport;

/// The fake VTN's logic called directly: the XML still goes both ways, so
/// the codec is exercised, but no socket is opened.
struct InMemory(Shared);

impl Transport for InMemory {
    async fn send(&self, msg: &Message) -> ven::Result<Option<Message>> {
        let m = Message::from_xml(&msg.to_xml())?;
        Ok(answer(&self.0, m).map(|a| Message::from_xml(&a.to_xml()).unwrap()))
    }
}

#[tokio::test]
async fn registration_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db").to_str().unwrap().to_owned();
    let state: Shared = std::sync::Arc::new(std::sync::Mutex::new(FakeState {
        up: true,
        ..Default::default()
    }));
    for round in 0..2 {
        let mut s = AgentSettings::from_config(&Config::default(), "ven-restart").unwrap();
        s.history_period = None;
        let agent = Agent::new(
            s,
            InMemory(state.clone()),
            Thermostat::new(SimConfig::default(), Utc::now()),
            SystemClock,
            Store::open(&db).unwrap(),
            None,
        );
        let task = tokio::spawn(agent.run());
        let st = state.clone();
        let end = tokio::time::Instant::now() + Duration::from_secs(10);
        while st.lock().unwrap().readings.len() < 2 * (round + 1) {
            assert!(
                tokio::time::Instant::now() < end,
                "no readings in round {round}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        task.abort();
        let _ = task.await;
    }
    let regs = state.lock().unwrap().registrations.clone();
    assert_eq!(regs.len(), 2);
    assert_eq!(regs[0], (None, None), "first start: no ids to offer");
    assert_eq!(
        regs[1],
        (Some("VEN-FAKE".into()), Some("REG-FAKE".into())),
        "restart offers the stored ids"
    );
}
