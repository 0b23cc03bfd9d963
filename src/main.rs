//! The `earshot` binary: parse the command line, start logging, run, report one line.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = earshot::cli::Cli::parse();
    let default_level = match cli.command {
        earshot::cli::Command::Run | earshot::cli::Command::Serve => "info",
        _ => "error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EARSHOT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a log file or pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match earshot::cli::run(cli) {
        Ok(done) => ExitCode::from(done.code()),
        Err(error) => {
            eprintln!("earshot: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `earshot mentions | head` should stop quietly when `head` has read enough, as other
/// command-line tools do, instead of panicking on the closed pipe.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
