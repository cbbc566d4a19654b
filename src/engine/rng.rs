//! Random streams: each replication, and inside it each purpose and team, draws from its own
//! xoshiro256++ stream derived from (master seed, replication index, purpose, index).
//!
//! Separate streams per purpose keep unchanged parts of a model drawing the same numbers
//! when another part changes (common random numbers), and make a replication's result
//! independent of which thread runs it.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type StreamRng = Xoshiro256PlusPlus;

/// What a stream is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Parameter-uncertainty draws of the replication.
    Parameters = 1,
    /// Vacancy draws of one team.
    Staffing = 2,
    /// Group and gender of one team's scheduled entrants.
    TeamIntake = 3,
    /// Counts, team and gender of one continuous intake stream.
    ContinuousIntake = 4,
    /// Exit draws of one team's participants.
    Exits = 5,
    /// Participants enrolled before the first month.
    Initial = 6,
    /// Attribute categories of one team's scheduled entrants.
    TeamAttributes = 7,
    /// Attribute categories of one continuous intake stream's entrants in one month.
    ContinuousAttributes = 8,
    /// Attribute categories of the participants enrolled before the first month.
    InitialAttributes = 9,
    /// Exit days of synthetic records (outside the simulation itself).
    Records = 10,
    /// Whether each of one team's participants is extended at the time limit.
    Extension = 11,
}

/// The SplitMix64 finaliser: a bijective mix of 64 bits.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for (seed, replication, purpose, index).
pub fn stream(seed: u64, replication: u64, purpose: Purpose, index: u64) -> StreamRng {
    let key = mix64(mix64(mix64(seed) ^ replication) ^ ((purpose as u64) << 48) ^ index);
    StreamRng::seed_from_u64(key)
}

/// Converts a probability into a threshold for comparison with a uniform `u64`.
pub fn threshold(p: f64) -> u64 {
    // 2^64 as f64; the cast saturates at u64::MAX for p = 1.
    (p * 18_446_744_073_709_551_616.0) as u64
}

/// `n` uniform `u32`s in a reused buffer, two from each of the generator's outputs (drawn
/// in bulk ahead of the loop that uses them, so the loop does not wait on the generator).
pub fn fill_uniforms<'a>(rng: &mut StreamRng, buffer: &'a mut Vec<u32>, n: usize) -> &'a mut [u32] {
    let even = n.next_multiple_of(2);
    if buffer.len() < even {
        buffer.resize(even, 0);
    }
    for pair in buffer[..even].chunks_exact_mut(2) {
        let x = rng.next_u64();
        pair[0] = x as u32;
        pair[1] = (x >> 32) as u32;
    }
    &mut buffer[..n]
}

/// Lanes of a [`LaneRng`].
pub const LANES: usize = 4;

/// Uniform `u32`s per step of a [`LaneRng`].
pub const BLOCK: usize = 2 * LANES;

/// Four xoshiro256++ generators run side by side, giving eight uniform `u32`s a step
/// (lane j's output split into its low and high halves, at positions 2j and 2j + 1).
/// The exit draws use it because the four lanes are one AVX2 register each: the vector
/// participant loop draws its uniforms as it goes, and the scalar loop steps the same
/// lanes in the same order, so both see the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneRng {
    /// State word `w` of lane `j` at `s[w][j]`.
    pub(super) s: [[u64; LANES]; 4],
}

impl LaneRng {
    /// The lanes for (seed, replication, purpose, index): their states are the first
    /// sixteen outputs of that [`stream`].
    pub fn new(seed: u64, replication: u64, purpose: Purpose, index: u64) -> LaneRng {
        let mut base = stream(seed, replication, purpose, index);
        let mut s = [[0u64; LANES]; 4];
        for lane in 0..LANES {
            for word in &mut s {
                word[lane] = base.next_u64();
            }
            // An all-zero state would stay zero; xoshiro needs any other.
            if s.iter().all(|w| w[lane] == 0) {
                s[0][lane] = 1;
            }
        }
        LaneRng { s }
    }

