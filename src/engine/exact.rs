//! The exact exit arithmetic: `1 − e^−x` without libm, and the outcome of a participant
//! from their own hazards. Both are plain IEEE operations in a fixed order with no
//! branches, so they give the same bits on every machine, and a loop over a batch of
//! candidates runs several at a time where the machine has vector units (the results are
//! the same either way: each lane does exactly the scalar operations).

use crate::model::{ExitCause, HAZARD_CAUSES};

use super::exits::SIGN;

/// `1 − e^−x` for `x ≥ 0`, without branches, to about 1e-15 absolute (the draws resolve
/// 2⁻³² ≈ 2e-10): `e^−x = 2^−k/32 · e^−r` with `k` the nearest integer to `32x / ln 2`
/// and `|r| ≤ ln 2 / 64`, `2^−k/32` from a 32-entry table and an exponent, and `e^−r` by
/// its Taylor polynomial to degree 6. A libm may differ between versions; this does not.
#[inline(always)]
pub(super) fn one_minus_exp_neg(x: f64) -> f64 {
    // Cody–Waite split of ln 2 / 32: k · LN2_HI_32 is exact for every k that occurs.
    // (fdlibm's ln2_hi, whose low 32 bits are zero, and ln2_lo = ln 2 − ln2_hi.)
    const LN2_HI_32: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / 32.0;
    const LN2_LO_32: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / 32.0;
    const C: [f64; 7] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
    ];
    // Adding 1.5 · 2⁵² rounds to the nearest integer, which then sits in the low bits of
    // the sum: a conversion without the saturating float-to-integer cast, whose checks
    // would keep the loop over candidates from running in vectors.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    // Beyond 700, e^−x is below the smallest normal double: the probability is 1.
    // `max` then `min` rather than `clamp`: two vector instructions, and no NaN passes.
    #[allow(clippy::manual_clamp)]
    let x = x.max(0.0).min(700.0);
    let rounded = x * (32.0 * std::f64::consts::LOG2_E) + ROUND;
    let kf = rounded - ROUND;
    let k = rounded.to_bits() as u32;
    let t = kf * LN2_HI_32 - x + kf * LN2_LO_32;
    let poly = C[0] + t * (C[1] + t * (C[2] + t * (C[3] + t * (C[4] + t * (C[5] + t * C[6])))));
    let scale = f64::from_bits(((1023 - (k >> 5)) as u64) << 52);
    1.0 - poly * NEG_EXP2_32[(k & 31) as usize] * scale
}

/// Bounds `(lo, hi)` of `1 − e^−x` for `x ≥ 0` without `exp`, each also beyond the value
/// [`one_minus_exp_neg`] computes. By Taylor's theorem `1 − e^−x = x − x²/2 + e^−ξ x³/6`
/// `= x − x²/2 + x³/6 − e^−ζ x⁴/24` for some `ξ, ζ` in `[0, x]`, so the quadratic lies
/// below and the cubic above, by at most `x³/6` and `x⁴/24`; a margin of 2⁻⁴⁰ covers
/// rounding, below 1e-15 in both.
#[inline(always)]
fn probability_bounds(x: f64) -> (f64, f64) {
    const MARGIN: f64 = 1.0 / 1_099_511_627_776.0;
    let quadratic = x * (1.0 - 0.5 * x);
    let lo = quadratic * (1.0 - MARGIN) - MARGIN;
    let hi = (quadratic + x * x * x * (1.0 / 6.0)) * (1.0 + MARGIN) + MARGIN;
    (lo, hi)
}

/// A screen threshold for hazards summing to at most `x`: a biased 32-bit threshold (as
/// in the exit tables) that every uniform leaving under [`outcome`] by hazards summing to
/// at most `x` lies below. It needs no `exp`: it is that of the upper bound in
/// [`probability_bounds`], above the exact threshold by at most `x⁴/24` (about 1e-4
/// relative at the usual monthly hazards: a screen lets that many more candidates through).
#[inline(always)]
pub(super) fn screen_threshold(x: f64) -> i32 {
    // `min` also turns the NaN of an infinite sum into 1.
    let p = probability_bounds(x).1.min(1.0);
    (super::rng::threshold32(p) ^ SIGN) as i32
}

