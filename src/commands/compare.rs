//! `kraftsim compare`: budget alternatives side by side on common random numbers, with the
//! paired difference of each against the first.

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::{Format, SimOptions};
use crate::model::{Programme, Target};
use crate::montecarlo;
use crate::output;
use crate::report::csv::{self as csv_out, CsvDialect};
use crate::report::{compare as render, json};
use crate::scenario::{overrides, target_expr, Scenario};
use crate::stats::paired::{self, Alternative, Comparison};

/// Everything `compare` needs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Scenario files or built-in names; the first is the baseline.
    pub scenarios: Vec<String>,
    /// Extra alternatives built from the first scenario: `LABEL: KEY=VALUE; KEY=VALUE`.
    pub variants: Vec<String>,
    /// Overrides applied to every alternative.
    pub set: Vec<String>,
    /// Targets to evaluate (expressions); default: the baseline's targets.
    pub targets: Vec<String>,
    /// Replications, seed, threads, parameter uncertainty.
    pub sim: SimOptions,
    /// Folder for `compare.csv` and `compare.json`.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
}

/// The alternatives of a comparison, validated, in order (baseline first).
pub fn alternatives(opts: &CompareOptions) -> anyhow::Result<Vec<(Alternative, Scenario)>> {
    let mut out = Vec::new();
    let names: Vec<&str> = if opts.scenarios.is_empty() {
        vec!["malmo"]
    } else {
        opts.scenarios.iter().map(String::as_str).collect()
    };
    for name in names {
        let s = super::load_scenario(Some(name), &opts.set)?;
        out.push((
            Alternative {
                label: letter(out.len()),
                name: s.programme.name.clone(),
                origin: s.origin.clone(),
            },
            s,
        ));
    }
    let base = out[0].1.clone();
    for v in &opts.variants {
        let (label, sets) = v.split_once(':').unwrap_or((v.as_str(), v.as_str()));
        let overrides = sets
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(crate::scenario::Override::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if overrides.is_empty() {
            bail!("--variant {v:?}: give LABEL: KEY=VALUE; KEY=VALUE");
        }
        let s = overrides::apply_all(base.clone(), &overrides)
            .with_context(|| format!("in --variant {v:?}"))?;
        out.push((
            Alternative {
                label: letter(out.len()),
                name: label.trim().to_string(),
                origin: s.origin.clone(),
            },
            s,
        ));
    }
    if out.len() < 2 {
        bail!("compare needs at least two alternatives: two scenario files, or one plus --variant 'LABEL: KEY=VALUE'");
    }
    Ok(out)
}

/// The label of the `i`-th alternative: A, B, …, Z, A1, B1, …
pub fn letter(i: usize) -> String {
    let l = (b'A' + (i % 26) as u8) as char;
    if i < 26 {
        l.to_string()
    } else {
        format!("{l}{}", i / 26)
    }
}

/// Runs every alternative on the same replications (common random numbers) and compares
/// them on `targets`.
pub fn evaluate(
    alternatives: Vec<Alternative>,
    programmes: &[Programme],
    targets: &[Target],
    sim: &SimOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Comparison> {
    let plan = sim.plan();
    let mut collectors = Vec::new();
    for (a, p) in alternatives.iter().zip(programmes) {
        let c = montecarlo::collect(&sim.prepare(p), &plan, progress)?;
        if let Some(first) = collectors.first() {
            let first: &crate::stats::Collector = first;
            if first.years != c.years {
                bail!(
                    "alternative {} ({}) covers other years than {}; compared alternatives need the same calendar",
                    a.label,
                    a.origin,
                    alternatives[0].label
                );
            }
        }
        collectors.push(c);
    }
    let refs: Vec<&crate::stats::Collector> = collectors.iter().collect();
    Ok(Comparison {
        tool_version: env!("CARGO_PKG_VERSION"),
        replications: plan.replications,
        seed: plan.seed,
        parameter_uncertainty: programmes
            .iter()
            .any(|p| sim.prepare(p).draws_uncertainty()),
        alternatives,
        rows: paired::compare(&refs, targets),
    })
}

/// Runs the command and returns what to print.
pub fn compare(opts: &CompareOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let alts = alternatives(opts)?;
    let out = opts.out.as_ref().map(|d| (d.as_path(), "compare"));
    report(
        alts,
        &opts.targets,
        &opts.sim,
        out,
        (opts.format, opts.csv_dialect),
        progress,
    )
}

/// Evaluates validated alternatives (baseline first) on `targets` (expressions; default:
/// the baseline's targets), writes `STEM.csv` and `STEM.json` into the folder of `out` if
/// given, and returns the comparison rendered in `format` (shared by `compare` and
/// `stress`).
pub fn report(
    alts: Vec<(Alternative, Scenario)>,
    targets: &[String],
    sim: &SimOptions,
    out: Option<(&std::path::Path, &str)>,
    (format, dialect): (Format, CsvDialect),
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<String> {
    let targets = if targets.is_empty() {
        alts[0].1.programme.targets.clone()
    } else {
        target_expr::resolve(&alts[0].1, targets)?
    };
    let programmes: Vec<Programme> = alts.iter().map(|(_, s)| s.programme.clone()).collect();
    let labels = alts.into_iter().map(|(a, _)| a).collect();
    let c = evaluate(labels, &programmes, &targets, sim, progress)?;
    if let Some((dir, stem)) = out {
        output::write_all(&csv_out::files_in_dialect(
            vec![
                (dir.join(format!("{stem}.csv")), render::csv(&c)),
                (
                    dir.join(format!("{stem}.json")),
                    json::to_json(&c).into_bytes(),
                ),
            ],
            dialect,
        ))?;
    }
    Ok(match format {
        Format::Table => render::table(&c),
        Format::Json => json::to_json(&c),
    })
}
