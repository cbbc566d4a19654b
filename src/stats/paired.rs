//! Alternatives side by side on common random numbers: every alternative ran the same
//! replications (same seed, same streams), so replication i of B is paired with
//! replication i of A and the difference B − A is estimated from the per-replication
//! differences, whose variance is far smaller than the sum of the two variances when the
//! alternatives differ only a little.

use serde::Serialize;

use super::collect::{Collector, INELIGIBLE_COLUMN};
use super::summary::{replication_values, target_hits};
use crate::model::{Gender, Metric, Target};

/// Normal quantile for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The mean paired difference B − A with its standard error and 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Mean of B − A over replications where both are defined.
    pub mean: f64,
    /// Standard error of that mean (from the paired differences).
    pub se: f64,
    /// Lower end of the 95 % interval.
    pub lo: f64,
    /// Upper end of the 95 % interval.
    pub hi: f64,
    /// Standard error the same difference would have from independent runs of the same
    /// size, `sqrt((var A + var B) / n)`: how much the pairing saves.
    pub se_independent: f64,
}

impl Difference {
    /// Replications needed with independent streams for the precision common random
    /// numbers give: `(se_independent / se)²`, or `None` when the difference is exactly 0.
    pub fn replication_factor(&self) -> Option<f64> {
        (self.se > 0.0).then(|| (self.se_independent / self.se).powi(2))
    }
}

/// Paired difference `b − a`; replications where either value is not finite (a ratio with
/// a zero denominator) are left out.
pub fn paired(a: &[f64], b: &[f64]) -> Difference {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x, y))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pairs.len() as f64;
    if pairs.is_empty() {
        return Difference {
            mean: f64::NAN,
            se: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
            se_independent: f64::NAN,
        };
    }
    let mean_of = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n;
    let var_of = |f: &dyn Fn(&(f64, f64)) -> f64, m: f64| {
        if pairs.len() < 2 {
            0.0
        } else {
            pairs.iter().map(|p| (f(p) - m).powi(2)).sum::<f64>() / (n - 1.0)
        }
    };
    let d = |p: &(f64, f64)| p.1 - p.0;
    let mean = mean_of(&d);
    let se = (var_of(&d, mean) / n).sqrt();
    let (ma, mb) = (mean_of(&|p| p.0), mean_of(&|p| p.1));
    let se_independent = ((var_of(&|p| p.0, ma) + var_of(&|p| p.1, mb)) / n).sqrt();
    Difference {
        mean,
        se,
        lo: mean - Z95 * se,
        hi: mean + Z95 * se,
        se_independent,
    }
}

/// One compared alternative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// Short label: A, B, C, …
    pub label: String,
    /// Scenario name or variant label.
    pub name: String,
    /// Where it came from (file, built-in, overrides).
    pub origin: String,
}

/// A comparison of alternatives that ran the same replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// kraftsim version that produced it.
    pub tool_version: &'static str,
    /// Replications per alternative.
    pub replications: u64,
    /// Master seed shared by all alternatives.
    pub seed: u64,
    /// Whether any alternative drew parameter uncertainty.
    pub parameter_uncertainty: bool,
    /// The alternatives; the first is the baseline.
    pub alternatives: Vec<Alternative>,
    /// Per year the compared metrics, then every target's probability.
    pub rows: Vec<ComparedRow>,
}

/// What a compared row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// The mean of a metric over replications.
    Mean,
    /// The probability of meeting a target.
    Probability,
}

/// One quantity for every alternative, with paired differences against the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparedRow {
    /// Calendar year (the last year for a cumulative target).
    pub year: i32,
    /// Metric identifier, or the target's label for a probability.
    pub quantity: String,
    /// `women`, `men`, or absent for everyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<&'static str>,
    /// Mean or probability.
    pub kind: RowKind,
    /// The value for each alternative, in order.
    pub values: Vec<f64>,
    /// Paired difference of alternatives 2, 3, … against the first.
    pub differences: Vec<Difference>,
}

