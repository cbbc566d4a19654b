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
//! For speed, each team keeps its participants in flat arrays (last month of stay and cell
//! packed in 32 bits), the exit probabilities are tabulated once per team-month as integer
//! thresholds, and one uniform `u32` per participant-month decides both whether and why a
//! participant leaves, without a branch on the outcome. Where the machine has AVX2 and the
//! table fits, the loop runs eight participants at a time ([`simd`]) with identical
//! results.

mod categories;
mod exact;
mod population;
pub mod rng;
mod simd;
mod table;

use std::collections::VecDeque;

use rand::{Rng, RngCore};
use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::model::*;
pub use crate::trajectory::{Trajectory, STAY_BANDS};
use population::{Cumulative, Population};
use rng::{fill_uniforms, stream, threshold, threshold32, LaneRng, Purpose, StreamRng, BLOCK};
use simd::ByCause;
use table::{Slot, TableCache, MIN_SLOTS, NEVER};

/// Offset that keeps packed months positive: months run from a warm-up and initial
/// caseload before month 0 to the end of a stay after the horizon, all within ±2 ·
/// `MAX_MONTHS` of month 0, so a biased month takes at most 21 bits.
const MONTH_BIAS: i32 = 1 << 20;

/// A participant packed into 29 bits: the last month they can stay (biased) in bits 8–28,
/// cell in the low 8. Keys of those reaching their maximum stay in month `m` are exactly
/// those below `(m + 1 + MONTH_BIAS) << 8`, one comparison in the participant loop.
fn pack(last: i32, cell: u8) -> u32 {
    (((last + MONTH_BIAS) as u32) << 8) | cell as u32
}

/// A leaver in the exit log: the outcome (exit cause index) in the top 3 bits above the
/// participant's key.
#[inline(always)]
fn pack_exit(outcome: u32, key: u32) -> u32 {
    (outcome << 29) | key
}

