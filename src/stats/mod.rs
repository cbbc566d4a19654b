//! Statistics over replications: distributions (mean, standard deviation, quantiles),
//! target probabilities with their Monte Carlo standard error, and the collector that
//! aggregates replications as they finish.
//!
//! Quantiles are the linear-interpolation estimator (Hyndman and Fan type 7, the default of
//! R and NumPy). Probabilities are proportions of replications with standard error
//! `sqrt(p(1−p)/n)`.

pub mod backtest;
pub mod collect;
pub mod paired;
pub mod summary;

pub use collect::{AnnualColumn, Collector};
pub use summary::*;

use serde::Serialize;

/// Summary of one quantity across replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dist {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Dist {
    /// Summarises `values` (non-finite values, e.g. cost per exit with no exits, are left
    /// out); `None` if no value is finite.
    pub fn of(values: &mut Vec<f64>) -> Option<Dist> {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        values.sort_by(|a, b| a.total_cmp(b));
        Some(Dist {
            mean,
            sd: var.sqrt(),
            p5: quantile_sorted(values, 0.05),
            p50: quantile_sorted(values, 0.50),
            p95: quantile_sorted(values, 0.95),
        })
    }

    /// Monte Carlo standard error of the mean over `n` replications.
    pub fn se_of_mean(&self, n: u64) -> f64 {
        self.sd / (n as f64).sqrt()
    }
}

/// Type-7 quantile of sorted values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A proportion and its Monte Carlo standard error.
pub fn proportion(hits: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let p = hits as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}

/// Wilson score interval for a proportion at normal quantile `z` (1.96 for 95 %): unlike
/// p ± z·SE it stays inside [0, 1] and does not collapse to a point at 0 or 1 hits.
pub fn wilson(hits: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Exact distribution of an integer series at one point (e.g. active caseload in a month):
/// counts per value, so quantiles are exact and merging is order-independent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    offset: i64,
    counts: Vec<u64>,
    n: u64,
    sum: i128,
}

impl Histogram {
    /// Records one value.
    pub fn add(&mut self, v: i64) {
        *self.bin(v) += 1;
        self.n += 1;
        self.sum += v as i128;
    }

    /// The count of value `v`, growing the dense range to cover it.
    fn bin(&mut self, v: i64) -> &mut u64 {
        if self.counts.is_empty() {
            self.offset = v;
        }
        if v < self.offset {
            let grow = (self.offset - v) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = v;
        }
        let i = (v - self.offset) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        &mut self.counts[i]
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            *self.bin(other.offset + i as i64) += c;
        }
        self.n += other.n;
        self.sum += other.sum;
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no value was recorded.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Mean of the values.
    pub fn mean(&self) -> f64 {
        self.sum as f64 / self.n as f64
    }

    /// The type-7 quantile, computed exactly from the counts.
    pub fn quantile(&self, q: f64) -> f64 {
        let h = (self.n - 1) as f64 * q;
        let lo = h.floor() as u64;
        let hi = h.ceil() as u64;
        let a = self.value_at(lo) as f64;
        let b = self.value_at(hi) as f64;
        a + (h - lo as f64) * (b - a)
    }

    /// The `rank`-th smallest value (0-based).
    fn value_at(&self, rank: u64) -> i64 {
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return self.offset + i as i64;
            }
        }
        self.offset + self.counts.len() as i64 - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_hand_computation() {
        // 8 of 10 at z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.71680, half-width
        // 1.96·sqrt(0.016 + 0.0096040) / 1.38416 = 0.22660.
        let (lo, hi) = wilson(8, 10, 1.96);
        assert!(
            (lo - 0.490_2).abs() < 1e-3 && (hi - 0.943_4).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 100, 1.96);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.03 && hi < 0.04);
    }

    #[test]
    fn dist_matches_hand_computation() {
        let d = Dist::of(&mut vec![4.0, 1.0, 3.0, 2.0, f64::NAN]).unwrap();
        assert_eq!(d.mean, 2.5);
        assert!((d.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(d.p50, 2.5);
        assert!((d.p5 - 1.15).abs() < 1e-12);
        assert!((d.p95 - 3.85).abs() < 1e-12);
        assert!(Dist::of(&mut vec![f64::INFINITY]).is_none());
    }

    #[test]
    fn histogram_quantiles_equal_sorted_quantiles() {
        let values: Vec<i64> = (0..997).map(|i| (i * 7919 % 113) - 40).collect();
        let mut h = Histogram::default();
        let mut parts = [Histogram::default(), Histogram::default()];
        for (i, &v) in values.iter().enumerate() {
            h.add(v);
            parts[i % 2].add(v);
        }
        let mut merged = parts[1].clone();
        merged.merge(&parts[0]);
        let mut sorted: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        sorted.sort_by(|a, b| a.total_cmp(b));
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            assert_eq!(h.quantile(q), quantile_sorted(&sorted, q));
            assert_eq!(merged.quantile(q), h.quantile(q));
        }
        assert_eq!(merged.mean(), h.mean());
    }

    #[test]
    fn proportion_se() {
        let (p, se) = proportion(25, 100);
        assert_eq!(p, 0.25);
        assert!((se - (0.25f64 * 0.75 / 100.0).sqrt()).abs() < 1e-15);
    }
}
