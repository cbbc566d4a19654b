//! The reference simulator: the model of a Kraft programme written for reading, one
//! participant and one month at a time. It is the model's executable specification: every
//! mechanism the fast [`crate::engine`] implements is stated here plainly, and the engine
//! must agree with it in distribution (tests/integration/equivalence.rs checks that on
//! generated scenarios). It shares only the validated model types ([`crate::model`]) and
//! the output record ([`Trajectory`]) with the engine: no packing, no tables, no vector
//! code, `f64` hazards, one random generator per replication.
//!
//! A replication runs month by month from the first simulated month (the warm-up, or the
//! month a nowcast resumes at) to the end of the horizon; a scenario with a carry-over
//! first runs its previous phase the same way and starts from the participants it leaves
//! enrolled; with a calibration, replication `i` runs the calibration's draw `i mod draws`. Each month, in this order:
//! 1. **staffing** ([`staffing`]): every post of a working team may fall vacant, stays
//!    empty for the refill months, then is filled by someone onboarding at reduced
//!    productivity;
//! 2. **intake** ([`intake`]): scheduled referrals to the teams due this month and the
//!    continuous streams (FK), each referral with a group, gender and attribute
//!    categories; the target-group definition turns some away, the caseload cap makes
//!    others wait or declines them;
//! 3. **hazards** ([`hazards`]): each participant's monthly hazard of every cause is the
//!    group's baseline × gender × months-in-programme profile × attributes × the team's
//!    factors (ramp, missing posts, caseload pressure) × the programme's factors
//!    (parameter draw, shared support capacity, season, shocks);
//! 4. **exits**: a participant with hazards `h_k` leaves with probability `1 − e^{−Σh}`,
//!    for cause `k` with probability `h_k / Σh`; one who does not and has reached the
//!    group's time limit is extended with the group's probability (to its second limit)
//!    or closed at the end of the month (`time_limit`), as is an extended one at the
//!    second limit;
//! 5. **records**: counts by group, gender, cause, stay and attribute category,
//!    person-years, waiting list, cost and caseload per team, for reported months.

mod hazards;
mod intake;
mod staffing;

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::model::*;
use crate::trajectory::{Trajectory, STAY_BANDS};
use staffing::Post;

/// The random generator of one replication of the reference simulator.
pub type ReferenceRng = Xoshiro256PlusPlus;

/// One participant, as the model describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// Group index.
    pub group: usize,
    /// Gender.
    pub gender: Gender,
    /// Category index of each attribute, in the programme's attribute order.
    pub categories: Vec<usize>,
    /// Month of entry (month index; negative before the start).
    pub entry: i32,
    /// Whether they were extended at the group's time limit.
    pub extended: bool,
}

impl Participant {
    /// Months already spent in the programme in month `m` (0 in the month of entry).
    pub fn months_in(&self, m: i32) -> i32 {
        m - self.entry
    }
}

/// One team during a replication.
#[derive(Debug, Clone)]
pub struct TeamState {
    /// Active participants.
    pub members: Vec<Participant>,
    /// Referrals waiting for a place (their entry month is set when they enter).
    pub waiting: std::collections::VecDeque<Participant>,
    /// State of each post, in [`TeamRole::ALL`] order.
    posts: [Post; TEAM_ROLES],
}

/// The reference simulator of one programme.
#[derive(Debug, Clone)]
pub struct Reference {
    programme: Programme,
    /// The simulator of the previous phase (`carry_over`).
    previous: Option<Box<Reference>>,
}

impl Reference {
    /// The simulator of a validated programme.
    pub fn new(programme: &Programme) -> Reference {
        Reference {
            programme: programme.clone(),
            previous: programme
                .carry_over
                .as_deref()
                .map(|p| Box::new(Reference::new(p))),
        }
    }

    /// The programme it simulates.
    pub fn programme(&self) -> &Programme {
        &self.programme
    }

    /// An empty output record of the right size.
    pub fn trajectory(&self) -> Trajectory {
        Trajectory::of(&self.programme)
    }

