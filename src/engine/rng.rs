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

    #[test]
    fn thresholds_are_exact_at_the_ends() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), u64::MAX);
        assert_eq!(threshold(0.5), 1u64 << 63);
    }
}
