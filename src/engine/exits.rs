//! The participant loop without attribute hazards: one uniform per participant decides
//! whether and why they leave, from the team-month's exit table; and the exit table's
//! thresholds.

use super::exact;
use super::rng::{threshold32, BLOCK};
use super::screen::ScreenBuffers;
use super::simd::{self, ByCause};
use super::state::{cell_of, pack_exit, unpack_exit, Participation, TeamState, MONTH_BIAS};
use super::table::{Slot, MIN_SLOTS, NEVER};
use super::tally::Tally;
use super::{Engine, Workspace};
use crate::model::*;

impl Engine {
    /// The month's exits of every working team, team after team, into the month's exit log
    /// (`ws.tally`); with `log`, each leaver's participation too.
    pub(super) fn exits_month(
        &self,
        m: i32,
        ws: &mut Workspace,
        mut log: Option<&mut Vec<Participation>>,
    ) {
        for t in 0..self.programme.teams.len() {
            let Some(factors) = ws.team_factors[t] else {
                continue;
            };
            let logged_before = ws.tally.log.len();
            if self.population.hazards {
                self.draw_exits_with_attributes::<true>(
                    m,
                    &mut ws.teams[t],
                    (&[], factors, &ws.group_factors),
                    &mut ws.tally,
                    &mut ws.screen,
                );
            } else {
                self.assign_table(&mut ws.teams[t], factors, &ws.group_factors, &mut ws.tables);
                let table = ws.teams[t].table;
                self.exits_step(
                    m,
                    &mut ws.teams[t],
                    (ws.tables.table(table), ws.tables.by_cause(table)),
                    &mut ws.tally,
                    &mut ws.screen,
                );
            }
            if let Some(log) = log.as_deref_mut() {
                let profiles = &ws.tally.log_profiles;
                for (i, &e) in ws.tally.log.iter().enumerate().skip(logged_before) {
                    let (outcome, key) = unpack_exit(e);
                    log.push(Participation::of(
                        (t, cell_of(key) as u32),
                        profiles.get(i).copied().unwrap_or(0),
                        self.entry_of(key),
                        Some((m, ExitCause::ALL[outcome as usize])),
                    ));
                }
            }
        }
    }

    /// Draws every active participant's exit in month `m` from the team-month's exit
    /// table, adding the leavers to the month's exit log (counted once for all teams in
    /// [`Engine::settle`]). Programmes whose attributes change hazards go straight to
    /// [`Engine::draw_exits_with_attributes`] instead.
    pub(super) fn exits_step(
        &self,
        m: i32,
        ts: &mut TeamState,
        (table, by_cause): (&[Slot], &ByCause),
        tally: &mut Tally,
        buffers: &mut ScreenBuffers,
    ) {
        if !self.population.present {
            if self.bands == 1 {
                self.draw_exits::<false>(m, ts, (table, by_cause), &mut tally.log);
            } else {
                self.draw_exits::<true>(m, ts, (table, by_cause), &mut tally.log);
            }
            return;
        }
        // Attributes that leave hazards alone: the table's exact thresholds decide, and its
        // last row is the screen.
        let cells = self.cell_hazards.len();
        let screen = &table[self.bands * cells..(self.bands + 1) * cells];
        buffers.bounds.clear();
        buffers.bounds.extend(screen.iter().map(|slot| slot[0]));
        self.draw_exits_with_attributes::<false>(m, ts, (table, NEUTRAL, &[]), tally, buffers);
    }

    /// Index in a team-month's exit table of the slot of the participant with packed
    /// `key` in the month whose biased index is `now`: their cell, in the stay band of
    /// their months in the programme.
    #[inline(always)]
    pub(super) fn slot_index(&self, key: u32, now: u32) -> usize {
        let cell = cell_of(key);
        let d = self.last_month_of_cell[(key & 0xff) as usize] - ((key >> 8) - now);
        let band = self.band_of[(d as usize).min(self.band_of.len() - 1)] as usize;
        band * self.cell_hazards.len() + cell
    }

