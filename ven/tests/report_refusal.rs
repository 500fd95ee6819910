//! Issue 14: a report the VTN refuses must not hold back the others.
//! openleadr's VTN answers HTTP 500 to any oadrUpdateReport carrying an
//! `oadrPayloadResourceStatus`; the fake VTN here does the same while it
//! requests both TELEMETRY_USAGE and TELEMETRY_STATUS at 1 s. Usage
//! readings must keep reaching it; the status report is retried with
//! back-off, then set aside (shown by `ven status`) with its readings kept,
//! and resumes when the VTN requests it again.

mod common;

use std::time::Duration;

use adr_schema::{CreateReport, Message, RequestId};
use chrono::Utc;
use common::FakeVtn;
use ven::agent::{Agent, AgentSettings};
use ven::clock::SystemClock;
use ven::config::{Config, VtnConfig};
use ven::device::sim::{SimConfig, Thermostat};
use ven::store::Store;
use ven::transport::HttpTransport;

fn settings() -> AgentSettings {
    let mut s = AgentSettings::from_config(&Config::default(), "ven-refusal").unwrap();
    s.max_backoff = Duration::from_millis(800);
    s.history_period = None;
    s.seed = 11;
    s
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Readings in the outbox of one reportSpecifierID.
fn queued(db: &str, specifier: &str) -> usize {
    Store::open(db)
        .unwrap()
        .pending(1_000_000)
        .unwrap()
        .iter()
        .filter(|(_, r)| r.report_specifier_id.as_str() == specifier)
        .count()
}

/// `ven status --db DB`, as an operator runs it next to the running VEN.
fn ven_status(db: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ven"))
        .args(["status", "--db", db])
        .output()
        .expect("run ven status");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn set_aside_line(status: &str) -> Option<String> {
    status
        .lines()
        .find(|l| l.contains("TELEMETRY_STATUS") && l.contains("set aside"))
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_status_report_does_not_hold_back_usage_and_is_set_aside() {
    let vtn = FakeVtn::start();
    {
        let mut s = vtn.state.lock().unwrap();
        s.status_report = true;
        s.refuse_status = true;
    }
    let st = vtn.state.clone();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ven.db").to_str().unwrap().to_owned();
    let agent = Agent::new(
        settings(),
        HttpTransport::new(&vtn.url(), &VtnConfig::default()).unwrap(),
        Thermostat::new(SimConfig::default(), Utc::now()),
        SystemClock,
        Store::open(&db).unwrap(),
        None,
    );
    let task = tokio::spawn(agent.run());
    let usage = {
        let st = st.clone();
        move || {
            st.lock()
                .unwrap()
                .readings
                .iter()
                .filter(|(rid, _, _)| rid == "power")
                .count()
        }
    };

    // The VTN refuses the status report from the start...
    wait_for("a refused status report", 20, || {
        st.lock().unwrap().status_refused >= 1
    })
    .await;
    // ...and usage readings still reach it, second after second.
    let n = usage();
    let u = usage.clone();
    wait_for("usage readings while status is refused", 20, move || {
        u() >= n + 5
    })
    .await;

    // After the bounded number of refusals the status report is set aside:
    // `ven status` says so, with the refusal count and the last error.
    let mut line = None;
    wait_for("the status report set aside in `ven status`", 60, || {
        line = set_aside_line(&ven_status(&db));
        line.is_some()
    })
    .await;
    let line = line.unwrap();
    println!("{}", ven_status(&db));
    assert!(line.contains("10 refusals"), "{line}");
    assert!(line.contains("HTTP 500"), "{line}");

    // Set aside: no longer sent, its readings kept (not sampled further).
    let refused = st.lock().unwrap().status_refused;
    let kept = queued(&db, "TELEMETRY_STATUS");
    assert!(kept >= 3, "status readings kept in the outbox ({kept})");
    let n = usage();
    let u = usage.clone();
    wait_for("usage readings after the set-aside", 20, move || {
        u() >= n + 3
    })
    .await;
    assert_eq!(
        st.lock().unwrap().status_refused,
        refused,
        "a set-aside report is not sent"
    );
    assert_eq!(
        queued(&db, "TELEMETRY_STATUS"),
        kept,
        "readings kept as they were"
    );
    // Usage is acknowledged as it goes: at most the last few seconds wait.
    let backlog = queued(&db, "TELEMETRY_USAGE");
    assert!(
        backlog <= 6,
        "usage readings acknowledged ({backlog} queued)"
    );
    assert_eq!(
        st.lock().unwrap().max_reports_per_message,
        1,
        "one report per oadrUpdateReport"
    );

    // The VTN requests the status report again (and now takes it): the
    // report resumes and its kept readings are delivered.
    {
        let mut s = st.lock().unwrap();
        s.refuse_status = false;
        s.queued.push_back(Message::CreateReport(CreateReport {
            request_id: RequestId::new("req-status-again").unwrap(),
            report_requests: vec![common::status_request("RR-status-2")],
            ven_id: None,
        }));
    }
    wait_for("the kept status readings delivered", 30, || {
        queued(&db, "TELEMETRY_STATUS") <= 3
    })
    .await;
    let delivered = st
        .lock()
        .unwrap()
        .readings
        .iter()
        .filter(|(rid, _, _)| rid == "status")
        .count();
    assert!(delivered >= kept, "{delivered} status readings delivered");
    assert!(
        set_aside_line(&ven_status(&db)).is_none(),
        "resumed: no longer set aside"
    );
    task.abort();
}
