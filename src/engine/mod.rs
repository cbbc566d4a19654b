//! One replication of a programme: the month-by-month state of teams, participants and
//! posts, with no I/O, no threads and no clock.
//!
//! The model is a discrete-time competing-risks process on a monthly grid (the grid the
//! programme plans and reports on). In month `m`, after that month's intake, a participant
//! with hazards `h_k` (work, studies, fk_samverkan, other) leaves with probability
//! `1 − exp(−Σh)`, and then for cause `k` with probability `h_k / Σh`: the exact monthly
//! transition of a continuous-time competing-risks model whose hazards are constant within
//! the month. A participant still active at the end of their `max_duration`-th month leaves
//! with `max_duration`. Hazards are the group's baseline times the multipliers in
//! [`HazardContext`]: parameter draw, gender, months in programme, team effectiveness (ramp,
//! caseload pressure, missing posts), shared support capacity, season and shocks.
//!
//! For speed, each team keeps its participants in flat arrays, the exit probabilities are
//! tabulated once per team-month as integer thresholds, and one uniform `u64` per
//! participant-month decides both whether and why a participant leaves.

mod population;
pub mod rng;
mod table;
pub mod trajectory;

use std::collections::VecDeque;

use rand::{Rng, RngCore};
use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::model::*;
use population::{Cumulative, Population};
use rng::{stream, threshold, threshold32, Purpose, StreamRng};
use table::{Slot, TableCache, MIN_SLOTS};
pub use trajectory::{Trajectory, STAY_BANDS};

/// Offset that keeps packed entry months positive (warm-up and initial caseload start
/// before month 0).
const ENTRY_BIAS: i32 = 1 << 22;

/// A participant packed into 32 bits: entry month (biased) in the high 24, cell in the low 8.
fn pack(entry: i32, cell: u8) -> u32 {
    (((entry + ENTRY_BIAS) as u32) << 8) | cell as u32
}

/// A leaver in the exit log: outcome in the top 4 bits, cell in the next 8, months in the
/// programme in the low 20.
#[inline(always)]
fn pack_exit(outcome: u32, cell: usize, d: u32) -> u32 {
    (outcome << 28) | ((cell as u32) << 20) | d
}

/// The (outcome, cell, months in the programme) of an exit-log entry.
#[inline(always)]
fn unpack_exit(e: u32) -> (u32, u32, u32) {
    (e >> 28, (e >> 20) & 0xff, e & 0xf_ffff)
}

/// State of one post in a team.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Post {
    Filled,
    /// Empty; months left including the current one.
    Vacant(u32),
    /// A new person at reduced productivity; months left including the current one.
    Onboarding(u32),
}

/// A team's mutable state within a replication.
#[derive(Debug, Clone)]
struct TeamState {
    /// Active participants, packed by [`pack`].
    members: Vec<u32>,
    /// Attribute profile of each active participant, in step with `members` (empty when
    /// the programme has no attributes).
    profiles: Vec<u16>,
    /// Active participants per cell (kept in step with `members`).
    cell_count: Vec<u32>,
    /// Referrals waiting for a place: (cell, profile).
    waiting: VecDeque<(u8, u16)>,
    posts: [Post; TEAM_ROLES],
    exits_rng: StreamRng,
    intake_rng: StreamRng,
    staffing_rng: StreamRng,
    attributes_rng: StreamRng,
    /// Index of the team's exit table in the worker's [`TableCache`].
    table: usize,
    /// The team factors and cache epoch the table index was taken for.
    table_key: Option<(CauseFactors, u64)>,
}

/// One participation as simulated: what a synthetic record is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Participation {
    /// Team index.
    pub team: u32,
    /// Group index.
    pub group: u16,
    /// Gender.
    pub gender: Gender,
    /// Attribute profile (see [`Engine::profile_categories`]).
    pub profile: u16,
    /// Month of entry (index from the calendar start; negative in the warm-up or for the
    /// initial caseload).
    pub entry: i32,
    /// Month and cause of the exit; `None` if still enrolled at the end of the horizon.
    pub exit: Option<(i32, ExitCause)>,
}

impl Participation {
    /// A participation of team `t` and cell `group*2 + gender`.
    fn of(
        (t, cell): (usize, u32),
        profile: u16,
        entry: i32,
        exit: Option<(i32, ExitCause)>,
    ) -> Self {
        Participation {
            team: t as u32,
            group: (cell >> 1) as u16,
            gender: Gender::ALL[(cell & 1) as usize],
            profile,
            entry,
            exit,
        }
    }
}

