//! `ven run --vtn URL --name NAME [--db PATH] [--config FILE]
//! [--cert FILE --key FILE --ca FILE [--tls-stack openssl|rustls]]`;
//! `ven status [--db PATH] [--config FILE]`; `ven config [--config FILE]`

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use ven::agent::{Agent, AgentSettings};
use ven::clock::{Clock, SystemClock};
use ven::config::{Config, TlsConfig, TlsStack};
use ven::device::AnyDevice;
use ven::store::Store;
use ven::transport::{start_push_listener, HttpTransport};

#[derive(Parser)]
#[command(name = "ven", version, about = "OpenADR 2.0b Virtual End Node")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Register with a VTN and run: poll (or listen for pushes), take part in
    /// events, report.
    Run(RunArgs),
    /// Print the effective configuration (defaults + file) as TOML.
    Config {
        #[arg(long, env = "VEN_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print what the VEN's database holds: registration, readings waiting
    /// in the outbox, and reports the VTN refuses (backing off or set
    /// aside). Safe beside a running VEN.
    Status {
        /// SQLite database (default: the config's [ven] db).
        #[arg(long, env = "VEN_DB")]
        db: Option<String>,
        #[arg(long, env = "VEN_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The VTN's base URL, up to and including /OpenADR2/Simple/2.0b.
    #[arg(long, env = "VEN_VTN")]
    vtn: Option<String>,
    /// This VEN's name (oadrVenName; also its resource id in reports).
    #[arg(long, env = "VEN_NAME")]
    name: Option<String>,
    /// SQLite database (registration ids, reading outbox, history).
    #[arg(long, env = "VEN_DB")]
    db: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "VEN_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "VEN_LOG_FORMAT")]
    log_format: Option<String>,
    /// Mutual TLS: our certificate chain (leaf + intermediates, PEM).
    #[arg(long, env = "VEN_CERT")]
    cert: Option<String>,
    /// Mutual TLS: the private key of --cert (PEM).
    #[arg(long, env = "VEN_KEY")]
    key: Option<String>,
    /// Mutual TLS: the root CA(s) the VTN's certificate must chain to (PEM).
    #[arg(long, env = "VEN_CA")]
    ca: Option<String>,
    /// TLS implementation: rustls (default; modern suites, TLS 1.2/1.3) or
    /// openssl (the 2.0b profile: TLS 1.2, AES128-SHA256 and
    /// ECDHE-ECDSA-AES128-SHA256, ECDHE-GCM preferred when offered).
    #[arg(long, env = "VEN_TLS_STACK", value_enum)]
    tls_stack: Option<TlsStack>,
}

/// Flags over the `[vtn.tls]` section: any of them turns TLS on, and then
/// cert, key and ca must all be known.
fn merge_tls(c: &mut Config, a: &RunArgs) -> anyhow::Result<()> {
    if a.cert.is_none() && a.key.is_none() && a.ca.is_none() && a.tls_stack.is_none() {
        return Ok(());
    }
    let old = c.vtn.tls.take();
    let pick = |flag: &Option<String>, file: Option<&String>, name: &str| {
        flag.clone()
            .or_else(|| file.cloned())
            .with_context(|| format!("mutual TLS needs --{name} (or [vtn.tls] {name})"))
    };
    c.vtn.tls = Some(TlsConfig {
        cert: pick(&a.cert, old.as_ref().map(|t| &t.cert), "cert")?,
        key: pick(&a.key, old.as_ref().map(|t| &t.key), "key")?,
        ca: pick(&a.ca, old.as_ref().map(|t| &t.ca), "ca")?,
        stack: a
            .tls_stack
            .or(old.as_ref().map(|t| t.stack))
            .unwrap_or_default(),
    });
    Ok(())
}

fn init_logs(c: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&c.log.filter));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if c.log.format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Config { config } => {
            let c = match config {
                Some(p) => Config::load(&p)?,
                None => Config::default(),
            };
            print!("{}", toml::to_string_pretty(&c)?);
            Ok(())
        }
        Cmd::Status { db, config } => {
            let c = match config {
                Some(p) => Config::load(&p)?,
                None => Config::default(),
            };
            let db = db.unwrap_or(c.ven.db);
            // Opening would create an empty database: say it is missing.
            if !std::path::Path::new(&db).exists() {
                anyhow::bail!("no VEN database at {db}");
            }
            let mut store = Store::open(&db)?;
            print!("{}", ven::status::render(&mut store)?);
            Ok(())
        }
        Cmd::Run(a) => {
            let mut c = match &a.config {
                Some(p) => Config::load(p)?,
                None => Config::default(),
            };
            merge_tls(&mut c, &a)?;
            if let Some(v) = a.vtn {
                c.vtn.url = Some(v);
            }
            if let Some(n) = a.name {
                c.ven.name = Some(n);
            }
            if let Some(d) = a.db {
                c.ven.db = d;
            }
            if let Some(f) = a.log_format {
                c.log.format = f;
            }
            init_logs(&c);
            // One worker thread is plenty for one VEN, and keeps it small.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(run(c))
        }
    }
}

async fn run(c: Config) -> anyhow::Result<()> {
    let url = c
        .vtn
        .url
        .clone()
        .context("--vtn URL (or [vtn] url) is required")?;
    let name = c
        .ven
        .name
        .clone()
        .context("--name NAME (or [ven] name) is required")?;
    let settings = AgentSettings::from_config(&c, &name)?;
    let transport = HttpTransport::new(&url, &c.vtn)?;
    let clock = SystemClock;
    let device = AnyDevice::from_config(&c.device, clock.now())?;
    let store = Store::open(&c.ven.db)?;
    let (listener, push_rx) = match &c.push {
        Some(p) => {
            // Over TLS the VTN pushes only to https:// addresses (and checks
            // our certificate before it sends anything).
            let https = p
                .public_url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
            if c.vtn.tls.is_some() && !https {
                anyhow::bail!(
                    "[push] public_url {} must be https:// when TLS to the VTN is configured",
                    p.public_url
                );
            }
            let fps = p
                .vtn_fingerprints
                .iter()
                .map(|f| {
                    adr_schema::fingerprint::normalize(f).with_context(|| {
                        format!("[push] vtn_fingerprints: {f:?} is not an OpenADR fingerprint (10 hex bytes)")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let tls = c.vtn.tls.as_ref().map(|t| (t, fps.as_slice()));
            let (l, rx) = start_push_listener(&p.listen, tls)?;
            (Some(l), Some(rx))
        }
        None => (None, None),
    };
    tracing::info!(vtn = %url, name = %name, db = %c.ven.db, mode = if push_rx.is_some() { "push" } else { "pull" }, "ven starting");
    let agent = Agent::new(settings, transport, device, clock, store, push_rx);
    // The agent runs as its own task: a wake-up then polls only the agent,
    // not the signal futures, and needs no self-notification of the runtime
    // (the block_on future's waker writes to the runtime's eventfd).
    let mut task = tokio::spawn(agent.run());
    let result = tokio::select! {
        r = &mut task => match r {
            Ok(r) => r.map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::anyhow!("agent task failed: {e}")),
        },
        _ = shutdown_signal() => {
            tracing::info!("shutting down");
            task.abort();
            Ok(())
        }
    };
    if let Some(l) = listener {
        l.handle.stop(true).await;
    }
    result
}

async fn shutdown_signal() {
    let term = async {
        #[cfg(unix)]
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
