//! `kraftsim run`: simulate a scenario and report yearly figures, targets and escalating
//! goals on the terminal or as JSON, optionally writing CSV files.

use std::path::PathBuf;

pub use super::Format;
use super::SimOptions;
use crate::montecarlo;
use crate::output;
use crate::report::{csv, json, table};

/// Everything `run` needs, already validated by the CLI.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Scenario path or built-in name; `None` = the embedded default.
    pub scenario: Option<String>,
    /// `KEY=VALUE` overrides applied to the scenario.
    pub set: Vec<String>,
    /// Replications, seed, threads, parameter uncertainty.
    pub sim: SimOptions,
    /// Folder for CSV and JSON files.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// Add replications until every probability's standard error is at most this.
    pub precision: Option<f64>,
}

/// Runs the command and returns what to print.
pub fn run(opts: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let scenario = super::load_scenario(opts.scenario.as_deref(), &opts.set)?;
    let programme = opts.sim.prepare(&scenario.programme);
    let plan = opts.sim.plan();
    let summary = match opts.precision {
        Some(p) => montecarlo::run_to_precision(&programme, &plan, p, progress)?,
        None => montecarlo::run(&programme, &plan, progress)?,
    };
    if let Some(dir) = &opts.out {
        let mut files = vec![
            (dir.join("annual.csv"), csv::annual(&summary)),
            (dir.join("monthly.csv"), csv::monthly(&summary)),
            (dir.join("teams.csv"), csv::teams(&summary)),
            (dir.join("targets.csv"), csv::targets(&summary)),
            (dir.join("groups.csv"), csv::groups(&summary)),
            (
                dir.join("summary.json"),
                json::to_json(&summary).into_bytes(),
            ),
        ];
        if let Some(e) = csv::escalating(&summary) {
            files.push((dir.join("escalating_goals.csv"), e));
        }
        output::write_all(&files)?;
    }
    Ok(match opts.format {
        Format::Table => table::render(&summary, &scenario.origin),
        Format::Json => json::to_json(&summary),
    })
}