/// Scratch space of one worker thread, reused across replications.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    teams: Vec<TeamState>,
    group_active: Vec<u32>,
    group_factors: Vec<CauseFactors>,
    uncertainty: Vec<CauseFactors>,
    tally: Tally,
    /// Exit tables by team factors.
    tables: TableCache,
    /// Teams taking intake this month (reused buffer).
    open: Vec<usize>,
    /// This month's hazard multiplier of each support role (reused buffer).
    support_factors: Vec<f64>,
    /// Entrants of the month per cell, programme-wide.
    entered: Vec<u32>,
    /// Entrants of one team's intake per cell.
    team_entered: Vec<u32>,
    /// Entrants of the month per attribute category and gender.
    category_entered: Vec<u32>,
    /// Pressure multipliers by caseload, per team FTE (bits of the f64).
    pressure_memo: Vec<(u64, Vec<f64>)>,
    /// The engine whose caches this workspace holds (0 = none yet).
    engine_id: u64,
}

/// Everything about a programme that stays fixed across replications, precomputed.
#[derive(Debug, Clone)]
pub struct Engine {
    programme: Programme,
    /// Baseline hazard times gender multiplier, per cell `group*2 + gender`.
    cell_hazards: Vec<CauseFactors>,
    /// Stay band of each month in programme (0-based), over the longest stay.
    band_of: Vec<u8>,
    /// Number of stay bands of the hazard profile.
    bands: usize,
    /// Profile multipliers per cell (`group*2 + gender`) and band.
    profile: Vec<CauseFactors>,
    /// Last month in programme (0-based) of each cell: `max_duration − 1` of its group.
    /// 256 entries, so indexing by a participant's cell byte needs no bounds check.
    last_month_of_cell: Box<[u32; 256]>,
    /// The intake mix.
    mix: Cumulative,
    /// Intake mixes of shocks: (from, to, mix).
    shock_mixes: Vec<(i32, i32, Cumulative)>,
    /// Attributes and eligibility.
    population: Population,
    /// Share of women per group on 32 bits.
    women_thresholds: Vec<u32>,
    poisson: Vec<Option<Poisson<f64>>>,
    any_vacancy: bool,
    first_month: i32,
    /// Unique per engine, so a workspace never serves cached tables across engines.
    id: u64,
}

