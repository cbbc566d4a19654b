//! A month's exits counted once for all teams: by cell and cause, stay band and attribute
//! category, added to the replication's record.

use super::state::{cell_of, unpack_exit};
use super::Engine;
use crate::model::*;
use crate::trajectory::{Trajectory, STAY_BANDS};

impl Engine {
    /// Counts the month's leavers of all teams by cell and cause, stay band and attribute
    /// category, and takes them off the programme's active count: once per month, not per
    /// team, as the counts do not depend on the team.
    pub(super) fn settle(&self, m: i32, tally: &mut Tally, cell_active: &mut [u32]) {
        for &entry in &tally.log {
            let (outcome, key) = unpack_exit(entry);
            let cell = cell_of(key);
            let d = (m - self.entry_of(key)) as usize;
            tally.outcomes[cell * EXIT_CAUSES + outcome as usize] += 1;
            tally.stay_months[(key & 1) as usize * tally.longest + d] += 1;
            tally.cause_stays[outcome as usize * STAY_BANDS + (d / 6).min(STAY_BANDS - 1)] += 1;
        }
        let (log, profiles) = (&tally.log, &tally.log_profiles);
        self.population.categories_of.count(
            self.vectors,
            profiles.len(),
            |i| {
                let (outcome, key) = unpack_exit(log[i]);
                (
                    profiles[i],
                    (key & 1) as usize * EXIT_CAUSES + outcome as usize,
                )
            },
            2 * EXIT_CAUSES,
            &mut tally.category_exits,
        );
        for (a, row) in cell_active
            .iter_mut()
            .zip(tally.outcomes.chunks_exact(EXIT_CAUSES))
        {
            *a -= row.iter().sum::<u32>();
        }
    }
}

/// Per month counts of the exits step over all teams, added to the trajectory once per
/// month so the participant loop touches only a few small arrays.
#[derive(Debug, Clone, Default)]
pub(super) struct Tally {
    /// Active participants per cell after intake.
    pub(super) active: Vec<u32>,
    /// Exits, `[cell][cause]`.
    pub(super) outcomes: Vec<u32>,
    /// The longest stay possible, in months.
    pub(super) longest: usize,
    /// Exits by gender and months in the programme at exit (0-based),
    /// `[gender][months − 1]`.
    pub(super) stay_months: Vec<u32>,
    /// Exits by cause and stay band, `[cause][band]`.
    pub(super) cause_stays: [u32; EXIT_CAUSES * STAY_BANDS],
    /// Exit-log entries ([`pack_exit`]) of the month's leavers, team after team.
    pub(super) log: Vec<u32>,
    /// Attribute profiles of the month's leavers, in step with `log`.
    pub(super) log_profiles: Vec<u16>,
    /// Exits by attribute category, `[category][gender][cause]`.
    pub(super) category_exits: Vec<u32>,
}

impl Tally {
    pub(super) fn clear(&mut self, cells: usize, categories: usize, longest: usize) {
        self.log.clear();
        self.log_profiles.clear();
        self.active.clear();
        self.active.resize(cells, 0);
        self.outcomes.clear();
        self.outcomes.resize(cells * EXIT_CAUSES, 0);
        self.longest = longest;
        self.stay_months.clear();
        self.stay_months.resize(2 * longest, 0);
        self.cause_stays = [0; EXIT_CAUSES * STAY_BANDS];
        self.category_exits.clear();
        self.category_exits.resize(categories * 2 * EXIT_CAUSES, 0);
    }

    pub(super) fn add_to(&self, r: usize, out: &mut Trajectory) {
        let cells = self.active.len();
        let base = r * cells;
        for (o, v) in out.active[base..base + cells].iter_mut().zip(&self.active) {
            *o += v;
        }
        // Half a month for those leaving during the month (every cause but max_duration,
        // which leaves at the end), a whole month for the rest.
        for ((o, a), row) in out.person_years_24[base..base + cells]
            .iter_mut()
            .zip(&self.active)
            .zip(self.outcomes.chunks_exact(EXIT_CAUSES))
        {
            let leaving_during: u32 = row[..ExitCause::TimeLimit as usize].iter().sum();
            *o += 2 * a - leaving_during;
        }
        let exits = &mut out.exits[base * EXIT_CAUSES..(base + cells) * EXIT_CAUSES];
        for (o, v) in exits.iter_mut().zip(&self.outcomes) {
            *o += v;
        }
        // The record's rows may be longer than this programme's longest stay (a record
        // shared by the draws of a calibration).
        let (longest, row) = (self.longest, out.longest);
        for s in 0..2 {
            let stays = &mut out.stay_months[(r * 2 + s) * row..][..longest];
            for (o, v) in stays.iter_mut().zip(&self.stay_months[s * longest..]) {
                *o += v;
            }
        }
        let n = EXIT_CAUSES * STAY_BANDS;
        for (o, v) in out.cause_stays[r * n..(r + 1) * n]
            .iter_mut()
            .zip(&self.cause_stays)
        {
            *o += v;
        }
        // Stay bands of six months, the last open-ended.
        for (i, &n) in self.stay_months.iter().enumerate() {
            let band = (i % longest / 6).min(STAY_BANDS - 1);
            out.stays[r * STAY_BANDS + band] += n;
        }
        let n = self.category_exits.len();
        for (o, v) in out.category_exits[r * n..(r + 1) * n]
            .iter_mut()
            .zip(&self.category_exits)
        {
            *o += v;
        }
    }
}
