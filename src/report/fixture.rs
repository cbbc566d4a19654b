//! A hand-built summary for the report tests: two years, a volume target per year, a
//! cumulative target, escalating goals and 24 months of series. No simulation involved.

use indexmap::IndexMap;

use crate::stats::{
    Bins, CalibrationNote, Dist, EscalatingSummary, EscalatingYear, GoalCheck, MetricSummary,
    MonthSummary, Quantiles, ReadingNote, ReadingProbability, Summary, TargetResult, YearSummary,
};

fn dist(mean: f64, spread: f64) -> Dist {
    Dist {
        mean,
        sd: spread / 3.3,
        p5: mean - spread,
        p50: mean,
        p95: mean + spread,
    }
}

fn metric(mean: f64, spread: f64) -> MetricSummary {
    MetricSummary {
        all: Some(dist(mean, spread)),
        women: Some(dist(mean * 0.48, spread * 0.7)),
        men: Some(dist(mean * 0.52, spread * 0.7)),
    }
}

fn share(mean: f64) -> MetricSummary {
    MetricSummary {
        all: Some(dist(mean, 0.04)),
        women: Some(dist(mean - 0.01, 0.05)),
        men: Some(dist(mean + 0.01, 0.05)),
    }
}

fn q(mean: f64, spread: f64) -> Quantiles {
    Quantiles {
        mean,
        p5: mean - spread,
        p25: mean - spread / 2.4,
        p50: mean,
        p75: mean + spread / 2.4,
        p95: mean + spread,
    }
}

fn target(year: Option<i32>, years: Option<Vec<i32>>, threshold: f64, p: f64) -> TargetResult {
    TargetResult {
        metric: "positive_exits".into(),
        year,
        years,
        threshold,
        direction: "at_least",
        gender: None,
        label: String::new(),
        expression: match year {
            Some(y) => format!("positive_exits>={threshold}@{y}"),
            None => format!("positive_exits>={threshold}@2025-2026"),
        },
        mean: threshold * 1.02,
        probability: p,
        se: (p * (1.0 - p) / 10_000.0).sqrt(),
        // Under the two readings of the calibration, apart on either side of the mixture.
        by_reading: Some(IndexMap::from([
            ("short".to_string(), reading(p + 0.1 * (1.0 - p))),
            ("long".to_string(), reading(p - 0.1 * p)),
        ])),
    }
}

fn reading(p: f64) -> ReadingProbability {
    ReadingProbability {
        probability: p,
        se: (p * (1.0 - p) / 5_000.0).sqrt(),
        replications: 5_000,
    }
}

fn check(reading: &'static str, step: f64, goal: f64, p: f64) -> GoalCheck {
    GoalCheck {
        reading,
        step,
        goal,
        probability: p,
        se: 0.005,
        probability_women: p - 0.05,
        probability_men: p + 0.03,
        step_probability: None,
    }
}

/// The fixture.
pub fn summary() -> Summary {
    let years = [(2025, 380.0), (2026, 410.0)]
        .iter()
        .map(|&(year, exits)| {
            let mut metrics = IndexMap::new();
            metrics.insert("positive_exits".to_string(), metric(exits, 40.0));
            metrics.insert("positive_share".to_string(), share(0.45));
            metrics.insert("entrants".to_string(), metric(1200.0, 20.0));
            metrics.insert("person_years".to_string(), metric(700.0, 15.0));
            metrics.insert("budget_sek".to_string(), metric(38e6, 1e6));
            YearSummary {
                year,
                months: 12,
                metrics,
                by_group: IndexMap::new(),
                by_attribute: IndexMap::new(),
                positive_exits_histogram: Some(Bins {
                    start: exits - 50.0,
                    width: 10.0,
                    counts: vec![1, 4, 12, 30, 45, 30, 12, 4, 1, 1],
                }),
            }
        })
        .collect();
    let monthly = (0..24)
        .map(|m| {
            let mut series = IndexMap::new();
            let in_year = (m % 12 + 1) as f64;
            series.insert(
                "positive_exits_year_to_date".to_string(),
                q(in_year * 33.0, 3.0 * in_year),
            );
            series.insert("active".to_string(), q(600.0 + m as f64, 40.0));
            series.insert(
                "waiting".to_string(),
                q(if m > 12 { 5.0 } else { 0.0 }, 2.0),
            );
            MonthSummary {
                month: format!("{}-{:02}", 2025 + m / 12, m % 12 + 1),
                series,
                team_caseload_mean: vec![50.0; 12],
                caseload_cap: Some(840.0),
            }
        })
        .collect();
    Summary {
        tool_version: "0.0.0-test",
        scenario: "Test programme".into(),
        replications: 10_000,
        seed: 7,
        parameter_uncertainty: true,
        precision: None,
        precision_reached: None,
        years,
        targets: vec![
            target(Some(2025), None, 350.0, 0.634),
            target(Some(2026), None, 400.0, 0.5),
            target(None, Some(vec![2025, 2026]), 800.0, 0.41),
        ],
        escalating_goals: Some(EscalatingSummary {
            share: "all_closures",
            first_year: 2025,
            first_share: 0.4,
            step: [3.0, 5.0],
            years: vec![
                EscalatingYear {
                    year: 2025,
                    share: Some(dist(0.45, 0.04)),
                    checks: vec![
                        check("percentage_points", 3.0, 0.40, 0.97),
                        check("percentage_points", 5.0, 0.40, 0.97),
                        check("relative_percent", 3.0, 0.40, 0.97),
                        check("relative_percent", 5.0, 0.40, 0.97),
                    ],
                },
                EscalatingYear {
                    year: 2026,
                    share: Some(dist(0.45, 0.04)),
                    checks: vec![
                        check("percentage_points", 3.0, 0.43, 0.81),
                        check("percentage_points", 5.0, 0.45, 0.52),
                        check("relative_percent", 3.0, 0.412, 0.93),
                        check("relative_percent", 5.0, 0.42, 0.9),
                    ],
                },
            ],
        }),
        monthly,
        calibration: Some(CalibrationNote {
            source: "kraftsim fit --facts facts.toml".into(),
            readings: ["short", "long"]
                .map(|id| ReadingNote {
                    id: id.into(),
                    label: format!("the {id} reading"),
                    share: 0.5,
                })
                .to_vec(),
            draws: 40,
        }),
    }
}
