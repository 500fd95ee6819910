//! Nothing lost: the VTN answers 503, then refuses connections, then comes
//! back; every reading reaches it exactly once, in order. Real time,
//! compressed: 1 s granularity, a few seconds of outage.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::FakeVtn;
use ven::agent::{Agent, AgentSettings};
use ven::clock::SystemClock;
use ven::config::{Config, VtnConfig};
use ven::device::sim::{SimConfig, Thermostat};
use ven::store::Store;
use ven::transport::HttpTransport;

pub fn settings() -> AgentSettings {
    let mut s = AgentSettings::from_config(&Config::default(), "ven-test").unwrap();
    s.max_backoff = Duration::from_millis(800);
    s.history_period = None;
    s.seed = 42;
    s
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vtn_outage_loses_and_duplicates_nothing() {
    let mut vtn = FakeVtn::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db");
    let db = db.to_str().unwrap().to_owned();
    let agent = Agent::new(
        settings(),
        HttpTransport::new(&vtn.url(), &VtnConfig::default()).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(&db).unwrap(),
        None,
    );
    let task = tokio::spawn(agent.run());
    let st = vtn.state.clone();
    let count = move || st.lock().unwrap().readings.len();

    let c = count.clone();
    wait_for("first readings", 20, move || c() >= 2).await;
    // Outage, part 1: the VTN answers 503.
    vtn.set_up(false);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = count();
    // Outage, part 2: nobody listens.
    vtn.stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut outbox = Store::open(&db).unwrap();
    let queued = outbox.outbox_len().unwrap();
    assert!(
        queued >= 4,
        "readings wait in the outbox during the outage ({queued})"
    );
    vtn.restart();
    vtn.set_up(true);
    let c = count.clone();
    // At least 10 in all, so that the order check below has something to
    // check even when a loaded machine sampled slowly before the outage.
    let want = (during + queued as usize + 2).max(10);
    wait_for("catch-up", 30, move || c() >= want).await;
    wait_for("empty outbox", 10, || outbox.outbox_len().unwrap() <= 1).await;
    task.abort();

    let readings = vtn.state.lock().unwrap().readings.clone();
    let times: Vec<_> = readings.iter().map(|(_, t, _)| *t).collect();
    // Every second from the first to the last, once each, in order.
    for w in times.windows(2) {
        assert_eq!(
            (w[1] - w[0]).num_milliseconds(),
            1000,
            "gap or duplicate between {} and {}",
            w[0],
            w[1]
        );
    }
    assert!(readings
        .iter()
        .all(|(rid, _, v)| rid == "power" && *v > 0.0));
    assert!(times.len() >= 10, "{} readings", times.len());
}

/// A VTN that stops answering (connections accepted, no reply, as behind a
/// network black hole) holds each request up to the transport's timeout:
/// sampling goes on meanwhile, and every second arrives once afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vtn_that_does_not_answer_does_not_stop_sampling() {
    let vtn = FakeVtn::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db");
    let db = db.to_str().unwrap().to_owned();
    let agent = Agent::new(
        settings(),
        HttpTransport::new(&vtn.url(), &VtnConfig::default()).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(&db).unwrap(),
        None,
    );
    let task = tokio::spawn(agent.run());
    let st = vtn.state.clone();
    let count = move || st.lock().unwrap().readings.len();
    let c = count.clone();
    wait_for("first readings", 20, move || c() >= 2).await;
    vtn.state.lock().unwrap().hang = true;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut outbox = Store::open(&db).unwrap();
    let queued = outbox.outbox_len().unwrap();
    vtn.state.lock().unwrap().hang = false;
    assert!(
        queued >= 4,
        "readings taken while the VTN held the request ({queued})"
    );
    let c = count.clone();
    let want = c() + queued as usize + 2;
    wait_for("catch-up", 30, move || c() >= want).await;
    task.abort();
    let readings = vtn.state.lock().unwrap().readings.clone();
    let times: Vec<_> = readings.iter().map(|(_, t, _)| *t).collect();
    for w in times.windows(2) {
        assert_eq!(
            (w[1] - w[0]).num_milliseconds(),
            1000,
            "gap or duplicate between {} and {}",
            w[0],
            w[1]
        );
    }
}