    /// The generator of replication `replication` of master seed `seed`. Its numbers are
    /// not the engine's: the two agree in distribution, not draw by draw.
    pub fn rng(seed: u64, replication: u64) -> ReferenceRng {
        let mut z = seed ^ 0x5245_4645_5245_4e43; // "REFERENC"
        z = splitmix(z).wrapping_add(replication);
        ReferenceRng::seed_from_u64(splitmix(z))
    }

    /// Runs one replication into `out` (cleared first).
    pub fn run(&self, seed: u64, replication: u64, out: &mut Trajectory) {
        let mut rng = Self::rng(seed, replication);
        let normals = standard_normals(&self.programme, &mut rng);
        self.run_phase(seed, replication, &normals, &mut rng, out);
    }

    /// One phase of a replication, from its first month to the end of its horizon, with
    /// the replication's standard normal draws of the parameters (shared with the previous
    /// phase, so that both run with the same rates); returns the teams at the end.
    fn run_phase(
        &self,
        seed: u64,
        replication: u64,
        normals: &[CauseFactors],
        rng: &mut ReferenceRng,
        out: &mut Trajectory,
    ) -> Vec<TeamState> {
        let p = &self.programme;
        out.clear();
        if let Some(r) = &p.resume {
            for &(m, g, s, cause, n) in &r.exits {
                let c = out.cell(m, g, s as usize);
                out.exits[c * EXIT_CAUSES + cause as usize] += n;
            }
            for &(m, g, s, n) in &r.entrants {
                let c = out.cell(m, g, s as usize);
                out.entrants[c] += n;
            }
        }
        let draws = parameter_draws(p, normals);
        let first = self.first_month();
        let mut teams: Vec<TeamState> = (0..p.teams.len())
            .map(|_| TeamState {
                members: Vec::new(),
                waiting: Default::default(),
                posts: [Post::Filled; TEAM_ROLES],
            })
            .collect();
        match &self.previous {
            Some(previous) if p.resume.is_none() => {
                // The previous phase on a generator of its own, with the same parameters.
                let mut own = Self::rng(splitmix(seed ^ 0x5048_4153_4531), replication);
                let mut record = previous.trajectory();
                let end = previous.run_phase(seed, replication, normals, &mut own, &mut record);
                self.carry(previous, end, first, &mut teams);
            }
            _ => self.enrol_initial(first, &mut teams, rng),
        }
        for m in first..p.calendar.horizon as i32 {
            self.month(m, &draws, &mut teams, rng, out);
        }
        teams
    }

    /// The previous phase's participants still enrolled at its end, as this phase's
    /// caseload at its first month `first`: each in their own team where this phase has it
    /// taking intake then, else round-robin over the teams that do; entry months in this
    /// phase's months; extended only if already past this phase's time limit (before it,
    /// this phase's policy decides at the limit); a stay longer than this phase allows ends
    /// in its first month.
    fn carry(
        &self,
        previous: &Reference,
        end: Vec<TeamState>,
        first: i32,
        teams: &mut [TeamState],
    ) {
        let p = &self.programme;
        let offset = previous
            .programme
            .calendar
            .start
            .months_since(p.calendar.start);
        let present: Vec<usize> = (0..p.teams.len())
            .filter(|&t| p.teams[t].takes_intake(first))
            .collect();
        let mut next = 0;
        for (t, team) in end.into_iter().enumerate() {
            for mut person in team.members {
                person.entry += offset;
                let group = &p.groups[person.group];
                person.extended &= first - person.entry >= group.max_duration as i32;
                let last = if person.extended {
                    group.longest_stay()
                } else {
                    group.max_duration
                } as i32
                    - 1;
                person.entry = person.entry.clamp(first - last, first);
                let to = if present.contains(&t) {
                    t
                } else if present.is_empty() {
                    continue;
                } else {
                    next += 1;
                    present[(next - 1) % present.len()]
                };
                teams[to].members.push(person);
            }
        }
    }

    /// The first simulated month: where a nowcast resumes, else the start of the warm-up.
    fn first_month(&self) -> i32 {
        let p = &self.programme;
        p.resume
            .as_ref()
            .map_or(-(p.calendar.warmup as i32), |r| r.month)
    }

