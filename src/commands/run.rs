//! `kraftsim run`: simulate a scenario and report yearly figures, targets and escalating
//! goals on the terminal or as JSON, optionally writing CSV files.

use std::path::PathBuf;

pub use super::Format;
use super::SimOptions;
use crate::montecarlo;
use crate::output;
use crate::report::csv::CsvDialect;
use crate::report::html::ReportInput;
use crate::report::lang::Lang;
use crate::report::{charts, csv, figures, html, json, table};
use crate::scenario::comments;

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
    /// Write the self-contained HTML report to this file.
    pub report: Option<PathBuf>,
    /// Language of the report and charts.
    pub lang: Lang,
    /// Write every chart as SVG and PNG into this folder.
    pub charts: Option<PathBuf>,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
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
    let mut files = Vec::new();
    if let Some(dir) = &opts.out {
        files.extend([
            (dir.join("annual.csv"), csv::annual(&summary)),
            (dir.join("monthly.csv"), csv::monthly(&summary)),
            (dir.join("teams.csv"), csv::teams(&summary)),
            (dir.join("targets.csv"), csv::targets(&summary)),
            (dir.join("groups.csv"), csv::groups(&summary)),
        ]);
        if let Some(e) = csv::escalating(&summary) {
            files.push((dir.join("escalating_goals.csv"), e));
        }
        if let Some(a) = csv::attributes(&summary) {
            files.push((dir.join("attributes.csv"), a));
        }
        files.push((
            dir.join("summary.json"),
            json::to_json(&summary).into_bytes(),
        ));
    }
    let chart_error = |e: charts::ChartError| anyhow::anyhow!("drawing a chart failed: {e}");
    if let Some(dir) = &opts.charts {
        for f in figures::figures(&summary, opts.lang) {
            let svg = charts::svg(&f.figure).map_err(chart_error)?;
            files.push((dir.join(format!("{}.svg", f.name)), svg.into_bytes()));
            let png = charts::png(&f.figure).map_err(chart_error)?;
            files.push((dir.join(format!("{}.png", f.name)), png));
        }
    }
    if let Some(path) = &opts.report {
        let parameters = comments::parameters(&scenario);
        let page = html::html(ReportInput {
            summary: &summary,
            parameters: &parameters,
            origin: &scenario.origin,
            lang: opts.lang,
        })
        .map_err(chart_error)?;
        files.push((path.clone(), page.into_bytes()));
    }
    output::write_all(&csv::files_in_dialect(files, opts.csv_dialect))?;
    Ok(match opts.format {
        Format::Table => table::render(&summary, &scenario.origin),
        Format::Json => json::to_json(&summary),
    })
}
