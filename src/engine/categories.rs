//! Counting entrants and leavers by attribute category. Every entrant and leaver counts
//! once in each of their profile's categories (one per attribute: six for the default
//! scenario), which done one category at a time cost more than drawing them. Where a
//! programme has at most 32 categories in all, each profile's categories are the set bits
//! of one 32-bit mask, and on machines with AVX2 an event adds its mask to one row of 32
//! byte counters (five vector instructions); the bytes go into the totals every 255
//! events, before any can overflow. Programmes with more categories, and machines without
//! AVX2, count one category at a time. Counts do not depend on the order, so both ways
//! give the same totals.

use crate::model::EXIT_CAUSES;

/// Most categories the masks hold.
const MASK_CATEGORIES: usize = 32;

/// Most rows an event can go to (gender times exit cause).
const MAX_ROWS: usize = 2 * EXIT_CAUSES;

/// Events added to the byte counters before they are emptied into the totals.
const FLUSH: usize = u8::MAX as usize;

/// Each profile's categories, as a mask where that is possible and as a list always.
#[derive(Debug, Clone, Default)]
pub(super) struct ProfileCategories {
    /// Global category of each attribute per profile, `[profile][attribute]`.
    list: Vec<u16>,
    /// Attributes per profile.
    attributes: usize,
    /// Categories over all attributes.
    categories: usize,
    /// Bit `k` set for each category `k` of the profile; empty beyond 32 categories.
    masks: Vec<u32>,
}

impl ProfileCategories {
    /// The categories of each profile, given as `[profile][attribute]` lists of global
    /// category indices below `categories`.
    pub fn new(list: Vec<u16>, attributes: usize, categories: usize) -> ProfileCategories {
        let masks = if categories <= MASK_CATEGORIES && attributes > 0 {
            list.chunks_exact(attributes)
                .map(|ks| ks.iter().fold(0u32, |m, &k| m | 1 << k))
                .collect()
        } else {
            Vec::new()
        };
        ProfileCategories {
            list,
            attributes,
            categories,
            masks,
        }
    }

    /// Global category indices (offset per attribute) of a profile.
    pub fn of(&self, profile: u16) -> &[u16] {
        let i = profile as usize * self.attributes;
        &self.list[i..i + self.attributes]
    }

    /// Adds one to `out[k * rows + row]` for every category `k` of each of `n` events,
    /// where `event(i)` gives the profile and row (below `rows` ≤ 10) of event `i`; by
    /// mask in AVX2 if `vector` and the machine has it.
    #[inline(always)]
    pub fn count<E: Fn(usize) -> (u16, usize)>(
        &self,
        vector: bool,
        n: usize,
        event: E,
        rows: usize,
        out: &mut [u32],
    ) {
        assert!(rows <= MAX_ROWS && out.len() >= self.categories * rows);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = vector;
        #[cfg(target_arch = "x86_64")]
        if vector && !self.masks.is_empty() && super::simd::available() {
            // SAFETY: AVX2 was detected just above.
            unsafe { count_masked_avx2(&self.masks, self.categories, n, event, rows, out) };
            return;
        }
        self.count_each(n, event, rows, out);
    }

    /// [`ProfileCategories::count`] one category at a time.
    fn count_each<E: Fn(usize) -> (u16, usize)>(
        &self,
        n: usize,
        event: E,
        rows: usize,
        out: &mut [u32],
    ) {
        for i in 0..n {
            let (profile, row) = event(i);
            for &k in self.of(profile) {
                out[k as usize * rows + row] += 1;
            }
        }
    }
}

