//! `kraftsim sweep`: a full grid over varied scenario values, every point on the same
//! replications (common random numbers), with a results CSV and heatmaps of a target's
//! probability and of cost (see [`crate::planning::sweep`]).

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::bail;

use super::{Format, SimOptions};
use crate::output;
use crate::planning::sweep::{run_grid, Dimension};
use crate::report::csv::{self as csv_out, CsvDialect};
use crate::report::{charts, json, sweep as render};
use crate::scenario::target_expr;

/// Everything `sweep` needs.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Scenario path or built-in name; `None` = the embedded default.
    pub scenario: Option<String>,
    /// Overrides applied before the sweep.
    pub set: Vec<String>,
    /// Varied keys: `KEY=FROM..TO[:STEP]` or `KEY=V1,V2,…`.
    pub vary: Vec<String>,
    /// Targets (expressions); default: the scenario's. The first is drawn in the heatmap.
    pub targets: Vec<String>,
    /// Replications, seed, threads, parameter uncertainty.
    pub sim: SimOptions,
    /// Folder for sweep.csv, sweep.json and the heatmaps.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
}

/// Runs the command and returns what to print.
pub fn sweep(opts: &SweepOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    if opts.vary.is_empty() {
        bail!("sweep needs at least one --vary KEY=FROM..TO[:STEP]");
    }
    let base = super::load_scenario(opts.scenario.as_deref(), &opts.set)?;
    let dims = opts
        .vary
        .iter()
        .map(|v| Dimension::parse(v))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let targets = if opts.targets.is_empty() {
        None
    } else {
        Some(target_expr::resolve(&base, &opts.targets)?)
    };
    let s = run_grid(&base, &dims, targets.as_deref(), &opts.sim, progress)?;
    if let Some(dir) = &opts.out {
        let mut files = vec![
            (dir.join("sweep.csv"), render::csv(&s)),
            (
                dir.join("sweep.json"),
                json::to_json(&render::rows(&s)).into_bytes(),
            ),
        ];
        for (name, chart) in render::heatmaps(&s) {
            files.push((
                dir.join(format!("{name}.svg")),
                charts::svg(&chart)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .into_bytes(),
            ));
            files.push((
                dir.join(format!("{name}.png")),
                charts::png(&chart).map_err(|e| anyhow::anyhow!("{e}"))?,
            ));
        }
        output::write_all(&csv_out::files_in_dialect(files, opts.csv_dialect))?;
    }
    Ok(match opts.format {
        Format::Table => {
            let mut t = render::table(&s);
            if let Some(dir) = &opts.out {
                let _ = writeln!(
                    t,
                    "\nWrote sweep.csv, sweep.json and heatmaps to {}",
                    dir.display()
                );
            }
            t
        }
        Format::Json => json::to_json(&render::rows(&s)),
    })
}
