//! Helpers shared by the integration tests.

use kraftsim::model::Programme;
use kraftsim::montecarlo::{self, Plan};
use kraftsim::scenario::load_text;
use kraftsim::stats::Collector;

/// Validates scenario text (which may `extends` a built-in) or panics with the problems.
pub fn programme(text: &str) -> Programme {
    match load_text(text, "test.toml", None) {
        Ok(s) => s.programme,
        Err(e) => panic!("test scenario is invalid: {e}"),
    }
}

/// Runs `reps` replications with `seed` and returns the per-replication store.
pub fn collect(p: &Programme, reps: u64, seed: u64) -> Collector {
    montecarlo::collect(
        p,
        &Plan {
            replications: reps,
            seed,
            threads: None,
            ..Plan::default()
        },
        &|_| {},
    )
    .expect("run succeeds")
}

/// Mean and standard error of the mean.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts `|observed − expected| < 4·se` with a readable message.
pub fn assert_within_4se(what: &str, observed: f64, expected: f64, se: f64) {
    assert!(
        (observed - expected).abs() < 4.0 * se,
        "{what}: observed {observed:.4}, expected {expected:.4}, |diff| = {:.4} ≥ 4·SE = {:.4}",
        (observed - expected).abs(),
        4.0 * se
    );
}