/// Source of engine identities.
static NEXT_ENGINE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Engine {
    /// Precomputes the fixed parts of a programme.
    pub fn new(programme: &Programme) -> Engine {
        let p = programme.clone();
        let groups = p.groups.len();
        let longest = p.longest_stay() as usize;
        let mut cuts: Vec<u32> = vec![0];
        for g in &p.groups {
            for b in &g.profile {
                cuts.push(b.from);
                if let Some(t) = b.to {
                    cuts.push(t + 1);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts.retain(|&c| (c as usize) < longest);
        let band_of: Vec<u8> = (0..longest as u32)
            .map(|d| (cuts.iter().filter(|&&c| c <= d).count() - 1) as u8)
            .collect();
        let bands = cuts.len();
        let mut profile = Vec::with_capacity(groups * 2 * bands);
        for g in &p.groups {
            for s in Gender::ALL {
                for &c in &cuts {
                    profile.push(g.profile_at(c, s));
                }
            }
        }
        let mut cell_hazards = Vec::with_capacity(groups * 2);
        for (i, g) in p.groups.iter().enumerate() {
            let norm = p.attribute_norm.get(i).copied().unwrap_or(NEUTRAL);
            for s in Gender::ALL {
                let f = g.gender_factors(s);
                cell_hazards.push(std::array::from_fn(|k| {
                    let h = g.hazards[k] * f[k];
                    if norm[k] > 0.0 {
                        h / norm[k]
                    } else {
                        h
                    }
                }));
            }
        }
        let population = Population::new(&p);
        // Refilling from the eligible population changes the groups entrants come from:
        // a group contributes in proportion to its eligible share.
        let refill = population.ineligible == Some(Ineligible::Refill);
        let mix_of = |shares: &[f64]| {
            if refill {
                let w: Vec<f64> = shares
                    .iter()
                    .zip(&population.eligible_share)
                    .map(|(s, e)| s * e)
                    .collect();
                Cumulative::normalised(&w)
            } else {
                Cumulative::new(shares)
            }
        };
        let mix = mix_of(&p.intake.mix);
        let shock_mixes = p
            .shocks
            .iter()
            .filter_map(|s| Some((s.from, s.to, mix_of(s.mix.as_ref()?))))
            .collect();
        Engine {
            cell_hazards,
            band_of,
            bands,
            profile,
            last_month_of_cell: {
                let mut last = Box::new([u32::MAX; 256]);
                for (g, group) in p.groups.iter().enumerate() {
                    last[2 * g] = group.max_duration - 1;
                    last[2 * g + 1] = group.max_duration - 1;
                }
                last
            },
            mix,
            shock_mixes,
            population,
            women_thresholds: p
                .groups
                .iter()
                .map(|g| threshold32(g.share_women))
                .collect(),
            poisson: p
                .intake
                .continuous
                .iter()
                .map(|c| {
                    (c.per_month > 0.0).then(|| Poisson::new(c.per_month).expect("validated rate"))
                })
                .collect(),
            any_vacancy: p.roles.iter().any(|r| r.vacancy_probability > 0.0),
            first_month: p
                .resume
                .as_ref()
                .map_or(-(p.calendar.warmup as i32), |r| r.month),
            id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            programme: p,
        }
    }

    /// The programme this engine runs.
    pub fn programme(&self) -> &Programme {
        &self.programme
    }

    /// An empty trajectory buffer of the right size.
    pub fn trajectory(&self) -> Trajectory {
        Trajectory::new(
            self.programme.calendar.horizon as usize,
            self.programme.groups.len(),
            self.programme.teams.len(),
            self.population.categories,
        )
    }

    /// Runs replication `replication` of master seed `seed`, writing into `out`.
    pub fn run(&self, seed: u64, replication: u64, ws: &mut Workspace, out: &mut Trajectory) {
        self.run_logged(seed, replication, ws, out, None);
    }

    /// Runs a replication like [`Engine::run`] and also appends every participation it
    /// simulates (those still enrolled at the end without an exit) to `log`.
    pub fn run_recorded(
        &self,
        seed: u64,
        replication: u64,
        ws: &mut Workspace,
        out: &mut Trajectory,
        log: &mut Vec<Participation>,
    ) {
        self.run_logged(seed, replication, ws, out, Some(log));
    }

    /// The category index of each attribute in a profile, in attribute order.
    pub fn profile_categories(&self, profile: u16) -> Vec<u16> {
        self.population.decode(profile)
    }

    fn run_logged(
        &self,
        seed: u64,
        replication: u64,
        ws: &mut Workspace,
        out: &mut Trajectory,
        mut log: Option<&mut Vec<Participation>>,
    ) {
        let p = &self.programme;
        let groups = p.groups.len();
        out.clear();
        if let Some(r) = &p.resume {
            for &(m, g, s, cause, n) in &r.exits {
                let i = out.cell(m, g, s as usize) * EXIT_CAUSES + cause as usize;
                out.exits[i] += n;
            }
            for &(m, g, s, n) in &r.entrants {
                let i = out.cell(m, g, s as usize);
                out.entrants[i] += n;
            }
        }
        self.reset(seed, replication, ws);

        let last = p.calendar.horizon as i32 - 1;
        for m in self.first_month..=last {
            let rec = (m >= 0).then_some(m as usize);
            self.staffing_step(m, ws);
            self.intake_step(seed, replication, m, rec, ws, out);

            // Programme-wide factors (parameter draw, support capacity, season, shock) per
            // group; teams rebuild their tables only when these or their own factors change.
            let season = p.seasonality[(p.calendar.month_of_year(m) - 1) as usize];
            // Each support role's capacity multiplier depends on the role only, not on the
            // group it is applied to.
            ws.support_factors.clear();
            for s in &p.support {
                let served: usize = (0..groups)
                    .filter(|&h| s.groups[h])
                    .map(|h| ws.group_active[h] as usize)
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
            ws.tables.set_basis(&ws.group_factors);
            if self.population.present {
                ws.tally.category_exits.clear();
                ws.tally
                    .category_exits
                    .resize(self.population.categories * 2 * EXIT_CAUSES, 0);
            }

            let mut cost = 0.0;
            for t in 0..p.teams.len() {
                let team = &p.teams[t];
                let n = ws.teams[t].members.len();
                if let Some(r) = rec {
                    out.team_active[r * p.teams.len() + t] = n as u32;
                }
                if !team.exists(m, n) {
                    continue;
                }
                cost += self.team_cost(team, &ws.teams[t].posts);
                let pressure = self.pressure(&mut ws.pressure_memo, team.fte(), n);
                let factors = self.team_factors(team, &ws.teams[t].posts, m, pressure);
                self.assign_table(&mut ws.teams[t], factors, &ws.group_factors, &mut ws.tables);
                let table = ws.teams[t].table;
                self.exits_step(
                    m,
                    &mut ws.teams[t],
                    (ws.tables.table(table), ws.tables.hazards(table)),
                    &mut ws.tally,
                    &mut ws.group_active,
                );
                if let Some(r) = rec {
                    ws.tally.add_to(r, out);
                }
                if let Some(log) = log.as_deref_mut() {
                    let profiles = &ws.tally.log_profiles;
                    for (i, &e) in ws.tally.log.iter().enumerate() {
                        let (outcome, cell, d) = unpack_exit(e);
                        log.push(Participation::of(
                            (t, cell),
                            profiles.get(i).copied().unwrap_or(0),
                            m - d as i32,
                            Some((m, ExitCause::ALL[outcome as usize])),
                        ));
                    }
                }
            }
            if let Some(r) = rec {
                for s in &p.support {
                    cost += s.fte * p.costs.support_rate(&s.role) / 12.0;
                }
                cost += p.costs.overhead_per_year / 12.0;
                out.cost_sek[r] = cost.round() as i64;
                out.waiting[r] = ws.teams.iter().map(|t| t.waiting.len() as u32).sum();
                let n = ws.tally.category_exits.len();
                for (o, v) in out.category_exits[r * n..(r + 1) * n]
                    .iter_mut()
                    .zip(&ws.tally.category_exits)
                {
                    *o += v;
                }
            }
        }
        if let Some(log) = log {
            for (t, ts) in ws.teams.iter().enumerate() {
                for (i, &key) in ts.members.iter().enumerate() {
                    log.push(Participation::of(
                        (t, key & 0xff),
                        ts.profiles.get(i).copied().unwrap_or(0),
                        (key >> 8) as i32 - ENTRY_BIAS,
                        None,
                    ));
                }
            }
        }
    }

    /// Resets the workspace for a new replication: streams, posts, parameter draws and the
    /// initial caseload.
    fn reset(&self, seed: u64, replication: u64, ws: &mut Workspace) {
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
                    cell_count: Vec::new(),
                    waiting: VecDeque::new(),
                    posts: [Post::Filled; TEAM_ROLES],
                    exits_rng: stream(0, 0, Purpose::Exits, 0),
                    intake_rng: stream(0, 0, Purpose::TeamIntake, 0),
                    staffing_rng: stream(0, 0, Purpose::Staffing, 0),
                    attributes_rng: stream(0, 0, Purpose::TeamAttributes, 0),
                    table: 0,
                    table_key: None,
                })
                .collect();
        }
        for (t, ts) in ws.teams.iter_mut().enumerate() {
            ts.members.clear();
            ts.profiles.clear();
            ts.cell_count.clear();
            ts.cell_count.resize(groups * 2, 0);
            ts.waiting.clear();
            ts.posts = [Post::Filled; TEAM_ROLES];
            ts.exits_rng = stream(seed, replication, Purpose::Exits, t as u64);
            ts.intake_rng = stream(seed, replication, Purpose::TeamIntake, t as u64);
            ts.staffing_rng = stream(seed, replication, Purpose::Staffing, t as u64);
            ts.attributes_rng = stream(seed, replication, Purpose::TeamAttributes, t as u64);
            ts.table_key = None;
        }
        ws.group_active.clear();
        ws.group_active.resize(groups, 0);
        ws.group_factors.clear();
        ws.group_factors.resize(groups, NEUTRAL);

        // Parameter uncertainty: a mean-one lognormal multiplier per group and cause, drawn
        // for every cell (also where the uncertainty is 0) so that changing one group's
        // uncertainty leaves the other groups' draws where they were.
        ws.uncertainty.clear();
        ws.uncertainty.resize(groups, NEUTRAL);
        if p.parameter_uncertainty {
            let mut rng = stream(seed, replication, Purpose::Parameters, 0);
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
        if let Some(resume) = &p.resume {
            let mut attributes_rng = stream(seed, replication, Purpose::InitialAttributes, 0);
            for (next, e) in resume.caseload.iter().enumerate() {
                let t = match e.team {
                    Some(t) if t < ws.teams.len() => t,
                    _ if present.is_empty() => next % ws.teams.len().max(1),
                    _ => present[next % present.len()],
                };
                let Some(ts) = ws.teams.get_mut(t) else {
                    break;
                };
                let cell = (e.group * 2 + e.gender as usize) as u8;
                if self.population.present {
                    let profile = match &e.categories {
                        Some(c) => self.population.encode(c),
                        None => self
                            .population
                            .draw(e.group, false, || attributes_rng.next_u64()),
                    };
                    ts.profiles.push(profile);
                }
                // Someone enrolled longer than the group's maximum stay is closed in the
                // first simulated month, as if they had just reached it.
                let longest = p.groups[e.group].max_duration as i32 - 1;
                let entry = e.entry.clamp(self.first_month - longest, self.first_month);
                ts.members.push(pack(entry, cell));
                ts.cell_count[cell as usize] += 1;
                ws.group_active[e.group] += 1;
            }
        } else if !present.is_empty() {
            let mut rng = stream(seed, replication, Purpose::Initial, 0);
            let mut attributes_rng = stream(seed, replication, Purpose::InitialAttributes, 0);
            let mut next = 0usize;
            for c in &p.initial {
                for _ in 0..c.count {
                    let woman = ((rng.next_u64() >> 32) as u32) < self.women_thresholds[c.group];
                    let spent = rng.random_range(c.months_spent.0..=c.months_spent.1) as i32;
                    let cell = (c.group * 2 + usize::from(!woman)) as u8;
                    let ts = &mut ws.teams[present[next % present.len()]];
                    if self.population.present {
                        // Enrolled before the definition applies: drawn from everyone.
                        let profile = self
                            .population
                            .draw(c.group, false, || attributes_rng.next_u64());
                        ts.profiles.push(profile);
                    }
                    ts.members.push(pack(self.first_month - spent, cell));
                    ts.cell_count[cell as usize] += 1;
                    ws.group_active[c.group] += 1;
                    next += 1;
                }
            }
        }
    }

    /// The cell (group and gender) of a scheduled entrant from one uniform `u64`: the high
    /// 32 bits pick the group from the intake mix, the low 32 bits the gender.
    fn draw_cell(&self, u: u64, mix: &Cumulative) -> u8 {
        let group = mix.draw((u >> 32) as u32) as usize;
        let woman = (u as u32) < self.women_thresholds[group];
        (group * 2 + usize::from(!woman)) as u8
    }

    /// Vacancy, refill and onboarding transitions at the start of month `m`.
    fn staffing_step(&self, m: i32, ws: &mut Workspace) {
        if !self.any_vacancy {
            return;
        }
        let p = &self.programme;
        for (t, ts) in ws.teams.iter_mut().enumerate() {
            let team = &p.teams[t];
            if !team.exists(m, ts.members.len()) {
                continue;
            }
            for r in 0..TEAM_ROLES {
                if team.posts[r] <= 0.0 {
                    continue;
                }
                let d = &p.roles[r];
                let vacancy = p
                    .shocks
                    .iter()
                    .filter(|s| s.active(m))
                    .fold(d.vacancy_probability, |v, s| v * s.vacancy_factors[r])
                    .min(1.0);
                // One draw per post and month whatever its state keeps the stream aligned
                // across scenarios that differ only in staffing.
                let u = ts.staffing_rng.next_u64();
                ts.posts[r] = match ts.posts[r] {
                    Post::Filled if u < threshold(vacancy) => vacant(d.refill_months, d),
                    Post::Filled => Post::Filled,
                    Post::Vacant(left) if left > 1 => Post::Vacant(left - 1),
                    Post::Vacant(_) => onboarding(d.onboarding_months),
                    Post::Onboarding(left) if left > 1 => Post::Onboarding(left - 1),
                    Post::Onboarding(_) => Post::Filled,
                };
            }
        }
    }

    /// Scheduled and continuous intake at the start of month `m`.
    fn intake_step(
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
        ws.category_entered.clear();
        ws.category_entered.resize(pop.categories * 2, 0);
        for t in 0..teams {
            if !(p.teams[t].takes_intake(m) && intake.scheduled(m, t, teams)) {
                continue;
            }
            let ts = &mut ws.teams[t];
            ws.team_entered.clear();
            ws.team_entered.resize(cells, 0);
            while ts.members.len() < cap {
                let Some((cell, profile)) = ts.waiting.pop_front() else {
                    break;
                };
                admit(
                    ts,
                    cell,
                    profile,
                    pop,
                    m,
                    &mut ws.team_entered,
                    &mut ws.category_entered,
                );
            }
            for _ in 0..intake.per_team {
                let cell = self.draw_cell(ts.intake_rng.next_u64(), mix);
                let profile = if pop.present {
                    let rng = &mut ts.attributes_rng;
                    pop.draw(cell as usize / 2, refill, || rng.next_u64())
                } else {
                    0
                };
                if !pop.is_eligible(profile) {
                    ineligible += 1;
                } else if ts.members.len() < cap {
                    admit(
                        ts,
                        cell,
                        profile,
                        pop,
                        m,
                        &mut ws.team_entered,
                        &mut ws.category_entered,
                    );
                } else if overflow == Overflow::Wait {
                    ts.waiting.push_back((cell, profile));
                } else {
                    declined += 1;
                }
            }
            for c in 0..cells {
                ts.cell_count[c] += ws.team_entered[c];
                ws.entered[c] += ws.team_entered[c];
            }
        }
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
                    .map_or(0, |r| pop.draw(ci.group, refill, || r.next_u64()));
                let Some(&t) = open.get(pick) else {
                    declined += 1;
                    continue;
                };
                let ts = &mut ws.teams[t];
                if !pop.is_eligible(profile) {
                    ineligible += 1;
                } else if ts.members.len() < cap {
                    admit(
                        ts,
                        cell,
                        profile,
                        pop,
                        m,
                        &mut ws.entered,
                        &mut ws.category_entered,
                    );
                    ts.cell_count[cell as usize] += 1;
                } else if overflow == Overflow::Wait {
                    ts.waiting.push_back((cell, profile));
                } else {
                    declined += 1;
                }
            }
        }
        for c in 0..cells {
            ws.group_active[c / 2] += ws.entered[c];
        }
        if let Some(r) = rec {
            for c in 0..cells {
                out.entrants[r * cells + c] += ws.entered[c];
            }
        }
        if let Some(r) = rec {
            out.declined[r] += declined;
            out.ineligible[r] += ineligible;
            let n = ws.category_entered.len();
            for (o, v) in out.category_entrants[r * n..(r + 1) * n]
                .iter_mut()
                .zip(&ws.category_entered)
            {
                *o += v;
            }
        }
    }

    /// The caseload-pressure multiplier of a team with `fte` funded FTE and `active`
    /// participants, memoised: caseloads recur, and `powf` is costly next to the rest.
    fn pressure(&self, memo: &mut Vec<(u64, Vec<f64>)>, fte: f64, active: usize) -> f64 {
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
    fn team_factors(
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
            for k in 0..HAZARD_CAUSES {
                f[k] *= 1.0 - effect[k] * (1.0 - availability);
            }
        }
        f
    }

    /// Salary cost of a team's posts for one month: vacant posts are not paid.
    fn team_cost(&self, team: &Team, posts: &[Post; TEAM_ROLES]) -> f64 {
        let rates = &self.programme.costs.team_roles;
        (0..TEAM_ROLES)
            .filter(|&r| !matches!(posts[r], Post::Vacant(_)))
            .map(|r| team.posts[r] * rates[r] / 12.0)
            .sum()
    }

    /// Gives a team the exit table for its factors: its own if unchanged, a cached one if
    /// these factors occurred before under the same programme factors, else a new one.
    fn assign_table(
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
        let attributes = self.population.hazards;
        let max = self.population.max_factors;
        ts.table = cache.get_or_build(team, |table, hazards| {
            table.resize(self.cell_hazards.len() * bands, [0; 4]);
            if attributes {
                hazards.resize(self.cell_hazards.len() * bands, NEUTRAL);
            }
            for (cell, base) in self.cell_hazards.iter().enumerate() {
                let g = cell / 2;
                for b in 0..bands {
                    let prof = &self.profile[cell * bands + b];
                    let h: CauseFactors =
                        std::array::from_fn(|k| base[k] * prof[k] * team[k] * group_factors[g][k]);
                    let i = cell * bands + b;
                    if attributes {
                        // The slot holds the exit threshold of the highest-risk profile: a
                        // participant whose uniform is above it stays whatever their
                        // attributes, so only the few below need their own thresholds.
                        hazards[i] = h;
                        let (bound, _) = exit_thresholds(std::array::from_fn(|k| h[k] * max[k]));
                        table[i] = [bound, 0, 0, 0];
                    } else {
                        let (exit, cause) = exit_thresholds(h);
                        table[i] = [exit, cause[0], cause[1], cause[2]];
                    }
                }
            }
        });
        ts.table_key = Some((team, cache.epoch));
    }

    /// Draws every active participant's exit in month `m`.
    fn exits_step(
        &self,
        m: i32,
        ts: &mut TeamState,
        (table, hazards): (&[Slot], &[CauseFactors]),
        tally: &mut Tally,
        group_active: &mut [u32],
    ) {
        tally.clear(self.cell_hazards.len());
        if self.population.hazards {
            self.draw_exits_with_attributes::<true>(m, ts, table, hazards, tally);
        } else if self.population.present {
            self.draw_exits_with_attributes::<false>(m, ts, table, hazards, tally);
        } else if self.bands == 1 {
            self.draw_exits::<false>(m, ts, table, tally);
        } else {
            self.draw_exits::<true>(m, ts, table, tally);
        }
        for cell in 0..self.cell_hazards.len() {
            let row = &tally.outcomes[cell * EXIT_CAUSES..(cell + 1) * EXIT_CAUSES];
            let left: u32 = row.iter().sum();
            tally.active[cell] = ts.cell_count[cell];
            // Half a month for those leaving during the month, a whole month for the rest
            // (a max_duration exit leaves at the end of the month).
            let hazard_exits = left - row[ExitCause::MaxDuration as usize];
            tally.py24[cell] = 2 * ts.cell_count[cell] - hazard_exits;
            ts.cell_count[cell] -= left;
            group_active[cell >> 1] -= left;
        }
    }

    /// The participant loop: one uniform per participant decides whether and why they
    /// leave. Stayers are compacted in place (order is preserved); leavers (about one in
    /// eight) are written to an exit log that is tallied afterwards, because counting
    /// inside the loop would chain most iterations through the same memory counter. The
    /// cause is the number of cause thresholds the uniform passes. `BANDS` is false when
    /// the hazard profile has a single band, which saves the band lookup. Measured
    /// alternatives (fully branchless, a separate loop for those who can expire) were
    /// slower; see docs/performance.md.
    #[inline(never)]
    fn draw_exits<const BANDS: bool>(
        &self,
        m: i32,
        ts: &mut TeamState,
        table: &[Slot],
        tally: &mut Tally,
    ) {
        let bands = self.bands;
        let n = ts.members.len();
        tally.log.clear();
        tally.log.resize(n, 0);
        // Local slices, fixed-size views and a local copy of the generator keep the loop's
        // working set in registers: stores cannot force reloads, and indexing by the cell
        // byte into 256-entry arrays needs no bounds check.
        let mut rng = ts.exits_rng.clone();
        let by_cell: &[Slot; MIN_SLOTS] = table[..MIN_SLOTS]
            .try_into()
            .expect("tables have MIN_SLOTS slots");
        let band_of = &self.band_of[..];
        let last_month: &[u32; 256] = &self.last_month_of_cell;
        let members = &mut ts.members[..n];
        let log = &mut tally.log[..n];
        let now = (m + ENTRY_BIAS) as u32;
        let mut kept = 0;
        let mut logged = 0;
        for r in 0..n {
            let key = members[r];
            let cell = (key & 0xff) as usize;
            let d = now - (key >> 8);
            let slot = if BANDS {
                &table[cell * bands + band_of[d as usize] as usize]
            } else {
                &by_cell[cell]
            };
            let u = rng.next_u64();
            let hazard_exit = u < slot[0];
            let expired = d >= last_month[cell];
            if hazard_exit | expired {
                let cause = (u >= slot[1]) as u32 + (u >= slot[2]) as u32 + (u >= slot[3]) as u32;
                let outcome = if hazard_exit {
                    cause
                } else {
                    ExitCause::MaxDuration as u32
                };
                // logged ≤ r, so it stays below n.
                log[logged.min(n - 1)] = pack_exit(outcome, cell, d);
                logged += 1;
            } else {
                members[kept.min(n - 1)] = key;
                kept += 1;
            }
        }
        ts.exits_rng = rng;
        ts.members.truncate(kept);
        tally.log.truncate(logged);
        for &entry in &tally.log {
            let (outcome, cell, d) = unpack_exit(entry);
            tally.outcomes[cell as usize * EXIT_CAUSES + outcome as usize] += 1;
            tally.stays[((d / 6) as usize).min(STAY_BANDS - 1)] += 1;
        }
    }
}

