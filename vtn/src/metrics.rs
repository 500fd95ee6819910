//! Prometheus metrics (`GET /metrics`, text format) and the health probes
//! (`GET /healthz`: the process answers; `GET /readyz`: the database
//! answers too). Counters are updated where things happen; gauges (VENs,
//! queue, database pool) are read from the registry and the pool when
//! scraped, so they cost nothing between scrapes.

use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::state::AppState;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    /// Per service (in `Service::ALL` order): the 200 counter and the
    /// latency histogram, resolved once so the poll hot path does no lookup.
    hot: Vec<(IntCounter, prometheus::Histogram)>,
    pub readings: IntCounter,
    pub push: IntCounterVec,
    vens: IntGaugeVec,
    pending: IntGaugeVec,
    pool: IntGaugeVec,
}

impl Metrics {
    /// The `expect`s below are on constant names, help texts and label sets
    /// registered once into a fresh registry: nothing from outside reaches
    /// them, and a mistake fails the first test that builds an `AppState`.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "vtn_requests_total",
                "OpenADR requests answered, by service and response code",
            ),
            &["service", "code"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "vtn_request_seconds",
                "Time to answer an OpenADR request, by service",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ]),
            &["service"],
        )
        .expect("valid metric");
        let readings = IntCounter::new("vtn_readings_stored_total", "Report readings stored")
            .expect("valid metric");
        let push = IntCounterVec::new(
            Opts::new("vtn_push_deliveries_total", "Push deliveries, by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let vens = IntGaugeVec::new(
            Opts::new(
                "vtn_vens",
                "VENs known, by state (registered, active: heard from within 1 h) and transport",
            ),
            &["state", "transport"],
        )
        .expect("valid metric");
        let pending = IntGaugeVec::new(
            Opts::new("vtn_pending_messages", "Messages queued for VENs"),
            &["transport"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "vtn_db_pool_connections",
                "Database pool connections, by state",
            ),
            &["state"],
        )
        .expect("valid metric");
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(readings.clone()),
            Box::new(push.clone()),
            Box::new(vens.clone()),
            Box::new(pending.clone()),
            Box::new(pool.clone()),
        ] {
            registry.register(m).expect("metric names are unique");
        }
        let hot = adr_schema::Service::ALL
            .iter()
            .map(|s| {
                (
                    requests.with_label_values(&[s.as_str(), "200"]),
                    latency.with_label_values(&[s.as_str()]),
                )
            })
            .collect();
        Metrics {
            registry,
            requests,
            hot,
            readings,
            push,
            vens,
            pending,
            pool,
        }
    }

    /// One OpenADR request answered with `code`, started at `t0`.
    pub fn request(&self, service: adr_schema::Service, code: u16, t0: Instant) {
        let i = adr_schema::Service::ALL
            .iter()
            .position(|s| *s == service)
            .unwrap_or(0);
        let (ok, latency) = &self.hot[i];
        if code == 200 {
            ok.inc();
        } else {
            self.requests
                .with_label_values(&[service.as_str(), &code.to_string()])
                .inc();
        }
        latency.observe(t0.elapsed().as_secs_f64());
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

pub async fn metrics(st: web::Data<AppState>) -> HttpResponse {
    let m = &st.metrics;
    let now = crate::clock::to_ms(st.clock.now());
    let (mut reg, mut act, mut pend) = ([0i64; 2], [0i64; 2], [0i64; 2]);
    for e in st.registry.snapshot() {
        let t = usize::from(e.push_address.is_some());
        if e.is_registered() {
            reg[t] += 1;
            pend[t] += i64::from(e.pending.load(Ordering::Relaxed).max(0));
            if now - e.last_contact.load(Ordering::Relaxed) < 3_600_000 {
                act[t] += 1;
            }
        }
    }
    for (i, transport) in ["pull", "push"].iter().enumerate() {
        m.vens
            .with_label_values(&["registered", transport])
            .set(reg[i]);
        m.vens.with_label_values(&["active", transport]).set(act[i]);
        m.pending.with_label_values(&[transport]).set(pend[i]);
    }
    let s = st.pool.state();
    m.pool
        .with_label_values(&["open"])
        .set(i64::from(s.connections));
    m.pool
        .with_label_values(&["idle"])
        .set(i64::from(s.idle_connections));
    let mut out = Vec::new();
    if TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .is_err()
    {
        return HttpResponse::InternalServerError().body("cannot encode the metrics\n");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}

/// The process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().body("ok\n")
}

/// Ready to serve: the database answers a query.
pub async fn readyz(st: web::Data<AppState>) -> HttpResponse {
    let ok = st
        .db(|c, _| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
    match ok {
        Ok(()) => HttpResponse::Ok().body("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().body("the database does not answer\n")
        }
    }
}
