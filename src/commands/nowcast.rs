//! `kraftsim run --as-of YYYY-MM --state STATE.csv`: the year so far is known; simulate the
//! rest from the actual caseload and report what the targets still need.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::SimOptions;
use crate::model::calendar::YearMonth;
use crate::model::{Direction, Gender, Metric, Programme, Resume, Target};
use crate::montecarlo;
use crate::output;
use crate::records;
use crate::stats::{replication_values, target_hits, Collector, Counts};

/// What a nowcast needs.
#[derive(Debug, Clone)]
pub struct NowcastOptions {
    /// Scenario path or built-in name.
    pub scenario: Option<String>,
    /// `--set` overrides.
    pub set: Vec<String>,
    /// Replications, seed, threads.
    pub sim: SimOptions,
    /// The last month observed.
    pub as_of: YearMonth,
    /// Records giving the caseload and the exits so far.
    pub state: PathBuf,
    /// Leave bad rows of the state out.
    pub skip_bad_rows: bool,
    /// Folder for nowcast.csv.
    pub out: Option<PathBuf>,
}

/// One target's nowcast.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetNowcast {
    /// The target.
    pub target: Target,
    /// Probability of meeting it.
    pub probability: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// The figure observed so far this year (single-year targets of the as-of year).
    pub so_far: Option<f64>,
    /// Expected value over the whole period (observed + simulated).
    pub expected: f64,
    /// Per remaining month of the year: needed and expected (count floors of the as-of
    /// year).
    pub per_month: Option<(f64, f64)>,
}

/// Metrics that need the months before the as-of date, which a state does not give.
fn needs_history(m: Metric) -> bool {
    matches!(
        m,
        Metric::PersonYears | Metric::BudgetSek | Metric::CostPerPositiveExit
    )
}

/// The year-to-date value of a target's metric from the observed exits and entrants
/// (person-years and budget are not observed: NaN).
fn so_far(r: &Resume, t: &Target) -> f64 {
    let counted = |s: Gender| t.gender.is_none_or(|g| g == s);
    let mut c = Counts {
        person_years: f64::NAN,
        budget: f64::NAN,
        ..Counts::default()
    };
    for &(_, _, s, cause, n) in &r.exits {
        if counted(s) {
            c.causes[cause as usize] += n as f64;
        }
    }
    for &(_, _, s, n) in &r.entrants {
        if counted(s) {
            c.entrants += n as f64;
        }
    }
    c.metric(t.metric)
}

/// Nowcasts every target from the as-of year on.
pub fn evaluate(p: &Programme, c: &Collector, as_of: YearMonth) -> Vec<TargetNowcast> {
    let resume = p.resume.clone().unwrap_or_default();
    let remaining = 12 - as_of.month;
    p.targets
        .iter()
        .filter(|t| t.years.iter().all(|&y| y >= as_of.year))
        .filter(|t| !(t.years.contains(&as_of.year) && needs_history(t.metric)))
        .map(|t| {
            let hits = target_hits(c, t);
            let n = hits.len() as f64;
            let prob = hits.iter().filter(|&&h| h).count() as f64 / n;
            let ys: Vec<usize> = t
                .years
                .iter()
                .filter_map(|&y| c.years.iter().position(|r| r.year == y))
                .collect();
            let values: Vec<f64> =
                replication_values(c, &ys, t.gender.map(|g| g as usize), t.metric)
                    .into_iter()
                    .filter(|v| v.is_finite())
                    .collect();
            let expected = values.iter().sum::<f64>() / values.len().max(1) as f64;
            let current = t.years == [as_of.year];
            let so_far = current.then(|| so_far(&resume, t));
            let per_month = match (so_far, t.direction) {
                (Some(done), Direction::AtLeast) if !t.metric.is_ratio() && remaining > 0 => {
                    Some((
                        (t.threshold - done).max(0.0) / remaining as f64,
                        (expected - done) / remaining as f64,
                    ))
                }
                _ => None,
            };
            TargetNowcast {
                target: t.clone(),
                probability: prob,
                se: (prob * (1.0 - prob) / n).sqrt(),
                so_far,
                expected,
                per_month,
            }
        })
        .collect()
}

/// Runs the nowcast and returns the text to print.
pub fn nowcast(o: &NowcastOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let scenario = super::load_scenario(o.scenario.as_deref(), &o.set)?;
    let mut p = o.sim.prepare(&scenario.programme);
    crate::output::protect(&o.state);
    let recs = records::read(&o.state, o.skip_bad_rows)?;
    let resume = records::state(&recs, &p, o.as_of)
        .map_err(|e| anyhow::anyhow!("{}: {e}", o.state.display()))?;
    let enrolled = resume.caseload.len();
    p.resume = Some(resume);
    let c = montecarlo::collect(&p, &o.sim.plan(), progress)?;
    let rows = evaluate(&p, &c, o.as_of);
    if let Some(dir) = &o.out {
        output::write_all(&[(dir.join("nowcast.csv"), csv(&rows))])?;
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Nowcast of \"{}\" as of the end of {}: {enrolled} participants enrolled, {} \
         replications of the months from {} on.",
        p.name,
        o.as_of,
        c.replications(),
        o.as_of.plus(1)
    );
    if let Some(note) = recs.skipped_note() {
        let _ = writeln!(t, "{note}");
    }
    let _ = writeln!(
        t,
        "\n{:<34} {:>10} {:>10} {:>10} {:>14} {:>22}",
        "target", "so far", "rest", "expected", "P(met)", "per remaining month"
    );
    for r in &rows {
        let fmt = |v: f64| {
            if r.target.metric.is_ratio() {
                format!("{:.1} %", v * 100.0)
            } else {
                format!("{v:.0}")
            }
        };
        let per_month = r
            .per_month
            .map(|(need, exp)| format!("need {need:.1}, expect {exp:.1}"))
            .unwrap_or_default();
        let rest = match r.so_far {
            Some(done) if !r.target.metric.is_ratio() => format!("{:.0}", r.expected - done),
            _ => "–".into(),
        };
        let _ = writeln!(
            t,
            "{:<34} {:>10} {:>10} {:>10} {:>8.1} ± {:.1} {:>22}",
            r.target.expression(),
            r.so_far.map(fmt).unwrap_or_else(|| "–".into()),
            rest,
            fmt(r.expected),
            r.probability * 100.0,
            r.se * 100.0,
            per_month
        );
    }
    let skipped: Vec<String> = p
        .targets
        .iter()
        .filter(|t| t.years.contains(&o.as_of.year) && needs_history(t.metric))
        .map(|t| t.expression())
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            t,
            "\nNot nowcast (they need person-years or costs of the months before the as-of \
             date): {}",
            skipped.join(", ")
        );
    }
    let _ = writeln!(
        t,
        "\n\"so far\" counts the records' exits from the start of {} through {}; \"rest\" is \
         the simulated remainder of the year (mean), \"expected\" the two together; \"per \
         remaining month\" is what the target still needs against what the simulation \
         expects.",
        o.as_of.year, o.as_of
    );
    Ok(t)
}

fn csv(rows: &[TargetNowcast]) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "target",
        "so_far",
        "expected",
        "probability",
        "se",
        "needed_per_month",
        "expected_per_month",
    ]);
    for r in rows {
        let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        let _ = w.write_record([
            r.target.expression(),
            opt(r.so_far),
            format!("{}", r.expected),
            format!("{}", r.probability),
            format!("{}", r.se),
            opt(r.per_month.map(|x| x.0)),
            opt(r.per_month.map(|x| x.1)),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