    /// The next eight uniforms.
    #[inline(always)]
    pub fn next_block(&mut self) -> [u32; BLOCK] {
        let mut out = [0u32; BLOCK];
        for j in 0..LANES {
            let [s0, s1, s2, s3] = [self.s[0][j], self.s[1][j], self.s[2][j], self.s[3][j]];
            let x = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
            let t = s1 << 17;
            let s2 = s2 ^ s0;
            let s3 = s3 ^ s1;
            let s1 = s1 ^ s2;
            let s0 = s0 ^ s3;
            let s2 = s2 ^ t;
            let s3 = s3.rotate_left(45);
            [self.s[0][j], self.s[1][j], self.s[2][j], self.s[3][j]] = [s0, s1, s2, s3];
            out[2 * j] = x as u32;
            out[2 * j + 1] = (x >> 32) as u32;
        }
        out
    }

    /// Fills a reused buffer with `n` uniforms rounded up to whole steps, and returns the
    /// first `n`: a team-month draws whole steps whichever loop uses them.
    pub fn fill<'a>(&mut self, buffer: &'a mut Vec<u32>, n: usize) -> &'a mut [u32] {
        let padded = n.next_multiple_of(BLOCK);
        if buffer.len() < padded {
            buffer.resize(padded, 0);
        }
        for chunk in buffer[..padded].chunks_exact_mut(BLOCK) {
            chunk.copy_from_slice(&self.next_block());
        }
        &mut buffer[..n]
    }
}

/// Converts a probability into a threshold for comparison with a uniform `u32` (used
/// where 32 bits of resolution are plenty, so one `u64` can serve two draws).
pub fn threshold32(p: f64) -> u32 {
    (p * 4_294_967_296.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_every_key_part() {
        let a = stream(1, 0, Purpose::Exits, 0).next_u64();
        assert_eq!(a, stream(1, 0, Purpose::Exits, 0).next_u64());
        for other in [
            stream(2, 0, Purpose::Exits, 0),
            stream(1, 1, Purpose::Exits, 0),
            stream(1, 0, Purpose::Staffing, 0),
            stream(1, 0, Purpose::Exits, 1),
        ] {
            assert_ne!(a, other.clone().next_u64());
        }
    }

    /// Chi-squared test of uniformity over 64 cells: with 63 degrees of freedom the 99.9 %
    /// quantile is 103.4, so a correct generator fails this with probability 0.001.
    #[test]
    fn uniform_by_chi_squared() {
        let mut rng = stream(42, 7, Purpose::Exits, 3);
        let n = 640_000u64;
        let mut cells = [0u64; 64];
        for _ in 0..n {
            cells[(rng.next_u64() >> 58) as usize] += 1;
        }
        let e = n as f64 / 64.0;
        let chi2: f64 = cells.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 103.4, "chi2 = {chi2}");
    }

    /// Each lane is a xoshiro256++ generator: started from a lane's state, the reference
    /// generator gives that lane's outputs (low half first).
    #[test]
    fn lanes_are_xoshiro_generators() {
        let mut lanes = LaneRng::new(5, 2, Purpose::Exits, 1);
        let mut single: Vec<StreamRng> = (0..LANES)
            .map(|j| {
                let mut bytes = [0u8; 32];
                for w in 0..4 {
                    bytes[8 * w..8 * w + 8].copy_from_slice(&lanes.s[w][j].to_le_bytes());
                }
                StreamRng::from_seed(bytes)
            })
            .collect();
        for _ in 0..10 {
            let block = lanes.next_block();
            for (j, g) in single.iter_mut().enumerate() {
                let x = g.next_u64();
                assert_eq!(
                    [block[2 * j], block[2 * j + 1]],
                    [x as u32, (x >> 32) as u32]
                );
            }
        }
        let mut buffer = Vec::new();
        assert_eq!(lanes.fill(&mut buffer, 13).len(), 13);
        assert_eq!(buffer.len(), 16, "whole steps");
    }

    #[test]
    fn thresholds_are_exact_at_the_ends() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), u64::MAX);
        assert_eq!(threshold(0.5), 1u64 << 63);
    }
}