/// `2^−j/32` for j = 0..32, computed at compile time (the Taylor series of `e^−y` at
/// `y = j ln 2 / 32`, whose terms fall fast for `y < 0.7`).
static NEG_EXP2_32: [f64; 32] = neg_exp2_32();

const fn neg_exp2_32() -> [f64; 32] {
    let mut table = [0.0; 32];
    let mut j = 0;
    while j < 32 {
        let y = j as f64 * std::f64::consts::LN_2 / 32.0;
        let (mut term, mut sum) = (1.0f64, 1.0f64);
        let mut n = 1;
        while n < 30 {
            term = term * -y / n as f64;
            sum += term;
            n += 1;
        }
        table[j] = sum;
        j += 1;
    }
    table
}

/// The outcome of a participant with hazards `h` and uniform bits `u` (read as in the
/// exit tables: the sign bit flipped), without branches: with `v = (u + 1) / 2³²` for
/// the unsigned uniform, the participant stays ([`STAY`]) if `v > p = 1 − e^−H`, and
/// otherwise leaves for the first cause `k` with `v · H ≤ p · (h₀ + … + h_k)`, that is
/// with probability `h_k / H` given an exit.
#[inline(always)]
fn outcome(u: u32, h: [f64; HAZARD_CAUSES]) -> u32 {
    let total = h[0] + h[1] + h[2] + h[3];
    let p = one_minus_exp_neg(total);
    let v = ((u ^ SIGN) as f64 + 1.0) * (1.0 / 4_294_967_296.0);
    let vh = v * total;
    let c0 = h[0];
    let c1 = c0 + h[1];
    let c2 = c1 + h[2];
    let cause = u32::from(vh > p * c0) + u32::from(vh > p * c1) + u32::from(vh > p * c2);
    // Stayers and leavers come at random: a select, not a branch.
    std::hint::select_unpredictable(v > p, STAY, cause)
}

/// The outcome of a stay: the index of `max_duration`, which the caller turns into an
/// exit for those at their last month, as with the exit tables' slots.
const STAY: u32 = ExitCause::TimeLimit as u32;

/// What [`bounded_outcome`] gives where bounds do not decide.
const UNDECIDED: u32 = u32::MAX;

/// The outcome [`outcome`] gives, decided from bounds of `p = 1 − e^−H` without `exp`,
/// or [`UNDECIDED`]. With `lo ≤ p ≤ hi` from [`probability_bounds`], and since rounding
/// is monotone, every comparison `outcome` makes with
/// `p` or `p · c` comes out the same with `hi` and `lo` in its place when both agree. They
/// disagree only for a uniform within about `H³/6` of a threshold: a few candidates in a
/// hundred at monthly hazards.
#[inline(always)]
fn bounded_outcome(u: u32, h: [f64; HAZARD_CAUSES]) -> u32 {
    let total = h[0] + h[1] + h[2] + h[3];
    let (lo, hi) = probability_bounds(total);
    let v = ((u ^ SIGN) as f64 + 1.0) * (1.0 / 4_294_967_296.0);
    let vh = v * total;
    let c0 = h[0];
    let c1 = c0 + h[1];
    let c2 = c1 + h[2];
    let above = |c: f64| (vh > hi * c, vh <= lo * c);
    let (a0, b0) = above(c0);
    let (a1, b1) = above(c1);
    let (a2, b2) = above(c2);
    let cause = u32::from(a0) + u32::from(a1) + u32::from(a2);
    let leaves = (v <= lo) & (a0 | b0) & (a1 | b1) & (a2 | b2);
    let decided = std::hint::select_unpredictable(leaves, cause, UNDECIDED);
    std::hint::select_unpredictable(v > hi, STAY, decided)
}

/// A batch of candidates for the exact arithmetic: their hazards, and their outcomes
/// once computed.
#[derive(Debug, Clone, Default)]
pub(super) struct Batch {
    /// Hazards, `[candidate][cause]` (one store per candidate where they are gathered;
    /// the vector loop reads them four candidates at a time).
    pub hazards: Vec<[f64; HAZARD_CAUSES]>,
    /// Outcomes (cause index, or [`STAY`] for a stay), `[candidate]`.
    pub outcome: Vec<u32>,
}

