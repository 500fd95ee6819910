//! Issue 13: no reading lost across a VEN restart. The fake VTN behaves like
//! ours on oadrRegisterReport: every registration of the VEN's reports
//! replaces the report request (new reportRequestID) and readings sent under
//! a replaced one are refused with 461. The VEN is restarted (its task
//! aborted mid-flight, as `kill -9` would leave it, then a new agent on the
//! same database) in every order with a VTN outage, while one-second
//! readings flow; every sampled instant must reach the VTN exactly once,
//! with no gap in sampling.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{FakeVtn, Shared};
use ven::agent::{Agent, AgentSettings};
use ven::clock::SystemClock;
use ven::config::{Config, VtnConfig};
use ven::device::sim::{SimConfig, Thermostat};
use ven::store::Store;
use ven::transport::HttpTransport;

fn settings() -> AgentSettings {
    let mut s = AgentSettings::from_config(&Config::default(), "ven-restart-outbox").unwrap();
    s.max_backoff = Duration::from_millis(800);
    s.history_period = None;
    s.seed = 7;
    s
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn start(vtn: &FakeVtn, db: &str) -> tokio::task::JoinHandle<ven::Result<()>> {
    let agent = Agent::new(
        settings(),
        HttpTransport::new(&vtn.url(), &VtnConfig::default()).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(db).unwrap(),
        None,
    );
    tokio::spawn(agent.run())
}

/// Abort the VEN between two deliveries (just after one was acknowledged),
/// so that no batch the VTN stored is still unacknowledged: the VEN cannot
/// tell such a batch from a lost one, and would rightly send it again.
async fn kill_ven(st: &Shared, task: tokio::task::JoinHandle<ven::Result<()>>, vtn_up: bool) {
    if vtn_up {
        let n = st.lock().unwrap().readings.len();
        wait_for("a delivery before the kill", 10, || {
            st.lock().unwrap().readings.len() > n
        })
        .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    task.abort();
    let _ = task.await;
}

fn generation(st: &Shared) -> u32 {
    st.lock().unwrap().generation
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reading_lost_across_ven_restarts_with_superseded_requests() {
    let mut vtn = FakeVtn::start();
    vtn.state.lock().unwrap().supersede = true;
    let st = vtn.state.clone();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db").to_str().unwrap().to_owned();
    let count = {
        let st = st.clone();
        move || st.lock().unwrap().readings.len()
    };

    let mut task = start(&vtn, &db);
    let c = count.clone();
    wait_for("first readings", 20, move || c() >= 3).await;

    // 1. VTN up: kill the VEN, start it again at once. It registers its
    //    reports again: the request is replaced.
    let g = generation(&st);
    kill_ven(&st, task, true).await;
    task = start(&vtn, &db);
    wait_for("re-registration 1", 10, || generation(&st) > g).await;
    let c = count.clone();
    let n = c();
    wait_for("readings after restart 1", 10, move || c() >= n + 2).await;

    // 2. The order: kill the VTN, wait, kill the VEN and start it
    //    while the VTN is still down (it must sample without registering),
    //    then bring the VTN back.
    vtn.stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    kill_ven(&st, task, false).await;
    task = start(&vtn, &db);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let g = generation(&st);
    let mut outbox = Store::open(&db).unwrap();
    let queued = outbox.outbox_len().unwrap();
    assert!(
        queued >= 5,
        "readings of the outage, before and after the VEN restart, wait in the outbox ({queued})"
    );
    vtn.restart();
    wait_for("re-registration 2", 20, || generation(&st) > g).await;

    // 3. Kill the VEN first, then the VTN; start the VEN during the outage,
    //    then the VTN.
    let c = count.clone();
    let n = c();
    wait_for("readings after restart 2", 20, move || c() >= n + 2).await;
    kill_ven(&st, task, true).await;
    vtn.stop().await;
    task = start(&vtn, &db);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let g = generation(&st);
    vtn.restart();
    wait_for("re-registration 3", 20, || generation(&st) > g).await;

    // 4. Kill the VTN, then the VEN; start the VTN, then the VEN.
    let c = count.clone();
    let n = c();
    wait_for("readings after restart 3", 20, move || c() >= n + 2).await;
    vtn.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    kill_ven(&st, task, false).await;
    vtn.restart();
    task = start(&vtn, &db);

    // Let it catch up, then check what the VTN holds.
    let c = count.clone();
    let n = c();
    wait_for("catch-up", 30, move || c() >= n + 5).await;
    wait_for("empty outbox", 15, || outbox.outbox_len().unwrap() <= 1).await;
    kill_ven(&st, task, true).await;

    let s = st.lock().unwrap();
    let times: Vec<_> = s.readings.iter().map(|(_, t, _)| *t).collect();
    for ((_, t, _), r) in s.readings.iter().zip(&s.reading_requests) {
        eprintln!("{t} {r}");
    }
    let mut sorted = times.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        assert_eq!(
            (w[1] - w[0]).num_milliseconds(),
            1000,
            "gap or duplicate between {} and {} ({} readings, {} refused messages)",
            w[0],
            w[1],
            times.len(),
            s.refused
        );
    }
    assert!(s
        .readings
        .iter()
        .all(|(rid, _, v)| rid == "power" && *v > 0.0));
    assert!(s.generation >= 5, "each start registered the reports anew");
    // Readings sampled under an earlier request reached the VTN under a
    // later one: several requests delivered readings.
    let mut reqs = s.reading_requests.clone();
    reqs.dedup();
    assert!(
        reqs.len() >= 4,
        "requests that delivered readings: {reqs:?}"
    );
    assert!(times.len() >= 20, "{} readings", times.len());
}

/// A VTN that accepts connections and never answers (a network black hole,
/// as in a real outage, rather than a refused connection): a VEN starting
/// then samples while its registration attempt waits for the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ven_samples_while_its_registration_hangs() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hole = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db").to_str().unwrap().to_owned();
    let url = format!("http://{addr}/OpenADR2/Simple/2.0b");
    let vtn_cfg = VtnConfig {
        timeout_s: 30,
        ..VtnConfig::default()
    };
    let agent = Agent::new(
        settings(),
        HttpTransport::new(&url, &vtn_cfg).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(&db).unwrap(),
        None,
    );
    let task = tokio::spawn(agent.run());
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let mut store = Store::open(&db).unwrap();
    // Nothing stored yet: the defaults (power, energy, status) every second.
    let power: Vec<_> = store
        .pending(1000)
        .unwrap()
        .into_iter()
        .filter(|(_, r)| r.rid.as_str() == "power")
        .map(|(_, r)| r.dtstart)
        .collect();
    task.abort();
    hole.abort();
    assert!(
        power.len() >= 4,
        "one power reading a second while registering: {power:?}"
    );
    for w in power.windows(2) {
        assert_eq!((w[1] - w[0]).num_milliseconds(), 1000, "{power:?}");
    }
}
