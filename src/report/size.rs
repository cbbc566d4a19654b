//! Rendering a sizing: the answer in words (chosen configuration, how sure, what it costs,
//! and the next cheaper one), then every evaluated configuration.

use std::fmt::Write;

use super::csv::{finish, num, writer};
use crate::planning::size::{Evaluation, Sizing, Verdict};
use crate::planning::sweep::value_text;

fn config(s: &Sizing, e: &Evaluation) -> String {
    s.dimensions
        .iter()
        .zip(&e.values)
        .map(|(d, v)| format!("{} = {}", d.key, value_text(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn probability(e: &Evaluation) -> String {
    format!(
        "{:.1} % (95 % interval {:.1}–{:.1} %, {} replications)",
        e.probability * 100.0,
        e.interval.0 * 100.0,
        e.interval.1 * 100.0,
        e.replications
    )
}

fn cost(e: &Evaluation) -> String {
    e.cost.map_or("no [costs] in the scenario".into(), |c| {
        format!("{:.1} MSEK per year", c / 1e6)
    })
}

/// The terminal report.
pub fn table(s: &Sizing) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kraftsim {} — size: cheapest configuration meeting {} with probability ≥ {:.0} %",
        s.tool_version,
        s.targets.join(" and "),
        s.confidence * 100.0
    );
    let ranges: Vec<String> = s
        .dimensions
        .iter()
        .map(|d| {
            let first = d.values.first().map(value_text).unwrap_or_default();
            let last = d.values.last().map(value_text).unwrap_or_default();
            format!("{} {first}…{last} ({} values)", d.key, d.values.len())
        })
        .collect();
    let _ = writeln!(
        out,
        "Scenario {}; searched {}; seed {}{}",
        s.scenario,
        ranges.join(", "),
        s.seed,
        s.budget_max
            .map(|b| format!("; budget at most {:.1} MSEK per year", b / 1e6))
            .unwrap_or_default()
    );
    out.push('\n');
    match s.chosen.map(|i| &s.evaluations[i]) {
        Some(e) => {
            let _ = writeln!(out, "Answer: {}", config(s, e));
            let _ = writeln!(out, "  P(targets met) = {}", probability(e));
            let _ = writeln!(out, "  Budget: {}", cost(e));
            if e.close {
                let _ = writeln!(
                    out,
                    "  Close call: even at the replication limit the probability is within {:.1} standard errors of {:.0} %; raise --reps to settle it.",
                    crate::planning::size::DECISION_Z,
                    s.confidence * 100.0
                );
            }
            match s.next_cheaper.map(|i| &s.evaluations[i]) {
                Some(b) => {
                    let _ = writeln!(out, "Next cheaper: {}", config(s, b));
                    let _ = writeln!(
                        out,
                        "  P(targets met) = {} — {}",
                        probability(b),
                        if b.verdict == Verdict::Meets {
                            "also meets the confidence but costs more in another key"
                        } else {
                            "below the confidence"
                        }
                    );
                    let _ = writeln!(out, "  Budget: {}", cost(b));
                    if let Some(d) = &s.difference {
                        let _ = writeln!(
                            out,
                            "  Paired difference (same replications): {:+.1} percentage points (95 % interval {:+.1} to {:+.1})",
                            d.mean * 100.0,
                            d.lo * 100.0,
                            d.hi * 100.0
                        );
                    }
                }
                None => {
                    let _ = writeln!(
                        out,
                        "The smallest value searched already meets the targets; widen the range downwards to find the limit."
                    );
                }
            }
        }
        None => {
            let best = s
                .evaluations
                .iter()
                .filter(|e| !e.over_budget)
                .max_by(|a, b| a.probability.total_cmp(&b.probability));
            let _ = writeln!(
                out,
                "No configuration in the searched range{} meets the targets with probability ≥ {:.0} %.",
                if s.budget_max.is_some() { " and within the budget" } else { "" },
                s.confidence * 100.0
            );
            if let Some(b) = best {
                let _ = writeln!(
                    out,
                    "  Highest probability found: {} at {}",
                    probability(b),
                    config(s, b)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nEvaluated {} configurations, {} replications in all (all on the same random numbers):",
        s.evaluations.len(),
        s.total_replications
    );
    let widths: Vec<usize> = s
        .dimensions
        .iter()
        .map(|d| d.key.len().max(6) + 2)
        .collect();
    for (d, w) in s.dimensions.iter().zip(&widths) {
        let _ = write!(out, "  {:<w$}", d.key);
    }
    let _ = writeln!(
        out,
        "{:>8}{:>10}{:>16}{:>12}  verdict",
        "reps", "P", "95 % interval", "MSEK/yr"
    );
    let mut order: Vec<&Evaluation> = s.evaluations.iter().collect();
    order.sort_by_key(|e| {
        s.dimensions
            .iter()
            .zip(&e.values)
            .map(|(d, v)| d.values.iter().position(|x| x == v).unwrap_or(0))
            .collect::<Vec<_>>()
    });
    for e in order {
        for (v, w) in e.values.iter().zip(&widths) {
            let _ = write!(out, "  {:<w$}", value_text(v));
        }
        let verdict = match (e.verdict, e.close, e.over_budget) {
            (_, _, true) => "over budget",
            (Verdict::Meets, false, _) => "meets",
            (Verdict::Meets, true, _) => "meets (close)",
            (Verdict::Fails, false, _) => "fails",
            (Verdict::Fails, true, _) => "fails (close)",
        };
        let _ = writeln!(
            out,
            "{:>8}{:>9.1}%{:>16}{:>12}  {verdict}",
            e.replications,
            e.probability * 100.0,
            format!("{:.1}–{:.1}", e.interval.0 * 100.0, e.interval.1 * 100.0),
            e.cost.map_or("–".into(), |c| format!("{:.1}", c / 1e6)),
        );
    }
    out
}

/// `size.csv`: every evaluated configuration.
pub fn csv(s: &Sizing) -> Vec<u8> {
    let mut w = writer();
    let mut head: Vec<String> = s.dimensions.iter().map(|d| d.key.clone()).collect();
    head.extend(
        [
            "replications",
            "probability",
            "se",
            "lo95",
            "hi95",
            "budget_sek_per_year",
            "verdict",
            "close",
            "over_budget",
            "chosen",
        ]
        .map(String::from),
    );
    w.write_record(&head).expect("in memory");
    for (i, e) in s.evaluations.iter().enumerate() {
        let mut row: Vec<String> = e.values.iter().map(value_text).collect();
        row.extend([
            e.replications.to_string(),
            num(e.probability),
            num(e.se),
            num(e.interval.0),
            num(e.interval.1),
            e.cost.map(num).unwrap_or_default(),
            match e.verdict {
                Verdict::Meets => "meets",
                Verdict::Fails => "fails",
            }
            .into(),
            e.close.to_string(),
            e.over_budget.to_string(),
            (s.chosen == Some(i)).to_string(),
        ]);
        w.write_record(&row).expect("in memory");
    }
    finish(w)
}
