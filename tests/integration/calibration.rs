//! The default scenario's hazards, run with 2018–2019 staffing and volumes
//! (`scenarios/calibration-2018-2019.toml`), must reproduce the 2018–2019 record: 46 % of
//! closed participants to work or studies, and 56 / 41 / 3 % closed after 1–6 / 7–12 /
//! 13–18 months. Tolerance: 4 Monte Carlo standard errors plus 3 percentage points of
//! modelling slack (the record is one realisation of a programme the model simplifies).

use std::path::Path;

use kraftsim::stats::collect::{column, AnnualColumn, STAY_COLUMN};

use crate::common::{collect, mean_se};

#[test]
fn default_hazards_reproduce_2018_2019() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibration-2018-2019.toml");
    let mut p = kraftsim::scenario::load_path(&path).unwrap().programme;
    // The record is one realisation of the true rates, so the check is on chance
    // variation alone.
    p.parameter_uncertainty = false;
    let reps = 300;
    let c = collect(&p, reps, 2018);
    let years = c.years.len();
    let both = |r: usize, y: usize, col: AnnualColumn| {
        (c.value(r, y, column(col, 0)) + c.value(r, y, column(col, 1))) as f64
    };
    let per_rep = |f: &dyn Fn(usize, usize) -> f64| -> Vec<f64> {
        (0..reps as usize)
            .map(|r| (0..years).map(|y| f(r, y)).sum())
            .collect()
    };
    let causes = [
        AnnualColumn::Work,
        AnnualColumn::Studies,
        AnnualColumn::FkSamverkan,
        AnnualColumn::Other,
        AnnualColumn::TimeLimit,
    ];
    let exits = per_rep(&|r, y| causes.iter().map(|&k| both(r, y, k)).sum());
    let positive =
        per_rep(&|r, y| both(r, y, AnnualColumn::Work) + both(r, y, AnnualColumn::Studies));
    let share: Vec<f64> = positive.iter().zip(&exits).map(|(p, e)| p / e).collect();
    let (m, se) = mean_se(&share);
    assert!(
        (m - 0.46).abs() < 4.0 * se + 0.03,
        "share to work or studies {m:.3} vs 0.46"
    );
    for (band, target) in [(0, 0.56), (1, 0.41), (2, 0.03)] {
        let v: Vec<f64> = per_rep(&|r, y| c.value(r, y, STAY_COLUMN + band) as f64)
            .iter()
            .zip(&exits)
            .map(|(b, e)| b / e)
            .collect();
        let (m, se) = mean_se(&v);
        assert!(
            (m - target).abs() < 4.0 * se + 0.03,
            "stay band {band}: {m:.3} vs {target}"
        );
    }
}