    /// The participants enrolled before the first month: an observed caseload (a nowcast)
    /// or the scenario's initial cohorts, spread round-robin over the teams taking intake
    /// in the first month.
    fn enrol_initial(&self, first: i32, teams: &mut [TeamState], rng: &mut ReferenceRng) {
        let p = &self.programme;
        let present: Vec<usize> = (0..p.teams.len())
            .filter(|&t| p.teams[t].takes_intake(first))
            .collect();
        if let Some(resume) = &p.resume {
            for (next, e) in resume.caseload.iter().enumerate() {
                let t = match e.team {
                    Some(t) if t < teams.len() => t,
                    _ if present.is_empty() => next % teams.len().max(1),
                    _ => present[next % present.len()],
                };
                if t >= teams.len() {
                    break;
                }
                let categories = match &e.categories {
                    Some(c) => (0..p.attributes.len())
                        .map(|a| (c[a] as usize).min(p.attributes[a].categories.len() - 1))
                        .collect(),
                    None => intake::draw_categories(p, e.group, false, rng),
                };
                // Someone enrolled past the time limit was extended, where the group
                // extends; someone enrolled longer than they can stay is closed in the first
                // month, as if they had just reached their limit.
                let group = &p.groups[e.group];
                let extended = group.longest_stay() > group.max_duration
                    && first - e.entry >= group.max_duration as i32;
                let last = if extended {
                    group.longest_stay()
                } else {
                    group.max_duration
                } as i32
                    - 1;
                teams[t].members.push(Participant {
                    group: e.group,
                    gender: e.gender,
                    categories,
                    entry: e.entry.clamp(first - last, first),
                    extended,
                });
            }
            return;
        }
        if present.is_empty() {
            return;
        }
        let mut next = 0;
        for c in &p.initial {
            for _ in 0..c.count {
                let gender = intake::draw_gender(p, c.group, rng);
                let spent = rng.random_range(c.months_spent.0..=c.months_spent.1) as i32;
                // Enrolled before any definition applies: drawn from everyone.
                let categories = intake::draw_categories(p, c.group, false, rng);
                teams[present[next % present.len()]]
                    .members
                    .push(Participant {
                        group: c.group,
                        gender,
                        categories,
                        entry: first - spent,
                        extended: false,
                    });
                next += 1;
            }
        }
    }

    /// One month of the replication (see the module documentation for the order).
    fn month(
        &self,
        m: i32,
        draws: &[CauseFactors],
        teams: &mut [TeamState],
        rng: &mut ReferenceRng,
        out: &mut Trajectory,
    ) {
        let p = &self.programme;
        let rec = (m >= 0).then_some(m as usize);
        staffing::step(p, m, teams, rng);
        intake::step(p, m, teams, rng, rec.map(|r| (r, &mut *out)));
        let programme_factors = hazards::programme_factors(p, m, draws, teams);
        let mut cost = 0.0;
        for (t, team) in p.teams.iter().enumerate() {
            let ts = &mut teams[t];
            if let Some(r) = rec {
                out.team_active[r * p.teams.len() + t] = ts.members.len() as u32;
                for person in &ts.members {
                    let c = out.cell(r, person.group, person.gender as usize);
                    out.active[c] += 1;
                    // A whole month for everyone active; half is taken back below from
                    // those who leave during the month.
                    out.person_years_24[c] += 2;
                }
            }
            if !team.exists(m, ts.members.len()) {
                continue;
            }
            cost += staffing::team_cost(p, team, &ts.posts);
            let team_factors = hazards::team_factors(p, team, &ts.posts, m, ts.members.len());
            let mut stayers = Vec::with_capacity(ts.members.len());
            for mut person in ts.members.drain(..) {
                let h = hazards::of(p, &person, m, team_factors, &programme_factors);
                match exit_of(p, &mut person, m, h, rng) {
                    None => stayers.push(person),
                    Some(cause) => {
                        if let Some(r) = rec {
                            record_exit(p, r, m, &person, cause, out);
                        }
                    }
                }
            }
            ts.members = stayers;
        }
        if let Some(r) = rec {
            for s in &p.support {
                cost += s.fte * p.costs.support_rate(&s.role) / 12.0;
            }
            cost += p.costs.overhead_per_year / 12.0;
            out.cost_sek[r] = cost.round() as i64;
            out.waiting[r] = teams.iter().map(|t| t.waiting.len() as u32).sum();
        }
    }
}

