//! Command-line types (clap derive) and their one conversion into library options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use kraftsim::commands::run::{Format, RunOptions};

/// Monte Carlo planning and simulation for Kraft programmes.
#[derive(Debug, Parser)]
#[command(name = "kraftsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario: yearly figures by gender, target probabilities, escalating goals.
    Run(RunArgs),
    /// Check a scenario and print it resolved, or list every problem in it.
    Validate(ValidateArgs),
}

/// Output format on standard output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Human-readable table.
    Table,
    /// JSON (see docs/output.md).
    Json,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file, or a built-in name (malmo, reference). Default: the embedded Malmö
    /// 2025–2027 scenario.
    pub scenario: Option<String>,
    /// Number of replications (simulated futures).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub reps: u64,
    /// Master seed: the same seed and scenario give identical results.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Write CSV files (annual, monthly, teams, targets, groups, escalating goals) and
    /// summary.json into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Standard-output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Switch parameter uncertainty off (chance variation only).
    #[arg(long)]
    pub no_uncertainty: bool,
    /// Keep adding replications (starting from --reps) until every target probability has
    /// a Monte Carlo standard error at most P, e.g. 0.005 for ±0.5 percentage points.
    #[arg(long, value_name = "P", value_parser = parse_precision)]
    pub precision: Option<f64>,
}

fn parse_precision(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("{text} is not a number"))?;
    if p > 0.0 && p < 0.5 {
        Ok(p)
    } else {
        Err(format!(
            "{text} is not allowed: give a standard error between 0 and 0.5, e.g. 0.005"
        ))
    }
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file or built-in name.
    pub scenario: String,
}

impl RunArgs {
    /// The library's options for `run`.
    pub fn into_options(self) -> RunOptions {
        RunOptions {
            scenario: self.scenario,
            replications: self.reps,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            out: self.out,
            format: match self.format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
            },
            no_uncertainty: self.no_uncertainty,
            precision: self.precision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
