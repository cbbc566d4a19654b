//! Every scenario shipped in `scenarios/` validates and runs, so documented examples
//! cannot go stale.

use std::path::Path;

use kraftsim::montecarlo::{self, Plan};

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let s = kraftsim::scenario::load_path(&path).unwrap_or_else(|e| panic!("{e}"));
            let summary = montecarlo::run(
                &s.programme,
                &Plan {
                    replications: 20,
                    seed: 1,
                    threads: None,
                    ..Plan::default()
                },
                &|_| {},
            )
            .unwrap();
            assert!(!summary.years.is_empty(), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 3, "found {seen} scenarios");
}

#[test]
fn the_embedded_default_is_the_file_on_disk() {
    let on_disk = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/malmo-2025-2027.toml"),
    )
    .unwrap();
    assert_eq!(on_disk, kraftsim::scenario::MALMO);
}
