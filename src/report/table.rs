//! The terminal report: per year the mean and P5–P95 of every metric for everyone, women
//! and men; then every target's probability with its Monte Carlo standard error; then the
//! escalating-goals verdict under both readings of the yearly step.

use std::fmt::Write;

use crate::stats::{Dist, Summary};

/// Rows of the yearly table: metric identifier, label, how to format it.
const ROWS: [(&str, &str, Unit); 23] = [
    ("positive_exits", "Exits to work or studies", Unit::Count),
    (
        "positive_share",
        "Share of exits to work/studies",
        Unit::Percent,
    ),
    (
        "positive_share_excluding_time_limit",
        "  time-limit closures left out",
        Unit::Percent,
    ),
    (
        "positive_share_gap",
        "Share gap, women − men",
        Unit::Percent,
    ),
    ("work_exits", "Exits to work", Unit::Count),
    ("studies_exits", "Exits to studies", Unit::Count),
    ("fk_samverkan", "To AF/FK rehab collaboration", Unit::Count),
    ("other_exits", "Other exits", Unit::Count),
    ("time_limit_exits", "Closed at the time limit", Unit::Count),
    ("exits", "All exits", Unit::Count),
    ("fk_closed", "FK cases closed", Unit::Count),
    ("fk_work_exits", "FK cases closed to work", Unit::Count),
    (
        "mean_months_closed",
        "Months in programme, closed, mean",
        Unit::Decimal,
    ),
    (
        "median_months_closed",
        "Months in programme, closed, median",
        Unit::Decimal,
    ),
    ("entrants", "Entrants", Unit::Count),
    (
        "participants",
        "Participants (enrolled at any time)",
        Unit::Count,
    ),
    (
        "ineligible",
        "Referrals outside the target group",
        Unit::Count,
    ),
    (
        "caseload_mean",
        "Active caseload, monthly mean",
        Unit::Count,
    ),
    ("caseload_min", "Active caseload, lowest month", Unit::Count),
    (
        "caseload_max",
        "Active caseload, highest month",
        Unit::Count,
    ),
    ("person_years", "Person-years (årsplatser)", Unit::Count),
    ("budget_sek", "Budget, MSEK", Unit::Millions),
    (
        "cost_per_positive_exit",
        "Cost per positive exit, kSEK",
        Unit::Thousands,
    ),
];

/// How a metric's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Whole numbers.
    Count,
    /// One decimal.
    Decimal,
    /// A share shown in percent.
    Percent,
    /// SEK shown in millions.
    Millions,
    /// SEK shown in thousands.
    Thousands,
}

/// The label and unit of a metric identifier in the yearly table.
pub(crate) fn metric_row(id: &str) -> Option<(&'static str, Unit)> {
    ROWS.iter().find(|r| r.0 == id).map(|r| (r.1, r.2))
}

/// A difference in the metric's unit, with its sign (percentages as percentage points).
pub(crate) fn fmt_difference(v: f64, u: Unit) -> String {
    match u {
        Unit::Count | Unit::Decimal => format!("{v:+.1}"),
        Unit::Percent => format!("{:+.1} pp", v * 100.0),
        Unit::Millions => format!("{:+.2}", v / 1e6),
        Unit::Thousands => format!("{:+.1}", v / 1e3),
    }
}

/// A value in the metric's unit.
pub(crate) fn fmt_value(v: f64, u: Unit) -> String {
    match u {
        Unit::Count => format!("{v:.0}"),
        Unit::Decimal => format!("{v:.1}"),
        Unit::Percent => format!("{:.1}%", v * 100.0),
        Unit::Millions => format!("{:.1}", v / 1e6),
        Unit::Thousands => format!("{:.0}", v / 1e3),
    }
}

/// A distribution as `mean (P5–P95)` in the metric's unit, `–` when undefined.
pub(crate) fn cell(d: Option<&Dist>, u: Unit) -> String {
    match d {
        Some(d) => format!(
            "{} ({}–{})",
            fmt_value(d.mean, u),
            fmt_value(d.p5, u),
            fmt_value(d.p95, u)
        ),
        None => "–".into(),
    }
}

/// Formats a probability and its standard error as percentages.
pub fn percent_pm(p: f64, se: f64) -> String {
    format!("{:5.1}% ± {:.1}", p * 100.0, se * 100.0)
}

