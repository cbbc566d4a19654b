//! `kraftsim sensitivity`: which assumption matters most for a measure (see
//! [`crate::planning::sensitivity`]); ranked table, CSV and tornado chart.

use std::path::PathBuf;

use super::{Format, SimOptions};
use crate::output;
use crate::planning::sensitivity::{sensitivity as analyse, Measure};
use crate::report::csv::{self as csv_out, CsvDialect};
use crate::report::{charts, json, sensitivity as render};

/// Everything `sensitivity` needs.
#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    /// Scenario path or built-in name; `None` = the embedded default.
    pub scenario: Option<String>,
    /// Overrides applied first.
    pub set: Vec<String>,
    /// The measure: `P(TARGET)` or `METRIC@YEARS`.
    pub metric: String,
    /// Relative change down and up (0.1 = ±10 %).
    pub delta: f64,
    /// Parameters to vary (key paths); empty = every numeric parameter.
    pub only: Vec<String>,
    /// Replications, seed, threads, parameter uncertainty.
    pub sim: SimOptions,
    /// Folder for sensitivity.csv, sensitivity.json and the tornado chart.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
}

/// Parses `10%` or `0.1`.
pub fn parse_delta(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("{text} is not a number; give e.g. 10% or 0.1"))?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!(
            "{text} is not allowed: give a change between 0 and 100 %, e.g. 10%"
        ))
    }
}

/// Runs the command and returns what to print.
pub fn sensitivity(
    opts: &SensitivityOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<String> {
    let base = super::load_scenario(opts.scenario.as_deref(), &opts.set)?;
    let measure = Measure::parse(&opts.metric, &base)?;
    let s = analyse(&base, &measure, opts.delta, &opts.only, &opts.sim, progress)?;
    if let Some(dir) = &opts.out {
        let tornado = render::tornado(&s);
        let chart_error = |e: charts::ChartError| anyhow::anyhow!("drawing a chart failed: {e}");
        output::write_all(&csv_out::files_in_dialect(
            vec![
                (dir.join("sensitivity.csv"), render::csv(&s)),
                (dir.join("sensitivity.json"), json::to_json(&s).into_bytes()),
                (
                    dir.join("tornado.svg"),
                    charts::svg(&tornado).map_err(chart_error)?.into_bytes(),
                ),
                (
                    dir.join("tornado.png"),
                    charts::png(&tornado).map_err(chart_error)?,
                ),
            ],
            opts.csv_dialect,
        ))?;
    }
    Ok(match opts.format {
        Format::Table => render::table(&s),
        Format::Json => json::to_json(&s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_percentages_or_fractions() {
        assert_eq!(parse_delta("10%"), Ok(0.1));
        assert_eq!(parse_delta("0.25"), Ok(0.25));
        assert!(parse_delta("150%").is_err());
        assert!(parse_delta("ten").is_err());
    }
}
