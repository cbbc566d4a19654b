//! Rendering a comparison: the terminal table (alternatives side by side per year with the
//! paired difference against the first) and the long-format CSV.

use std::fmt::Write;

use super::csv::{finish, num, writer};
use super::table::{fmt_difference, fmt_value, metric_row, Unit};
use crate::stats::paired::{ComparedRow, Comparison, Difference, RowKind};

const LABEL_W: usize = 36;
const VALUE_W: usize = 11;
const DIFF_W: usize = 33;

fn unit(row: &ComparedRow) -> Unit {
    match row.kind {
        RowKind::Probability => Unit::Percent,
        RowKind::Mean => metric_row(&row.quantity).map_or(Unit::Decimal, |r| r.1),
    }
}

fn label(row: &ComparedRow) -> String {
    match (row.gender, row.kind) {
        (Some(g), RowKind::Mean) => format!("  {g}"),
        (_, RowKind::Probability) => format!("  P({})", row.quantity),
        (None, RowKind::Mean) => {
            metric_row(&row.quantity).map_or(row.quantity.clone(), |r| r.0.to_string())
        }
    }
}

fn difference(d: &Difference, u: Unit) -> String {
    if !d.mean.is_finite() {
        return "–".into();
    }
    if d.se == 0.0 {
        return format!("{} (exactly)", fmt_difference(d.mean, u));
    }
    format!(
        "{} ({} to {})",
        fmt_difference(d.mean, u),
        fmt_difference(d.lo, u),
        fmt_difference(d.hi, u)
    )
}

/// The terminal table.
pub fn table(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kraftsim {} — {} alternatives on common random numbers",
        c.tool_version,
        c.alternatives.len()
    );
    let _ = writeln!(
        out,
        "{} replications each, seed {}, parameter uncertainty {}; each difference is paired \
         (same replications), with its 95 % interval.",
        c.replications,
        c.seed,
        if c.parameter_uncertainty { "on" } else { "off" }
    );
    for a in &c.alternatives {
        let _ = writeln!(out, "  {:<3}{}  [{}]", a.label, a.name, a.origin);
    }
    let first = &c.alternatives[0].label;
    let header = |out: &mut String, title: &str| {
        let _ = write!(out, "\n{title:LABEL_W$}");
        for (i, a) in c.alternatives.iter().enumerate() {
            let _ = write!(out, "{:>VALUE_W$}", a.label);
            if i > 0 {
                let _ = write!(out, "{:>DIFF_W$}", format!("{} − {first}", a.label));
            }
        }
        out.push('\n');
    };
    let has_costs = c
        .rows
        .iter()
        .any(|r| r.quantity == "budget_sek" && r.values.iter().any(|v| *v > 0.0));
    let mut year = None;
    let mut in_targets = false;
    for row in &c.rows {
        if !has_costs
            && matches!(
                row.quantity.as_str(),
                "budget_sek" | "cost_per_positive_exit"
            )
        {
            continue;
        }
        if row.kind == RowKind::Mean && year != Some(row.year) {
            year = Some(row.year);
            header(&mut out, &row.year.to_string());
        }
        if row.kind == RowKind::Probability && !in_targets {
            in_targets = true;
            header(&mut out, "Targets: probability of meeting each");
        }
        let u = unit(row);
        let _ = write!(out, "{:LABEL_W$}", label(row));
        for (i, v) in row.values.iter().enumerate() {
            let text = if v.is_finite() {
                fmt_value(*v, u)
            } else {
                "–".into()
            };
            let _ = write!(out, "{text:>VALUE_W$}");
            if i > 0 {
                let _ = write!(out, "{:>DIFF_W$}", difference(&row.differences[i - 1], u));
            }
        }
        out.push('\n');
    }
    let _ = write!(out, "{}", variance_note(c));
    out
}

/// How much the pairing saved, for exits to work or studies in the last year.
fn variance_note(c: &Comparison) -> String {
    let Some(row) =
        c.rows.iter().rev().find(|r| {
            r.quantity == "positive_exits" && r.gender.is_none() && r.kind == RowKind::Mean
        })
    else {
        return String::new();
    };
    let mut out = String::from("\nCommon random numbers, exits to work or studies in ");
    let _ = writeln!(out, "{}:", row.year);
    for (a, d) in c.alternatives[1..].iter().zip(&row.differences) {
        let _ = match d.replication_factor() {
            Some(f) => writeln!(
                out,
                "  {} − {}: standard error {:.2}; independent runs would give {:.2} and need {:.0}× the replications for the same precision",
                a.label, c.alternatives[0].label, d.se, d.se_independent, f
            ),
            None => writeln!(
                out,
                "  {} − {}: identical in every replication (difference exactly 0)",
                a.label, c.alternatives[0].label
            ),
        };
    }
    out
}

/// `compare.csv`: one row per year, quantity, gender and alternative, with the paired
/// difference against the first alternative (empty for the first itself).
pub fn csv(c: &Comparison) -> Vec<u8> {
    let mut w = writer();
    w.write_record([
        "year",
        "quantity",
        "gender",
        "kind",
        "alternative",
        "name",
        "value",
        "difference",
        "difference_se",
        "difference_lo95",
        "difference_hi95",
        "difference_se_independent",
    ])
    .expect("in memory");
    for row in &c.rows {
        for (i, a) in c.alternatives.iter().enumerate() {
            let d = i.checked_sub(1).map(|k| row.differences[k]);
            let f = |g: fn(&Difference) -> f64| d.as_ref().map(|d| num(g(d))).unwrap_or_default();
            w.write_record([
                row.year.to_string(),
                row.quantity.clone(),
                row.gender.unwrap_or("all").to_string(),
                match row.kind {
                    RowKind::Mean => "mean",
                    RowKind::Probability => "probability",
                }
                .to_string(),
                a.label.clone(),
                a.name.clone(),
                num(row.values[i]),
                f(|d| d.mean),
                f(|d| d.se),
                f(|d| d.lo),
                f(|d| d.hi),
                f(|d| d.se_independent),
            ])
            .expect("in memory");
        }
    }
    finish(w)
}
