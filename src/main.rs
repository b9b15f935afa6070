//! The `gateward` binary: parses the command line, sets up logging, runs one command, and turns
//! any error into one line on stderr and a non-zero exit status.

use std::process::ExitCode;

use clap::Parser;
use gateward::cmds::{self, Cli};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    return_big_buffers_to_the_system();
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

/// Frames are 6 MB each (1080p RGB) and made by one thread, freed by another. glibc's default
/// keeps such freed blocks in its per-thread arenas once it has seen a few, and a service with
/// four cameras grew to 500 MB resident that way; with blocks of 1 MB and over always mapped
/// on their own, a freed frame goes straight back to the system (measured with
/// `gateward bench cameras`: 351 MB at most with every model and four cameras). The cameras
/// reuse their frame buffers and ONNX Runtime its arena, so the mapping costs little.
fn return_big_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc tunable; it is called before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
