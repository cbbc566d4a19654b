//! The `kraftsim` binary: parse the command line, call the library, print the result or
//! "Error: …" and set the exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use kraftsim::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(&args.into_options(), &|_| {}),
        Command::Validate(args) => {
            commands::validate::validate(Some(&args.scenario), &args.set.set)
        }
        Command::Compare(args) => commands::compare::compare(&args.into_options(), &|_| {}),
        Command::Sweep(args) => commands::sweep::sweep(&args.into_options(), &|_| {}),
        Command::Size(args) => commands::size::size(&args.into_options(), &|_| {}),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
