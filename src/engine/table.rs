//! Exit tables: for every (stay band, group, gender) slot of a team-month, the thresholds a
//! participant's uniform `u32` is compared with. Tables are built once per distinct set of
//! team factors and kept in a per-worker arena, so a team whose caseload returns to an
//! earlier level (and so to the same pressure) reuses a table without computing `exp`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::simd::ByCause;
use crate::model::{CauseFactors, HAZARD_CAUSES};

/// One slot: `[exit, cause₀, cause₁, cause₂]`, 32-bit thresholds with the sign bit
/// flipped (compared as `i32`). The participant leaves if `u < exit`, for cause k = the
/// number of cause thresholds `u` is at or above (work, studies, fk_samverkan, other).
/// 32 bits resolve probabilities to 2⁻³², far below any Monte Carlo error, and let one
/// generator output serve two participants.
pub type Slot = [i32; 4];

/// Tables have at least this many slots, so the single-band participant loop can index
/// them by the cell byte without a bounds check.
pub const MIN_SLOTS: usize = 256;

/// Most tables kept per worker before the arena is emptied.
const LIMIT: usize = 4096;

/// A slot no uniform exits by: every uniform is at or above all its thresholds.
pub const NEVER: Slot = [i32::MIN; 4];

/// A multiply-rotate hasher for the cache's small fixed-size keys (the default SipHash
/// costs more than the lookups it protects).
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The arena of exit tables of one worker, valid for one set of programme-wide factors.
/// Emptying it keeps the storage: a month's tables are written over the last month's, so
/// building one allocates nothing and touches memory that is already in cache.
#[derive(Debug, Clone, Default)]
pub struct TableCache {
    /// Table storage; the first `live` hold tables of the current basis.
    tables: Vec<Vec<Slot>>,
    /// Per table, the thresholds of its first eight slots by cause (for the vector loop).
    by_cause: Vec<ByCause>,
    /// Tables of the current basis.
    live: usize,
    /// Slots every table is built with (the storage is reset if it changes).
    slots: usize,
    index: HashMap<[u64; HAZARD_CAUSES], usize, BuildHasherDefault<FastHasher>>,
    basis: Vec<CauseFactors>,
    /// Changes whenever cached tables become invalid; teams compare it with the epoch
    /// their table index was taken in.
    pub epoch: u64,
}

impl TableCache {
    /// Makes the cache valid for these programme-wide factors, emptying it if they differ
    /// from the ones its tables were built for.
    pub fn set_basis(&mut self, group_factors: &[CauseFactors]) {
        if self.basis != group_factors {
            self.clear();
            self.basis.clear();
            self.basis.extend_from_slice(group_factors);
        }
    }

    fn clear(&mut self) {
        self.live = 0;
        self.index.clear();
        self.epoch += 1;
    }

    /// The index of the table for `team` factors, built by `build` if not cached. `build`
    /// must write the first `slots` slots (the others stay [`NEVER`] from when the
    /// storage was made).
    pub fn get_or_build(
        &mut self,
        team: CauseFactors,
        slots: usize,
        build: impl FnOnce(&mut [Slot]),
    ) -> usize {
        let key = team.map(f64::to_bits);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        if self.live >= LIMIT {
            self.clear();
        }
        if slots != self.slots {
            self.tables.clear();
            self.by_cause.clear();
            self.slots = slots;
        }
        let i = self.live;
        if i == self.tables.len() {
            self.tables.push(vec![NEVER; slots.max(MIN_SLOTS)]);
            self.by_cause.push([[i32::MIN; 8]; 4]);
        }
        let table = &mut self.tables[i];
        build(&mut table[..slots]);
        self.by_cause[i] = std::array::from_fn(|k| std::array::from_fn(|c| table[c][k]));
        self.live += 1;
        self.index.insert(key, i);
        i
    }

    /// A table by index.
    pub fn table(&self, i: usize) -> &[Slot] {
        &self.tables[i]
    }

    /// A table's first eight slots by cause, by index.
    pub fn by_cause(&self, i: usize) -> &ByCause {
        &self.by_cause[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_by_factors_and_empties_on_a_new_basis() {
        let mut c = TableCache::default();
        c.set_basis(&[[1.0; 4]]);
        let mut builds = 0;
        let a = c.get_or_build([0.5; 4], 1, |t| {
            builds += 1;
            t[0] = [1, 0, 0, 0];
        });
        let b = c.get_or_build([0.5; 4], 1, |_| builds += 1);
        assert_eq!((a, builds), (b, 1));
        assert_eq!(c.table(a)[0], [1, 0, 0, 0]);
        assert!(c.table(a).len() >= MIN_SLOTS);
        assert_eq!(c.by_cause(a)[0][0], 1);
        assert_eq!(c.by_cause(a)[0][1], i32::MIN, "padding never exits");
        let epoch = c.epoch;
        c.set_basis(&[[1.0; 4]]);
        assert_eq!(c.epoch, epoch, "same basis keeps the tables");
        c.set_basis(&[[2.0; 4]]);
        assert_ne!(c.epoch, epoch);
        let d = c.get_or_build([0.5; 4], 1, |t| {
            builds += 1;
            t[0] = [2, 0, 0, 0];
        });
        assert_eq!(builds, 2);
        assert_eq!(
            (d, c.table(d)[0]),
            (a, [2, 0, 0, 0]),
            "storage reused, table rebuilt"
        );
        assert_eq!(c.table(d)[1], NEVER);
    }
}
