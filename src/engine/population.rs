//! Participant attributes in the engine: a participant's categories are packed into one
//! 16-bit profile (mixed radix over the attributes), drawn at referral from the group's
//! distributions, checked against the definition's eligibility and turned into hazard
//! multipliers by a table over profiles.

use crate::model::{Attribute, CauseFactors, Eligibility, Ineligible, Programme, NEUTRAL};

use super::categories::ProfileCategories;
use super::rng::threshold32;

/// Inner thresholds up to which a draw compares with a fixed-size array (one vector
/// comparison for the few categories of most attributes).
const FEW: usize = 4;

/// The thresholds a draw compares with: all but the last, in a fixed-size array padded
/// with `u32::MAX` where they are few, else a guide table by the uniform's top byte, or
/// (where a share below 1/256 puts two thresholds in one bucket) the plain list.
#[derive(Debug, Clone)]
enum Inner {
    Few([u32; FEW]),
    Guided(Box<[u64; GUIDE]>),
    Many(Vec<u32>),
}

/// Buckets of a guide table: one per value of a uniform's top byte.
const GUIDE: usize = 256;

/// A guide table over `thresholds` (sorted), if no bucket holds two different ones. Entry
/// `b` packs, for uniforms whose top byte is `b`, the bucket's threshold (low 32 bits;
/// any value where it has none), the number of thresholds below it (bits 32–47) and the
/// number at or below it (bits 48–63, the same where the bucket has none). A draw is then
/// one load, one comparison and a shift, exactly the count of thresholds at or below the
/// uniform.
fn guide(thresholds: &[u32]) -> Option<Box<[u64; GUIDE]>> {
    let mut table = Box::new([0u64; GUIDE]);
    let mut i = 0;
    for (b, entry) in table.iter_mut().enumerate() {
        let end = (b as u64 + 1) << 24;
        let below = i as u64;
        let mut edge = None;
        while i < thresholds.len() && (thresholds[i] as u64) < end {
            if edge.is_some_and(|e| e != thresholds[i]) {
                return None;
            }
            edge = Some(thresholds[i]);
            i += 1;
        }
        if i > u16::MAX as usize {
            return None;
        }
        *entry = edge.unwrap_or(0) as u64 | (below << 32) | ((i as u64) << 48);
    }
    Some(table)
}

/// The count of thresholds at or below `u` from a guide table (see [`guide`]).
#[inline(always)]
fn guided(table: &[u64; GUIDE], u: u32) -> u16 {
    let e = table[(u >> 24) as usize];
    let shift = if u >= e as u32 { 48 } else { 32 };
    (e >> shift) as u16
}

/// The number of `thresholds` at or below `u`, counted without branches.
#[inline(always)]
fn below(thresholds: &[u32; FEW], u: u32) -> u16 {
    thresholds.iter().map(|&x| u32::from(u >= x)).sum::<u32>() as u16
}

/// `inner` (at most `FEW`) padded with `u32::MAX` to `FEW` entries.
fn padded(inner: &[u32]) -> [u32; FEW] {
    let mut padded = [u32::MAX; FEW];
    padded[..inner.len()].copy_from_slice(inner);
    padded
}

/// Cumulative shares as 32-bit thresholds, for drawing a category (an attribute's, or a
/// cell from an intake mix) from one 32-bit uniform.
#[derive(Debug, Clone)]
pub(super) struct Cumulative {
    /// All but the last threshold (the last is 1: every uniform is below it).
    inner: Inner,
    /// The last category with a positive share, for draws above the last threshold.
    fallback: u16,
}

impl Cumulative {
    /// Thresholds of shares that sum to 1.
    #[cfg(test)]
    pub fn new(shares: &[f64]) -> Cumulative {
        Cumulative::scaled(shares, 1.0)
    }

    /// Thresholds of shares rescaled to sum to 1 (all zero stays all zero).
    pub fn normalised(shares: &[f64]) -> Cumulative {
        let total: f64 = shares.iter().sum();
        Cumulative::scaled(shares, total.max(f64::MIN_POSITIVE))
    }

