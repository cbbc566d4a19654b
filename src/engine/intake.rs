//! Intake in the engine: scheduled referrals drawn by cell from one 32-bit uniform each,
//! attribute profiles from alias tables, the definition's filter, the caseload cap and
//! waiting list, and the continuous streams.

use rand::{Rng, RngCore};
use rand_distr::Distribution;

use super::rng::{fill_uniforms, stream, Purpose};
use super::state::TeamState;
use super::{Engine, Workspace};
use crate::model::*;
use crate::trajectory::Trajectory;

impl Engine {
    /// Adds entrants `(cell, profile)` of month `m` to a team's caseload, counting them in
    /// `entered` (per cell) and, with attributes, adding their profile and gender
    /// (`profile << 1 | gender`) to `profiled` for the month's category counts.
    pub(super) fn admit(
        &self,
        ts: &mut TeamState,
        entrants: &[(u8, u16)],
        m: i32,
        entered: &mut [u32],
        profiled: &mut Vec<u32>,
    ) {
        if self.extensions {
            for &(cell, _) in entrants {
                let byte = self.entrant_byte(cell, &mut ts.extension_rng);
                ts.members.push(self.member(m, byte));
            }
        } else {
            ts.members
                .extend(entrants.iter().map(|&(cell, _)| self.member(m, cell)));
        }
        for &(cell, _) in entrants {
            entered[cell as usize] += 1;
        }
        if self.population.present {
            ts.profiles
                .extend(entrants.iter().map(|&(_, profile)| profile));
            profiled.extend(
                entrants
                    .iter()
                    .map(|&(cell, profile)| u32::from(profile) << 1 | u32::from(cell & 1)),
            );
        }
    }

    /// Scheduled and continuous intake at the start of month `m`.
    pub(super) fn intake_step(
        &self,
        seed: u64,
        replication: u64,
        m: i32,
        rec: Option<usize>,
        ws: &mut Workspace,
        out: &mut Trajectory,
    ) {
        let p = &self.programme;
        let intake = &p.intake;
        if intake.paused(m) {
            return;
        }
        let teams = p.teams.len();
        // The last listed shock with its own mix that is on this month wins.
        let mix = self
            .shock_mixes
            .iter()
            .rev()
            .find(|(from, to, _)| m >= *from && m <= *to)
            .map_or(&self.mix, |(_, _, mix)| mix);
        let cap = intake.cap.map_or(usize::MAX, |c| c.per_team as usize);
        let overflow = intake.cap.map_or(Overflow::Wait, |c| c.overflow);
        let mut declined = 0u32;
        let mut ineligible = 0u32;
        let pop = &self.population;
        let refill = pop.ineligible == Some(Ineligible::Refill);
        let cells = self.cell_hazards.len();
        ws.entered.clear();
        ws.entered.resize(cells, 0);
        ws.profiled.clear();
        // Without attributes, a cap or extensions, every referral is admitted as drawn and
        // nobody waits.
        let lean = !pop.present && intake.cap.is_none() && !self.extensions;
        for t in intake.scheduled_teams(m, teams) {
            if !p.teams[t].takes_intake(m) {
                continue;
            }
            let ts = &mut ws.teams[t];
            // One uniform per referral's cell, whichever path admits them.
            let draws = fill_uniforms(
                &mut ts.intake_rng,
                &mut ws.intake_uniforms,
                intake.per_team as usize,
            );
            if lean {
                let (entered, members) = (&mut ws.entered, &mut ts.members);
                members.reserve(draws.len());
                mix.draw_each(draws, |cell| {
                    entered[cell as usize] += 1;
                    members.push(self.member(m, cell as u8));
                });
                continue;
            }
            // Cells, then profiles, then admission, each in a pass of its own: the profile
            // draws' table lookups then overlap instead of waiting on one another.
            let referrals = &mut ws.referrals;
            referrals.clear();
            mix.draw_each(draws, |cell| referrals.push((cell as u8, 0)));
            if pop.present {
                let rng = &mut ts.attributes_rng;
                for (cell, profile) in referrals.iter_mut() {
                    *profile = pop.draw(*cell as usize / 2, refill, rng.next_u64());
                }
            }
            if intake.cap.is_none() {
                // Without a cap nobody waits: every eligible referral enters.
                if pop.ineligible.is_some() {
                    let before = referrals.len();
                    referrals.retain(|&(_, profile)| pop.is_eligible(profile));
                    ineligible += (before - referrals.len()) as u32;
                }
                self.admit(ts, referrals, m, &mut ws.entered, &mut ws.profiled);
                continue;
            }
            // Those waiting come first; then the month's referrals, while there is room.
            let room = cap.saturating_sub(ts.caseload());
            let admitted = &mut ws.admitted;
            admitted.clear();
            while admitted.len() < room {
                let Some(entrant) = ts.waiting.pop_front() else {
                    break;
                };
                admitted.push(entrant);
            }
            for &(cell, profile) in referrals.iter() {
                if !pop.is_eligible(profile) {
                    ineligible += 1;
                } else if admitted.len() < room {
                    admitted.push((cell, profile));
                } else if overflow == Overflow::Wait {
                    ts.waiting.push_back((cell, profile));
                } else {
                    declined += 1;
                }
            }
            self.admit(ts, admitted, m, &mut ws.entered, &mut ws.profiled);
        }
        let (d, i) = self.continuous_intake(seed, replication, m, ws);
        declined += d;
        ineligible += i;
        for (a, e) in ws.cell_active.iter_mut().zip(&ws.entered) {
            *a += e;
        }
        if let Some(r) = rec {
            for c in 0..cells {
                out.entrants[r * cells + c] += ws.entered[c];
            }
        }
        if let Some(r) = rec {
            out.declined[r] += declined;
            out.ineligible[r] += ineligible;
            // `count` adds, so the counts go straight into the month's row of the trajectory.
            let n = pop.categories * 2;
            let profiled = &ws.profiled;
            pop.categories_of.count(
                self.vectors,
                profiled.len(),
                |i| ((profiled[i] >> 1) as u16, (profiled[i] & 1) as usize),
                2,
                &mut out.category_entrants[r * n..(r + 1) * n],
            );
        }
    }

