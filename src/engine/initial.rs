//! The start of a replication: fresh random streams, posts filled, the parameter draw, and
//! the participants enrolled before the first simulated month (an observed caseload, or the
//! scenario's initial cohorts).

use std::collections::VecDeque;

use rand::{Rng, RngCore};
use rand_distr::{Distribution, StandardNormal};

use super::rng::{stream, LaneRng, Purpose};
use super::state::{cell_of, Post, Seeds, TeamState, EXTENDED};
use super::{Engine, Workspace};
use crate::model::*;

impl Engine {
    /// Resets the workspace for a new replication: streams, posts, parameter draws and the
    /// initial caseload.
    pub(super) fn reset(&self, seeds: Seeds, replication: u64, ws: &mut Workspace) {
        let seed = seeds.streams;
        let p = &self.programme;
        let groups = p.groups.len();
        if ws.engine_id != self.id {
            *ws = Workspace::default();
            ws.engine_id = self.id;
        }
        if ws.teams.len() != p.teams.len() {
            ws.teams = (0..p.teams.len())
                .map(|_| TeamState {
                    members: Vec::new(),
                    profiles: Vec::new(),
                    waiting: VecDeque::new(),
                    posts: [Post::Filled; TEAM_ROLES],
                    exits_rng: LaneRng::new(0, 0, Purpose::Exits, 0),
                    intake_rng: stream(0, 0, Purpose::TeamIntake, 0),
                    staffing_rng: stream(0, 0, Purpose::Staffing, 0),
                    attributes_rng: stream(0, 0, Purpose::TeamAttributes, 0),
                    extension_rng: stream(0, 0, Purpose::Extension, 0),
                    table: 0,
                    table_key: None,
                })
                .collect();
        }
        for (t, ts) in ws.teams.iter_mut().enumerate() {
            ts.members.clear();
            ts.profiles.clear();
            ts.waiting.clear();
            ts.posts = [Post::Filled; TEAM_ROLES];
            ts.exits_rng = LaneRng::new(seed, replication, Purpose::Exits, t as u64);
            ts.intake_rng = stream(seed, replication, Purpose::TeamIntake, t as u64);
            ts.staffing_rng = stream(seed, replication, Purpose::Staffing, t as u64);
            ts.attributes_rng = stream(seed, replication, Purpose::TeamAttributes, t as u64);
            if self.extensions {
                ts.extension_rng = stream(seed, replication, Purpose::Extension, t as u64);
            }
            ts.table_key = None;
        }
        ws.cell_active.clear();
        ws.cell_active.resize(groups * 2, 0);
        ws.group_factors.clear();
        ws.group_factors.resize(groups, NEUTRAL);

        // Parameter uncertainty: a mean-one lognormal multiplier per group and cause, drawn
        // for every cell (also where the uncertainty is 0) so that changing one group's
        // uncertainty leaves the other groups' draws where they were.
        ws.uncertainty.clear();
        ws.uncertainty.resize(groups, NEUTRAL);
        if p.parameter_uncertainty {
            let mut rng = stream(seeds.parameters, replication, Purpose::Parameters, 0);
            for (g, group) in p.groups.iter().enumerate() {
                for k in 0..HAZARD_CAUSES {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let cv = group.uncertainty[k];
                    if cv > 0.0 {
                        let s2 = (1.0 + cv * cv).ln();
                        ws.uncertainty[g][k] = (s2.sqrt() * z - s2 / 2.0).exp();
                    }
                }
            }
        }

        // Participants already enrolled, spread round-robin over the teams working at the
        // first simulated month (an observed caseload keeps its known teams).
        let present: Vec<usize> = (0..p.teams.len())
            .filter(|&t| p.teams[t].takes_intake(self.first_month))
            .collect();
        let enrolled = &mut ws.enrolled;
        enrolled.clear();
        if let Some(resume) = &p.resume {
            let mut attributes_rng = stream(seed, replication, Purpose::InitialAttributes, 0);
            for (next, e) in resume.caseload.iter().enumerate() {
                let t = match e.team {
                    Some(t) if t < ws.teams.len() => t,
                    _ if present.is_empty() => next % ws.teams.len().max(1),
                    _ => present[next % present.len()],
                };
                if t >= ws.teams.len() {
                    break;
                }
                let cell = (e.group * 2 + e.gender as usize) as u8;
                let profile = match &e.categories {
                    _ if !self.population.present => 0,
                    Some(c) => self.population.encode(c),
                    None => self
                        .population
                        .draw(e.group, false, attributes_rng.next_u64()),
                };
                // Someone enrolled past the time limit was extended, where the group
                // extends; someone enrolled longer than they can stay is closed in the first
                // simulated month, as if they had just reached their limit.
                let group = &p.groups[e.group];
                let extended = group.longest_stay() > group.max_duration
                    && self.first_month - e.entry >= group.max_duration as i32;
                let last = if extended {
                    group.longest_stay()
                } else {
                    group.max_duration
                } as i32
                    - 1;
                let entry = e.entry.clamp(self.first_month - last, self.first_month);
                let cell = if extended { cell | EXTENDED } else { cell };
                enrolled.push((t, entry, cell, profile, extended));
            }
        } else if let Some(previous) = &self.previous {
            let state = ws
                .previous
                .get_or_insert_with(|| Box::new((Workspace::default(), previous.trajectory())));
            let (pws, ptraj) = &mut **state;
            previous.run_phase(seeds.previous(), replication, pws, ptraj, None);
            self.carried(previous, pws, &present, enrolled);
        } else if !present.is_empty() {
            let mut rng = stream(seed, replication, Purpose::Initial, 0);
            let mut attributes_rng = stream(seed, replication, Purpose::InitialAttributes, 0);
            let mut next = 0usize;
            for c in &p.initial {
                for _ in 0..c.count {
                    let woman = ((rng.next_u64() >> 32) as u32) < self.women_thresholds[c.group];
                    let spent = rng.random_range(c.months_spent.0..=c.months_spent.1) as i32;
                    let cell = (c.group * 2 + usize::from(!woman)) as u8;
                    // Enrolled before the definition applies: drawn from everyone.
                    let profile = if self.population.present {
                        self.population
                            .draw(c.group, false, attributes_rng.next_u64())
                    } else {
                        0
                    };
                    let entry = self.first_month - spent;
                    enrolled.push((present[next % present.len()], entry, cell, profile, false));
                    next += 1;
                }
            }
        }
        for &(t, entry, cell, profile, decided) in enrolled.iter() {
            let ts = &mut ws.teams[t];
            // Those whose extension is decided keep it; the others are decided as entrants
            // are.
            let byte = if decided {
                cell
            } else {
                self.entrant_byte(cell, &mut ts.extension_rng)
            };
            ts.members.push(self.member(entry, byte));
            if self.population.present {
                ts.profiles.push(profile);
            }
            ws.cell_active[(cell & !EXTENDED) as usize] += 1;
        }
    }

