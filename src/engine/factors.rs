//! The month's hazard factors in the engine: each team's (ramp, missing posts, caseload
//! pressure), the exit tables built from them, and for programmes whose attributes change
//! hazards the month's slot maxima and screen thresholds.

use super::exact;
use super::exits::exit_thresholds;
use super::screen::ScreenBuffers;
use super::state::{Post, TeamState};
use super::table::TableCache;
use super::{Engine, Workspace};
use crate::model::*;
use crate::trajectory::Trajectory;

impl Engine {
    /// The month's programme-wide factors per group (parameter draw, season, shared
    /// support capacity, shocks) into `ws.group_factors`, and what they set up for the
    /// participant loop: the slot maxima where attributes change hazards, else the basis of
    /// the exit-table cache (teams rebuild tables only when these or their own factors
    /// change).
    pub(super) fn programme_factors(&self, m: i32, ws: &mut Workspace) {
        let p = &self.programme;
        let groups = p.groups.len();
        let season = p.seasonality[(p.calendar.month_of_year(m) - 1) as usize];
        // Each support role's capacity multiplier depends on the role only, not on the
        // group it is applied to.
        ws.support_factors.clear();
        for s in &p.support {
            let served: usize = (0..groups)
                .filter(|&h| s.groups[h])
                .map(|h| (ws.cell_active[2 * h] + ws.cell_active[2 * h + 1]) as usize)
                .sum();
            ws.support_factors.push(s.multiplier(served));
        }
        for g in 0..groups {
            let mut f = ws.uncertainty[g];
            for k in 0..HAZARD_CAUSES {
                f[k] *= season[k];
            }
            for (s, &x) in p.support.iter().zip(&ws.support_factors) {
                if s.groups[g] {
                    for k in 0..HAZARD_CAUSES {
                        if s.causes[k] {
                            f[k] *= x;
                        }
                    }
                }
            }
            for sh in &p.shocks {
                if sh.groups[g] && sh.active(m) {
                    for k in 0..HAZARD_CAUSES {
                        f[k] *= sh.factors[k];
                    }
                }
            }
            ws.group_factors[g] = f;
        }
        // Programmes whose attributes change hazards use no exit tables.
        if self.population.hazards {
            self.slot_maxima(&ws.group_factors, &mut ws.screen.slot_maxima);
        } else {
            ws.tables.set_basis(&ws.group_factors);
        }
    }

    /// Each team's factors in month `m` into `ws.team_factors` (`None` for a team that does
    /// not exist), its caseload into the record, and the month's salary cost of the teams,
    /// which it returns. Where attributes change hazards, one screen then serves all of the
    /// month's teams, bounded by their highest factors.
    pub(super) fn team_month(
        &self,
        m: i32,
        rec: Option<usize>,
        ws: &mut Workspace,
        out: &mut Trajectory,
    ) -> f64 {
        let p = &self.programme;
        let mut cost = 0.0;
        ws.team_factors.clear();
        let mut highest = [0.0; HAZARD_CAUSES];
        for t in 0..p.teams.len() {
            let team = &p.teams[t];
            let n = ws.teams[t].caseload();
            if let Some(r) = rec {
                out.team_active[r * p.teams.len() + t] = n as u32;
            }
            if !team.exists(m, n) {
                ws.team_factors.push(None);
                continue;
            }
            cost += self.team_cost(team, &ws.teams[t].posts);
            let pressure = self.pressure(&mut ws.pressure_memo, team.fte(), n);
            let factors = self.team_factors(team, &ws.teams[t].posts, m, pressure);
            for (h, f) in highest.iter_mut().zip(factors) {
                *h = f.max(*h);
            }
            ws.team_factors.push(Some(factors));
        }
        if self.population.hazards {
            self.screen_bounds(highest, &mut ws.screen);
        }
        cost
    }

