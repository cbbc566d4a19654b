//! The participant loop of a programme with attributes: a screen of every participant
//! against a bound per cell, then an exact pass over the few candidates, then the leavers'
//! removal.

use super::exact;
use super::exits::outcome_of;
use super::rng::BLOCK;
use super::simd;
use super::state::{cell_of, pack_exit, TeamState, MONTH_BIAS};
use super::table::Slot;
use super::tally::Tally;
use super::Engine;
use crate::model::*;

/// Reused buffers of the participant loop with attributes (see
/// [`Engine::draw_exits_with_attributes`]).
#[derive(Debug, Clone, Default)]
pub(super) struct ScreenBuffers {
    /// Indices of the candidates in the team's arrays.
    pub(super) candidates: Vec<u32>,
    /// Their uniforms.
    pub(super) uniforms: Vec<u32>,
    /// Indices of the leavers among the candidates, in order.
    pub(super) leavers: Vec<u32>,
    /// The candidates' own hazards and outcomes.
    pub(super) exact: exact::Batch,
    /// The screen threshold per cell: the month's where attributes change hazards (see
    /// [`Engine::screen_bounds`]), else the team-month's table's.
    pub(super) bounds: Vec<i32>,
    /// The month's highest hazards per slot before team factors, `[band][cell]`, where
    /// attributes change hazards (see [`Engine::slot_maxima`]).
    pub(super) slot_maxima: Vec<CauseFactors>,
}

impl Engine {
    /// The participant loop of a programme with attributes, in three passes. The screen
    /// draws every participant's uniform and keeps as candidates those below their cell's
    /// screen threshold in `buffers.bounds` (at or above that of the highest-risk profile
    /// and stay band, so everyone else stays whatever their attributes) and those
    /// reaching their maximum stay. The exact pass decides each candidate's outcome from
    /// the same single uniform as in [`Engine::draw_exits`]: with `HAZARDS`, from their
    /// own hazards (the slot's base hazards times the `team` and `group_factors` times
    /// their profile's multipliers, see [`exact`]), else from the `table` slot's; it logs the
    /// leavers and their profiles and notes their places, which [`remove_leavers`] then
    /// fills. The screen runs without branches on the draws, eight at a time where the
    /// engine runs vector loops; only the few candidates (about one participant in five)
    /// take the exact pass.
    #[inline(never)]
    pub(super) fn draw_exits_with_attributes<const HAZARDS: bool>(
        &self,
        m: i32,
        ts: &mut TeamState,
        (table, team, group_factors): (&[Slot], CauseFactors, &[CauseFactors]),
        tally: &mut Tally,
        buffers: &mut ScreenBuffers,
    ) {
        let pop = &self.population;
        let n = ts.caseload();
        let padded = n.next_multiple_of(BLOCK);
        let now = (m + MONTH_BIAS) as u32;
        let expiring = (now + 1) << 8;
        ts.members.resize(padded, 0);
        ts.profiles.resize(padded, 0);
        let ScreenBuffers {
            candidates,
            uniforms,
            leavers,
            bounds,
            ..
        } = buffers;
        if candidates.len() < padded {
            candidates.resize(padded, 0);
            uniforms.resize(padded, 0);
            leavers.resize(padded, 0);
        }
        let cells = self.cell_hazards.len();
        let found = if self.vector_loop && cells <= 8 {
            let by_cell: [i32; 8] =
                std::array::from_fn(|c| bounds.get(c).copied().unwrap_or(i32::MIN));
            simd::screen(
                &ts.members,
                n,
                &mut ts.exits_rng,
                &by_cell,
                expiring,
                (candidates, uniforms),
            )
        } else {
            let mut found = 0;
            for first in (0..n).step_by(BLOCK) {
                let block = ts.exits_rng.next_block();
                for (r, &u) in (first..n).zip(&block) {
                    let key = ts.members[r];
                    let candidate = ((u as i32) < bounds[cell_of(key)]) | (key < expiring);
                    candidates[found] = r as u32;
                    uniforms[found] = u;
                    found += usize::from(candidate);
                }
            }
            found
        };

        let (candidates, uniforms) = (&candidates[..found], &uniforms[..found]);
        let members = &ts.members[..n];
        let profiles = &ts.profiles[..n];
        if HAZARDS {
            // Each candidate's own hazards in a row of the batch, one store each; the exact
            // arithmetic then runs over the whole batch (four candidates at a time with
            // AVX2).
            let batch = &mut buffers.exact;
            batch.make_room(found);
            let factors = &pop.factors[..];
            for (h, &r) in batch.hazards[..found].iter_mut().zip(candidates) {
                debug_assert!((r as usize) < n);
                // SAFETY: the screen emits only indices below n, the caseload, and every
                // drawn profile indexes the profiles' factors; this loop runs for every
                // candidate, and bounds checks were a fifth of its instructions.
                let (key, a) = unsafe {
                    let profile = *profiles.get_unchecked(r as usize);
                    debug_assert!((profile as usize) < factors.len());
                    (
                        *members.get_unchecked(r as usize),
                        factors.get_unchecked(profile as usize),
                    )
                };
                let base = &self.slot_bases[self.slot_index(key, now)];
                let group = &group_factors[cell_of(key) / 2];
                // The slot's hazards as in an exit table, then the profile's multipliers.
                *h = std::array::from_fn(|k| base[k] * team[k] * group[k] * a[k]);
            }
            batch.outcomes(uniforms, self.vectors);
        }
        // Every candidate is written to the log and only leavers advance it, so the log
        // needs room for all of them; written through its spare capacity, as zeroing it
        // first would cost a pass of its own.
        let start = tally.log.len();
        tally.log.reserve(found);
        tally.log_profiles.reserve(found);
        let log = &mut tally.log.spare_capacity_mut()[..found];
        let log_profiles = &mut tally.log_profiles.spare_capacity_mut()[..found];
        let outcomes = &buffers.exact.outcome[..if HAZARDS { found } else { 0 }];
        let leavers = &mut leavers[..found];
        let mut logged = 0;
        for (c, (&r, &u)) in candidates.iter().zip(uniforms).enumerate() {
            let r = r as usize;
            debug_assert!(r < n && logged <= c);
            // SAFETY: r < n as above; logged <= c < found, as each candidate adds at most
            // one; HAZARDS gives every candidate an outcome.
            unsafe {
                let key = *members.get_unchecked(r);
                let outcome = if HAZARDS {
                    *outcomes.get_unchecked(c)
                } else {
                    outcome_of(u as i32, &table[self.slot_index(key, now)])
                };
                let leave = (outcome < ExitCause::TimeLimit as u32) | (key < expiring);
                log.get_unchecked_mut(logged).write(pack_exit(outcome, key));
                log_profiles
                    .get_unchecked_mut(logged)
                    .write(*profiles.get_unchecked(r));
                *leavers.get_unchecked_mut(logged) = r as u32;
                logged += usize::from(leave);
            }
        }
        // SAFETY: entries `start..start + logged` were written above (`logged` never
        // passes the candidate just written), within the capacity reserved for them.
        unsafe {
            tally.log.set_len(start + logged);
            tally.log_profiles.set_len(start + logged);
        }

        let leavers = &leavers[..logged];
        let kept = remove_leavers(&mut ts.members, &mut ts.profiles, n, leavers, !HAZARDS);
        ts.members.truncate(kept);
        ts.profiles.truncate(kept);
    }
}

