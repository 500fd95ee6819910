//! Shared state of a running VTN.

use std::sync::Arc;

use crate::clock::{to_ms, Clock};
use crate::config::Settings;
use crate::core::Env;
use crate::error::Result;
use crate::registry::Registry;
use crate::store::{self, Conn, Effects, Pool};

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub registry: Arc<Registry>,
    /// Wakes the push worker for a VEN (None when push is not running, e.g. in tests).
    pub push: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    /// The empty-poll answer, split around the venID.
    empty_poll: Arc<(String, String)>,
    /// XML signatures (None when `xml_signature = off`).
    pub sig: Option<Arc<Signatures>>,
    /// How many commits have been mirrored ([`AppState::apply`]): a resync
    /// of the pending counters read before a later commit is stale.
    pub applied: Arc<std::sync::atomic::AtomicU64>,
    /// The group-commit writer every decision goes through.
    writer: store::writer::Writer,
    /// Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// New registrations per source address.
    pub new_vens: Arc<crate::limits::NewVenLimit>,
}

/// Signing key (parsed once) and the verifier with its nonce cache.
#[derive(Debug)]
pub struct Signatures {
    pub mode: crate::config::SignatureMode,
    pub signer: adr_xmlsig::Signer,
    pub verifier: adr_xmlsig::Verifier,
}

impl Signatures {
    /// Load the signing key named in the settings (None when signatures are off).
    pub fn from_settings(s: &Settings) -> anyhow::Result<Option<Signatures>> {
        use anyhow::Context;
        if s.xml_signature == crate::config::SignatureMode::Off {
            return Ok(None);
        }
        let (cert, key) = s
            .signing
            .as_ref()
            .context("XML signatures need a signing certificate and key")?;
        let read = |p: &std::path::Path| {
            std::fs::read(p).with_context(|| format!("reading {}", p.display()))
        };
        let signer = adr_xmlsig::Signer::from_pem(&read(key)?, &read(cert)?)
            .with_context(|| format!("loading the signing key {}", key.display()))?;
        Ok(Some(Signatures {
            mode: s.xml_signature,
            signer,
            verifier: adr_xmlsig::Verifier::new(s.replay_window.to_chrono()),
        }))
    }
}

const PLACEHOLDER: &str = "VEN-ID-PLACEHOLDER-7f3a";

impl AppState {
    /// Open the database, run migrations, and load the registry.
    pub fn open(settings: Settings, clock: Arc<dyn Clock>) -> Result<AppState> {
        let pool = store::open(&settings.db)?;
        Self::with_pool(pool, settings, clock)
    }

    pub fn with_pool(pool: Pool, settings: Settings, clock: Arc<dyn Clock>) -> Result<AppState> {
        let registry = Arc::new(Registry::default());
        {
            let mut c = pool.get()?;
            registry.reserve(store::count_vens(&mut c)?.max(0) as usize);
            let mut after: Option<String> = None;
            loop {
                let page = store::vens_page(&mut c, after.as_deref(), 10_000)?;
                let Some(last) = page.last() else { break };
                after = Some(last.ven_id.clone());
                for row in page {
                    // One corrupt row must not keep the VTN from serving the others.
                    let v = match row.to_ven() {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::error!(error = %e, "VEN not loaded");
                            continue;
                        }
                    };
                    registry.upsert(
                        v.ven_id.as_str(),
                        v.registration_id.as_ref().map(|r| r.to_string()),
                        v.push_address().map(str::to_string),
                    );
                    registry.set_fingerprint(v.ven_id.as_str(), v.cert_fingerprint.as_deref());
                }
            }
            for (v, n) in store::pending_counts(&mut c)? {
                registry.set_pending(&v, n as i32);
            }
        }
        let msg = adr_schema::Message::Response(adr_schema::Response {
            response: adr_schema::EiResponse::ok(adr_schema::RequestId::new("")?),
            ven_id: Some(adr_schema::VenId::new(PLACEHOLDER)?),
        })
        .to_xml();
        let (a, b) = msg.split_once(PLACEHOLDER).expect("placeholder is written");
        let writer_pool = pool.clone();
        let new_vens = Arc::new(crate::limits::NewVenLimit::new(
            settings.new_vens_per_minute,
        ));
        Ok(AppState {
            pool,
            clock,
            settings: Arc::new(settings),
            registry,
            push: None,
            empty_poll: Arc::new((a.to_string(), b.to_string())),
            sig: None,
            applied: Arc::default(),
            writer: store::writer::Writer::start(&writer_pool)?,
            metrics: Arc::default(),
            new_vens,
        })
    }

    /// The oadrResponse 200 an idle VEN gets on poll.
    pub fn empty_poll(&self, ven_id: &str) -> String {
        let (a, b) = &*self.empty_poll;
        let mut s = String::with_capacity(a.len() + b.len() + ven_id.len());
        s.push_str(a);
        s.push_str(ven_id);
        s.push_str(b);
        s
    }

    /// Run storage work on the blocking pool with a connection, the settings and `now`.
    pub async fn db<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn, &Env) -> Result<T> + Send + 'static,
    {
        let st = self.clone();
        actix_web::web::block(move || {
            let mut c = st.pool.get()?;
            let env = Env {
                settings: &st.settings,
                now: st.clock.now(),
            };
            f(&mut c, &env)
        })
        .await?
    }

    /// Writes go through the group-commit writer: `f` runs in the next
    /// batch (in its own savepoint) and its result comes back once the batch
    /// is on disk.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn, &Env) -> Result<T> + Send + 'static,
    {
        let (settings, clock) = (self.settings.clone(), self.clock.clone());
        self.writer
            .run(move |c| {
                let env = Env {
                    settings: &settings,
                    now: clock.now(),
                };
                f(c, &env)
            })
            .await
    }

    /// Storage work that changes what VENs are told: run it in the writer,
    /// then mirror its effects (registry, queue counts, push wake-ups).
    pub async fn act<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn, &Env, &mut Effects) -> Result<T> + Send + 'static,
    {
        let (out, fx) = self
            .write(move |c, env| {
                let mut fx = Effects::default();
                let out = f(c, env, &mut fx)?;
                Ok((out, fx))
            })
            .await?;
        self.apply(fx);
        Ok(out)
    }

    /// Mirror committed changes in the registry and wake the push worker.
    pub fn apply(&self, fx: Effects) {
        self.applied
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for v in fx.vens {
            self.registry
                .upsert(v.ven_id.as_str(), v.registration_id, v.push_address);
            self.registry
                .set_fingerprint(v.ven_id.as_str(), v.fingerprint.as_deref());
        }
        if fx.readings > 0 {
            self.metrics.readings.inc_by(fx.readings);
        }
        for (v, d) in fx.pending {
            self.registry.add_pending(v.as_str(), d);
        }
        if !fx.contact.is_empty() {
            let now = to_ms(self.clock.now());
            for v in fx.contact {
                self.registry.touch(v.as_str(), now);
            }
        }
        if let Some(tx) = &self.push {
            for v in fx.push {
                let _ = tx.send(v.to_string());
            }
        }
    }
}