impl Engine {
    /// The participant loop of a programme with attributes: profiles move with their
    /// participants and are tallied for leavers. With `HAZARDS`, a participant's hazards
    /// are the slot's times their profile's multipliers; the slot's threshold (that of the
    /// highest-risk profile) screens out most stayers before any exact computation, and
    /// the same single uniform decides whether and why, as in [`Engine::draw_exits`].
    #[inline(never)]
    fn draw_exits_with_attributes<const HAZARDS: bool>(
        &self,
        m: i32,
        ts: &mut TeamState,
        table: &[Slot],
        hazards: &[CauseFactors],
        tally: &mut Tally,
    ) {
        let pop = &self.population;
        let bands = self.bands;
        let n = ts.members.len();
        tally.log.clear();
        tally.log.resize(n, 0);
        tally.log_profiles.clear();
        tally.log_profiles.resize(n, 0);
        let mut rng = ts.exits_rng.clone();
        let now = (m + ENTRY_BIAS) as u32;
        let mut kept = 0;
        let mut logged = 0;
        for r in 0..n {
            let key = ts.members[r];
            let profile = ts.profiles[r];
            let cell = (key & 0xff) as usize;
            let d = now - (key >> 8);
            let i = cell * bands + self.band_of[d as usize] as usize;
            let slot = &table[i];
            let u = rng.next_u64();
            let expired = d >= self.last_month_of_cell[cell];
            let (exit, cause) = if !HAZARDS {
                (slot[0], [slot[1], slot[2], slot[3]])
            } else if u < slot[0] || expired {
                let a = &pop.factors[profile as usize];
                let h: CauseFactors = std::array::from_fn(|k| hazards[i][k] * a[k]);
                // 1 − e^−H ≤ H, so a uniform at or above H stays without the exponential
                // being computed. The uniform's top 53 bits as a float are at most its
                // exact value (a signed conversion is one instruction, an unsigned
                // threshold is not).
                let below = (u >> 11) as i64 as f64 * (1.0 / 9_007_199_254_740_992.0);
                if below >= h.iter().sum::<f64>() && !expired {
                    (0, [0; 3])
                } else {
                    exit_thresholds(h)
                }
            } else {
                (0, [0; 3])
            };
            let hazard_exit = u < exit;
            if hazard_exit | expired {
                let c = (u >= cause[0]) as u32 + (u >= cause[1]) as u32 + (u >= cause[2]) as u32;
                let outcome = if hazard_exit {
                    c
                } else {
                    ExitCause::MaxDuration as u32
                };
                tally.log[logged] = pack_exit(outcome, cell, d);
                tally.log_profiles[logged] = profile;
                logged += 1;
            } else {
                ts.members[kept] = key;
                ts.profiles[kept] = profile;
                kept += 1;
            }
        }
        ts.exits_rng = rng;
        ts.members.truncate(kept);
        ts.profiles.truncate(kept);
        tally.log.truncate(logged);
        tally.log_profiles.truncate(logged);
        for (&entry, &profile) in tally.log.iter().zip(&tally.log_profiles) {
            let (outcome, cell, d) = unpack_exit(entry);
            tally.outcomes[cell as usize * EXIT_CAUSES + outcome as usize] += 1;
            tally.stays[((d / 6) as usize).min(STAY_BANDS - 1)] += 1;
            let gender = (cell & 1) as usize;
            for &k in pop.categories_of(profile) {
                tally.category_exits[(k as usize * 2 + gender) * EXIT_CAUSES + outcome as usize] +=
                    1;
            }
        }
    }
}