    /// The caseload-pressure multiplier of a team with `fte` funded FTE and `active`
    /// participants, memoised: caseloads recur, and `powf` is costly next to the rest.
    pub(super) fn pressure(&self, memo: &mut Vec<(u64, Vec<f64>)>, fte: f64, active: usize) -> f64 {
        let Some(pr) = &self.programme.pressure else {
            return 1.0;
        };
        let key = fte.to_bits();
        let i = match memo.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                memo.push((key, Vec::new()));
                memo.len() - 1
            }
        };
        let table = &mut memo[i].1;
        if table.len() <= active {
            table.resize(active + 1, f64::NAN);
        }
        if table[active].is_nan() {
            table[active] = pr.multiplier(active, fte);
        }
        table[active]
    }

    /// The team's multiplier per cause in month `m`: ramp and missing posts act on the
    /// positive outcomes, caseload pressure on the causes it names.
    pub(super) fn team_factors(
        &self,
        team: &Team,
        posts: &[Post; TEAM_ROLES],
        m: i32,
        pressure: f64,
    ) -> CauseFactors {
        let p = &self.programme;
        let mut f = NEUTRAL;
        let ramp = team.ramp.map_or(1.0, |r| r.factor(m - team.ramp_from));
        for k in 0..HAZARD_CAUSES {
            if ExitCause::HAZARD[k].is_supported_outcome() {
                f[k] *= ramp;
            }
        }
        if let Some(pr) = &p.pressure {
            let x = pressure;
            for k in 0..HAZARD_CAUSES {
                if pr.causes[k] {
                    f[k] *= x;
                }
            }
        }
        for r in 0..TEAM_ROLES {
            let effect = &p.roles[r].effect;
            if team.standard[r] <= 0.0 || effect.iter().all(|&e| e == 0.0) {
                continue;
            }
            let productivity = match posts[r] {
                Post::Filled => 1.0,
                Post::Vacant(_) => 0.0,
                Post::Onboarding(_) => p.roles[r].onboarding_productivity,
            };
            let availability = (team.posts[r] * productivity / team.standard[r]).min(1.0);
            // A post at its standard multiplies by exactly one.
            if availability == 1.0 {
                continue;
            }
            for k in 0..HAZARD_CAUSES {
                f[k] *= 1.0 - effect[k] * (1.0 - availability);
            }
        }
        f
    }

    /// Gives a team the exit table for its factors: its own if unchanged, a cached one if
    /// these factors occurred before under the same programme factors, else a new one.
    /// (Programmes whose attributes change hazards take [`Engine::screen_bounds`].)
    pub(super) fn assign_table(
        &self,
        ts: &mut TeamState,
        team: CauseFactors,
        group_factors: &[CauseFactors],
        cache: &mut TableCache,
    ) {
        if ts.table_key == Some((team, cache.epoch)) {
            return;
        }
        let bands = self.bands;
        let cells = self.cell_hazards.len();
        // With attributes, a row of screen thresholds by cell follows the bands: the
        // highest exit threshold of the cell over its bands.
        let slots = if self.population.present {
            (bands + 1) * cells
        } else {
            bands * cells
        };
        ts.table = cache.get_or_build(team, slots, |table| {
            for (i, base) in self.slot_bases.iter().enumerate() {
                let g = (i % cells) / 2;
                table[i] = exit_thresholds(std::array::from_fn(|k| {
                    base[k] * team[k] * group_factors[g][k]
                }));
            }
            if self.population.present {
                for cell in 0..cells {
                    let bound = (0..bands).map(|b| table[b * cells + cell][0]).max();
                    table[bands * cells + cell] =
                        [bound.unwrap_or(i32::MIN), i32::MIN, i32::MIN, i32::MIN];
                }
            }
        });
        ts.table_key = Some((team, cache.epoch));
    }

    /// The month's highest hazards of each slot before team factors, for a programme whose
    /// attributes change hazards: the slot's base hazards times the programme-wide factors
    /// of its group times the highest multiplier of any profile, by cause.
    pub(super) fn slot_maxima(&self, group_factors: &[CauseFactors], out: &mut Vec<CauseFactors>) {
        let cells = self.cell_hazards.len();
        let max = self.population.max_factors;
        out.clear();
        out.extend(self.slot_bases.iter().enumerate().map(|(i, base)| {
            let group = &group_factors[(i % cells) / 2];
            std::array::from_fn(|k| base[k] * group[k] * max[k])
        }));
    }

    /// The month's screen threshold per cell for teams with factors at most `team`, for a
    /// programme whose attributes change hazards: a participant whose uniform is above the
    /// exit threshold of the highest-risk profile in any band of their cell stays whatever
    /// their attributes. No hazards or thresholds per slot are needed (the exact pass
    /// computes each candidate's own). With the highest factors of the month's teams, one
    /// screen serves them all: the few more candidates of a team below the highest (a new
    /// team ramping up, a vacant post) cost less than a screen per team-month.
    pub(super) fn screen_bounds(&self, team: CauseFactors, buffers: &mut ScreenBuffers) {
        let cells = self.cell_hazards.len();
        let maxima = &buffers.slot_maxima[..self.bands * cells];
        buffers.bounds.clear();
        for cell in 0..cells {
            let mut most = 0.0f64;
            for b in 0..self.bands {
                let h = &maxima[b * cells + cell];
                let x = h[0] * team[0] + h[1] * team[1] + h[2] * team[2] + h[3] * team[3];
                most = if x > most { x } else { most };
            }
            buffers.bounds.push(exact::screen_threshold(most));
        }
    }
}
