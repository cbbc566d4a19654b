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
mod exits;
mod factors;
mod initial;
mod intake;
mod population;
pub mod rng;
mod screen;
mod simd;
mod staffing;
mod state;
mod table;
mod tally;

use rand_distr::Poisson;

use crate::model::*;
pub use crate::trajectory::{Trajectory, STAY_BANDS};
pub use exits::exit_probabilities;
use population::{Cumulative, Population};
use rng::threshold32;
use state::Seeds;
pub use state::{Participation, Workspace};

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
    /// Last month in programme (0-based) of each key byte: `max_duration − 1` of its
    /// group for a cell, the extension's `until − 1` for the cell with [`state::EXTENDED`].
    /// 256 entries, so indexing by a participant's key byte needs no bounds check.
    last_month_of_cell: Box<[u32; 256]>,
    /// Per cell, the 32-bit threshold below which an entrant is extended at the time limit
    /// (0 where the group does not extend).
    extension_thresholds: Vec<u32>,
    /// Whether any group extends at its time limit.
    extensions: bool,
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
    /// The engine of the previous phase (`carry_over`).
    previous: Option<Box<Engine>>,
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
                    for s in 0..2 {
                        last[2 * g + s] = group.max_duration - 1;
                        last[(2 * g + s) | state::EXTENDED as usize] = group.longest_stay() - 1;
                    }
                }
                last
            },
            extension_thresholds: p
                .groups
                .iter()
                .flat_map(|g| {
                    let t = g.extension.map_or(0, |e| threshold32(e.probability));
                    [t, t]
                })
                .collect(),
            extensions: p
                .groups
                .iter()
                .any(|g| g.extension.is_some_and(|e| e.probability > 0.0)),
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
            previous: p
                .carry_over
                .as_deref()
                .map(|prev| Box::new(Engine::new(prev))),
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
        Trajectory::of(&self.programme)
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
        log: Option<&mut Vec<Participation>>,
    ) {
        self.run_phase(Seeds::of(seed), replication, ws, out, log);
    }

    /// One phase of replication `replication`: the programme's months from its first, after
    /// its previous phase where it has one (see [`Engine::reset`]).
    fn run_phase(
        &self,
        seeds: Seeds,
        replication: u64,
        ws: &mut Workspace,
        out: &mut Trajectory,
        mut log: Option<&mut Vec<Participation>>,
    ) {
        let p = &self.programme;
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
        self.reset(seeds, replication, ws);
        for m in self.first_month..p.calendar.horizon as i32 {
            let rec = (m >= 0).then_some(m as usize);
            self.staffing_step(m, ws);
            self.intake_step(seeds.streams, replication, m, rec, ws, out);
            self.programme_factors(m, ws);
            ws.tally.clear(
                self.cell_hazards.len(),
                self.population.categories,
                self.band_of.len(),
            );
            ws.tally.active.copy_from_slice(&ws.cell_active);
            let mut cost = self.team_month(m, rec, ws, out);
            self.exits_month(m, ws, log.as_deref_mut());
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
                        (t, state::cell_of(key) as u32),
                        ts.profiles.get(i).copied().unwrap_or(0),
                        self.entry_of(key),
                        None,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Both phases of a replication run with the same parameter draw (the same rates):
    /// the previous phase shares the parameter seed and nothing else, so its streams differ
    /// but the groups' multipliers are the same.
    #[test]
    fn a_previous_phase_shares_the_parameter_draw_and_nothing_else() {
        let dir = std::env::temp_dir().join("kraftsim-engine-phases");
        std::fs::create_dir_all(&dir).unwrap();
        let uncertain =
            "[uncertainty]\nenabled = true\n[groups.af_job]\nuncertainty = { work = 0.5 }\n";
        std::fs::write(
            dir.join("previous.toml"),
            format!(
                "extends = \"reference\"\ntargets = []\n[calendar]\nstart = \"2024-01\"\n\
                 horizon_months = 12\n{uncertain}"
            ),
        )
        .unwrap();
        let text = format!(
            "extends = \"reference\"\ntargets = []\n{uncertain}[carry_over]\nfrom = \"previous.toml\"\n"
        );
        let p = crate::scenario::load_text(&text, "t", Some(&dir))
            .unwrap()
            .programme;
        let engine = Engine::new(&p);
        let mut ws = Workspace::default();
        let mut t = engine.trajectory();
        let mut differs = 0;
        for rep in 0..20 {
            engine.run(3, rep, &mut ws, &mut t);
            let (previous, _) = &**ws.previous.as_ref().expect("the previous phase ran");
            assert_eq!(previous.uncertainty, ws.uncertainty, "replication {rep}");
            assert_ne!(ws.uncertainty[0][0], 1.0);
            differs += usize::from(previous.teams[0].members != ws.teams[0].members);
        }
        assert_eq!(differs, 20, "the phases' streams are their own");
    }
}
