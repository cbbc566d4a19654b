//! The corpus of broken scenarios in `tests/fixtures/broken/`: each must be rejected with a
//! clear message that names the offending key (or file position), never a panic.

use std::path::Path;

use kraftsim::scenario::load_path;

/// (file, texts the error must contain).
const CASES: [(&str, &[&str]); 19] = [
    ("truncated.toml", &["truncated.toml:3:"]),
    (
        "wrong_type.toml",
        &[
            "wrong_type.toml:3:",
            "calendar.horizon_months",
            "invalid type",
        ],
    ),
    (
        "nan_hazard.toml",
        &["groups.af_job.hazards.work", "NaN is not allowed"],
    ),
    (
        "infinite_rate.toml",
        &["intake.continuous.fk.per_month", "inf is not allowed"],
    ),
    ("negative_count.toml", &["teams.count", "-3 is not allowed"]),
    (
        "probability_above_one.toml",
        &[
            "staffing.employment_officer.vacancy_probability",
            "1.5 is not a probability",
        ],
    ),
    (
        "shares_not_summing.toml",
        &["intake.mix", "shares sum to 0.9"],
    ),
    (
        "unknown_key.toml",
        &["unknown_key.toml:3:1", "per_tem", "intake"],
    ),
    (
        "unknown_group.toml",
        &["intake.mix.stockholm", "unknown group"],
    ),
    (
        "huge_horizon.toml",
        &["calendar.horizon_months", "100000 is not allowed"],
    ),
    ("zero_teams.toml", &["teams.count", "at least one team"]),
    ("empty_groups.toml", &["groups", "no participant groups"]),
    (
        "month_outside_horizon.toml",
        &["intake.pauses[0].from", "outside the simulated period"],
    ),
    ("bad_month.toml", &["calendar.start", "not a month"]),
    ("unknown_base.toml", &["stockholm", "built-in"]),
    (
        "oversized_programme.toml",
        &["intake.per_team", "at most 1000000"],
    ),
    (
        "unknown_metric.toml",
        &["targets[0].metric", "unknown metric \"exits_to_work\""],
    ),
    (
        "overlapping_profile.toml",
        &["groups.fk.profile[1]", "overlaps"],
    ),
    ("not_utf8.toml", &["not_utf8.toml", "cannot read"]),
];

#[test]
fn every_broken_scenario_is_rejected_with_its_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken");
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        on_disk,
        CASES.len(),
        "every fixture has a case and every case a fixture"
    );
    for (file, expected) in CASES {
        let result = std::panic::catch_unwind(|| load_path(&dir.join(file)));
        let outcome = result.unwrap_or_else(|_| panic!("{file}: validation panicked"));
        let message = match outcome {
            Ok(_) => panic!("{file} was accepted"),
            Err(e) => e.to_string(),
        };
        for text in expected {
            assert!(
                message.contains(text),
                "{file}: message lacks {text:?}:\n{message}"
            );
        }
    }
}

#[test]
fn the_cli_reports_a_broken_fixture_without_panicking() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/nan_hazard.toml");
    let out = assert_cmd::Command::cargo_bin("kraftsim")
        .unwrap()
        .arg("run")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("Error: ") && !err.contains("panicked"),
        "{err}"
    );
}
