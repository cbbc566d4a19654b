//! Rendering a sensitivity analysis: the ranked table, the CSV and the tornado chart.

use std::fmt::Write;

use super::charts::Tornado;
use super::csv::{finish, num, writer};
use crate::planning::sensitivity::Sensitivity;

/// Rows in the tornado chart.
pub const TORNADO_ROWS: usize = 15;

fn value(s: &Sensitivity, v: f64) -> String {
    if s.probability {
        format!("{:.1}%", v * 100.0)
    } else {
        format!("{v:.1}")
    }
}

fn change(s: &Sensitivity, v: f64) -> String {
    if s.probability {
        format!("{:+.1} pp", v * 100.0)
    } else {
        format!("{v:+.1}")
    }
}

/// The terminal table, largest effect first.
pub fn table(s: &Sensitivity) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kraftsim {} — sensitivity of {} to ±{:.0} % changes, one parameter at a time",
        s.tool_version,
        s.measure,
        s.delta * 100.0
    );
    let _ = writeln!(
        out,
        "Scenario {}; {} replications per run, seed {}, common random numbers; baseline {}",
        s.scenario,
        s.replications,
        s.seed,
        value(s, s.base)
    );
    let _ = writeln!(
        out,
        "\n{:<48}{:>12}{:>12}{:>12}{:>30}{:>30}",
        "parameter", "value", "lowered", "raised", "effect lowered (95 %)", "effect raised (95 %)"
    );
    for e in &s.effects {
        let effect = |d: &crate::stats::paired::Difference| {
            if d.se == 0.0 {
                format!("{} (exactly)", change(s, d.mean))
            } else {
                format!(
                    "{} ({}…{})",
                    change(s, d.mean),
                    change(s, d.lo),
                    change(s, d.hi)
                )
            }
        };
        let _ = writeln!(
            out,
            "{:<48} {:>11} {:>11} {:>11} {:>29} {:>29}",
            e.parameter,
            e.base_value,
            e.low_value,
            e.high_value,
            effect(&e.low_difference),
            effect(&e.high_difference)
        );
    }
    if !s.skipped.is_empty() {
        let _ = writeln!(out, "\nNot varied ({}):", s.skipped.len());
        for (p, why) in &s.skipped {
            let _ = writeln!(out, "  {p}: {why}");
        }
    }
    out
}

/// `sensitivity.csv`: one row per varied parameter, largest effect first.
pub fn csv(s: &Sensitivity) -> Vec<u8> {
    let mut w = writer();
    w.write_record([
        "parameter",
        "value",
        "lowered_value",
        "raised_value",
        "measure",
        "baseline",
        "lowered",
        "raised",
        "effect_lowered",
        "effect_lowered_lo95",
        "effect_lowered_hi95",
        "effect_raised",
        "effect_raised_lo95",
        "effect_raised_hi95",
    ])
    .expect("in memory");
    for e in &s.effects {
        w.write_record([
            e.parameter.clone(),
            e.base_value.clone(),
            e.low_value.clone(),
            e.high_value.clone(),
            s.measure.clone(),
            num(s.base),
            num(e.low),
            num(e.high),
            num(e.low_difference.mean),
            num(e.low_difference.lo),
            num(e.low_difference.hi),
            num(e.high_difference.mean),
            num(e.high_difference.lo),
            num(e.high_difference.hi),
        ])
        .expect("in memory");
    }
    finish(w)
}

/// The tornado chart of the largest effects.
pub fn tornado(s: &Sensitivity) -> Tornado {
    Tornado {
        title: format!("Sensitivity of {} to ±{:.0} %", s.measure, s.delta * 100.0),
        x_label: s.measure.clone(),
        legend: [
            format!("−{:.0} %", s.delta * 100.0),
            format!("+{:.0} %", s.delta * 100.0),
        ],
        base: s.base,
        rows: s
            .effects
            .iter()
            .take(TORNADO_ROWS)
            .map(|e| (e.parameter.clone(), e.low, e.high))
            .collect(),
        percent: s.probability,
    }
}