/// The parameter draw of a phase: per group and cause a lognormal multiplier with mean 1
/// and the group's relative standard deviation of that hazard (1 without uncertainty),
/// from the replication's standard normals.
fn parameter_draws(p: &Programme, normals: &[CauseFactors]) -> Vec<CauseFactors> {
    p.groups
        .iter()
        .zip(normals)
        .map(|(g, z)| {
            std::array::from_fn(|k| {
                let cv = g.uncertainty[k];
                if !p.parameter_uncertainty || cv <= 0.0 {
                    return 1.0;
                }
                let s2 = (1.0 + cv * cv).ln();
                (s2.sqrt() * z[k] - s2 / 2.0).exp()
            })
        })
        .collect()
}

/// One standard normal draw per group and cause: the replication's parameter draw before
/// each phase scales it by its own uncertainty.
fn standard_normals(p: &Programme, rng: &mut ReferenceRng) -> Vec<CauseFactors> {
    p.groups
        .iter()
        .map(|_| std::array::from_fn(|_| StandardNormal.sample(rng)))
        .collect()
}

/// Whether and why a participant with hazards `h` leaves in month `m`: a competing-risks
/// exit with probability `1 − e^{−Σh}`, the cause drawn in proportion to its hazard; else,
/// at the end of the last month of the group's time limit, `time_limit`, unless the group
/// extends and the participant is extended (with the extension's probability), who is
/// then closed with `time_limit` at the end of the extension's last month.
fn exit_of(
    p: &Programme,
    person: &mut Participant,
    m: i32,
    h: CauseFactors,
    rng: &mut ReferenceRng,
) -> Option<ExitCause> {
    let total: f64 = h.iter().sum();
    if total > 0.0 && rng.random::<f64>() < 1.0 - (-total).exp() {
        let mut u = rng.random::<f64>() * total;
        for k in 0..HAZARD_CAUSES {
            if u < h[k] {
                return Some(ExitCause::HAZARD[k]);
            }
            u -= h[k];
        }
        // Rounding left u at the very top: the last cause with a hazard.
        let k = (0..HAZARD_CAUSES).rev().find(|&k| h[k] > 0.0)?;
        return Some(ExitCause::HAZARD[k]);
    }
    let group = &p.groups[person.group];
    let limit = match group.extension {
        Some(e) if person.extended => e.until,
        _ => group.max_duration,
    };
    if person.months_in(m) < limit as i32 - 1 {
        return None;
    }
    match group.extension {
        Some(e) if !person.extended && rng.random::<f64>() < e.probability => {
            person.extended = true;
            None
        }
        _ => Some(ExitCause::TimeLimit),
    }
}

/// Adds one exit in reported month `r` (simulated month `m`) to the record.
fn record_exit(
    p: &Programme,
    r: usize,
    m: i32,
    person: &Participant,
    cause: ExitCause,
    out: &mut Trajectory,
) {
    let gender = person.gender as usize;
    let c = out.cell(r, person.group, gender);
    out.exits[c * EXIT_CAUSES + cause as usize] += 1;
    if cause != ExitCause::TimeLimit {
        // Leaving during the month counts half of it.
        out.person_years_24[c] -= 1;
    }
    let band = (person.months_in(m) / 6) as usize;
    out.stays[r * STAY_BANDS + band.min(STAY_BANDS - 1)] += 1;
    out.add_stay(r, gender, person.months_in(m) as usize + 1);
    let band = band.min(STAY_BANDS - 1);
    out.cause_stays[(r * EXIT_CAUSES + cause as usize) * STAY_BANDS + band] += 1;
    let rows = out.categories * 2;
    for (offset, &k) in category_offsets(p).zip(&person.categories) {
        let row = (offset + k) * 2 + gender;
        out.category_exits[(r * rows + row) * EXIT_CAUSES + cause as usize] += 1;
    }
}

/// The index of each attribute's first category among all attributes' categories.
fn category_offsets(p: &Programme) -> impl Iterator<Item = usize> + '_ {
    p.attributes.iter().scan(0, |next, a| {
        let first = *next;
        *next += a.categories.len();
        Some(first)
    })
}

/// The SplitMix64 finaliser, to derive a replication's seed.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