impl Batch {
    /// Room for at least `n` candidates (the contents are to be overwritten). Columns
    /// only grow, so that a month's teams do not refill them with zeros in turn.
    pub fn make_room(&mut self, n: usize) {
        if self.outcome.len() < n {
            self.hazards.resize(n, [0.0; HAZARD_CAUSES]);
            self.outcome.resize(n, 0);
        }
    }

    /// Computes every candidate's outcome from their hazards and uniform bits, in AVX2 if
    /// `vector` and the machine has it.
    pub fn outcomes(&mut self, uniforms: &[u32], vector: bool) {
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        #[cfg(target_arch = "x86_64")]
        if vector && super::simd::available() {
            // SAFETY: AVX2 was detected just above.
            unsafe { outcomes_avx2(&self.hazards, uniforms, &mut self.outcome) };
            return;
        }
        outcomes(&self.hazards, uniforms, &mut self.outcome);
    }
}

/// The loops of [`Batch::outcomes`]: the bounds decide almost every candidate in a loop
/// that compiles to vector code, and the exact rule the few they leave open.
#[inline(always)]
fn outcomes(hazards: &[[f64; HAZARD_CAUSES]], uniforms: &[u32], out: &mut [u32]) {
    let n = uniforms.len();
    let (out, hazards) = (&mut out[..n], &hazards[..n]);
    let mut open = false;
    for c in 0..n {
        out[c] = bounded_outcome(uniforms[c], hazards[c]);
        open |= out[c] == UNDECIDED;
    }
    if open {
        for c in 0..n {
            if out[c] == UNDECIDED {
                out[c] = outcome(uniforms[c], hazards[c]);
            }
        }
    }
}

/// [`outcomes`] compiled for AVX2: four candidates at a time, the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn outcomes_avx2(hazards: &[[f64; HAZARD_CAUSES]], uniforms: &[u32], out: &mut [u32]) {
    outcomes(hazards, uniforms, out);
}

#[cfg(test)]
mod tests {
    use rand::RngCore;

    use super::super::rng::{stream, Purpose};
    use super::*;

