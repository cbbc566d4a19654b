//! Rendering a sweep: one row per grid point and year (CSV and JSON from the same rows), a
//! terminal table per point, and heatmaps of the first target's probability and of cost.

use std::fmt::Write;

use indexmap::IndexMap;
use serde_json::Value;

use super::charts::{percent_label, Heatmap, COST_SCALE, PROBABILITY_SCALE};
use super::csv::{finish, num, writer};
use crate::planning::sweep::{value_text, Sweep, SweepPoint};
use crate::stats::{Summary, TargetResult};

/// Metric columns of each row: (column, metric id, gender).
const COLUMNS: [(&str, &str, &str); 14] = [
    ("positive_exits", "positive_exits", "all"),
    ("positive_exits_women", "positive_exits", "women"),
    ("positive_exits_men", "positive_exits", "men"),
    ("positive_share", "positive_share", "all"),
    ("positive_share_women", "positive_share", "women"),
    ("positive_share_men", "positive_share", "men"),
    ("work_exits", "work_exits", "all"),
    ("studies_exits", "studies_exits", "all"),
    ("fk_samverkan", "fk_samverkan", "all"),
    ("exits", "exits", "all"),
    ("entrants", "entrants", "all"),
    ("person_years", "person_years", "all"),
    ("budget_sek", "budget_sek", "all"),
    ("cost_per_positive_exit", "cost_per_positive_exit", "all"),
];

fn mean_of(s: &Summary, year: usize, id: &str, who: &str) -> Option<f64> {
    let m = s.years[year].metrics.get(id)?;
    let d = match who {
        "women" => m.women.as_ref(),
        "men" => m.men.as_ref(),
        _ => m.all.as_ref(),
    }?;
    Some(d.mean)
}

fn last_year(t: &TargetResult) -> Option<i32> {
    t.year
        .or_else(|| t.years.as_ref().and_then(|y| y.iter().max().copied()))
}

