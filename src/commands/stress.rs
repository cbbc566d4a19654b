//! `kraftsim stress`: target-group definitions side by side. The scenario as it is, then
//! the scenario with each `[definitions.NAME]` applied, all on common random numbers, so the
//! differences show what the definition does rather than chance.

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::compare::letter;
use super::{Format, SimOptions};
use crate::report::csv::CsvDialect;
use crate::scenario::{overrides, Override, Scenario};
use crate::stats::paired::Alternative;

/// Everything `stress` needs.
#[derive(Debug, Clone)]
pub struct StressOptions {
    /// Scenario file or built-in name (`None` = the embedded default).
    pub scenario: Option<String>,
    /// Definitions to test (empty = every definition of the scenario).
    pub definitions: Vec<String>,
    /// Overrides applied to every alternative.
    pub set: Vec<String>,
    /// Targets to evaluate (expressions); default: the scenario's targets.
    pub targets: Vec<String>,
    /// Replications, seed, threads, parameter uncertainty.
    pub sim: SimOptions,
    /// Folder for `stress.csv` and `stress.json`.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
}

/// The definitions a scenario declares, in file order, with their descriptions.
pub fn declared(s: &Scenario) -> Vec<(String, String)> {
    s.table
        .get("definitions")
        .and_then(|d| d.as_table())
        .map(|t| {
            t.iter()
                .map(|(name, v)| {
                    let text = v
                        .get("description")
                        .and_then(|d| d.as_str())
                        .unwrap_or_default();
                    (name.clone(), text.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The alternatives: the scenario as it is (A), then one per definition.
pub fn alternatives(opts: &StressOptions) -> anyhow::Result<Vec<(Alternative, Scenario)>> {
    let base = super::load_scenario(opts.scenario.as_deref(), &opts.set)?;
    let declared = declared(&base);
    let names: Vec<String> = if opts.definitions.is_empty() {
        declared.iter().map(|(n, _)| n.clone()).collect()
    } else {
        opts.definitions.clone()
    };
    if names.is_empty() {
        bail!(
            "{} has no [definitions] to stress-test: add [definitions.NAME] blocks (see docs/scenario.md)",
            base.origin
        );
    }
    let as_is = match &base.programme.definition {
        Some(d) => format!("as defined in the scenario ({d})"),
        None => "as defined in the scenario".to_string(),
    };
    let mut out = vec![(
        Alternative {
            label: letter(0),
            name: as_is,
            origin: base.origin.clone(),
        },
        base.clone(),
    )];
    for name in names {
        let set = Override::typed("definition", toml::Value::String(name.clone()));
        let s = overrides::apply_all(base.clone(), &[set])
            .with_context(|| format!("definition {name:?}"))?;
        let description = declared
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, d)| d.as_str());
        let ineligible = s
            .programme
            .eligibility
            .as_ref()
            .map_or(String::new(), |e| format!(" [{}]", e.ineligible.id()));
        out.push((
            Alternative {
                label: letter(out.len()),
                name: if description.is_empty() {
                    format!("{name}{ineligible}")
                } else {
                    format!("{name}: {description}{ineligible}")
                },
                origin: s.origin.clone(),
            },
            s,
        ));
    }
    Ok(out)
}

/// Runs the command and returns what to print.
pub fn stress(opts: &StressOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let alts = alternatives(opts)?;
    let out = opts.out.as_ref().map(|d| (d.as_path(), "stress"));
    super::compare::report(
        alts,
        &opts.targets,
        &opts.sim,
        out,
        (opts.format, opts.csv_dialect),
        progress,
    )
}
