//! Golden outputs: the summary JSON of every bundled scenario at a fixed seed and
//! replication count, checked in under `tests/golden/` and compared byte for byte, so that
//! "outputs byte-identical" in a commit message is checked, not claimed.
//!
//! A change that is meant to move results updates the files in the same commit:
//! `KRAFTSIM_BLESS=1 cargo test --release golden` rewrites them (then read the diff).

use std::path::Path;

use kraftsim::commands::run::{run, Format, RunOptions};
use kraftsim::commands::SimOptions;
use kraftsim::report::csv::CsvDialect;
use kraftsim::report::lang::Lang;

/// Replications of every golden run (enough to exercise every output, few enough to be
/// quick), with the default seed.
const REPLICATIONS: u64 = 100;

/// The bundled scenarios and their golden files.
const SCENARIOS: [(&str, &str); 6] = [
    ("malmo", "malmo.summary.json"),
    ("malmo-2023-2024", "malmo-2023-2024.summary.json"),
    ("reference", "reference.summary.json"),
    (
        "scenarios/calibration-2018-2019.toml",
        "calibration-2018-2019.summary.json",
    ),
    (
        "scenarios/malmo-two-posts-cut.toml",
        "malmo-two-posts-cut.summary.json",
    ),
    (
        "scenarios/new-kraft-midsize.toml",
        "new-kraft-midsize.summary.json",
    ),
];

/// `kraftsim run SCENARIO --reps 100 --format json` as the library computes it.
fn summary_json(scenario: &str) -> String {
    let opts = RunOptions {
        scenario: Some(scenario.to_string()),
        set: Vec::new(),
        sim: SimOptions {
            replications: REPLICATIONS,
            seed: 2025,
            threads: Some(2),
            no_uncertainty: false,
            simulator: Default::default(),
        },
        out: None,
        format: Format::Json,
        precision: None,
        report: None,
        lang: Lang::En,
        charts: None,
        csv_dialect: CsvDialect::Rfc4180,
    };
    run(&opts, &|_| {}).expect("a bundled scenario runs")
}

#[test]
fn every_bundled_scenario_gives_its_golden_summary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("KRAFTSIM_BLESS").is_some();
    let mut changed = Vec::new();
    for (scenario, file) in SCENARIOS {
        let path = dir.join(file);
        let got = summary_json(scenario);
        if bless {
            std::fs::write(&path, &got).expect("write golden file");
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (KRAFTSIM_BLESS=1 writes it)", path.display()));
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .map_or(got.lines().count().min(want.lines().count()) + 1, |i| i + 1);
            let actual = std::env::temp_dir().join(format!("kraftsim-{file}"));
            std::fs::write(&actual, &got).expect("write actual output");
            changed.push(format!(
                "{scenario}: differs from {} from line {line} (this run's output: {})",
                path.display(),
                actual.display()
            ));
        }
    }
    assert!(
        changed.is_empty(),
        "outputs changed; if that is intended, rerun with KRAFTSIM_BLESS=1 and commit the files:\n{}",
        changed.join("\n")
    );
}
