//! `vtn serve`: the VTN server.

use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;
use vtn::config::{Overrides, Settings};
use vtn::{http, jobs, push, AppState, SystemClock};

use crate::cli::ServeArgs;

pub(crate) fn serve(a: ServeArgs, token: Option<String>) -> anyhow::Result<()> {
    crate::init_tracing(a.log_json);
    let settings = Settings::load(
        a.config.as_deref(),
        Overrides {
            listen: a.listen,
            db: a.db,
            vtn_id: a.vtn_id,
            poll_freq: a.poll_freq,
            admin_token: token,
            market_context: a.market_context,
            tls: vtn::config::TlsConfig {
                stack: a.tls_stack,
                cert: a.tls_cert,
                key: a.tls_key,
                ec_cert: a.tls_cert_ec,
                ec_key: a.tls_key_ec,
                client_ca: a.client_ca,
            },
            registration_policy: a.registration_policy,
            new_vens_per_minute: a.new_vens_per_minute,
            xml_signature: a.xml_signature,
            replay_window: a.replay_window,
            signing_cert: a.signing_cert,
            signing_key: a.signing_key,
        },
    )?;
    let sig = vtn::state::Signatures::from_settings(&settings)?.map(Arc::new);
    let workers = settings.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    actix_web::rt::System::new().block_on(async move {
        let listen = settings.listen.clone();
        let generated = settings.admin_token_generated;
        let token = settings.admin_token.clone();
        let tls = settings.tls.clone();
        let mut st =
            AppState::open(settings, Arc::new(SystemClock)).context("opening the database")?;
        if let Some(s) = &sig {
            tracing::info!(mode = ?s.mode, algorithm = ?s.signer.algorithm(), fingerprint = s.signer.fingerprint(), replay_window = %st.settings.replay_window, "XML signatures on");
        }
        st.sig = sig;
        if tls.is_none() {
            tracing::warn!(
                "TLS is off: serving plain HTTP on {listen}. Use it only on a trusted network."
            );
        }
        if generated {
            // Printed once, on stderr, so that an operator can use the CLI; set VTN_ADMIN_TOKEN to choose one.
            eprintln!("admin API token (generated, not stored): {token}");
        }
        let st = push::spawn(st);
        let _sched = jobs::start(st.clone()).await?;
        if let Some(cc) = &st.settings.chain {
            let b = vtn::bridge::Bridge::from_config(cc).context("chain configuration")?;
            vtn::bridge::spawn(st.clone(), Arc::new(b));
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(
            vtn_id = st.settings.vtn_id.as_str(),
            db = %st.settings.db.display(),
            vens = st.registry.len(),
            tls = %tls.as_ref().map(|t| t.stack.to_string()).unwrap_or_else(|| "off".into()),
            registration_policy = st.settings.registration_policy.get().as_str(),
            "VTN listening on {scheme}://{listen}{}",
            http::OADR_PREFIX
        );
        let st2 = st.clone();
        let server = HttpServer::new(move || App::new().configure(http::configure(st2.clone())))
            .on_connect(vtn::tls::on_connect)
            .workers(workers)
            .backlog(4096)
            .max_connections(100_000)
            .keep_alive(std::time::Duration::from_secs(75))
            .client_request_timeout(std::time::Duration::from_secs(30));
        let server = match &tls {
            None => server.bind(&listen),
            Some(t) => match t.stack {
                vtn::tls::TlsStack::Openssl => server.bind_openssl(&listen, t.openssl_acceptor()?),
                vtn::tls::TlsStack::Rustls => server.bind_rustls_0_23(&listen, t.rustls_config()?),
            },
        }
        .with_context(|| format!("binding {listen}"))?;
        server.run().await?;
        let _ = jobs::run_housekeeping(&st).await;
        Ok(())
    })
}
