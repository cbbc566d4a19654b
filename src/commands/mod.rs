//! One file per subcommand: orchestration only (load → run → report → write), returning the
//! text for standard output. No argument parsing and no printing happens here.

pub mod backtest;
pub mod calibrate;
pub mod compare;
pub mod fit;
pub mod nowcast;
pub mod run;
pub mod sensitivity;
pub mod size;
pub mod stress;
pub mod sweep;
pub mod synth;
pub mod validate;

use std::path::Path;

pub use crate::montecarlo::SimOptions;

use crate::scenario::{self, overrides, Override, Scenario, ScenarioError};

/// Loads the scenario a command names (see [`load_named`]) and applies command-line
/// overrides, validating the result like a file.
pub fn load_scenario(arg: Option<&str>, set: &[String]) -> Result<Scenario, ScenarioError> {
    let overrides = parse_overrides(set)?;
    let scenario = overrides::apply_all(load_named(arg)?, &overrides)?;
    // No output may replace a file of the scenario's `extends` chain.
    for (origin, _) in &scenario.sources {
        crate::output::protect(Path::new(origin));
    }
    Ok(scenario)
}

/// Parses `--set KEY=VALUE` arguments.
pub fn parse_overrides(set: &[String]) -> Result<Vec<Override>, ScenarioError> {
    set.iter().map(|s| Override::parse(s)).collect()
}

/// Loads a scenario by file path or built-in name (`malmo`, `reference`), or the embedded
/// default (`malmo`) when none is given.
pub fn load_named(arg: Option<&str>) -> Result<Scenario, ScenarioError> {
    let Some(arg) = arg else {
        return scenario::load_builtin("malmo").expect("malmo is built in");
    };
    let path = Path::new(arg);
    if !path.exists() {
        if let Some(s) = scenario::load_builtin(arg) {
            return s;
        }
    }
    scenario::load_path(path)
}

/// How results go to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The terminal table.
    Table,
    /// The JSON document of `docs/output.md`.
    Json,
}
