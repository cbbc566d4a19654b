//! The reference workload R1 (`scenarios/reference.toml`) against an independent
//! implementation of the same specification: per-year means and standard deviations from
//! 200,000 replications of that implementation (seed 99), recorded in docs/validation.md.
//! A difference beyond 4 combined standard errors would be a bug on one side.

use kraftsim::model::Metric;
use kraftsim::montecarlo::{self, Plan};
use kraftsim::scenario::load_builtin;

use crate::common::assert_within_4se;

/// Replications of the independent implementation behind the figures below.
const REFERENCE_REPS: f64 = 200_000.0;

/// (year, metric, mean, sd) from the independent implementation.
const EXPECTED: [(i32, Metric, f64, f64); 30] = [
    (2025, Metric::PositiveExits, 371.7966, 16.6569),
    (2025, Metric::Exits, 730.4267, 17.7396),
    (2025, Metric::PersonYears, 529.6311, 8.9197),
    (2025, Metric::Entrants, 1476.0185, 5.9872),
    (2025, Metric::WorkExits, 274.0175, 14.908),
    (2025, Metric::StudiesExits, 97.7791, 9.5572),
    (2025, Metric::FkSamverkan, 5.0533, 2.2499),
    (2025, Metric::OtherExits, 320.8314, 15.4413),
    (2025, Metric::TimeLimitExits, 32.7454, 5.0073),
    (2025, Metric::PositiveShare, 0.5090, 0.0185),
    (2026, Metric::PositiveExits, 548.5096, 20.9593),
    (2026, Metric::Exits, 1464.6311, 25.1751),
    (2026, Metric::PersonYears, 832.3635, 13.5576),
    (2026, Metric::Entrants, 1476.0005, 5.9925),
    (2026, Metric::WorkExits, 404.3042, 18.5875),
    (2026, Metric::StudiesExits, 144.2055, 11.7056),
    (2026, Metric::FkSamverkan, 7.8075, 2.7955),
    (2026, Metric::OtherExits, 503.9094, 19.6466),
    (2026, Metric::TimeLimitExits, 404.4046, 18.334),
    (2026, Metric::PositiveShare, 0.3745, 0.0130),
    (2027, Metric::PositiveExits, 549.8195, 21.0649),
    (2027, Metric::Exits, 1475.9498, 25.4432),
    (2027, Metric::PersonYears, 835.7061, 13.5998),
    (2027, Metric::Entrants, 1475.9973, 5.9857),
    (2027, Metric::WorkExits, 405.2632, 18.6276),
    (2027, Metric::StudiesExits, 144.5563, 11.7493),
    (2027, Metric::FkSamverkan, 7.8216, 2.7836),
    (2027, Metric::OtherExits, 505.983, 19.707),
    (2027, Metric::TimeLimitExits, 412.3257, 18.5453),
    (2027, Metric::PositiveShare, 0.3725, 0.0130),
];

#[test]
fn r1_means_agree_with_the_independent_implementation() {
    let p = load_builtin("reference").unwrap().unwrap().programme;
    let reps = 4000u64;
    let s = montecarlo::run(
        &p,
        &Plan {
            replications: reps,
            seed: 1,
            threads: None,
            ..Plan::default()
        },
        &|_| {},
    )
    .unwrap();
    for (year, metric, mean, sd) in EXPECTED {
        let y = s.years.iter().find(|y| y.year == year).unwrap();
        let d = y.metrics[metric.id()].all.unwrap();
        let se = (d.sd.powi(2) / reps as f64 + sd.powi(2) / REFERENCE_REPS).sqrt();
        assert_within_4se(&format!("{year} {}", metric.id()), d.mean, mean, se);
        // Standard deviations agree too: the sample SD's standard error is about
        // sd / sqrt(2(n − 1)); allow 5 of those (the distributions are near normal).
        let sd_se = sd / (2.0 * (reps as f64 - 1.0)).sqrt();
        assert!(
            (d.sd - sd).abs() < 5.0 * sd_se,
            "{year} {} sd {} vs {sd}",
            metric.id(),
            d.sd
        );
    }
}

#[test]
fn r1_reports_everything_the_specification_lists() {
    let p = load_builtin("reference").unwrap().unwrap().programme;
    let s = montecarlo::run(
        &p,
        &Plan {
            replications: 200,
            seed: 2,
            threads: None,
            ..Plan::default()
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        s.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        vec![2025, 2026, 2027]
    );
    for y in &s.years {
        for m in [
            "positive_exits",
            "exits",
            "positive_share",
            "person_years",
            "entrants",
            "work_exits",
            "studies_exits",
            "fk_samverkan",
            "other_exits",
            "time_limit_exits",
        ] {
            let d = y.metrics[m]
                .all
                .unwrap_or_else(|| panic!("{} {m} missing", y.year));
            assert!(
                d.mean.is_finite() && d.sd.is_finite() && d.sd > 0.0,
                "{} {m}: {d:?}",
                y.year
            );
        }
    }
    assert_eq!(s.targets.len(), 6);
    for t in &s.targets {
        assert!(
            t.probability > 0.0 && t.probability < 1.0,
            "R1 thresholds are near the means: {t:?}"
        );
        let expected_se = (t.probability * (1.0 - t.probability) / 200.0).sqrt();
        assert!((t.se - expected_se).abs() < 1e-12);
    }
    assert!(!s.parameter_uncertainty);
}

/// `--precision`: every target's standard error ends at or below the precision asked for,
/// and the result is that of a plain run with the replication count it chose.
#[test]
fn precision_adds_replications_until_every_target_is_precise() {
    let p = load_builtin("reference").unwrap().unwrap().programme;
    let plan = Plan {
        replications: 300,
        seed: 8,
        threads: None,
        ..Plan::default()
    };
    let s = montecarlo::run_to_precision(&p, &plan, 0.01, &|_| {}).unwrap();
    assert_eq!(s.precision_reached, Some(true));
    assert!(s.replications > 300);
    for t in &s.targets {
        assert!(t.se <= 0.01, "{t:?}");
    }
    let plain = montecarlo::run(
        &p,
        &Plan {
            replications: s.replications,
            ..plan
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(plain.targets, s.targets);
    assert_eq!(plain.years, s.years);
}
