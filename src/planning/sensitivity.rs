//! One-at-a-time sensitivity: every numeric parameter (or a listed subset) is moved down
//! and up by a relative delta, each change run on the same replications as the baseline
//! (common random numbers), and the effect on one measure is the paired difference.
//!
//! The measure is a target's probability, `P(positive_exits>=400@2026)`, or a metric's
//! mean, `positive_exits@2026` (summed over a span of years, `@2025-2027`).

use serde::Serialize;

use super::sweep::value_text;
use crate::model::Target;
use crate::montecarlo::{self, SimOptions};
use crate::scenario::comments::numeric_leaves;
use crate::scenario::{overrides, target_expr, Override, Scenario};
use crate::stats::paired::{paired, Difference};
use crate::stats::{replication_values, target_hits, Collector};

/// What the sensitivity is measured on.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// The probability of meeting a target.
    Probability(Target),
    /// The mean of the target's metric over its years (the threshold is not used).
    Mean(Target),
}

impl Measure {
    /// Parses `P(EXPR)` (a target expression) or `METRIC[:GENDER]@YEARS` (a mean).
    pub fn parse(text: &str, scenario: &Scenario) -> anyhow::Result<Measure> {
        let text = text.trim();
        if text.starts_with("P(") {
            let t = target_expr::resolve(scenario, &[text.to_string()])?;
            return Ok(Measure::Probability(t[0].clone()));
        }
        let (metric, years) = text.split_once('@').ok_or_else(|| {
            anyhow::anyhow!(
                "--metric {text}: give P(TARGET), e.g. 'P(positive_exits>=400@2026)', or METRIC@YEAR, e.g. positive_exits@2026"
            )
        })?;
        let t = target_expr::resolve(scenario, &[format!("{metric}>=0@{years}")])?;
        Ok(Measure::Mean(t[0].clone()))
    }

    /// The measure in words, as it would be typed.
    pub fn name(&self) -> String {
        match self {
            Measure::Probability(t) => format!("P({})", t.expression()),
            Measure::Mean(t) => {
                let e = t.expression();
                let (metric, years) = e.split_once(">=").map_or((e.as_str(), ""), |(m, r)| {
                    (m, r.split_once('@').map_or("", |x| x.1))
                });
                format!("{metric}@{years}")
            }
        }
    }

    /// Whether the measure is a probability.
    pub fn is_probability(&self) -> bool {
        matches!(self, Measure::Probability(_))
    }

    /// Its value in every replication (0 or 1 for a probability).
    pub fn values(&self, c: &Collector) -> Vec<f64> {
        match self {
            Measure::Probability(t) => target_hits(c, t)
                .into_iter()
                .map(|h| if h { 1.0 } else { 0.0 })
                .collect(),
            Measure::Mean(t) => {
                let years: Vec<usize> = t
                    .years
                    .iter()
                    .filter_map(|y| c.years.iter().position(|ry| ry.year == *y))
                    .collect();
                replication_values(c, &years, t.gender.map(|g| g as usize), t.metric)
            }
        }
    }
}

/// Key paths that describe the question rather than the programme: never varied.
const NOT_PARAMETERS: [&str; 5] = [
    "calendar.",
    "targets",
    "escalating_goals.",
    "uncertainty.",
    "name",
];

/// The effect of moving one parameter down and up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// Key path.
    pub parameter: String,
    /// The scenario's value.
    pub base_value: String,
    /// The lowered value.
    pub low_value: String,
    /// The raised value.
    pub high_value: String,
    /// The measure with the lowered value.
    pub low: f64,
    /// The measure with the raised value.
    pub high: f64,
    /// Paired difference lowered − baseline.
    pub low_difference: Difference,
    /// Paired difference raised − baseline.
    pub high_difference: Difference,
}

impl Effect {
    /// The larger absolute effect of the two changes (what the ranking uses).
    pub fn swing(&self) -> f64 {
        self.low_difference
            .mean
            .abs()
            .max(self.high_difference.mean.abs())
    }
}