/// The terminal report.
pub fn render(s: &Summary, origin: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kraftsim {} — {} ({origin})",
        s.tool_version, s.scenario
    );
    let _ = writeln!(
        out,
        "{} replications, seed {}, parameter uncertainty {}",
        s.replications,
        s.seed,
        if s.parameter_uncertainty {
            "on (rates drawn per replication)"
        } else {
            "off"
        }
    );
    if let (Some(p), Some(reached)) = (s.precision, s.precision_reached) {
        let _ = writeln!(
            out,
            "{} replications were needed for every probability's standard error to be at most {:.2} percentage points{}",
            s.replications,
            p * 100.0,
            if reached { "" } else { " — NOT reached within the replication limit" }
        );
    }
    let _ = writeln!(out, "Each cell: mean (P5–P95) over replications.\n");

    let label_w = 34;
    // 34 + 3 years × 21 stays within 100 columns; the widest cell is a share (19).
    let col_w = 21;
    let _ = write!(out, "{:label_w$}", "");
    for y in &s.years {
        let head = if y.months < 12 {
            format!("{} ({} mo)", y.year, y.months)
        } else {
            y.year.to_string()
        };
        let _ = write!(out, "{head:>col_w$}");
    }
    out.push('\n');
    let metric = |y: &crate::stats::YearSummary, id: &str| y.metrics.get(id).and_then(|m| m.all);
    let has_costs = s
        .years
        .iter()
        .any(|y| metric(y, "budget_sek").is_some_and(|d| d.mean > 0.0));
    for (id, label, unit) in ROWS {
        if !has_costs && matches!(id, "budget_sek" | "cost_per_positive_exit") {
            continue;
        }
        if !s.years.iter().any(|y| y.metrics.contains_key(id)) {
            continue;
        }
        let by_gender = s
            .years
            .iter()
            .any(|y| y.metrics.get(id).is_some_and(|m| m.women.is_some()));
        for (who, name) in [
            ("all", label.to_string()),
            ("women", "  women".into()),
            ("men", "  men".into()),
        ] {
            if who != "all" && !by_gender {
                continue;
            }
            let _ = write!(out, "{name:label_w$}");
            for y in &s.years {
                let d = y.metrics.get(id).and_then(|m| match who {
                    "all" => m.all.as_ref(),
                    "women" => m.women.as_ref(),
                    _ => m.men.as_ref(),
                });
                let _ = write!(out, "{:>col_w$}", cell(d, unit));
            }
            out.push('\n');
        }
    }
    if !has_costs {
        let _ = writeln!(out, "{:label_w$}no [costs] in the scenario", "Budget");
    }
    if s.years
        .iter()
        .any(|y| metric(y, "waiting_at_year_end").is_some_and(|d| d.p95 > 0.0))
    {
        let _ = write!(out, "{:label_w$}", "Waiting list at year end");
        for y in &s.years {
            let _ = write!(
                out,
                "{:>col_w$}",
                cell(metric(y, "waiting_at_year_end").as_ref(), Unit::Count)
            );
        }
        out.push('\n');
    }

    attribute_section(&mut out, s);

    if !s.targets.is_empty() {
        let _ = writeln!(out, "\nTargets: probability of meeting each (± Monte Carlo standard error, percentage points)");
        for t in &s.targets {
            let when = match (&t.year, &t.years) {
                (Some(y), _) => y.to_string(),
                (_, Some(ys)) => format!(
                    "{}–{} in total",
                    ys.first().unwrap_or(&0),
                    ys.last().unwrap_or(&0)
                ),
                _ => String::new(),
            };
            let op = if t.direction == "at_least" {
                "≥"
            } else {
                "≤"
            };
            let who = t.gender.map(|g| format!(" ({g})")).unwrap_or_default();
            let thr = if t.metric == "positive_share" {
                format!("{:.1}%", t.threshold * 100.0)
            } else {
                format!("{}", t.threshold)
            };
            let text = format!("{}{who} {op} {thr} in {when}", t.metric);
            let mean = if t.metric == "positive_share" {
                format!("{:.1}%", t.mean * 100.0)
            } else {
                format!("{:.1}", t.mean)
            };
            let _ = writeln!(
                out,
                "  {text:<52} P = {}   (mean {mean})",
                percent_pm(t.probability, t.se)
            );
            for (reading, r) in t.by_reading.iter().flatten() {
                let _ = writeln!(
                    out,
                    "      reading {reading:<42} P = {}",
                    percent_pm(r.probability, r.se)
                );
            }
        }
    }

    if let Some(e) = &s.escalating_goals {
        let _ = writeln!(
            out,
            "\n{}",
            super::wrap(
                &format!(
                    "Escalating goals: {:.0}% of exits to work or studies in {}, then +{}–{} a \
                     year, read as percentage points (pp) or as relative percent (rel), of {}. \
                     P = probability the year's share reaches the goal; step P = probability \
                     the share rose by at least the step since the year before.",
                    e.first_share * 100.0,
                    e.first_year,
                    e.step[0],
                    e.step[1],
                    if e.share == "excluding_time_limit" {
                        "closures other than at the time limit"
                    } else {
                        "all closures"
                    }
                ),
                96,
                ""
            )
        );
        for y in &e.years {
            let share = y.share.map_or("–".into(), |d| {
                format!(
                    "{:.1}% ({:.1}–{:.1})",
                    d.p50 * 100.0,
                    d.p5 * 100.0,
                    d.p95 * 100.0
                )
            });
            let _ = writeln!(out, "  {}  median share {share}", y.year);
            for c in &y.checks {
                let reading = if c.reading == "percentage_points" {
                    "pp "
                } else {
                    "rel"
                };
                let step = c
                    .step_probability
                    .map(|p| format!("   step P = {:.1}%", p * 100.0))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {reading} +{:<3} goal {:5.1}%  P = {}  (women {:.1}%, men {:.1}%){step}",
                    c.step,
                    c.goal * 100.0,
                    percent_pm(c.probability, c.se),
                    c.probability_women * 100.0,
                    c.probability_men * 100.0
                );
            }
        }
    }
    out
}

