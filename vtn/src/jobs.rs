//! Timed work on tokio-cron-scheduler. The work itself is
//! [`vtn_core::tick::tick`] (a decision, clock injected), so tests call
//! [`run_tick`] after moving a `ManualClock` instead of waiting.

use std::collections::HashMap;
use std::time::Duration;

use tokio_cron_scheduler::{Job, JobScheduler};

use crate::core;
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store;
use crate::store::Effects;
use vtn_core::tick::TickReport;

/// Event status transitions, report request deadlines, queue expiry.
pub async fn run_tick(st: &AppState) -> Result<TickReport> {
    let (rep, fx) = st
        .write(|c, env| {
            let mut fx = Effects::default();
            let rep = core::decide(c, env, None, &mut fx, vtn_core::tick::tick)?;
            Ok((rep, fx))
        })
        .await?;
    st.apply(fx);
    Ok(rep)
}

/// Write last-contact times to the database, heal pending counters, retry pushes.
pub async fn run_housekeeping(st: &AppState) -> Result<()> {
    let contacts = st.registry.contacts();
    let before = st.applied.load(std::sync::atomic::Ordering::SeqCst);
    let counts = st
        .db(move |c, _| {
            store::set_last_contacts(c, &contacts)?;
            store::pending_counts(c)
        })
        .await?;
    let counts: HashMap<String, i64> = counts.into_iter().collect();
    // A commit mirrored since the read already moved the counters; writing
    // the older counts over them would hide its messages from the idle-poll
    // fast path until the next resync. The next run heals any drift.
    if st.applied.load(std::sync::atomic::Ordering::SeqCst) == before {
        st.registry.resync_pending(&counts);
    }
    if let Some(tx) = &st.push {
        for v in st.registry.push_backlog() {
            let _ = tx.send(v);
        }
    }
    Ok(())
}

/// Start the scheduler: the tick every second, housekeeping every 10 seconds.
pub async fn start(st: AppState) -> Result<JobScheduler> {
    let err =
        |e: tokio_cron_scheduler::JobSchedulerError| VtnError::Store(format!("scheduler: {e}"));
    let sched = JobScheduler::new().await.map_err(err)?;
    let s1 = st.clone();
    sched
        .add(
            Job::new_repeated_async(Duration::from_secs(1), move |_, _| {
                let st = s1.clone();
                Box::pin(async move {
                    if let Err(e) = run_tick(&st).await {
                        tracing::error!(error = %e, "tick failed");
                    }
                })
            })
            .map_err(err)?,
        )
        .await
        .map_err(err)?;
    let s2 = st.clone();
    sched
        .add(
            Job::new_repeated_async(Duration::from_secs(10), move |_, _| {
                let st = s2.clone();
                Box::pin(async move {
                    if let Err(e) = run_housekeeping(&st).await {
                        tracing::error!(error = %e, "housekeeping failed");
                    }
                })
            })
            .map_err(err)?,
        )
        .await
        .map_err(err)?;
    sched.start().await.map_err(err)?;
    Ok(sched)
}
