//! The `kraftsim` binary: parse the command line, call the library, print the result or
//! "Error: …" and set the exit code.

mod cli;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use kraftsim::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let total = match &cli.command {
        Command::Run(args) if args.precision.is_none() => Some(args.sim.reps),
        _ => None,
    };
    let bar = progress::Progress::new(cli.quiet, total);
    let tick = |n: u64| bar.advance(n);
    let result = match cli.command {
        Command::Run(args) => match args.nowcast_options() {
            Some(o) => commands::nowcast::nowcast(&o, &tick),
            None => commands::run::run(&args.into_options(), &tick),
        },
        Command::Validate(args) => {
            commands::validate::validate(Some(&args.scenario), &args.set.overrides())
        }
        Command::Compare(args) => commands::compare::compare(&args.into_options(), &tick),
        Command::Sweep(args) => commands::sweep::sweep(&args.into_options(), &tick),
        Command::Size(args) => commands::size::size(&args.into_options(), &tick),
        Command::Sensitivity(args) => {
            commands::sensitivity::sensitivity(&args.into_options(), &tick)
        }
        Command::Stress(args) => commands::stress::stress(&args.into_options(), &tick),
        Command::Calibrate(args) => match args.counts.clone() {
            Some(counts) => commands::calibrate::calibrate_counts(&args.counts_options(counts)),
            None => commands::calibrate::calibrate(&args.into_options()),
        },
        Command::Synth(args) => commands::synth::synth(&args.into_options()),
        Command::Backtest(args) => commands::backtest::backtest(&args.into_options(), &tick),
        Command::Fit(args) => commands::fit::fit(&args.into_options(), &tick),
    };
    bar.finish();
    match result {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // The reader stopped reading (`kraftsim run | head`): nothing to report.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Error: cannot write to standard output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
