//! Sizing: the cheapest configuration whose probability of meeting the target(s) is at
//! least the confidence asked for.
//!
//! The first searched key is taken to be monotone (more teams or more intake never lowers
//! the probability, and never lowers cost): for each combination of the other keys, the
//! smallest feasible value is found by bisection. Every configuration runs on the same
//! replications (common random numbers), starting with a few hundred and doubling only
//! while the probability is too close to the confidence to decide. Among the smallest
//! feasible values the cheapest (mean yearly budget in the targets' years) wins; among
//! equally cheap ones, the most likely to meet the targets, then the smallest.

use serde::Serialize;

use super::sweep::{grid, programme_at, value_text, Dimension};
use crate::model::Target;
use crate::montecarlo::{self, Plan, SimOptions};
use crate::scenario::Scenario;
use crate::stats::paired::{paired, Difference};
use crate::stats::{target_hits, wilson, Collector};

/// Normal quantile for deciding: a configuration is judged once its probability is more
/// than this many standard errors from the confidence (99 % two-sided).
pub const DECISION_Z: f64 = 2.576;
/// Replications a configuration starts with (fewer if the maximum is lower).
pub const START_REPLICATIONS: u64 = 512;

/// What to size.
#[derive(Debug, Clone)]
pub struct SizeSpec {
    /// Searched keys with their candidate values; the first is bisected.
    pub dims: Vec<Dimension>,
    /// Targets that must all be met in a replication.
    pub targets: Vec<Target>,
    /// Probability the targets must be met with.
    pub confidence: f64,
    /// Largest acceptable mean yearly budget in the targets' years, SEK.
    pub budget_max: Option<f64>,
    /// Seed, threads, uncertainty; `replications` is the most any configuration gets.
    pub sim: SimOptions,
}

/// How an evaluated configuration was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The probability is at least the confidence.
    Meets,
    /// It is below.
    Fails,
}

/// One evaluated configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Values of the searched keys.
    #[serde(serialize_with = "texts")]
    pub values: Vec<toml::Value>,
    /// Replications run.
    pub replications: u64,
    /// Probability that every target is met.
    pub probability: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// Wilson 95 % interval.
    pub interval: (f64, f64),
    /// Mean yearly budget in the targets' years, SEK (`None` without `[costs]`).
    pub cost: Option<f64>,
    /// The judgement.
    pub verdict: Verdict,
    /// Whether the maximum replications were reached before the probability was clearly
    /// on one side of the confidence.
    pub close: bool,
    /// Whether the budget limit excludes it.
    pub over_budget: bool,
    #[serde(skip)]
    hits: Vec<bool>,
    #[serde(skip)]
    budget_sum: f64,
}

fn texts<S: serde::Serializer>(v: &[toml::Value], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(value_text))
}

/// The result of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    /// kraftsim version.
    pub tool_version: &'static str,
    /// Scenario origin.
    pub scenario: String,
    /// The targets, as expressions.
    pub targets: Vec<String>,
    /// Confidence asked for.
    pub confidence: f64,
    /// Budget limit, SEK per year.
    pub budget_max: Option<f64>,
    /// Searched keys and candidate values.
    pub dimensions: Vec<Dimension>,
    /// Seed shared by every configuration.
    pub seed: u64,
    /// Index into `evaluations` of the chosen configuration.
    pub chosen: Option<usize>,
    /// Index of the next cheaper configuration (one step down the first key).
    pub next_cheaper: Option<usize>,
    /// Paired difference in the probability, chosen − next cheaper.
    pub difference: Option<Difference>,
    /// Every evaluated configuration, in the order evaluated.
    pub evaluations: Vec<Evaluation>,
    /// Replications run in all.
    pub total_replications: u64,
}

