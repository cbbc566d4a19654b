//! `kraftsim backtest`: simulate a past period and place each observed yearly figure in
//! the simulated distribution of that figure.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::SimOptions;
use crate::calibrate::facts;
use crate::calibrate::fit::{self, Prediction};
use crate::model::Programme;
use crate::montecarlo;
use crate::output;
use crate::report::charts::{self, PercentileChart};
use crate::report::wrap;
use crate::stats::backtest::{self, Period, Placed};
use crate::stats::observe::Figure;

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

/// Runs the backtest and returns the table: observed figures from a CSV file, or every
/// fact of a facts file (`.toml`, as `fit` reads) under each of its readings.
pub fn backtest(o: &BacktestOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let scenario = super::load_scenario(o.scenario.as_deref(), &o.set)?;
    let p = o.sim.prepare(&scenario.programme);
    let origin = o.observed.display().to_string();
    output::protect(&o.observed);
    let text = std::fs::read_to_string(&o.observed)
        .map_err(|e| anyhow::anyhow!("cannot read {origin}: {e}"))?;
    if o.observed
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        return facts_backtest(&p, &text, &origin, o, progress);
    }
    let observed = backtest::parse_observed(&text, &origin, &p).map_err(anyhow::Error::msg)?;
    let figures: Vec<Option<Figure>> = observed.iter().map(|x| x.figure(&p)).collect();
    let plan = o.sim.plan();
    let measured = if figures.iter().any(Option::is_some) {
        measure(&p, &plan, &figures, progress)?
    } else {
        vec![None; figures.len()]
    };
    let c = match figures.iter().any(Option::is_none) {
        true => Some(montecarlo::collect(&p, &plan, progress)?),
        false => None,
    };
    let placed = backtest::place(c.as_ref(), &observed, &measured);
    if let Some(dir) = &o.out {
        let chart = PercentileChart {
            title: format!(
                "Backtest of {}: observed figures among simulated ones",
                p.name
            ),
            rows: placed
                .iter()
                .map(|x| (x.observed.label(&p), x.percentile))
                .collect(),
        };
        let chart_error = |e: charts::ChartError| anyhow::anyhow!("drawing a chart failed: {e}");
        output::write_all(&[
            (dir.join("backtest.csv"), neutral(&csv(&p, &placed))),
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
    Ok(table(&p, plan.replications as usize, &placed))
}

/// The simulated values, replication by replication, of every figure measured on
/// participations (`None` for the others).
fn measure(
    p: &Programme,
    plan: &montecarlo::Plan,
    figures: &[Option<Figure>],
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<Option<Vec<f64>>>> {
    let per_rep = montecarlo::observe(
        p,
        plan,
        &|_, log| {
            figures
                .iter()
                .map(|f| f.as_ref().map_or(f64::NAN, |f| f.value(log)))
                .collect::<Vec<f64>>()
        },
        progress,
    )?;
    Ok(figures
        .iter()
        .enumerate()
        .map(|(i, f)| f.as_ref().map(|_| per_rep.iter().map(|r| r[i]).collect()))
        .collect())
}

/// Every fact of a facts file against the scenario as it stands (its parameter draws and
/// chance), under each reading of the register, with the coverage of the 50 % and 90 %
/// intervals.
fn facts_backtest(
    p: &Programme,
    text: &str,
    origin: &str,
    o: &BacktestOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<String> {
    let facts = facts::parse(text, origin, p).map_err(anyhow::Error::msg)?;
    let plan = o.sim.plan();
    let mut t = String::new();
    let head = format!(
        "Backtest of \"{}\" against {} ({} replications): each fact's percentile among the \
         simulated figures.",
        p.name, facts.name, plan.replications
    );
    let _ = writeln!(t, "{}", wrap(&head, 96, ""));
    let mut rows = Vec::new();
    for register in &facts.readings {
        let preds = fit::predictive(p, &facts, register, &plan)?;
        progress(1);
        let reading = format!("Reading {}: {}", register.id, register.label);
        let _ = writeln!(t, "\n{}", wrap(&reading, 96, "  "));
        t += &super::fit::facts_table(&preds);
        let n = preds.len();
        let in50 = preds
            .iter()
            .filter(|x| backtest::inside(x.observed, &x.quantiles, 0.5))
            .count();
        let in90 = preds.iter().filter(|x| x.inside()).count();
        let coverage = format!(
            "{in50} of {n} inside the 50 % interval, {in90} of {n} inside the 90 % interval \
             (expected about {:.0} and {:.0}; the categories of one composition are not \
             independent).",
            0.5 * n as f64,
            0.9 * n as f64
        );
        let _ = writeln!(t, "  {}", wrap(&coverage, 94, "  "));
        rows.extend(preds.into_iter().map(|x| (register.id.clone(), x)));
    }
    if let Some(dir) = &o.out {
        output::write_all(&[(dir.join("backtest.csv"), neutral(&facts_csv(&rows)))])?;
    }
    Ok(t)
}

/// CSV with formula-like text made inert (fact ids and labels come from the user's files).
fn neutral(rfc: &[u8]) -> Vec<u8> {
    crate::report::csv::in_dialect(rfc, crate::report::csv::CsvDialect::Rfc4180)
}

/// The columns of backtest.csv after those that name the figure.
const PLACEMENT_COLUMNS: [&str; 9] = [
    "observed",
    "p05",
    "p25",
    "median",
    "p75",
    "p95",
    "percentile",
    "inside_50",
    "inside_90",
];

/// backtest.csv of a facts backtest: one row per reading and fact (or category).
fn facts_csv(rows: &[(String, Prediction)]) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(
        ["reading", "fact", "category"]
            .iter()
            .chain(&PLACEMENT_COLUMNS),
    );
    for (reading, x) in rows {
        let mut row = vec![
            reading.clone(),
            x.fact.clone(),
            x.category.clone().unwrap_or_default(),
            x.observed.to_string(),
        ];
        row.extend(x.quantiles.iter().map(|q| format!("{q}")));
        row.push(format!("{:.4}", x.percentile));
        row.push(backtest::inside(x.observed, &x.quantiles, 0.5).to_string());
        row.push(x.inside().to_string());
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// The terminal table with the coverage summary.
pub fn table(p: &Programme, reps: usize, placed: &[Placed]) -> String {
    let name = &p.name;
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
            x.observed.label(p),
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

fn csv(p: &Programme, placed: &[Placed]) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let columns = ["year", "window", "metric", "group", "gender"];
    let _ = w.write_record(columns.iter().chain(&PLACEMENT_COLUMNS));
    for x in placed {
        let o = &x.observed;
        let mut row = vec![
            match o.period {
                Period::Year(y) => y.to_string(),
                Period::Window(_) => String::new(),
            },
            match o.period {
                Period::Year(_) => String::new(),
                Period::Window(w) => w.display(&p.calendar),
            },
            o.metric.id().to_string(),
            o.group
                .map(|g| p.groups[g].name.clone())
                .unwrap_or_default(),
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
