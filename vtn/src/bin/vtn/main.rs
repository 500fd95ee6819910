//! `vtn`: the OpenADR 2.0b VTN server (`vtn serve`) and a CLI for its admin API.

mod cli;
mod client;
mod serve;
mod table;
mod verify;

use clap::Parser;
use vtn::client::ApiClient;

use cli::{Cli, Cmd};

pub(crate) fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve(a) => serve::serve(a, cli.token),
        Cmd::Verify(a) => verify::verify(a),
        cmd => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let api = ApiClient::new(&cli.api, cli.token)?.with_tls(
                cli.ca.as_deref(),
                cli.cert.as_deref(),
                cli.key.as_deref(),
            )?;
            rt.block_on(client::run(cmd, api))
        }
    }
}