    /// The continuous streams' entrants of month `m`: a Poisson count per stream, each to a
    /// team taking intake drawn uniformly (subject to the definition and the cap). Returns
    /// the referrals (declined, ineligible).
    fn continuous_intake(
        &self,
        seed: u64,
        replication: u64,
        m: i32,
        ws: &mut Workspace,
    ) -> (u32, u32) {
        let p = &self.programme;
        let intake = &p.intake;
        let teams = p.teams.len();
        let cap = intake.cap.map_or(usize::MAX, |c| c.per_team as usize);
        let overflow = intake.cap.map_or(Overflow::Wait, |c| c.overflow);
        let pop = &self.population;
        let refill = pop.ineligible == Some(Ineligible::Refill);
        let (mut declined, mut ineligible) = (0u32, 0u32);
        for (i, ci) in intake.continuous.iter().enumerate() {
            let Some(poisson) = &self.poisson[i] else {
                continue;
            };
            // A per-month stream keeps later months' draws independent of earlier counts.
            let mut rng = stream(
                seed,
                replication,
                Purpose::ContinuousIntake,
                ((i as u64) << 32) ^ (m as u32 as u64),
            );
            let n = poisson.sample(&mut rng) as u64;
            let mut attributes_rng = pop.present.then(|| {
                stream(
                    seed,
                    replication,
                    Purpose::ContinuousAttributes,
                    ((i as u64) << 32) ^ (m as u32 as u64),
                )
            });
            ws.open.clear();
            ws.open
                .extend((0..teams).filter(|&t| p.teams[t].takes_intake(m)));
            for _ in 0..n {
                let open = &ws.open;
                let pick = rng.random_range(0..open.len().max(1));
                let woman = ((rng.next_u64() >> 32) as u32) < self.women_thresholds[ci.group];
                let cell = (ci.group * 2 + usize::from(!woman)) as u8;
                let profile = attributes_rng
                    .as_mut()
                    .map_or(0, |r| pop.draw(ci.group, refill, r.next_u64()));
                let Some(&t) = open.get(pick) else {
                    declined += 1;
                    continue;
                };
                let ts = &mut ws.teams[t];
                if !pop.is_eligible(profile) {
                    ineligible += 1;
                } else if ts.caseload() < cap {
                    self.admit(ts, &[(cell, profile)], m, &mut ws.entered, &mut ws.profiled);
                } else if overflow == Overflow::Wait {
                    ts.waiting.push_back((cell, profile));
                } else {
                    declined += 1;
                }
            }
        }
        (declined, ineligible)
    }
}