    /// The participant loop: one uniform per participant decides whether and why they
    /// leave, and no branch depends on it. Every participant is written both to the
    /// stayers (compacted in place, order preserved) and to the exit log; only the two
    /// counters decide which write counts. About one in eight leaves, at random, so a
    /// branch on the outcome would be mispredicted for most leavers, which costs more
    /// than the loop's other work. The cause is the number of cause thresholds the
    /// uniform passes. Uniforms come eight at a time from the team's [`LaneRng`] as the
    /// loop goes. `BANDS` is false when the hazard profile has a single band, which saves
    /// the band lookup; then, where the engine runs the vector loop, that loop does the
    /// same work eight participants at a time, with identical results. Leavers' log
    /// entries are appended to `log`.
    #[inline(never)]
    pub(super) fn draw_exits<const BANDS: bool>(
        &self,
        m: i32,
        ts: &mut TeamState,
        (table, by_cause): (&[Slot], &ByCause),
        log: &mut Vec<u32>,
    ) {
        let n = ts.caseload();
        // Whole steps of eight: the vector loop reads and writes whole vectors.
        let padded = n.next_multiple_of(BLOCK);
        ts.members.resize(padded, 0);
        let start = log.len();
        log.resize(start + padded, 0);
        let members = &mut ts.members[..padded];
        let out = &mut log[start..];
        let now = (m + MONTH_BIAS) as u32;
        let expiring = (now + 1) << 8;
        let (kept, logged) = if !BANDS && self.vector_loop {
            simd::draw_exits(members, n, out, &mut ts.exits_rng, by_cause, expiring)
        } else {
            // A fixed-size view keeps the single-band loop free of bounds checks on the
            // cell byte.
            let by_cell: &[Slot; MIN_SLOTS] = table[..MIN_SLOTS]
                .try_into()
                .expect("tables have MIN_SLOTS slots");
            let (mut kept, mut logged) = (0, 0);
            for first in (0..n).step_by(BLOCK) {
                let block = ts.exits_rng.next_block();
                for (r, &u) in (first..n).zip(&block) {
                    let key = members[r];
                    let slot = if BANDS {
                        &table[self.slot_index(key, now)]
                    } else {
                        &by_cell[cell_of(key)]
                    };
                    // The cause index of a leaver, or 4 (max_duration) for a uniform at or
                    // above the exit threshold, which is at or above every cause threshold.
                    let outcome = outcome_of(u as i32, slot);
                    let leave = (outcome < ExitCause::TimeLimit as u32) | (key < expiring);
                    debug_assert!(kept + logged == r && r < n);
                    // SAFETY: kept + logged == r < n <= padded at this point (each
                    // participant adds one to exactly one of them), so both indices are in
                    // bounds of slices of length padded. Bounds checks here cost a sixth
                    // of the loop.
                    unsafe {
                        *out.get_unchecked_mut(logged) = pack_exit(outcome, key);
                        *members.get_unchecked_mut(kept) = key;
                    }
                    logged += usize::from(leave);
                    kept += usize::from(!leave);
                }
            }
            (kept, logged)
        };
        ts.members.truncate(kept);
        log.truncate(start + logged);
    }
}

/// The number of a slot's thresholds a uniform is at or above: the cause index of a
/// hazard exit (work, studies, fk_samverkan, other), or 4 if the uniform is at or above the
/// exit threshold, which equals `ExitCause::TimeLimit` for those who reach their maximum
/// stay and means a stay for everyone else.
#[inline(always)]
pub(super) fn outcome_of(u: i32, slot: &Slot) -> u32 {
    slot.iter().map(|&t| u32::from(u >= t)).sum()
}

/// The monthly exit probability `1 − exp(−Σh)` and the cause shares `h_k / Σh`.
pub fn exit_probabilities(h: CauseFactors) -> (f64, CauseFactors) {
    let total: f64 = h.iter().sum();
    if total <= 0.0 {
        return (0.0, [0.0; HAZARD_CAUSES]);
    }
    (
        exact::one_minus_exp_neg(total),
        std::array::from_fn(|k| h[k] / total),
    )
}

/// The sign bit of a 32-bit threshold or uniform.
pub(crate) const SIGN: u32 = 0x8000_0000;

/// A slot's `[exit, cause₀, cause₁, cause₂]` thresholds for hazards `h`, each the 32-bit
/// threshold with its sign bit flipped: a participant's uniform is the generator's bits
/// read as `i32`, which stands for the unsigned uniform `bits ^ SIGN`, and signed
/// comparisons (one vector instruction for all four) then order both alike.
pub(super) fn exit_thresholds(h: CauseFactors) -> Slot {
    let (p, shares) = exit_probabilities(h);
    if p <= 0.0 {
        return NEVER;
    }
    let biased = |q: f64| (threshold32(q) ^ SIGN) as i32;
    let mut acc = 0.0;
    let mut slot = [biased(p); 4];
    for k in 0..3 {
        acc += shares[k];
        slot[k + 1] = biased(p * acc.min(1.0));
    }
    slot
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_probability_is_one_minus_exp() {
        let (p, s) = exit_probabilities([0.1, 0.1, 0.0, 0.2]);
        assert!((p - (1.0 - (-0.4f64).exp())).abs() < 1e-15);
        assert_eq!(s, [0.25, 0.25, 0.0, 0.5]);
        assert_eq!(exit_probabilities([0.0; 4]).0, 0.0);
    }

    #[test]
    fn thresholds_are_ordered() {
        let [exit, work, studies, fk] = exit_thresholds([0.05, 0.01, 0.0, 0.05]);
        assert!(work <= studies && studies <= fk && fk <= exit);
        assert_eq!(studies, fk);
        // Read as the unsigned uniforms they stand for, the thresholds are the shares.
        let unsigned = |t: i32| (t as u32 ^ SIGN) as f64 / 4_294_967_296.0;
        let p = 1.0 - (-0.11f64).exp();
        assert!((unsigned(exit) - p).abs() < 1e-9);
        assert!((unsigned(work) - p * 0.05 / 0.11).abs() < 1e-9);
    }
}
