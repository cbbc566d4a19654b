//! The participant loop in AVX2, eight participants at a time, for programmes whose exit
//! table fits one vector per threshold (at most eight cells, one stay band, no
//! attributes: the shape of R1 and of many small programmes). It steps the four lanes of
//! the team's [`LaneRng`] in registers as it goes, and computes exactly what the scalar
//! loop in [`super::Engine::draw_exits`] computes, in the same order, so results do not
//! depend on whether the machine has AVX2; the engine checks at run time and falls back
//! to the scalar loop otherwise.

use super::rng::{LaneRng, BLOCK};

/// A single-band table's thresholds by cause, for cells 0–7: `[k][cell]`, where `k`
/// indexes the slot (`[exit, cause₀, cause₁, cause₂]`, see [`super::table::Slot`]).
pub type ByCause = [[i32; 8]; 4];

/// Whether this machine runs the vector loop.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Draws the exits of participants `members[..n]`, eight at a time with uniforms from
/// `lanes`, with the same outcome rule and output layout as the scalar loop: stayers
/// compacted to the front of `members`, leavers' log entries to the front of `log`, both
/// in participant order. Returns `(kept, logged)`.
///
/// Both slices must hold `n` rounded up to a multiple of 8 (the last step writes whole
/// vectors), and `available()` must have returned true.
pub fn draw_exits(
    members: &mut [u32],
    n: usize,
    log: &mut [u32],
    lanes: &mut LaneRng,
    by_cause: &ByCause,
    expiring: u32,
) -> (usize, usize) {
    let padded = n.next_multiple_of(BLOCK);
    assert!(members.len() >= padded && log.len() >= padded);
    #[cfg(target_arch = "x86_64")]
    {
        assert!(available(), "AVX2 loop called on a machine without AVX2");
        // SAFETY: the features the function enables were detected just above, and both
        // slices hold whole vectors up to `padded`.
        unsafe { x86::draw_exits(members, n, log, lanes, by_cause, expiring) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (members, n, log, lanes, by_cause, expiring);
        unreachable!("the vector loop is only enabled on x86_64")
    }
}

/// The screen of the participant loop with attributes: draws a uniform for each of
/// `members[..n]`, eight at a time from `lanes`, and writes the index and uniform of
/// every candidate (uniform below its cell's `bounds`, or reaching the maximum stay:
/// key below `expiring`) to the front of `candidates` and `uniforms`, in participant
/// order. Returns the number of candidates. Same contract as [`draw_exits`]: slices of
/// `n` rounded up to a multiple of 8, and `available()`.
pub fn screen(
    members: &[u32],
    n: usize,
    lanes: &mut LaneRng,
    bounds: &[i32; 8],
    expiring: u32,
    (candidates, uniforms): (&mut [u32], &mut [u32]),
) -> usize {
    let padded = n.next_multiple_of(BLOCK);
    assert!(members.len() >= padded && candidates.len() >= padded && uniforms.len() >= padded);
    #[cfg(target_arch = "x86_64")]
    {
        assert!(available(), "AVX2 loop called on a machine without AVX2");
        // SAFETY: as in `draw_exits`.
        unsafe { x86::screen(members, n, lanes, bounds, expiring, candidates, uniforms) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (members, n, lanes, bounds, expiring, candidates, uniforms);
        unreachable!("the vector loop is only enabled on x86_64")
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{ByCause, LaneRng};

    /// For each 8-bit lane mask, the indices of its set lanes first (in order), then the
    /// others: a left-packing permutation for `vpermd`.
    pub(super) static LEFT_PACK: [[u32; 8]; 256] = left_pack();

    const fn left_pack() -> [[u32; 8]; 256] {
        let mut table = [[0u32; 8]; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut j = 0;
            let mut pass = 0;
            while pass < 2 {
                let mut lane = 0;
                while lane < 8 {
                    let set = (mask >> lane) & 1 == 1;
                    if set == (pass == 0) {
                        table[mask][j] = lane as u32;
                        j += 1;
                    }
                    lane += 1;
                }
                pass += 1;
            }
            mask += 1;
        }
        table
    }

    /// One step of four xoshiro256++ lanes (state word `w` of every lane in `s[w]`):
    /// their outputs, lane j's low and high halves in 32-bit positions 2j and 2j + 1.
    #[inline(always)]
    unsafe fn next(s: &mut [__m256i; 4]) -> __m256i {
        let rotl = |x: __m256i, k: i32| {
            _mm256_or_si256(
                _mm256_sll_epi64(x, _mm_cvtsi32_si128(k)),
                _mm256_srl_epi64(x, _mm_cvtsi32_si128(64 - k)),
            )
        };
        let [s0, s1, s2, s3] = *s;
        let out = _mm256_add_epi64(rotl(_mm256_add_epi64(s0, s3), 23), s0);
        let t = _mm256_slli_epi64(s1, 17);
        let s2 = _mm256_xor_si256(s2, s0);
        let s3 = _mm256_xor_si256(s3, s1);
        let s1 = _mm256_xor_si256(s1, s2);
        let s0 = _mm256_xor_si256(s0, s3);
        let s2 = _mm256_xor_si256(s2, t);
        let s3 = rotl(s3, 45);
        *s = [s0, s1, s2, s3];
        out
    }

    /// See [`super::draw_exits`].
    #[target_feature(enable = "avx2,popcnt")]
    pub unsafe fn draw_exits(
        members: &mut [u32],
        n: usize,
        log: &mut [u32],
        lanes: &mut LaneRng,
        by_cause: &ByCause,
        expiring: u32,
    ) -> (usize, usize) {
        let load = |row: &[i32; 8]| _mm256_loadu_si256(row.as_ptr().cast());
        let [exit, c0, c1, c2] = by_cause.each_ref().map(load);
        let mut s = lanes.s.map(|w| _mm256_loadu_si256(w.as_ptr().cast()));
        let cell_mask = _mm256_set1_epi32(0xff);
        let expiring = _mm256_set1_epi32(expiring as i32);
        let four = _mm256_set1_epi32(4);
        let (mut kept, mut logged) = (0usize, 0usize);
        let mut r = 0;
        while r < n {
            // SAFETY (all pointer accesses below): r < n, both slices hold n rounded up to
            // a multiple of 8 (checked by the caller), r is a multiple of 8, and kept +
            // logged <= r, so every vector access lies within the slices. A store writes at
            // most up to index r + 8 of a slice whose elements up to r + 8 were read
            // already.
            let u = next(&mut s);
            let key = _mm256_loadu_si256(members.as_ptr().add(r).cast());
            let cell = _mm256_and_si256(key, cell_mask);
            // A threshold above the uniform is one the uniform is not at or above: the
            // outcome is 4 minus the number of such thresholds (comparisons give −1).
            let above = |t: __m256i| _mm256_cmpgt_epi32(_mm256_permutevar8x32_epi32(t, cell), u);
            let exit_above = above(exit);
            let outcome = _mm256_add_epi32(
                _mm256_add_epi32(four, exit_above),
                _mm256_add_epi32(_mm256_add_epi32(above(c0), above(c1)), above(c2)),
            );
            let leave = _mm256_or_si256(exit_above, _mm256_cmpgt_epi32(expiring, key));
            let entry = _mm256_or_si256(_mm256_slli_epi32(outcome, 29), key);
            // Lanes past the last participant count neither as stayers nor as leavers.
            let present = 0xffu32 >> (8 - (n - r).min(8));
            let leavers = _mm256_movemask_ps(_mm256_castsi256_ps(leave)) as u32 & present;
            let stayers = present & !leavers;
            let leave_order = _mm256_loadu_si256(LEFT_PACK[leavers as usize].as_ptr().cast());
            let stay_order = _mm256_loadu_si256(LEFT_PACK[stayers as usize].as_ptr().cast());
            _mm256_storeu_si256(
                log.as_mut_ptr().add(logged).cast(),
                _mm256_permutevar8x32_epi32(entry, leave_order),
            );
            _mm256_storeu_si256(
                members.as_mut_ptr().add(kept).cast(),
                _mm256_permutevar8x32_epi32(key, stay_order),
            );
            logged += leavers.count_ones() as usize;
            kept += stayers.count_ones() as usize;
            r += 8;
        }
        for (w, v) in lanes.s.iter_mut().zip(s) {
            _mm256_storeu_si256(w.as_mut_ptr().cast(), v);
        }
        (kept, logged)
    }

    /// See [`super::screen`].
    #[target_feature(enable = "avx2,popcnt")]
    pub unsafe fn screen(
        members: &[u32],
        n: usize,
        lanes: &mut LaneRng,
        bounds: &[i32; 8],
        expiring: u32,
        candidates: &mut [u32],
        uniforms: &mut [u32],
    ) -> usize {
        let bounds = _mm256_loadu_si256(bounds.as_ptr().cast());
        let mut s = lanes.s.map(|w| _mm256_loadu_si256(w.as_ptr().cast()));
        let cell_mask = _mm256_set1_epi32(0xff);
        let expiring = _mm256_set1_epi32(expiring as i32);
        let mut index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let eight = _mm256_set1_epi32(8);
        let mut found = 0usize;
        let mut r = 0;
        while r < n {
            // SAFETY (all pointer accesses below): r < n, the slices hold n rounded up to
            // a multiple of 8, r is a multiple of 8 and found <= r.
            let u = next(&mut s);
            let key = _mm256_loadu_si256(members.as_ptr().add(r).cast());
            let bound = _mm256_permutevar8x32_epi32(bounds, _mm256_and_si256(key, cell_mask));
            let candidate = _mm256_or_si256(
                _mm256_cmpgt_epi32(bound, u),
                _mm256_cmpgt_epi32(expiring, key),
            );
            let present = 0xffu32 >> (8 - (n - r).min(8));
            let mask = _mm256_movemask_ps(_mm256_castsi256_ps(candidate)) as u32 & present;
            let order = _mm256_loadu_si256(LEFT_PACK[mask as usize].as_ptr().cast());
            _mm256_storeu_si256(
                candidates.as_mut_ptr().add(found).cast(),
                _mm256_permutevar8x32_epi32(index, order),
            );
            _mm256_storeu_si256(
                uniforms.as_mut_ptr().add(found).cast(),
                _mm256_permutevar8x32_epi32(u, order),
            );
            found += mask.count_ones() as usize;
            index = _mm256_add_epi32(index, eight);
            r += 8;
        }
        for (w, v) in lanes.s.iter_mut().zip(s) {
            _mm256_storeu_si256(w.as_mut_ptr().cast(), v);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::rng::{stream, Purpose};
    use rand::RngCore;

    /// The outcome rule of the scalar loop, written out plainly, with uniforms from the
    /// lanes' scalar steps.
    fn scalar(
        keys: &[u32],
        lanes: &mut LaneRng,
        by_cause: &ByCause,
        expiring: u32,
    ) -> (Vec<u32>, Vec<u32>) {
        let mut uniforms = Vec::new();
        lanes.fill(&mut uniforms, keys.len());
        let (mut kept, mut log) = (Vec::new(), Vec::new());
        for (&key, &u) in keys.iter().zip(&uniforms) {
            let cell = (key & 7) as usize;
            let outcome = (0..4).filter(|&k| u as i32 >= by_cause[k][cell]).count() as u32;
            if outcome < 4 || key < expiring {
                log.push((outcome << 29) | key);
            } else {
                kept.push(key);
            }
        }
        (kept, log)
    }

    /// Random keys, cells and ordered thresholds (some cells never exit), at every length
    /// around the vector width: the vector loop and the scalar rule agree on the
    /// stayers, the leavers' log and their order, and leave the lanes in the same state.
    #[test]
    fn vector_loop_matches_the_scalar_rule() {
        if !available() {
            return;
        }
        let mut rng = stream(3, 0, Purpose::Exits, 0);
        for n in 0..70usize {
            let mut table: ByCause = [[0; 8]; 4];
            for c in 0..8 {
                let mut t: Vec<i32> = (0..4).map(|_| rng.next_u32() as i32).collect();
                t.sort_unstable();
                // [exit, cause₀, cause₁, cause₂]: exit is the highest.
                let slot = [t[3], t[0], t[1], t[2]];
                for k in 0..4 {
                    table[k][c] = if c == 5 { i32::MIN } else { slot[k] };
                }
            }
            let expiring = 1000 << 8;
            let keys: Vec<u32> = (0..n)
                .map(|_| ((990 + rng.next_u32() % 20) << 8) | (rng.next_u32() % 8))
                .collect();
            let mut lanes = LaneRng::new(9, n as u64, Purpose::Exits, 0);
            let mut expected_lanes = lanes.clone();
            let (expected_members, expected_log) =
                scalar(&keys, &mut expected_lanes, &table, expiring);
            let padded = n.next_multiple_of(BLOCK);
            let mut members = keys.clone();
            members.resize(padded, 0);
            let mut log = vec![0; padded];
            let (kept, logged) =
                draw_exits(&mut members, n, &mut log, &mut lanes, &table, expiring);
            assert_eq!(members[..kept], expected_members, "stayers, n = {n}");
            assert_eq!(log[..logged], expected_log, "leavers, n = {n}");
            assert_eq!(lanes, expected_lanes, "lane states, n = {n}");
        }
    }

    /// The screen agrees with its plain rule at every length around the vector width:
    /// candidates are those below their cell's bound or expiring, in order, with their
    /// uniforms and the same lane states.
    #[test]
    fn screen_matches_the_plain_rule() {
        if !available() {
            return;
        }
        let mut rng = stream(4, 0, Purpose::Exits, 0);
        for n in 0..70usize {
            let bounds: [i32; 8] = std::array::from_fn(|c| {
                if c == 6 {
                    i32::MIN
                } else {
                    rng.next_u32() as i32
                }
            });
            let expiring = 1000 << 8;
            let padded = n.next_multiple_of(BLOCK);
            let mut keys: Vec<u32> = (0..n)
                .map(|_| ((990 + rng.next_u32() % 20) << 8) | (rng.next_u32() % 8))
                .collect();
            keys.resize(padded, 0);
            let mut lanes = LaneRng::new(5, n as u64, Purpose::Exits, 0);
            let mut expected_lanes = lanes.clone();
            let mut uniforms = Vec::new();
            expected_lanes.fill(&mut uniforms, n);
            let expected: Vec<(u32, u32)> = (0..n)
                .filter(|&r| {
                    (uniforms[r] as i32) < bounds[(keys[r] & 7) as usize] || keys[r] < expiring
                })
                .map(|r| (r as u32, uniforms[r]))
                .collect();
            let (mut found, mut found_u) = (vec![0; padded], vec![0; padded]);
            let count = screen(
                &keys,
                n,
                &mut lanes,
                &bounds,
                expiring,
                (&mut found, &mut found_u),
            );
            let got: Vec<(u32, u32)> = found[..count]
                .iter()
                .copied()
                .zip(found_u[..count].iter().copied())
                .collect();
            assert_eq!(got, expected, "candidates, n = {n}");
            assert_eq!(lanes, expected_lanes, "lane states, n = {n}");
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn left_pack_puts_set_lanes_first_in_order() {
        let t = &x86::LEFT_PACK;
        assert_eq!(t[0b0000_0000], [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(t[0b1000_0010], [1, 7, 0, 2, 3, 4, 5, 6]);
        assert_eq!(t[0b1111_1111], [0, 1, 2, 3, 4, 5, 6, 7]);
    }
}