/// Entrants and exits to work or studies per attribute category in the last reported
/// year, with each category's share of exits going to work or studies by gender.
fn attribute_section(out: &mut String, s: &Summary) {
    let Some(y) = s.years.last().filter(|y| !y.by_attribute.is_empty()) else {
        return;
    };
    let _ = writeln!(
        out,
        "\nBy participant attribute, {} (means): entrants, exits to work or studies, and the share of\nexits going to work or studies for everyone, women and men (attributes.csv has every year)",
        y.year
    );
    let _ = writeln!(
        out,
        "  {:<34}{:>9}{:>12}{:>9}{:>9}{:>9}",
        "", "entrants", "work/stud.", "share", "women", "men"
    );
    for (a, cats) in &y.by_attribute {
        for (cat, m) in cats {
            let left = m["exits"].mean > 0.0;
            let pct = |v: f64| {
                if left {
                    format!("{:.1}%", v * 100.0)
                } else {
                    "–".into()
                }
            };
            let share = &m["positive_share"];
            let _ = writeln!(
                out,
                "  {:<34}{:>9.0}{:>12.0}{:>9}{:>9}{:>9}",
                format!("{a} {cat}"),
                m["entrants"].mean,
                m["positive_exits"].mean,
                pct(share.mean),
                pct(share.women),
                pct(share.men)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{MetricSummary, TargetResult, YearSummary};
    use indexmap::IndexMap;

    #[test]
    fn renders_a_hand_built_summary() {
        let d = |mean: f64| {
            Some(Dist {
                mean,
                sd: 1.0,
                p5: mean - 10.0,
                p50: mean,
                p95: mean + 10.0,
            })
        };
        let mut metrics = IndexMap::new();
        metrics.insert(
            "positive_exits".to_string(),
            MetricSummary {
                all: d(400.0),
                women: d(190.0),
                men: d(210.0),
            },
        );
        let s = Summary {
            tool_version: "9.9.9",
            scenario: "Hand-built".into(),
            replications: 1000,
            seed: 42,
            parameter_uncertainty: false,
            precision: None,
            precision_reached: None,
            years: vec![YearSummary {
                year: 2026,
                months: 12,
                metrics,
                by_group: IndexMap::new(),
                by_attribute: IndexMap::new(),
                positive_exits_histogram: None,
            }],
            targets: vec![TargetResult {
                metric: "positive_exits".into(),
                year: Some(2026),
                years: None,
                threshold: 400.0,
                direction: "at_least",
                gender: Some("women"),
                label: String::new(),
                expression: "positive_exits:women>=400@2026".into(),
                mean: 190.0,
                probability: 0.6342,
                se: 0.0152,
                by_reading: None,
            }],
            escalating_goals: None,
            monthly: vec![],
            calibration: None,
        };
        let expected = "\
kraftsim 9.9.9 — Hand-built (test)
1000 replications, seed 42, parameter uncertainty off
Each cell: mean (P5–P95) over replications.

                                                   2026
Exits to work or studies                  400 (390–410)
  women                                   190 (180–200)
  men                                     210 (200–220)
Budget                            no [costs] in the scenario

Targets: probability of meeting each (± Monte Carlo standard error, percentage points)
  positive_exits (women) ≥ 400 in 2026                 P =  63.4% ± 1.5   (mean 190.0)
";
        assert_eq!(render(&s, "test"), expected);
    }
}