    /// The polynomial agrees with libm's `expm1` to 2e-15 over every range that occurs
    /// (and the ends: 0 gives 0, large hazards give 1).
    #[test]
    fn one_minus_exp_neg_matches_expm1() {
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            let x = i as f64 * 1e-4 + (i % 7) as f64 * 1.3e-9;
            worst = worst.max((one_minus_exp_neg(x) + (-x).exp_m1()).abs());
        }
        for x in [
            1e-12,
            1e-6,
            0.3465,
            0.3466,
            25.0,
            100.0,
            699.0,
            800.0,
            f64::INFINITY,
        ] {
            worst = worst.max((one_minus_exp_neg(x) + (-x).exp_m1()).abs());
        }
        assert!(worst < 2e-15, "worst absolute error {worst:e}");
        assert_eq!(one_minus_exp_neg(0.0), 0.0);
        assert_eq!(one_minus_exp_neg(1e6), 1.0);
    }

    /// Bounds decide like the exact rule wherever they decide, also for uniforms next to
    /// the exit and cause thresholds, and leave few open at monthly hazards.
    #[test]
    fn bounded_outcomes_agree_with_the_exact_rule() {
        let mut rng = stream(11, 0, Purpose::Exits, 0);
        let mut next = || rng.next_u64();
        let (mut open, mut tried) = (0, 0);
        for _ in 0..20_000 {
            let h: [f64; HAZARD_CAUSES] =
                std::array::from_fn(|k| (next() % 1000) as f64 * 1e-3 * [0.3, 0.1, 0.05, 0.2][k]);
            let total: f64 = h.iter().sum();
            let p = one_minus_exp_neg(total);
            let at = |q: f64| ((q * 4_294_967_296.0) as u32) ^ SIGN;
            // Random uniforms, and uniforms at each threshold's bits and next to them.
            let mut us = vec![next() as u32, next() as u32 >> 3];
            let mut c = 0.0;
            for &q in [p].iter().chain(
                h.iter()
                    .map(|x| {
                        c += x;
                        p * c / total.max(1e-300)
                    })
                    .collect::<Vec<_>>()
                    .iter(),
            ) {
                for d in [-1i64, 0, 1] {
                    us.push((at(q) as i64 + d) as u32);
                }
            }
            for u in us {
                let bounded = bounded_outcome(u, h);
                tried += 1;
                if bounded == UNDECIDED {
                    open += 1;
                } else {
                    assert_eq!(bounded, outcome(u, h), "u = {u:#x}, h = {h:?}");
                }
            }
        }
        // Most uniforms here sit next to a threshold on purpose and stay open; the random
        // ones (two in seventeen) are mostly decided, and were checked above.
        assert!(tried - open > 30_000, "{open} of {tried} open");
        let mut random_open = 0;
        for _ in 0..100_000 {
            let h = [0.08, 0.02, 0.0, 0.05];
            random_open += usize::from(bounded_outcome(next() as u32 >> 2, h) == UNDECIDED);
        }
        assert!(
            random_open < 1_000,
            "{random_open} of 100,000 random candidates open"
        );
    }

    /// The screen threshold is at or above the exact threshold of every hazard sum up to
    /// its own (so the screen lets every leaver through), and above it by little.
    #[test]
    fn screen_threshold_bounds_every_leaver() {
        let exact = |x: f64| (super::super::rng::threshold32(one_minus_exp_neg(x)) ^ SIGN) as i32;
        assert_eq!(screen_threshold(0.0), i32::MIN, "no hazard, no candidate");
        for i in 0..400_000 {
            let x = i as f64 * 1e-5 * (1.0 + (i % 3) as f64 * 1e-9);
            let (bound, below) = (screen_threshold(x), exact(x));
            assert!(bound >= below, "x = {x}: {bound} < {below}");
            // Above by at most x⁴/24 of 2³² plus rounding.
            let slack = (bound as i64 - below as i64) as f64 / 4_294_967_296.0;
            assert!(slack <= x.powi(4) / 24.0 + 1e-9, "x = {x}: slack {slack:e}");
        }
        for x in [2.9, 3.0, 10.0, 700.0, f64::INFINITY] {
            assert!(screen_threshold(x) >= exact(x), "x = {x}");
        }
    }

    /// Outcomes follow the rule: a uniform above the exit probability stays, one below it
    /// leaves for the cause whose share of the hazard it falls in; zero hazards never
    /// leave. The batch loop, plain and with AVX2, gives each candidate's scalar outcome.
    #[test]
    fn outcomes_follow_the_rule_in_batches_and_alone() {
        let bits = |v: f64| ((v * 4_294_967_296.0) as u32) ^ SIGN;
        let h = [0.1, 0.05, 0.0, 0.05];
        let p = 1.0 - (-0.2f64).exp();
        assert_eq!(outcome(bits(p + 1e-6), h), STAY);
        assert_eq!(outcome(bits(p * 0.49), h), 0);
        assert_eq!(outcome(bits(p * 0.51), h), 1);
        assert_eq!(outcome(bits(p * 0.76), h), 3, "fk_samverkan has no share");
        assert_eq!(outcome(0, [0.0; 4]), STAY);
        assert_eq!(outcome(u32::MAX ^ SIGN, [0.0; 4]), STAY);

        let mut batch = Batch::default();
        let n = 1001;
        batch.make_room(n);
        let mut rng = stream(7, 0, Purpose::Exits, 0);
        let mut next = || rng.next_u64();
        let uniforms: Vec<u32> = (0..n).map(|_| next() as u32).collect();
        for c in 0..n {
            for k in 0..HAZARD_CAUSES {
                batch.hazards[c][k] = (next() % 1000) as f64 * 1e-3 * [0.3, 0.1, 0.05, 0.2][k];
            }
        }
        let expected: Vec<u32> = (0..n)
            .map(|c| outcome(uniforms[c], batch.hazards[c]))
            .collect();
        batch.outcomes(&uniforms, true);
        assert_eq!(batch.outcome[..n], expected);
        let mut plain = vec![0; n];
        outcomes(&batch.hazards, &uniforms, &mut plain);
        assert_eq!(plain, expected);
        let leavers = expected.iter().filter(|&&o| o < STAY).count();
        assert!(leavers > 100 && leavers < 400, "{leavers} leavers of {n}");
    }
}