    fn scaled(shares: &[f64], total: f64) -> Cumulative {
        let mut acc = 0.0;
        let thresholds: Vec<u32> = shares
            .iter()
            .map(|s| {
                acc += s / total;
                threshold32(acc.min(1.0))
            })
            .collect();
        let inner = &thresholds[..thresholds.len().saturating_sub(1)];
        Cumulative {
            inner: match inner.len() {
                n if n <= FEW => Inner::Few(padded(inner)),
                _ => match guide(inner) {
                    Some(table) => Inner::Guided(table),
                    None => Inner::Many(inner.to_vec()),
                },
            },
            fallback: shares.iter().rposition(|&s| s > 0.0).unwrap_or(0) as u16,
        }
    }

    /// The category of uniform `u`: the number of cumulative thresholds at or below it
    /// (counted without branches, since the draws are random), or the last category with
    /// a positive share when `u` lies above every threshold.
    pub fn draw(&self, u: u32) -> u16 {
        // u32::MAX padding counts only for u = u32::MAX, which the fallback caps.
        let n = match &self.inner {
            Inner::Few(t) => below(t, u),
            Inner::Guided(t) => guided(t, u),
            Inner::Many(t) => t.iter().filter(|&&x| u >= x).count() as u16,
        };
        n.min(self.fallback)
    }

    /// Draws a category for each uniform in turn (the table's shape is looked at once,
    /// not per draw).
    #[inline(always)]
    pub fn draw_each(&self, uniforms: &[u32], mut f: impl FnMut(u16)) {
        match &self.inner {
            Inner::Guided(t) => {
                for &u in uniforms {
                    f(guided(t, u).min(self.fallback));
                }
            }
            _ => {
                for &u in uniforms {
                    f(self.draw(u));
                }
            }
        }
    }
}

/// Walker's alias table: draws an index with given weights from one 64-bit uniform in
/// constant time (one load and one comparison), whatever the number of indices. Used for
/// whole attribute profiles, which number in the hundreds or thousands.
#[derive(Debug, Clone)]
pub(super) struct Alias {
    /// Per bucket (a power of two of them, so the high 32 bits pick one exactly
    /// uniformly): the threshold below which the low 32 bits keep the bucket's own index
    /// (low half), and the alias taken otherwise (high half).
    buckets: Vec<u64>,
}