/// One row per grid point and year: the varied values, the year, the mean of every
/// metric (overall and by gender where it matters), P5/P95 of positive exits, and each
/// target's probability and standard error in the row of its last year.
pub fn rows(s: &Sweep) -> Vec<IndexMap<String, Value>> {
    let target_names: Vec<String> = s
        .points
        .first()
        .map(|p| {
            p.summary
                .targets
                .iter()
                .map(|t| t.expression.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for p in &s.points {
        for (yi, y) in p.summary.years.iter().enumerate() {
            let mut row = IndexMap::new();
            for (d, v) in s.dimensions.iter().zip(&p.values) {
                row.insert(d.key.clone(), Value::String(value_text(v)));
            }
            row.insert("year".into(), y.year.into());
            row.insert("replications".into(), p.summary.replications.into());
            for (col, id, who) in COLUMNS {
                row.insert(col.into(), number(mean_of(&p.summary, yi, id, who)));
            }
            let pos = y.metrics.get("positive_exits").and_then(|m| m.all);
            row.insert("positive_exits_p5".into(), number(pos.map(|d| d.p5)));
            row.insert("positive_exits_p95".into(), number(pos.map(|d| d.p95)));
            for (name, t) in target_names.iter().zip(&p.summary.targets) {
                let here = last_year(t) == Some(y.year);
                row.insert(format!("P({name})"), number(here.then_some(t.probability)));
                row.insert(format!("P({name})_se"), number(here.then_some(t.se)));
            }
            out.push(row);
        }
    }
    out
}

fn number(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// `sweep.csv`: the rows of [`rows`].
pub fn csv(s: &Sweep) -> Vec<u8> {
    let rows = rows(s);
    let mut w = writer();
    if let Some(first) = rows.first() {
        w.write_record(first.keys()).expect("in memory");
    }
    for row in &rows {
        w.write_record(row.values().map(|v| match v {
            Value::String(t) => t.clone(),
            Value::Number(n) => n.as_f64().map(num).unwrap_or_default(),
            _ => String::new(),
        }))
        .expect("in memory");
    }
    finish(w)
}

/// Mean yearly budget over a target's years, SEK.
fn yearly_budget(p: &SweepPoint, t: &TargetResult) -> Option<f64> {
    let years: Vec<i32> = match (&t.year, &t.years) {
        (Some(y), _) => vec![*y],
        (_, Some(ys)) => ys.clone(),
        _ => vec![],
    };
    let budgets: Vec<f64> = p
        .summary
        .years
        .iter()
        .enumerate()
        .filter(|(_, y)| years.contains(&y.year))
        .filter_map(|(yi, _)| mean_of(&p.summary, yi, "budget_sek", "all"))
        .collect();
    // A scenario without [costs] has a budget of 0: no cost to show.
    let mean = budgets.iter().sum::<f64>() / budgets.len().max(1) as f64;
    (mean > 0.0).then_some(mean)
}

/// The terminal table: per grid point the probability of every target and the yearly
/// budget in the first target's years.
pub fn table(s: &Sweep) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kraftsim {} — sweep of {} over {} points, {} replications each, seed {} (common random numbers)",
        s.tool_version,
        s.scenario,
        s.points.len(),
        s.replications,
        s.seed
    );
    let Some(first) = s.points.first() else {
        return out;
    };
    let targets: Vec<String> = first
        .summary
        .targets
        .iter()
        .map(|t| t.expression.clone())
        .collect();
    let widths: Vec<usize> = s
        .dimensions
        .iter()
        .map(|d| d.key.len().max(8) + 2)
        .collect();
    for (d, w) in s.dimensions.iter().zip(&widths) {
        let _ = write!(out, "{:<w$}", d.key);
    }
    let tw: Vec<usize> = targets.iter().map(|t| (t.len() + 5).max(16)).collect();
    for (t, w) in targets.iter().zip(&tw) {
        let _ = write!(out, "{:>w$}", format!("P({t})"));
    }
    let _ = writeln!(out, "{:>16}", "budget MSEK/yr");
    for p in &s.points {
        for (v, w) in p.values.iter().zip(&widths) {
            let _ = write!(out, "{:<w$}", value_text(v));
        }
        for (t, w) in p.summary.targets.iter().zip(&tw) {
            let _ = write!(
                out,
                "{:>w$}",
                format!("{:.1}% ± {:.1}", t.probability * 100.0, t.se * 100.0)
            );
        }
        let budget = p
            .summary
            .targets
            .first()
            .and_then(|t| yearly_budget(p, t))
            .map_or("–".to_string(), |b| format!("{:.1}", b / 1e6));
        let _ = writeln!(out, "{budget:>16}");
    }
    out
}

/// Heatmaps of the first target's probability and of the yearly budget over the first two
/// varied keys, one pair per combination of any further keys: (file stem, chart).
pub fn heatmaps(s: &Sweep) -> Vec<(String, Heatmap)> {
    let Some(t0) = s.points.first().and_then(|p| p.summary.targets.first()) else {
        return Vec::new();
    };
    let name = t0.expression.clone();
    let dims = &s.dimensions;
    let nx = dims[0].values.len();
    let ny = dims.get(1).map_or(1, |d| d.values.len());
    // Grid order has the last key varying fastest: point (i, j, r) — first key i, second
    // key j, combination r of the remaining keys — is at (i·ny + j)·facets + r.
    let facets = s.points.len() / (nx * ny).max(1);
    let mut out = Vec::new();
    for r in 0..facets {
        let at = |i: usize, j: usize| &s.points[(i * ny + j) * facets + r];
        let suffix = if dims.len() > 2 {
            let rest: Vec<String> = dims[2..]
                .iter()
                .zip(&at(0, 0).values[2..])
                .map(|(d, v)| format!("{}={}", d.key, value_text(v)))
                .collect();
            format!("-{}", rest.join("-").replace(['/', ' '], "_"))
        } else {
            String::new()
        };
        let mut prob = Vec::new();
        let mut prob_text = Vec::new();
        let mut cost = Vec::new();
        let mut cost_text = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let p = at(i, j);
                let t = p.summary.targets.first();
                let pr = t.map(|t| t.probability).filter(|v| v.is_finite());
                prob.push(pr);
                prob_text.push(pr.map_or(String::new(), percent_label));
                let c = t.and_then(|t| yearly_budget(p, t));
                cost.push(c);
                cost_text.push(c.map_or(String::new(), |v| format!("{:.1}", v / 1e6)));
            }
        }
        let x_values: Vec<String> = dims[0].values.iter().map(value_text).collect();
        let (y_label, y_values) = match dims.get(1) {
            Some(d) => (d.key.clone(), d.values.iter().map(value_text).collect()),
            None => (String::new(), vec![String::new()]),
        };
        let facet_title = suffix.trim_start_matches('-').replace('-', ", ");
        let title = |what: &str| {
            if facet_title.is_empty() {
                what.to_string()
            } else {
                format!("{what} ({facet_title})")
            }
        };
        out.push((
            format!("sweep-probability{suffix}"),
            Heatmap {
                title: title(&format!("P({name})")),
                x_label: dims[0].key.clone(),
                x_values: x_values.clone(),
                y_label: y_label.clone(),
                y_values: y_values.clone(),
                cells: prob,
                cell_text: prob_text,
                scale: PROBABILITY_SCALE.to_vec(),
                highlight_at_least: None,
                range: Some((0.0, 1.0)),
            },
        ));
        if cost.iter().all(Option::is_none) {
            continue;
        }
        out.push((
            format!("sweep-cost{suffix}"),
            Heatmap {
                title: title("Budget per year, MSEK"),
                x_label: dims[0].key.clone(),
                x_values,
                y_label,
                y_values,
                cells: cost,
                cell_text: cost_text,
                scale: COST_SCALE.to_vec(),
                highlight_at_least: None,
                range: None,
            },
        ));
    }
    out
}