/// Per team-month counts of the exits step, added to the trajectory once per team-month so
/// the participant loop touches only a few small arrays.
#[derive(Debug, Clone, Default)]
struct Tally {
    active: Vec<u32>,
    py24: Vec<u32>,
    /// Exits, `[cell][cause]`.
    outcomes: Vec<u32>,
    /// Exits by stay band.
    stays: [u32; STAY_BANDS],
    /// Packed (cause, cell, months in programme) of the month's leavers.
    log: Vec<u32>,
    /// Attribute profiles of the month's leavers, in step with `log`.
    log_profiles: Vec<u16>,
    /// Exits by attribute category over the month's teams, `[category][gender][cause]`
    /// (cleared and recorded once per month, not per team).
    category_exits: Vec<u32>,
}

impl Tally {
    fn clear(&mut self, cells: usize) {
        for v in [&mut self.active, &mut self.py24] {
            v.clear();
            v.resize(cells, 0);
        }
        self.outcomes.clear();
        self.outcomes.resize(cells * EXIT_CAUSES, 0);
        self.stays = [0; STAY_BANDS];
    }

    fn add_to(&self, r: usize, out: &mut Trajectory) {
        let cells = self.active.len();
        let base = r * cells;
        for (o, v) in out.active[base..base + cells].iter_mut().zip(&self.active) {
            *o += v;
        }
        for (o, v) in out.person_years_24[base..base + cells]
            .iter_mut()
            .zip(&self.py24)
        {
            *o += v;
        }
        for cell in 0..cells {
            let row = &self.outcomes[cell * EXIT_CAUSES..(cell + 1) * EXIT_CAUSES];
            let o = (base + cell) * EXIT_CAUSES;
            for (o, v) in out.exits[o..o + EXIT_CAUSES].iter_mut().zip(row) {
                *o += v;
            }
        }
        for (o, v) in out.stays[r * STAY_BANDS..(r + 1) * STAY_BANDS]
            .iter_mut()
            .zip(&self.stays)
        {
            *o += v;
        }
    }
}