/// The metrics compared per year, with whether they are shown by gender.
pub const COMPARED_METRICS: [(Metric, bool); 8] = [
    (Metric::PositiveExits, true),
    (Metric::PositiveShare, true),
    (Metric::WorkExits, false),
    (Metric::StudiesExits, false),
    (Metric::Entrants, true),
    (Metric::PersonYears, true),
    (Metric::BudgetSek, false),
    (Metric::CostPerPositiveExit, false),
];

/// Compares alternatives that ran the same replications. Targets are evaluated on every
/// alternative (normally the first alternative's targets, so all answer the same question).
pub fn compare(collectors: &[&Collector], targets: &[Target]) -> Vec<ComparedRow> {
    let first = collectors[0];
    let mut rows = Vec::new();
    let row = |year, quantity: String, gender, kind, per_alt: Vec<Vec<f64>>| {
        let values = per_alt
            .iter()
            .map(|v| {
                let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                finite.iter().sum::<f64>() / finite.len().max(1) as f64
            })
            .collect();
        let differences = per_alt[1..]
            .iter()
            .map(|b| paired(&per_alt[0], b))
            .collect();
        ComparedRow {
            year,
            quantity,
            gender,
            kind,
            values,
            differences,
        }
    };
    for (yi, ry) in first.years.iter().enumerate() {
        for (m, by_gender) in COMPARED_METRICS {
            let genders: &[Option<Gender>] = if by_gender {
                &[None, Some(Gender::Woman), Some(Gender::Man)]
            } else {
                &[None]
            };
            for &g in genders {
                let per_alt = collectors
                    .iter()
                    .map(|c| replication_values(c, &[yi], g.map(|g| g as usize), m))
                    .collect();
                rows.push(row(
                    ry.year,
                    m.id().to_string(),
                    g.map(|g| g.plural_id()),
                    RowKind::Mean,
                    per_alt,
                ));
            }
            if m == Metric::PositiveShare {
                // Gender balance: women's share minus men's, per replication.
                let per_alt = collectors
                    .iter()
                    .map(|c| {
                        let w = replication_values(c, &[yi], Some(0), m);
                        let men = replication_values(c, &[yi], Some(1), m);
                        w.iter().zip(&men).map(|(a, b)| a - b).collect()
                    })
                    .collect();
                rows.push(row(
                    ry.year,
                    "positive_share_gap".into(),
                    None,
                    RowKind::Mean,
                    per_alt,
                ));
            }
        }
        let ineligible: Vec<Vec<f64>> = collectors
            .iter()
            .map(|c| {
                (0..c.replications())
                    .map(|r| c.value(r, yi, INELIGIBLE_COLUMN) as f64)
                    .collect()
            })
            .collect();
        if ineligible.iter().flatten().any(|&x| x > 0.0) {
            rows.push(row(
                ry.year,
                "ineligible".into(),
                None,
                RowKind::Mean,
                ineligible,
            ));
        }
    }
    for t in targets {
        let per_alt = collectors
            .iter()
            .map(|c| {
                target_hits(c, t)
                    .into_iter()
                    .map(|h| if h { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        rows.push(row(
            *t.years.iter().max().expect("a target has a year"),
            t.expression(),
            t.gender.map(|g| g.plural_id()),
            RowKind::Probability,
            per_alt,
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_values_differ_by_exactly_zero() {
        let a = [1.0, 5.0, 2.0, 8.0];
        let d = paired(&a, &a);
        assert_eq!((d.mean, d.se, d.lo, d.hi), (0.0, 0.0, 0.0, 0.0));
        assert!(d.se_independent > 0.0);
        assert_eq!(d.replication_factor(), None);
    }

    #[test]
    fn paired_difference_matches_hand_computation() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 2.0, 5.0, 5.0];
        // Differences 1, 0, 2, 1: mean 1, sample variance 2/3.
        let d = paired(&a, &b);
        assert!((d.mean - 1.0).abs() < 1e-12);
        assert!((d.se - (2.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        // var a = 5/3, var b = 3: independent se = sqrt((5/3 + 3) / 4).
        assert!((d.se_independent - ((5.0f64 / 3.0 + 3.0) / 4.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn undefined_values_are_left_out_in_pairs() {
        let d = paired(&[1.0, f64::NAN, 3.0], &[2.0, 7.0, f64::NAN]);
        assert_eq!(d.mean, 1.0);
    }
}