    /// The participants still enrolled at the end of the previous phase (simulated into
    /// `pws`), as this phase's caseload at its start: in their own team where this phase
    /// has it working, else round-robin over the teams working at the start; with their
    /// group, gender, categories, extension and entry month (in this phase's months; a
    /// stay longer than this phase allows ends in its first month).
    pub(super) fn carried(
        &self,
        previous: &Engine,
        pws: &Workspace,
        present: &[usize],
        enrolled: &mut Vec<(usize, i32, u8, u16, bool)>,
    ) {
        let p = &self.programme;
        let offset = previous
            .programme
            .calendar
            .start
            .months_since(p.calendar.start);
        let mut next = 0;
        for (t, ts) in pws.teams.iter().enumerate() {
            for (i, &key) in ts.members.iter().enumerate() {
                let group = &p.groups[cell_of(key) / 2];
                let entry = previous.entry_of(key) + offset;
                // Past this phase's time limit the extension is decided (they are still
                // here); before it, it is decided under this phase's policy.
                let decided = self.first_month - entry >= group.max_duration as i32;
                let byte = if decided {
                    (key & 0xff) as u8
                } else {
                    cell_of(key) as u8
                };
                let last = if byte & EXTENDED != 0 {
                    group.longest_stay()
                } else {
                    group.max_duration
                } as i32
                    - 1;
                let entry = entry.clamp(self.first_month - last, self.first_month);
                let team = if t < p.teams.len() && present.contains(&t) {
                    t
                } else if present.is_empty() {
                    continue;
                } else {
                    next += 1;
                    present[(next - 1) % present.len()]
                };
                // The same attributes in both phases: the profile codes agree.
                let profile = ts.profiles.get(i).copied().unwrap_or(0);
                enrolled.push((team, entry, byte, profile, decided));
            }
        }
    }
}
