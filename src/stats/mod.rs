//! Statistics over replications: distributions (mean, standard deviation, quantiles),
//! target probabilities with their Monte Carlo standard error, and the collector that
//! aggregates replications as they finish.
//!
//! Quantiles are the linear-interpolation estimator (Hyndman and Fan type 7, the default of
//! R and NumPy). Probabilities are proportions of replications with standard error
//! `sqrt(p(1−p)/n)`.

pub mod backtest;
pub mod collect;
pub mod observe;
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

/// The standard normal quantile `Φ⁻¹(p)` for `0 < p < 1` (Acklam's rational
/// approximation refined by one Halley step on `erfc`: relative error below 1e-12 down
/// to `p = 1e-300`), e.g. 1.959964 for 0.975. The one place kraftsim turns a probability
/// into a z-value.
pub fn normal_quantile(p: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "normal_quantile needs 0 < p < 1, got {p}"
    );
    if p > 0.5 {
        return -normal_quantile(1.0 - p);
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let x = if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // One Halley step: e = Φ(x) − p.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The complementary error function `erfc(x)`, to about 1e-15 relative accuracy
/// (Chebyshev fit of W. J. Cody's form as in Numerical Recipes' `erfccheb`).
pub fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    const COF: [f64; 28] = [
        -1.3026537197817094,
        6.419_697_923_564_902e-1,
        1.9476473204185836e-2,
        -9.561_514_786_808_63e-3,
        -9.46595344482036e-4,
        3.66839497852761e-4,
        4.2523324806907e-5,
        -2.0278578112534e-5,
        -1.624290004647e-6,
        1.303655835580e-6,
        1.5626441722e-8,
        -8.5238095915e-8,
        6.529054439e-9,
        5.059343495e-9,
        -9.91364156e-10,
        -2.27365122e-10,
        9.6467911e-11,
        2.394038e-12,
        -6.886027e-12,
        8.94487e-13,
        3.13092e-13,
        -1.12708e-13,
        3.81e-16,
        7.106e-15,
        -1.523e-15,
        -9.4e-17,
        1.21e-16,
        -2.8e-17,
    ];
    let t = 2.0 / (2.0 + x);
    let ty = 4.0 * t - 2.0;
    let (mut d, mut dd) = (0.0, 0.0);
    for &c in COF[1..].iter().rev() {
        let tmp = d;
        d = ty * d - dd + c;
        dd = tmp;
    }
    t * (-x * x + 0.5 * (COF[0] + ty * d) - dd).exp()
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

    /// Quantiles and tail probabilities against values computed independently (Python's
    /// `statistics.NormalDist().inv_cdf` and `math.erfc`).
    #[test]
    fn normal_quantiles_and_tails() {
        for (p, z) in [
            (0.975, 1.959963984540054),
            (0.5, 0.0),
            (0.95, 1.644853626951472),
            (1e-6, -4.753424308822899),
            (1e-10, -6.361340902404056),
            (1e-300, -37.0470962993612),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got - z).abs() < 1e-9 * z.abs().max(1.0),
                "quantile({p}) = {got}, not {z}"
            );
        }
        // erfc(x / √2) / 2 is the upper tail: 1 − Φ(3) = 1.349898031630095e-3.
        let tail = 0.5 * erfc(3.0 / std::f64::consts::SQRT_2);
        assert!((tail / 1.349898031630095e-3 - 1.0).abs() < 1e-12, "{tail}");
        assert!((erfc(0.0) - 1.0).abs() < 1e-15);
    }
}
