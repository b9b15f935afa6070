//! The `gateward` binary: parses the command line, sets up logging, runs one command, and turns
//! any error into one line on stderr and a non-zero exit status.

use std::process::ExitCode;

use clap::Parser;
use gateward::cmds::{self, Cli};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The service says what its cameras do (lost, back); a command says only what went wrong.
    let level = match (cli.verbose, cli.command.is_service()) {
        (0, false) => "warn",
        (0, true) => "warn,gateward=info",
        (1, _) => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match cmds::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<cmds::Reported>() => ExitCode::FAILURE,
        Err(e) => {
            // One line the user can act on: the error and its causes, no backtrace.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
