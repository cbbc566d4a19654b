//! `kraftsim backtest`: simulate a past period and place each observed yearly figure in
//! the simulated distribution of that figure.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::SimOptions;
use crate::montecarlo;
use crate::output;
use crate::report::charts::{self, PercentileChart};
use crate::stats::backtest::{self, Placed};

/// What `backtest` needs.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    /// Scenario file or built-in name of the past period.
    pub scenario: Option<String>,
    /// `--set` overrides.
    pub set: Vec<String>,
    /// The observed figures (CSV: year, metric, value, gender).
    pub observed: PathBuf,
    /// Replications, seed, threads.
    pub sim: SimOptions,
    /// Folder for backtest.csv and the chart.
    pub out: Option<PathBuf>,
}

/// Runs the backtest and returns the table.
pub fn backtest(o: &BacktestOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let scenario = super::load_scenario(o.scenario.as_deref(), &o.set)?;
    let p = o.sim.prepare(&scenario.programme);
    let origin = o.observed.display().to_string();
    let text = std::fs::read_to_string(&o.observed)
        .map_err(|e| anyhow::anyhow!("cannot read {origin}: {e}"))?;
    let years: Vec<i32> = p.calendar.years().iter().map(|y| y.year).collect();
    let observed = backtest::parse_observed(&text, &origin, &years).map_err(anyhow::Error::msg)?;
    let c = montecarlo::collect(&p, &o.sim.plan(), progress)?;
    let placed = backtest::place(&c, &observed);
    if let Some(dir) = &o.out {
        let chart = PercentileChart {
            title: format!(
                "Backtest of {}: observed figures among simulated ones",
                p.name
            ),
            rows: placed
                .iter()
                .map(|x| (x.observed.label(), x.percentile))
                .collect(),
        };
        let chart_error = |e: charts::ChartError| anyhow::anyhow!("drawing a chart failed: {e}");
        output::write_all(&[
            (dir.join("backtest.csv"), csv(&placed)),
            (
                dir.join("backtest.svg"),
                charts::svg(&chart).map_err(chart_error)?.into_bytes(),
            ),
            (
                dir.join("backtest.png"),
                charts::png(&chart).map_err(chart_error)?,
            ),
        ])?;
    }
    Ok(table(&p.name, c.replications(), &placed))
}

/// The terminal table with the coverage summary.
pub fn table(name: &str, reps: usize, placed: &[Placed]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Backtest of \"{name}\" ({reps} replications): each observed figure's percentile among \
         the simulated ones.\n"
    );
    let _ = writeln!(
        t,
        "{:<36} {:>10} {:>10} {:>23} {:>11}",
        "figure", "observed", "median", "90 % interval", "percentile"
    );
    for x in placed {
        let q = x.quantiles;
        let _ = writeln!(
            t,
            "{:<36} {:>10} {:>10} {:>23} {:>10.1}%{}",
            x.observed.label(),
            number(x.observed.value),
            number(q[2]),
            format!("{} – {}", number(q[0]), number(q[4])),
            x.percentile * 100.0,
            if x.inside(0.9) { "" } else { "  outside" }
        );
    }
    let n = placed.len();
    let (in50, in90) = (
        placed.iter().filter(|x| x.inside(0.5)).count(),
        placed.iter().filter(|x| x.inside(0.9)).count(),
    );
    let _ = writeln!(
        t,
        "\n{in50} of {n} observed figures inside the 50 % interval ({:.0} %, expected about 50 %), \
         {in90} of {n} inside the 90 % interval ({:.0} %, expected about 90 %).",
        100.0 * in50 as f64 / n as f64,
        100.0 * in90 as f64 / n as f64
    );
    t
}

fn number(v: f64) -> String {
    if v.abs() < 10.0 && v.fract() != 0.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.0}")
    }
}

fn csv(placed: &[Placed]) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "year",
        "metric",
        "gender",
        "observed",
        "p05",
        "p25",
        "median",
        "p75",
        "p95",
        "percentile",
        "inside_50",
        "inside_90",
    ]);
    for x in placed {
        let o = &x.observed;
        let mut row = vec![
            o.year.to_string(),
            o.metric.id().to_string(),
            o.gender.map(|g| g.plural_id()).unwrap_or("").to_string(),
            o.value.to_string(),
        ];
        row.extend(x.quantiles.iter().map(|q| format!("{q}")));
        row.push(format!("{:.4}", x.percentile));
        row.push(x.inside(0.5).to_string());
        row.push(x.inside(0.9).to_string());
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}