/// Runs the search.
pub fn size(
    base: &Scenario,
    spec: &SizeSpec,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Sizing> {
    anyhow::ensure!(!spec.targets.is_empty(), "size needs at least one --target");
    anyhow::ensure!(!spec.dims.is_empty(), "size needs at least one --over KEY");
    let mut search = Search {
        base,
        spec,
        evaluations: Vec::new(),
        progress,
    };
    let first = &spec.dims[0];
    let n = first.values.len();
    let others = grid(&spec.dims[1..]);
    // For each combination of the other keys: the index of the smallest feasible value of
    // the first key, if any.
    let mut frontier: Vec<(Vec<toml::Value>, usize)> = Vec::new();
    for rest in &others {
        let at = |i: usize| {
            let mut v = vec![first.values[i].clone()];
            v.extend(rest.iter().cloned());
            v
        };
        // Monotonicity: a combination at least as large in every other key needs no more
        // of the first key than one already solved.
        let mut hi = n - 1;
        for (solved, i) in &frontier {
            if solved[1..]
                .iter()
                .zip(rest)
                .all(|(a, b)| compare_values(a, b).is_le())
            {
                hi = hi.min(*i);
            }
        }
        let top = search.judge(&at(hi))?;
        if search.evaluations[top].verdict == Verdict::Fails {
            continue;
        }
        let (mut lo, mut hi) = (0usize, hi);
        // Invariant: `hi` is feasible; everything below `lo` is known infeasible.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let e = search.judge(&at(mid))?;
            if search.evaluations[e].verdict == Verdict::Meets {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        frontier.push((at(hi), hi));
    }

    let within_budget = |e: &Evaluation| !e.over_budget;
    let chosen = frontier
        .iter()
        .filter_map(|(v, _)| search.index_of(v))
        .filter(|&i| within_budget(&search.evaluations[i]))
        .min_by(|&a, &b| {
            let (ea, eb) = (&search.evaluations[a], &search.evaluations[b]);
            same_cost_order(ea.cost, eb.cost)
                .then(eb.probability.total_cmp(&ea.probability))
                .then(index_sum(spec, &ea.values).cmp(&index_sum(spec, &eb.values)))
        });
    let mut next_cheaper = None;
    let mut difference = None;
    if let Some(c) = chosen {
        let values = search.evaluations[c].values.clone();
        let i = position(&first.values, &values[0]);
        if i > 0 {
            let mut below = values.clone();
            below[0] = first.values[i - 1].clone();
            let b = search.judge(&below)?;
            // Pair on the replications both have.
            let k = search.evaluations[c]
                .hits
                .len()
                .min(search.evaluations[b].hits.len());
            let as_f = |e: &Evaluation| -> Vec<f64> {
                e.hits[..k]
                    .iter()
                    .map(|&h| if h { 1.0 } else { 0.0 })
                    .collect()
            };
            difference = Some(paired(
                &as_f(&search.evaluations[b]),
                &as_f(&search.evaluations[c]),
            ));
            next_cheaper = Some(b);
        }
    }
    let total = search.evaluations.iter().map(|e| e.replications).sum();
    Ok(Sizing {
        tool_version: env!("CARGO_PKG_VERSION"),
        scenario: base.origin.clone(),
        targets: spec.targets.iter().map(Target::expression).collect(),
        confidence: spec.confidence,
        budget_max: spec.budget_max,
        dimensions: spec.dims.clone(),
        seed: spec.sim.seed,
        chosen,
        next_cheaper,
        difference,
        evaluations: search.evaluations,
        total_replications: total,
    })
}

/// Relative difference below which two mean budgets count as the same cost: budgets vary
/// a little between replications (vacant posts cost nothing), so configurations with the
/// same posts must not be ranked by that noise.
pub const SAME_COST: f64 = 0.005;

/// Orders two mean budgets, treating those within [`SAME_COST`] of each other as equal.
fn same_cost_order(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    let (a, b) = (a.unwrap_or(0.0), b.unwrap_or(0.0));
    if (a - b).abs() <= SAME_COST * a.abs().max(b.abs()) {
        std::cmp::Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// Sum of the candidate indices of a configuration: the tie-break when costs are equal
/// (or absent) prefers the smallest programme.
fn index_sum(spec: &SizeSpec, values: &[toml::Value]) -> usize {
    spec.dims
        .iter()
        .zip(values)
        .map(|(d, v)| position(&d.values, v))
        .sum()
}

fn position(values: &[toml::Value], v: &toml::Value) -> usize {
    values.iter().position(|x| x == v).unwrap_or(0)
}

/// Orders two values of the same key (numbers numerically, anything else as text).
fn compare_values(a: &toml::Value, b: &toml::Value) -> std::cmp::Ordering {
    let num = |v: &toml::Value| match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => value_text(a).cmp(&value_text(b)),
    }
}

struct Search<'a> {
    base: &'a Scenario,
    spec: &'a SizeSpec,
    evaluations: Vec<Evaluation>,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Search<'_> {
    fn index_of(&self, values: &[toml::Value]) -> Option<usize> {
        self.evaluations.iter().position(|e| e.values == values)
    }

    /// Evaluates a configuration until it is clearly on one side of the confidence or the
    /// replication limit is reached; returns its index in `evaluations`.
    fn judge(&mut self, values: &[toml::Value]) -> anyhow::Result<usize> {
        let index = match self.index_of(values) {
            Some(i) => i,
            None => {
                self.evaluations.push(Evaluation {
                    values: values.to_vec(),
                    replications: 0,
                    probability: f64::NAN,
                    se: f64::NAN,
                    interval: (0.0, 1.0),
                    cost: None,
                    verdict: Verdict::Fails,
                    close: true,
                    over_budget: false,
                    hits: Vec::new(),
                    budget_sum: 0.0,
                });
                self.evaluations.len() - 1
            }
        };
        let max = self.spec.sim.replications.max(1);
        let programme = self.spec.sim.prepare(&programme_at(
            self.base,
            &self.spec.dims,
            values,
            Some(&self.spec.targets),
        )?);
        loop {
            let have = self.evaluations[index].replications;
            if have > 0 && (self.decide(index) || have >= max) {
                return Ok(index);
            }
            let want = if have == 0 {
                START_REPLICATIONS.min(max)
            } else {
                (have * 2).min(max)
            };
            let plan = Plan {
                replications: want - have,
                seed: self.spec.sim.seed,
                threads: self.spec.sim.threads,
                simulator: self.spec.sim.simulator,
            };
            let collector = montecarlo::collect_range(&programme, &plan, have, self.progress)?;
            self.add(index, &collector);
        }
    }

    /// Judges an evaluated configuration; returns whether the judgement is clear.
    fn decide(&mut self, index: usize) -> bool {
        let c = self.spec.confidence;
        let e = &mut self.evaluations[index];
        let n = e.replications as f64;
        // The confidence's own variance is a floor, so that 512 hits out of 512 are not
        // taken as certainty when the confidence asked for is 0.99.
        let var = (e.probability * (1.0 - e.probability)).max(c * (1.0 - c));
        let clear = (e.probability - c).abs() > DECISION_Z * (var / n).sqrt();
        e.close = !clear;
        e.verdict = if e.probability >= c {
            Verdict::Meets
        } else {
            Verdict::Fails
        };
        clear
    }

    fn add(&mut self, index: usize, c: &Collector) {
        let years: Vec<usize> = {
            let mut ys: Vec<i32> = self
                .spec
                .targets
                .iter()
                .flat_map(|t| t.years.iter().copied())
                .collect();
            ys.sort_unstable();
            ys.dedup();
            ys.iter()
                .filter_map(|y| c.years.iter().position(|ry| ry.year == *y))
                .collect()
        };
        let mut joint = vec![true; c.replications()];
        for t in &self.spec.targets {
            for (j, h) in joint.iter_mut().zip(target_hits(c, t)) {
                *j &= h;
            }
        }
        let e = &mut self.evaluations[index];
        for r in 0..c.replications() {
            let b: i64 = years.iter().map(|&y| c.budget_of(r, y)).sum();
            e.budget_sum += b as f64 / years.len().max(1) as f64;
        }
        e.hits.extend(joint);
        e.replications = e.hits.len() as u64;
        let hits = e.hits.iter().filter(|&&h| h).count() as u64;
        let n = e.replications;
        e.probability = hits as f64 / n as f64;
        e.se = (e.probability * (1.0 - e.probability) / n as f64).sqrt();
        e.interval = wilson(hits, n, crate::stats::paired::Z95);
        let cost = e.budget_sum / n as f64;
        e.cost = (cost > 0.0).then_some(cost);
        e.over_budget = matches!((self.spec.budget_max, e.cost), (Some(m), Some(c)) if c > m);
    }
}