/// The (outcome, key) of an exit-log entry.
#[inline(always)]
fn unpack_exit(e: u32) -> (u32, u32) {
    (e >> 29, e & 0x1fff_ffff)
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
    /// Active participants, packed by [`pack`] (see [`Engine::member`]).
    members: Vec<u32>,
    /// Attribute profile of each active participant, in step with `members` (empty when
    /// the programme has no attributes).
    profiles: Vec<u16>,
    /// Referrals waiting for a place: (cell, profile).
    waiting: VecDeque<(u8, u16)>,
    posts: [Post; TEAM_ROLES],
    exits_rng: LaneRng,
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

impl TeamState {
    /// Active participants.
    fn caseload(&self) -> usize {
        self.members.len()
    }
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
    /// Active participants per cell, programme-wide: after intake, the month's `active`.
    cell_active: Vec<u32>,
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
    /// Entrants admitted to one team in the month: (cell, profile).
    admitted: Vec<(u8, u16)>,
    /// One team's scheduled referrals of the month: (cell, profile).
    referrals: Vec<(u8, u16)>,
    /// Profile and gender (`profile << 1 | gender`) of the month's entrants, with attributes.
    profiled: Vec<u32>,
    /// Candidates of the participant loop with attributes.
    screen: ScreenBuffers,
    /// Uniforms of one team's scheduled entrants' cells.
    intake_uniforms: Vec<u32>,
    /// Participants enrolled before the first month, from either source of the initial
    /// caseload: (team, entry, cell, profile).
    enrolled: Vec<(usize, i32, u8, u16)>,
    /// Each team's factors in the month (`None` for a team that does not exist).
    team_factors: Vec<Option<CauseFactors>>,
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
    /// Hazards of each slot before team and programme-wide factors: the cell's baseline
    /// times the band's profile multipliers, `[band][cell]`.
    slot_bases: Vec<CauseFactors>,
    /// Last month in programme (0-based) of each cell: `max_duration − 1` of its group.
    /// 256 entries, so indexing by a participant's cell byte needs no bounds check.
    last_month_of_cell: Box<[u32; 256]>,
    /// The intake mix over cells.
    mix: Cumulative,
    /// Intake mixes over cells of shocks: (from, to, mix).
    shock_mixes: Vec<(i32, i32, Cumulative)>,
    /// Attributes and eligibility.
    population: Population,
    /// Share of women per group on 32 bits.
    women_thresholds: Vec<u32>,
    poisson: Vec<Option<Poisson<f64>>>,
    any_vacancy: bool,
    /// The roles with posts of each team (the others never change state).
    staffed: Vec<Vec<u8>>,
    first_month: i32,
    /// Whether the participant loop runs eight participants at a time (see
    /// [`simd`]): the machine has AVX2 and the programme's exit table fits the vector
    /// loop. Either way the results are the same.
    vector_loop: bool,
    /// Whether the other AVX2 loops run (exact outcomes, category counts): the machine has
    /// AVX2 and the engine is not [`Engine::scalar_only`].
    vectors: bool,
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
        // Band by band, the cells in their order (group by group, women then men).
        let slot_bases = cuts
            .iter()
            .flat_map(|&c| {
                p.groups
                    .iter()
                    .flat_map(move |g| Gender::ALL.map(|s| g.profile_at(c, s)))
            })
            .zip(cell_hazards.iter().cycle())
            .map(|(prof, base)| std::array::from_fn(|k| base[k] * prof[k]))
            .collect();
        let population = Population::new(&p);
        // Refilling from the eligible population changes the groups entrants come from:
        // a group contributes in proportion to its eligible share.
        // Entrants are drawn by cell (group and gender) from one 32-bit uniform.
        let refill = population.ineligible == Some(Ineligible::Refill);
        let mix_of = |shares: &[f64]| {
            let cells: Vec<f64> = shares
                .iter()
                .enumerate()
                .flat_map(|(g, s)| {
                    let s = if refill {
                        s * population.eligible_share[g]
                    } else {
                        *s
                    };
                    let women = p.groups[g].share_women;
                    [s * women, s * (1.0 - women)]
                })
                .collect();
            Cumulative::normalised(&cells)
        };
        let mix = mix_of(&p.intake.mix);
        let shock_mixes = p
            .shocks
            .iter()
            .filter_map(|s| Some((s.from, s.to, mix_of(s.mix.as_ref()?))))
            .collect();
        // The plain vector loop needs one band; the screen of the loop with attributes
        // takes any number.
        let vectors = simd::available();
        let vector_loop = vectors && cell_hazards.len() <= 8 && (bands == 1 || population.present);
        Engine {
            cell_hazards,
            band_of,
            bands,
            slot_bases,
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
            staffed: p
                .teams
                .iter()
                .map(|t| {
                    (0..TEAM_ROLES as u8)
                        .filter(|&r| t.posts[r as usize] > 0.0)
                        .collect()
                })
                .collect(),
            first_month: p
                .resume
                .as_ref()
                .map_or(-(p.calendar.warmup as i32), |r| r.month),
            id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            vector_loop,
            vectors,
            programme: p,
        }
    }

    /// The same engine without AVX2 loops, as on a machine without AVX2 (to check that the
    /// vector loops give identical results, and to measure what they gain).
    pub fn scalar_only(mut self) -> Engine {
        self.vector_loop = false;
        self.vectors = false;
        self
    }

    /// Whether this engine runs the AVX2 participant loop where the programme allows.
    pub fn vectorised(&self) -> bool {
        self.vector_loop
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
            ws.tally
                .clear(self.cell_hazards.len(), self.population.categories);
            ws.tally.active.copy_from_slice(&ws.cell_active);

            let mut cost = 0.0;
            // The teams' factors first: where attributes change hazards, one screen serves
            // all of the month's teams, bounded by their highest factors.
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
            for t in 0..p.teams.len() {
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
                            (t, key & 0xff),
                            profiles.get(i).copied().unwrap_or(0),
                            self.entry_of(key),
                            Some((m, ExitCause::ALL[outcome as usize])),
                        ));
                    }
                }
            }
            self.settle(m, &mut ws.tally, &mut ws.cell_active);
            if let Some(r) = rec {
                for s in &p.support {
                    cost += s.fte * p.costs.support_rate(&s.role) / 12.0;
                }
                cost += p.costs.overhead_per_year / 12.0;
                out.cost_sek[r] = cost.round() as i64;
                out.waiting[r] = ws.teams.iter().map(|t| t.waiting.len() as u32).sum();
                ws.tally.add_to(r, out);
            }
        }
        if let Some(log) = log {
            for (t, ts) in ws.teams.iter().enumerate() {
                for (i, &key) in ts.members.iter().enumerate() {
                    log.push(Participation::of(
                        (t, key & 0xff),
                        ts.profiles.get(i).copied().unwrap_or(0),
                        self.entry_of(key),
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
                    waiting: VecDeque::new(),
                    posts: [Post::Filled; TEAM_ROLES],
                    exits_rng: LaneRng::new(0, 0, Purpose::Exits, 0),
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
            ts.waiting.clear();
            ts.posts = [Post::Filled; TEAM_ROLES];
            ts.exits_rng = LaneRng::new(seed, replication, Purpose::Exits, t as u64);
            ts.intake_rng = stream(seed, replication, Purpose::TeamIntake, t as u64);
            ts.staffing_rng = stream(seed, replication, Purpose::Staffing, t as u64);
            ts.attributes_rng = stream(seed, replication, Purpose::TeamAttributes, t as u64);
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
                // Someone enrolled longer than the group's maximum stay is closed in the
                // first simulated month, as if they had just reached it.
                let longest = p.groups[e.group].max_duration as i32 - 1;
                let entry = e.entry.clamp(self.first_month - longest, self.first_month);
                enrolled.push((t, entry, cell, profile));
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
                    // Enrolled before the definition applies: drawn from everyone.
                    let profile = if self.population.present {
                        self.population
                            .draw(c.group, false, attributes_rng.next_u64())
                    } else {
                        0
                    };
                    let entry = self.first_month - spent;
                    enrolled.push((present[next % present.len()], entry, cell, profile));
                    next += 1;
                }
            }
        }
        for &(t, entry, cell, profile) in enrolled.iter() {
            let ts = &mut ws.teams[t];
            ts.members.push(self.member(entry, cell));
            if self.population.present {
                ts.profiles.push(profile);
            }
            ws.cell_active[cell as usize] += 1;
        }
    }

    /// The packed key of a participant of `cell` entering in month `entry`.
    fn member(&self, entry: i32, cell: u8) -> u32 {
        pack(entry + self.last_month_of_cell[cell as usize] as i32, cell)
    }

    /// The month of entry of a packed participant.
    fn entry_of(&self, key: u32) -> i32 {
        (key >> 8) as i32 - MONTH_BIAS - self.last_month_of_cell[(key & 0xff) as usize] as i32
    }

    /// Adds entrants `(cell, profile)` of month `m` to a team's caseload, counting them in
    /// `entered` (per cell) and, with attributes, adding their profile and gender
    /// (`profile << 1 | gender`) to `profiled` for the month's category counts.
    fn admit(
        &self,
        ts: &mut TeamState,
        entrants: &[(u8, u16)],
        m: i32,
        entered: &mut [u32],
        profiled: &mut Vec<u32>,
    ) {
        ts.members
            .extend(entrants.iter().map(|&(cell, _)| self.member(m, cell)));
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

    /// Vacancy, refill and onboarding transitions at the start of month `m`.
    fn staffing_step(&self, m: i32, ws: &mut Workspace) {
        if !self.any_vacancy {
            return;
        }
        let p = &self.programme;
        // The month's vacancy thresholds depend on the role only, not on the team.
        let vacancy: [u64; TEAM_ROLES] = std::array::from_fn(|r| {
            let v = p
                .shocks
                .iter()
                .filter(|s| s.active(m))
                .fold(p.roles[r].vacancy_probability, |v, s| {
                    v * s.vacancy_factors[r]
                });
            threshold(v.min(1.0))
        });
        for ((ts, team), staffed) in ws.teams.iter_mut().zip(&p.teams).zip(&self.staffed) {
            if !team.exists(m, ts.caseload()) {
                continue;
            }
            for &r in staffed {
                let r = r as usize;
                let d = &p.roles[r];
                // One draw per post and month whatever its state keeps the stream aligned
                // across scenarios that differ only in staffing.
                let u = ts.staffing_rng.next_u64();
                ts.posts[r] = match ts.posts[r] {
                    Post::Filled if u < vacancy[r] => vacant(d.refill_months, d),
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
        ws.profiled.clear();
        // Without attributes or a cap, every referral is admitted and nobody waits.
        let lean = !pop.present && intake.cap.is_none();
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
    /// (Programmes whose attributes change hazards take [`Engine::screen_bounds`].)
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
    fn slot_maxima(&self, group_factors: &[CauseFactors], out: &mut Vec<CauseFactors>) {
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
    fn screen_bounds(&self, team: CauseFactors, buffers: &mut ScreenBuffers) {
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

    /// Draws every active participant's exit in month `m` from the team-month's exit
    /// table, adding the leavers to the month's exit log (counted once for all teams in
    /// [`Engine::settle`]). Programmes whose attributes change hazards go straight to
    /// [`Engine::draw_exits_with_attributes`] instead.
    fn exits_step(
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

    /// Counts the month's leavers of all teams by cell and cause, stay band and attribute
    /// category, and takes them off the programme's active count: once per month, not per
    /// team, as the counts do not depend on the team.
    fn settle(&self, m: i32, tally: &mut Tally, cell_active: &mut [u32]) {
        for &entry in &tally.log {
            let (outcome, key) = unpack_exit(entry);
            let cell = (key & 0xff) as usize;
            let d = (m - self.entry_of(key)) as u32;
            tally.outcomes[cell * EXIT_CAUSES + outcome as usize] += 1;
            tally.stays[((d / 6) as usize).min(STAY_BANDS - 1)] += 1;
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

    /// Index in a team-month's exit table of the slot of the participant with packed
    /// `key` in the month whose biased index is `now`: their cell, in the stay band of
    /// their months in the programme.
    #[inline(always)]
    fn slot_index(&self, key: u32, now: u32) -> usize {
        let cell = (key & 0xff) as usize;
        let d = self.last_month_of_cell[cell] - ((key >> 8) - now);
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
    fn draw_exits<const BANDS: bool>(
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
                        &by_cell[(key & 0xff) as usize]
                    };
                    // The cause index of a leaver, or 4 (max_duration) for a uniform at or
                    // above the exit threshold, which is at or above every cause threshold.
                    let outcome = outcome_of(u as i32, slot);
                    let leave = (outcome < ExitCause::MaxDuration as u32) | (key < expiring);
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
/// exit threshold, which equals `ExitCause::MaxDuration` for those who reach their maximum
/// stay and means a stay for everyone else.
#[inline(always)]
fn outcome_of(u: i32, slot: &Slot) -> u32 {
    slot.iter().map(|&t| u32::from(u >= t)).sum()
}

/// Reused buffers of the participant loop with attributes (see
/// [`Engine::draw_exits_with_attributes`]).
#[derive(Debug, Clone, Default)]
struct ScreenBuffers {
    /// Indices of the candidates in the team's arrays.
    candidates: Vec<u32>,
    /// Their uniforms.
    uniforms: Vec<u32>,
    /// Indices of the leavers among the candidates, in order.
    leavers: Vec<u32>,
    /// The candidates' own hazards and outcomes.
    exact: exact::Batch,
    /// The screen threshold per cell: the month's where attributes change hazards (see
    /// [`Engine::screen_bounds`]), else the team-month's table's.
    bounds: Vec<i32>,
    /// The month's highest hazards per slot before team factors, `[band][cell]`, where
    /// attributes change hazards (see [`Engine::slot_maxima`]).
    slot_maxima: Vec<CauseFactors>,
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
    fn draw_exits_with_attributes<const HAZARDS: bool>(
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
                    let candidate = ((u as i32) < bounds[(key & 0xff) as usize]) | (key < expiring);
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
                let group = &group_factors[(key & 0xff) as usize / 2];
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
                let leave = (outcome < ExitCause::MaxDuration as u32) | (key < expiring);
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

/// Per month counts of the exits step over all teams, added to the trajectory once per
/// month so the participant loop touches only a few small arrays.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Active participants per cell after intake.
    active: Vec<u32>,
    /// Exits, `[cell][cause]`.
    outcomes: Vec<u32>,
    /// Exits by stay band.
    stays: [u32; STAY_BANDS],
    /// Exit-log entries ([`pack_exit`]) of the month's leavers, team after team.
    log: Vec<u32>,
    /// Attribute profiles of the month's leavers, in step with `log`.
    log_profiles: Vec<u16>,
    /// Exits by attribute category, `[category][gender][cause]`.
    category_exits: Vec<u32>,
}

impl Tally {
    fn clear(&mut self, cells: usize, categories: usize) {
        self.log.clear();
        self.log_profiles.clear();
        self.active.clear();
        self.active.resize(cells, 0);
        self.outcomes.clear();
        self.outcomes.resize(cells * EXIT_CAUSES, 0);
        self.stays = [0; STAY_BANDS];
        self.category_exits.clear();
        self.category_exits.resize(categories * 2 * EXIT_CAUSES, 0);
    }

    fn add_to(&self, r: usize, out: &mut Trajectory) {
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
            let leaving_during: u32 = row[..ExitCause::MaxDuration as usize].iter().sum();
            *o += 2 * a - leaving_during;
        }
        let exits = &mut out.exits[base * EXIT_CAUSES..(base + cells) * EXIT_CAUSES];
        for (o, v) in exits.iter_mut().zip(&self.outcomes) {
            *o += v;
        }
        for (o, v) in out.stays[r * STAY_BANDS..(r + 1) * STAY_BANDS]
            .iter_mut()
            .zip(&self.stays)
        {
            *o += v;
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
fn exit_thresholds(h: CauseFactors) -> Slot {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The vector loops must not change a single figure: whole replications of R1 (where
    /// the plain vector loop applies), of a variant with larger teams and unequal maximum
    /// stays, and of the default scenario (attributes, two stay bands: the vector
    /// screen), also under a definition that refills, agree exactly with the scalar
    /// loops'.
    #[test]
    fn vector_and_scalar_loops_give_identical_replications() {
        let varied = "extends = \"reference\"\n[teams]\ncount = 3\n\
                      [groups.af_job]\nmax_duration_months = 6\n\
                      [groups.fk]\nmax_duration_months = 24\n";
        let texts = [
            "extends = \"reference\"\n",
            varied,
            "extends = \"malmo\"\n",
            "extends = \"malmo\"\ndefinition = \"definition_2020\"\n",
        ];
        for text in texts {
            let p = crate::scenario::load_text(text, "t", None)
                .unwrap()
                .programme;
            let vector = Engine::new(&p);
            if simd::available() {
                assert!(vector.vectorised(), "the programme fits the vector loop");
            }
            let scalar = Engine::new(&p).scalar_only();
            assert!(!scalar.vectorised());
            let (mut ws_v, mut ws_s) = (Workspace::default(), Workspace::default());
            let (mut a, mut b) = (vector.trajectory(), scalar.trajectory());
            for rep in 0..40 {
                vector.run(7, rep, &mut ws_v, &mut a);
                scalar.run(7, rep, &mut ws_s, &mut b);
                assert_eq!(a, b, "replication {rep}");
            }
        }
    }

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