/// Takes the participants at `leavers` (indices below `n`, ascending) out of a team's
/// first `n` members and profiles, and returns how many stay, now at the front.
///
/// With `keep_order`, the stayers close up in order, as in [`Engine::draw_exits`], so a
/// programme whose attributes leave hazards alone draws exactly what it would without
/// them. Otherwise each leaver's place goes to the last participant still in (leavers are
/// taken from the highest index down, so that participant is one who stays, or the leaver
/// itself): a few moves per leaver instead of moving most of the team, and the changed
/// order only changes who draws which of the next month's uniforms.
fn remove_leavers(
    members: &mut [u32],
    profiles: &mut [u16],
    n: usize,
    leavers: &[u32],
    keep_order: bool,
) -> usize {
    if !keep_order {
        let mut kept = n;
        for &r in leavers.iter().rev() {
            kept -= 1;
            members[r as usize] = members[kept];
            profiles[r as usize] = profiles[kept];
        }
        return kept;
    }
    let Some(&first) = leavers.first() else {
        return n;
    };
    let mut kept = first as usize;
    for (i, &r) in leavers.iter().enumerate() {
        let next = leavers.get(i + 1).map_or(n, |&x| x as usize);
        let stayers = r as usize + 1..next;
        members.copy_within(stayers.clone(), kept);
        profiles.copy_within(stayers.clone(), kept);
        kept += stayers.len();
    }
    kept
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{stream, Purpose};
    use rand::RngCore;

    /// Removing leavers keeps exactly the stayers, each with their own profile, for
    /// every team size up to 40 and random sets of leavers (none, all, the last); in
    /// order where asked.
    #[test]
    fn removing_leavers_keeps_the_stayers_with_their_profiles() {
        let mut rng = stream(9, 0, Purpose::Exits, 0);
        for n in 0..40usize {
            for round in 0..20 {
                let members: Vec<u32> = (0..n as u32).map(|r| 1000 + r).collect();
                let profiles: Vec<u16> = (0..n as u16).map(|r| 7 * r).collect();
                let mut leaves = |r: usize| match round {
                    0 => false,
                    1 => true,
                    2 => r + 1 == n,
                    _ => rng.next_u32().is_multiple_of(3),
                };
                let leavers: Vec<u32> = (0..n).filter(|&r| leaves(r)).map(|r| r as u32).collect();
                let stayers: Vec<(u32, u16)> = (0..n)
                    .filter(|r| !leavers.contains(&(*r as u32)))
                    .map(|r| (members[r], profiles[r]))
                    .collect();
                for keep_order in [false, true] {
                    let (mut m, mut p) = (members.clone(), profiles.clone());
                    let kept = remove_leavers(&mut m, &mut p, n, &leavers, keep_order);
                    assert_eq!(kept, n - leavers.len(), "n = {n}");
                    let mut got: Vec<(u32, u16)> = m[..kept]
                        .iter()
                        .copied()
                        .zip(p[..kept].iter().copied())
                        .collect();
                    if !keep_order {
                        got.sort_unstable();
                    }
                    assert_eq!(got, stayers, "n = {n}, leavers {leavers:?}, {keep_order}");
                }
            }
        }
    }
}