/// A finished sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// kraftsim version.
    pub tool_version: &'static str,
    /// Scenario origin.
    pub scenario: String,
    /// The measure, as typed.
    pub measure: String,
    /// Whether it is a probability.
    pub probability: bool,
    /// Relative change applied down and up.
    pub delta: f64,
    /// Replications per run.
    pub replications: u64,
    /// Seed shared by every run.
    pub seed: u64,
    /// The measure at the scenario's values.
    pub base: f64,
    /// Effects, largest first.
    pub effects: Vec<Effect>,
    /// Parameters not varied, with the reason (e.g. a changed value fails validation).
    pub skipped: Vec<(String, String)>,
}

fn mean(v: &[f64]) -> f64 {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    f.iter().sum::<f64>() / f.len().max(1) as f64
}

/// The parameters varied: every numeric value of the programme, or those in `only`.
pub fn candidates(s: &Scenario, only: &[String]) -> anyhow::Result<Vec<(String, toml::Value)>> {
    let leaves = numeric_leaves(s);
    if only.is_empty() {
        return Ok(leaves
            .into_iter()
            .filter(|(p, _)| !NOT_PARAMETERS.iter().any(|n| p.starts_with(n)))
            .collect());
    }
    only.iter()
        .map(|key| {
            leaves
                .iter()
                .find(|(p, _)| p == key)
                .cloned()
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--only {key}: not a numeric value of the scenario (see `kraftsim validate` for its keys)"
                    )
                })
        })
        .collect()
}

/// `value` moved by `factor`; integers are rounded and move by at least 1.
fn moved(value: &toml::Value, factor: f64) -> Option<toml::Value> {
    match value {
        toml::Value::Float(f) if *f != 0.0 => Some(toml::Value::Float(significant(f * factor))),
        toml::Value::Integer(i) if *i != 0 => {
            let mut n = (*i as f64 * factor).round() as i64;
            if n == *i {
                n += if factor > 1.0 { 1 } else { -1 };
            }
            Some(toml::Value::Integer(n))
        }
        _ => None,
    }
}

/// `v` rounded to 10 significant digits, so 0.055 × 0.9 is written 0.0495.
fn significant(v: f64) -> f64 {
    let scale = 10f64.powi(9 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// Runs the analysis.
pub fn sensitivity(
    base: &Scenario,
    measure: &Measure,
    delta: f64,
    only: &[String],
    sim: &SimOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Sensitivity> {
    anyhow::ensure!(
        delta > 0.0 && delta < 1.0,
        "--delta {delta}: give a relative change between 0 and 100 %, e.g. 10%"
    );
    let plan = sim.plan();
    let run = |p: &crate::model::Programme| -> anyhow::Result<Vec<f64>> {
        let c = montecarlo::collect(&sim.prepare(p), &plan, progress)?;
        Ok(measure.values(&c))
    };
    let base_values = run(&base.programme)?;
    let mut effects = Vec::new();
    let mut skipped = Vec::new();
    for (path, value) in candidates(base, only)? {
        let key = path.replace('[', ".").replace(']', "");
        let mut sides = Vec::new();
        let mut problem = None;
        for factor in [1.0 - delta, 1.0 + delta] {
            let Some(v) = moved(&value, factor) else {
                problem = Some("zero: a relative change leaves it at zero".to_string());
                break;
            };
            match overrides::apply_all(base.clone(), &[Override::typed(&key, v.clone())]) {
                Ok(s) => sides.push((v, s.programme)),
                Err(e) => {
                    problem = Some(format!("{} cannot be used: {e}", value_text(&v)));
                    break;
                }
            }
        }
        if let Some(p) = problem {
            skipped.push((path, p));
            continue;
        }
        let low = run(&sides[0].1)?;
        let high = run(&sides[1].1)?;
        effects.push(Effect {
            parameter: path,
            base_value: value_text(&value),
            low_value: value_text(&sides[0].0),
            high_value: value_text(&sides[1].0),
            low: mean(&low),
            high: mean(&high),
            low_difference: paired(&base_values, &low),
            high_difference: paired(&base_values, &high),
        });
    }
    // Largest swing first; ties (e.g. exact zeros) keep file order.
    effects.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    Ok(Sensitivity {
        tool_version: env!("CARGO_PKG_VERSION"),
        scenario: base.origin.clone(),
        measure: measure.name(),
        probability: measure.is_probability(),
        delta,
        replications: plan.replications,
        seed: plan.seed,
        base: mean(&base_values),
        effects,
        skipped,
    })
}