/// The monthly exit probability `1 − exp(−Σh)` and the cause shares `h_k / Σh`.
pub fn exit_probabilities(h: CauseFactors) -> (f64, CauseFactors) {
    let total: f64 = h.iter().sum();
    if total <= 0.0 {
        return (0.0, [0.0; HAZARD_CAUSES]);
    }
    (-(-total).exp_m1(), std::array::from_fn(|k| h[k] / total))
}

fn exit_thresholds(h: CauseFactors) -> (u64, [u64; 3]) {
    let (p, shares) = exit_probabilities(h);
    if p <= 0.0 {
        return (0, [0; 3]);
    }
    let mut acc = 0.0;
    let mut cause = [0u64; 3];
    for k in 0..3 {
        acc += shares[k];
        cause[k] = threshold(p * acc.min(1.0));
    }
    (threshold(p), cause)
}

fn vacant(refill: u32, d: &RoleDynamics) -> Post {
    if refill == 0 {
        onboarding(d.onboarding_months)
    } else {
        Post::Vacant(refill)
    }
}

fn onboarding(months: u32) -> Post {
    if months == 0 {
        Post::Filled
    } else {
        Post::Onboarding(months)
    }
}

/// Adds a participant to a team's caseload, counting them in `entered` (per cell) and in
/// `categories` (per attribute category and gender).
fn admit(
    ts: &mut TeamState,
    cell: u8,
    profile: u16,
    pop: &Population,
    m: i32,
    entered: &mut [u32],
    categories: &mut [u32],
) {
    ts.members.push(pack(m, cell));
    entered[cell as usize] += 1;
    if pop.present {
        ts.profiles.push(profile);
        let gender = (cell & 1) as usize;
        for &k in pop.categories_of(profile) {
            categories[k as usize * 2 + gender] += 1;
        }
    }
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
        let (exit, cause) = exit_thresholds([0.05, 0.01, 0.0, 0.05]);
        assert!(cause[0] <= cause[1] && cause[1] <= cause[2] && cause[2] <= exit);
        assert_eq!(cause[1], cause[2]);
    }
}