impl Alias {
    /// The table of weights (non-negative; all zero draws index 0).
    pub fn new(weights: &[f64]) -> Alias {
        let n = weights.len().max(1).next_power_of_two();
        let total: f64 = weights.iter().sum();
        // Each bucket holds 1 in units of the mean weight.
        let mut q: Vec<f64> = (0..n)
            .map(|i| match weights.get(i) {
                _ if total <= 0.0 => f64::from(u8::from(i == 0)) * n as f64,
                Some(&w) => w * n as f64 / total,
                None => 0.0,
            })
            .collect();
        let mut alias: Vec<usize> = (0..n).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| q[i] < 1.0);
        while let (Some(&l), Some(s)) = (large.last(), small.pop()) {
            alias[s] = l;
            q[l] -= 1.0 - q[s];
            if q[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left holds 1 up to rounding: it keeps its own index.
        for i in small.into_iter().chain(large) {
            q[i] = 1.0;
            alias[i] = i;
        }
        let buckets = (0..n)
            .map(|i| {
                let own = (q[i] * 4_294_967_296.0).round().min(u32::MAX as f64) as u64;
                own | ((alias[i] as u64) << 32)
            })
            .collect();
        Alias { buckets }
    }

    /// The index drawn by uniform `w`.
    #[inline(always)]
    pub fn draw(&self, w: u64) -> usize {
        let i = (((w >> 32) * self.buckets.len() as u64) >> 32) as usize;
        let e = self.buckets[i];
        std::hint::select_unpredictable((w as u32) < e as u32, i, (e >> 32) as usize)
    }

    /// The probability the table gives each index below `n` (for tests).
    #[cfg(test)]
    fn probabilities(&self, n: usize) -> Vec<f64> {
        let mut p = vec![0.0; n.max(self.buckets.len())];
        let scale = 1.0 / (self.buckets.len() as f64 * 4_294_967_296.0);
        for (i, &e) in self.buckets.iter().enumerate() {
            let own = (e as u32) as f64;
            p[i] += own * scale;
            p[(e >> 32) as usize] += (4_294_967_296.0 - own) * scale;
        }
        p
    }
}

/// Everything the engine needs about attributes and eligibility, precomputed.
#[derive(Debug, Clone, Default)]
pub(super) struct Population {
    /// Whether the programme has attributes at all.
    pub present: bool,
    /// Whether any attribute changes a hazard (otherwise exits ignore profiles).
    pub hazards: bool,
    /// Category count of each attribute.
    radix: Vec<u16>,
    /// Total categories over all attributes.
    pub categories: usize,
    /// Profile draw tables, shared by groups whose profile distributions are equal.
    tables: Vec<Alias>,
    /// Each group's table of profiles of everyone it refers.
    everyone: Vec<usize>,
    /// Each group's table of eligible profiles only (refill; empty otherwise).
    eligible_only: Vec<usize>,
    /// Share of each group's referrals that is eligible.
    pub eligible_share: Vec<f64>,
    /// Whether each profile may enter.
    eligible: Vec<bool>,
    /// Refill or shrink, if a definition filters.
    pub ineligible: Option<Ineligible>,
    /// Hazard multipliers per profile.
    pub factors: Vec<CauseFactors>,
    /// Largest multiplier per cause over all profiles.
    pub max_factors: CauseFactors,
    /// The categories of each profile, and their counting.
    pub categories_of: ProfileCategories,
}

impl Population {
    /// Precomputes the tables of a programme.
    pub fn new(p: &Programme) -> Population {
        let attrs = &p.attributes;
        if attrs.is_empty() {
            return Population {
                max_factors: NEUTRAL,
                ..Population::default()
            };
        }
        let radix: Vec<u16> = attrs.iter().map(|a| a.categories.len() as u16).collect();
        let mut offset = Vec::with_capacity(attrs.len());
        let mut categories = 0;
        for a in attrs {
            offset.push(categories);
            categories += a.categories.len();
        }
        let profiles: usize = radix.iter().map(|&r| r as usize).product();
        let allowed = |a: usize, k: usize| {
            p.eligibility
                .as_ref()
                .is_none_or(|e: &Eligibility| e.allowed[a][k])
        };
        // Attributes are independent: a profile's share is the product of its
        // categories' shares (with refill, each renormalised over the allowed ones, which
        // equals the eligible profiles' shares renormalised, as eligibility is a product).
        let mut tables: Vec<Alias> = Vec::new();
        let mut weights_seen: Vec<Vec<f64>> = Vec::new();
        let mut table_for = |g: usize, eligible_only: bool| {
            let shares: Vec<Vec<f64>> = attrs
                .iter()
                .enumerate()
                .map(|(a, attr)| {
                    let kept: Vec<f64> = attr.distribution[g]
                        .iter()
                        .enumerate()
                        .map(|(k, &s)| {
                            if !eligible_only || allowed(a, k) {
                                s
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    let total: f64 = kept.iter().sum();
                    kept.iter()
                        .map(|s| s / total.max(f64::MIN_POSITIVE))
                        .collect()
                })
                .collect();
            let weights: Vec<f64> = (0..profiles)
                .map(|profile| {
                    decode(profile, &radix)
                        .iter()
                        .zip(&shares)
                        .map(|(&k, s)| s[k as usize])
                        .product()
                })
                .collect();
            match weights_seen.iter().position(|w| *w == weights) {
                Some(i) => i,
                None => {
                    tables.push(Alias::new(&weights));
                    weights_seen.push(weights);
                    tables.len() - 1
                }
            }
        };
        let refill = p
            .eligibility
            .as_ref()
            .is_some_and(|e| e.ineligible == Ineligible::Refill);
        let everyone: Vec<usize> = (0..p.groups.len()).map(|g| table_for(g, false)).collect();
        let eligible_only: Vec<usize> = if refill {
            (0..p.groups.len()).map(|g| table_for(g, true)).collect()
        } else {
            Vec::new()
        };
        let eligible_share = (0..p.groups.len())
            .map(|g| {
                p.eligibility
                    .as_ref()
                    .map_or(1.0, |e| e.eligible_share(attrs, g))
            })
            .collect();
        let mut factors = Vec::with_capacity(profiles);
        let mut eligible = Vec::with_capacity(profiles);
        let mut profile_categories = Vec::with_capacity(profiles * attrs.len());
        for profile in 0..profiles {
            let cats = decode(profile, &radix);
            let mut f = NEUTRAL;
            let mut ok = true;
            for (a, &k) in cats.iter().enumerate() {
                let m = attrs[a].multipliers[k as usize];
                for (x, y) in f.iter_mut().zip(m) {
                    *x *= y;
                }
                ok &= allowed(a, k as usize);
                profile_categories.push((offset[a] + k as usize) as u16);
            }
            factors.push(f);
            eligible.push(ok);
        }
        let max_factors =
            std::array::from_fn(|k| factors.iter().map(|f| f[k]).fold(0.0f64, f64::max));
        Population {
            present: true,
            hazards: !attrs.iter().all(Attribute::is_neutral),
            radix,
            categories,
            tables,
            everyone,
            eligible_only,
            eligible_share,
            eligible,
            ineligible: p.eligibility.as_ref().map(|e| e.ineligible),
            factors,
            max_factors,
            categories_of: ProfileCategories::new(profile_categories, attrs.len(), categories),
        }
    }

    /// The profile of a referral of `group` from one 64-bit uniform; with `refill`,
    /// drawn from the eligible profiles only.
    #[inline(always)]
    pub fn draw(&self, group: usize, refill: bool, w: u64) -> u16 {
        let table = if refill {
            self.eligible_only[group]
        } else {
            self.everyone[group]
        };
        self.tables[table].draw(w) as u16
    }

    /// The profile of given categories (one per attribute, in attribute order).
    pub fn encode(&self, categories: &[u16]) -> u16 {
        let mut profile = 0u32;
        let mut stride = 1u32;
        for (&k, &r) in categories.iter().zip(&self.radix) {
            profile += k.min(r - 1) as u32 * stride;
            stride *= r as u32;
        }
        profile as u16
    }

    /// The category of each attribute in a profile.
    pub fn decode(&self, profile: u16) -> Vec<u16> {
        decode(profile as usize, &self.radix)
    }

    /// Whether a profile may enter under the definition.
    pub fn is_eligible(&self, profile: u16) -> bool {
        self.eligible.get(profile as usize).copied().unwrap_or(true)
    }
}

/// Category of each attribute in a profile.
fn decode(mut profile: usize, radix: &[u16]) -> Vec<u16> {
    radix
        .iter()
        .map(|&r| {
            let k = profile % r as usize;
            profile /= r as usize;
            k as u16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_decode_to_each_attributes_category() {
        let radix = [4u16, 2, 5];
        let mut seen = std::collections::HashSet::new();
        for p in 0..40 {
            let c = decode(p, &radix);
            assert!(c.iter().zip(radix).all(|(&k, r)| k < r));
            assert!(seen.insert(c));
        }
    }

    /// The alias table gives every index its weight's share to within 2⁻³² per bucket,
    /// for uneven, zero, padded (not a power of two) and all-zero weights; and a draw
    /// picks a bucket by the high bits and keeps it or takes its alias by the low bits.
    #[test]
    fn alias_tables_give_each_index_its_share() {
        let cases: [Vec<f64>; 5] = [
            vec![0.5, 0.35, 0.15],
            vec![0.3, 0.0, 0.0, 0.7, 1e-9],
            (1..=640).map(|i| ((i * 37) % 101) as f64).collect(),
            vec![1.0],
            vec![0.0, 0.0, 0.0],
        ];
        for weights in cases {
            let t = Alias::new(&weights);
            let total: f64 = weights.iter().sum();
            let p = t.probabilities(weights.len());
            for (i, &w) in weights.iter().enumerate() {
                let expected = if total > 0.0 {
                    w / total
                } else {
                    f64::from(u8::from(i == 0))
                };
                assert!(
                    (p[i] - expected).abs() < 1e-9,
                    "{weights:?}: index {i}: {} vs {expected}",
                    p[i]
                );
            }
            assert!(
                p[weights.len()..].iter().all(|&x| x < 1e-12),
                "padding is never drawn"
            );
        }
        let t = Alias::new(&[0.5, 0.35, 0.15]);
        // Four buckets: bucket 3 (weight 0) always takes its alias.
        assert_ne!(t.draw(u64::MAX), 3);
        assert_eq!(t.draw(0), 0, "bucket 0 keeps index 0 at the lowest uniform");
    }

    #[test]
    fn cumulative_draws_follow_the_shares() {
        let t = Cumulative::new(&[0.25, 0.0, 0.75]);
        assert_eq!(t.draw(0), 0);
        assert_eq!(t.draw(u32::MAX / 4 - 10), 0);
        assert_eq!(t.draw(u32::MAX / 4 + 10), 2);
        assert_eq!(t.draw(u32::MAX), 2);
    }

    /// A guide table counts exactly what the plain comparison counts, on every bucket
    /// edge and threshold (and either side of each), for shares with zeros, duplicates
    /// and tiny shares; where two thresholds share a bucket it is refused, and the draw
    /// falls back to comparing with every threshold (for 12 and for 22 categories).
    #[test]
    fn guide_tables_count_like_plain_comparison() {
        let mut many = vec![0.001, 0.001];
        many.extend([0.998 / 20.0; 20]);
        let cases: [&[f64]; 7] = [
            &[0.5, 0.35, 0.15, 0.0, 0.0],
            &[0.1; 10],
            &[0.2, 0.0, 0.0, 0.3, 0.5, 0.0],
            &[0.25, 0.25, 0.25, 0.25, 0.0, 0.0, 0.0],
            &[0.001, 0.001, 0.998, 0.0, 0.0],
            &[
                0.001, 0.001, 0.098, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
            ],
            &many,
        ];
        let mut guided_cases = 0;
        for shares in cases {
            let mut acc = 0.0;
            let thresholds: Vec<u32> = shares
                .iter()
                .map(|s| {
                    acc += s;
                    threshold32(f64::min(acc, 1.0))
                })
                .collect();
            let inner = &thresholds[..thresholds.len() - 1];
            let plain = |u: u32| inner.iter().filter(|&&t| u >= t).count() as u16;
            let mut points: Vec<u32> = (0..=255u32)
                .flat_map(|b| [b << 24, (b << 24) | 0xff_ffff])
                .collect();
            for &t in inner {
                points.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
            }
            points.push(u32::MAX);
            let table = guide(inner);
            assert_eq!(table.is_some(), shares[0] > 0.001, "{shares:?}");
            let c = Cumulative::new(shares);
            for u in points {
                if let Some(table) = &table {
                    assert_eq!(guided(table, u), plain(u), "{shares:?} at {u}");
                }
                assert_eq!(c.draw(u), plain(u).min(c.fallback), "{shares:?} at {u}");
            }
            guided_cases += usize::from(table.is_some());
        }
        assert_eq!(guided_cases, 4);
    }

    /// Every number of categories (few, guided by a table; see above for the plain list)
    /// draws category i for a uniform in the middle of its share, and the last category at
    /// the very top.
    #[test]
    fn draws_agree_for_every_number_of_categories() {
        for k in [2usize, 5, 6, 17, 18, 40] {
            let t = Cumulative::new(&vec![1.0 / k as f64; k]);
            for i in 0..k {
                let u = threshold32((i as f64 + 0.5) / k as f64);
                assert_eq!(t.draw(u), i as u16, "{k} categories, category {i}");
            }
            assert_eq!(t.draw(u32::MAX), k as u16 - 1, "{k} categories");
        }
    }
}