/// The mask loop of [`ProfileCategories::count`] in AVX2: a mask's bits become 32 byte
/// lanes of 0 or −1 (each byte of the mask copied to eight lanes, each lane tested for
/// its bit), subtracted from the event's row of byte counters.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn count_masked_avx2<E: Fn(usize) -> (u16, usize)>(
    masks: &[u32],
    categories: usize,
    n: usize,
    event: E,
    rows: usize,
    out: &mut [u32],
) {
    use std::arch::x86_64::*;
    const SPREAD: [i8; 32] = {
        let mut s = [0i8; 32];
        let mut k = 0;
        while k < 32 {
            s[k] = (k / 8) as i8;
            k += 1;
        }
        s
    };
    const BIT: [u8; 32] = {
        let mut b = [0u8; 32];
        let mut k = 0;
        while k < 32 {
            b[k] = 1 << (k % 8);
            k += 1;
        }
        b
    };
    // SAFETY (the unaligned loads): the arrays hold 32 bytes each.
    let spread = unsafe { _mm256_loadu_si256(SPREAD.as_ptr().cast()) };
    let bit = unsafe { _mm256_loadu_si256(BIT.as_ptr().cast()) };
    let zero = _mm256_setzero_si256();
    let mut bytes = [zero; MAX_ROWS];
    for start in (0..n).step_by(FLUSH) {
        for i in start..(start + FLUSH).min(n) {
            let (profile, row) = event(i);
            // In each 128-bit half, the shuffle reads bytes 0–3 of the broadcast mask:
            // lanes 0–15 take bytes 0 and 1, lanes 16–31 (indices 2 and 3) bytes 2 and 3.
            let mask = _mm256_set1_epi32(masks[profile as usize] as i32);
            let set = _mm256_cmpeq_epi8(
                _mm256_and_si256(_mm256_shuffle_epi8(mask, spread), bit),
                bit,
            );
            bytes[row] = _mm256_sub_epi8(bytes[row], set);
        }
        for (row, counters) in bytes[..rows].iter_mut().enumerate() {
            let mut lanes = [0u8; MASK_CATEGORIES];
            // SAFETY: `lanes` holds 32 bytes.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), *counters) };
            for (k, c) in lanes[..categories].iter().enumerate() {
                out[k * rows + row] += u32::from(*c);
            }
            *counters = zero;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::RngCore;

    use super::super::rng::{stream, Purpose};
    use super::*;

    /// Masks (where the machine has AVX2) give the same totals as counting one category
    /// at a time, also past the 255 events after which the byte counters are emptied, and
    /// with 32 categories (the highest bit).
    #[test]
    fn masked_counts_equal_counting_one_at_a_time() {
        let mut rng = stream(6, 0, Purpose::TeamAttributes, 0);
        let mut next = move || rng.next_u64();
        // Attributes of 4, 5, 4, 2, 2, 2 categories (19 in all), and of 8, 8, 8, 8 (32).
        for radix in [vec![4u16, 5, 4, 2, 2, 2], vec![8, 8, 8, 8]] {
            let categories: usize = radix.iter().map(|&r| r as usize).sum();
            let profiles: usize = radix.iter().map(|&r| r as usize).product();
            let mut list = Vec::new();
            for p in 0..profiles {
                let (mut rest, mut offset) = (p, 0);
                for &r in &radix {
                    list.push((offset + rest % r as usize) as u16);
                    rest /= r as usize;
                    offset += r as usize;
                }
            }
            let pc = ProfileCategories::new(list, radix.len(), categories);
            assert_eq!(pc.masks.len(), profiles);
            for (n, rows) in [(0, 2), (1, 2), (254, 10), (255, 10), (256, 1), (2000, 10)] {
                let events: Vec<(u16, usize)> = (0..n)
                    .map(|i| {
                        // Many events in one row, so that a byte counter would overflow.
                        let row = if i % 3 == 0 {
                            0
                        } else {
                            next() as usize % rows
                        };
                        ((next() % profiles as u64) as u16, row)
                    })
                    .collect();
                let mut expected = vec![0u32; categories * rows];
                pc.count_each(n, |i| events[i], rows, &mut expected);
                let mut counted = vec![0u32; categories * rows];
                pc.count(true, n, |i| events[i], rows, &mut counted);
                assert_eq!(counted, expected, "n {n}, rows {rows}");
                let total: u32 = expected.iter().sum();
                assert_eq!(total as usize, n * radix.len());
            }
        }
    }

    /// Beyond 32 categories there are no masks, and counting goes one at a time.
    #[test]
    fn many_categories_are_counted_one_at_a_time() {
        let list: Vec<u16> = vec![0, 20, 39, 1, 21, 38];
        let pc = ProfileCategories::new(list, 3, 40);
        assert!(pc.masks.is_empty());
        let mut out = vec![0u32; 40 * 2];
        pc.count(true, 3, |i| ([0, 1, 0][i], i % 2), 2, &mut out);
        // Profile 0 (categories 0, 20, 39) twice in row 0, profile 1 (1, 21, 38) in row 1.
        for (k, row, times) in [
            (0, 0, 2),
            (20, 0, 2),
            (39, 0, 2),
            (1, 1, 1),
            (21, 1, 1),
            (38, 1, 1),
        ] {
            assert_eq!(out[k * 2 + row], times, "category {k}, row {row}");
        }
        assert_eq!(out.iter().sum::<u32>(), 9);
    }
}
