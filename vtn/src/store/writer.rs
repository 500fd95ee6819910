//! Group commit: one thread owns the connection every decision writes
//! through. It takes the jobs waiting (up to [`MAX_BATCH`]), runs each in its
//! own savepoint inside one `BEGIN IMMEDIATE` transaction, commits once, and
//! only then lets their callers answer. With `synchronous = FULL` every
//! acknowledged message is on disk (it survives power loss, not only a
//! crash), and one fsync is shared by every message of the batch, so ingest
//! stays high under load.

use std::sync::mpsc;

use diesel::connection::Connection;

use super::{Conn, Pool};
use crate::error::{Result, VtnError};

/// Most jobs committed together.
pub const MAX_BATCH: usize = 256;

/// What runs after the batch's commit: told whether it committed.
type Done = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;
/// A job: its work on the writer's connection (inside a savepoint it opens).
type Job = Box<dyn FnOnce(&mut Conn) -> Done + Send>;

/// The handle to the writer thread (cheap to clone).
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Start the writer on a connection of its own from `pool`.
    pub fn start(pool: &Pool) -> Result<Writer> {
        let mut conn = pool.get()?;
        let pool = pool.clone();
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("vtn-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(j) => jobs.push(j),
                            Err(_) => break,
                        }
                    }
                    let mut done = Vec::with_capacity(jobs.len());
                    let mut panicked = false;
                    let committed = conn.immediate_transaction(|c| {
                        for j in jobs.drain(..) {
                            // A job that panics must not take the writer (and
                            // so every later write) with it: its batch is
                            // rolled back and answered with an error.
                            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| j(c))) {
                                Ok(d) => done.push(d),
                                Err(_) => {
                                    panicked = true;
                                    return Err(diesel::result::Error::RollbackTransaction);
                                }
                            }
                        }
                        Ok::<_, diesel::result::Error>(())
                    });
                    if let Err(e) = &committed {
                        tracing::error!(error = %e, jobs = done.len(), panicked, "group commit failed");
                    }
                    let outcome = committed.map_err(|e| e.to_string());
                    for d in done {
                        d(outcome.clone());
                    }
                    if panicked {
                        // The connection's transaction state is unknown after
                        // a panic: start again on a fresh one.
                        match pool.get() {
                            Ok(c) => conn = c,
                            Err(e) => tracing::error!(error = %e, "writer: no fresh connection"),
                        }
                    }
                }
            })
            .map_err(|e| VtnError::Store(format!("starting the writer: {e}")))?;
        Ok(Writer { tx })
    }

    /// Run `f` in the next batch; its result once the batch committed. An
    /// error from `f` rolls back its own savepoint only.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |c: &mut Conn| {
            let out = c.transaction(|c| {
                let r = f(c);
                // Roll the savepoint back on the job's own error, keep its result.
                match r {
                    Ok(v) => Ok(Ok(v)),
                    Err(e) => Err(Rollback(e)),
                }
            });
            let out = match out {
                Ok(v) => v,
                Err(Rollback(e)) => Err(e),
            };
            Box::new(move |committed: std::result::Result<(), String>| {
                let r = match (out, committed) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(VtnError::Store(format!("commit: {e}"))),
                };
                let _ = tx.send(r);
            })
        });
        self.tx
            .send(job)
            .map_err(|_| VtnError::Store("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| VtnError::Store("the writer dropped a job".into()))?
    }
}

/// A job's own error, carried through diesel's transaction so that its
/// savepoint is rolled back.
struct Rollback(VtnError);

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback(VtnError::from(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;

    fn vens(c: &mut Conn) -> i64 {
        crate::store::schema::vens::table
            .count()
            .get_result(c)
            .unwrap()
    }

    fn row(id: &str) -> crate::store::VenRow {
        crate::store::VenRow {
            ven_id: id.into(),
            ven_name: Some(id.into()),
            registration_id: None,
            profile_name: "2.0b".into(),
            transport_name: "simpleHttp".into(),
            transport_address: None,
            http_pull_model: true,
            report_only: false,
            xml_signature: false,
            groups_json: "[]".into(),
            resources_json: "[]".into(),
            party_id: None,
            cert_fingerprint: None,
            created_at: 0,
            registered_at: None,
            last_contact: None,
        }
    }

    /// Jobs that arrive together commit together, and one job's error rolls
    /// back its own writes only.
    #[tokio::test]
    async fn a_failing_job_takes_only_its_own_writes_back() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::store::open(&dir.path().join("w.db")).unwrap();
        let w = Writer::start(&pool).unwrap();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                w.run(move |c| {
                    crate::store::insert_ven(c, &row(&format!("ven-{i}")))?;
                    if i % 2 == 1 {
                        return Err(VtnError::data("refused after writing"));
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 100);
        assert_eq!(vens(&mut pool.get().unwrap()), 100);
    }

    /// A job that panics is answered with an error, and the writer goes on.
    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::store::open(&dir.path().join("w.db")).unwrap();
        let w = Writer::start(&pool).unwrap();
        let r: Result<()> = w
            .run(|c| {
                crate::store::insert_ven(c, &row("doomed"))?;
                panic!("a bug in a decision")
            })
            .await;
        assert!(r.is_err());
        w.run(|c| crate::store::insert_ven(c, &row("after")))
            .await
            .unwrap();
        let c = &mut pool.get().unwrap();
        assert_eq!(vens(c), 1, "the panicking job's write was rolled back");
    }
}
