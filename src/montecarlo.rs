//! Replications: the plan (how many, which seed), per-replication streams, parallel
//! execution with rayon, and aggregation as replications finish.
//!
//! Replications are processed in fixed blocks of [`BLOCK`]; each block writes its annual
//! rows into its own slice of the collector (indexed by replication, so order is fixed) and
//! adds its monthly series to its worker's integer aggregates, which are merged by addition
//! (any grouping gives the same sums). Results are therefore
//! byte-identical at any thread count.

use rayon::prelude::*;

use crate::engine::{Engine, Participation, Workspace};
use crate::model::{ExitCause, Programme};
use crate::reference::Reference;
use crate::stats::collect::ANNUAL_COLUMNS;
use crate::stats::{summarise, Collector, Summary};
use crate::trajectory::Trajectory;

/// Replications per block of work.
pub const BLOCK: usize = 32;

/// How to run the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Number of replications.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None` = all cores).
    pub threads: Option<usize>,
    /// Which implementation of the model runs them.
    pub simulator: Simulator,
}

impl Default for Plan {
    /// 1,000 replications of seed 2025 on all cores, by the engine.
    fn default() -> Plan {
        Plan {
            replications: 1000,
            seed: 2025,
            threads: None,
            simulator: Simulator::Engine,
        }
    }
}

/// Which implementation of the model runs the replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Simulator {
    /// The fast engine ([`crate::engine`]).
    #[default]
    Engine,
    /// The reference simulator ([`crate::reference`]): the model's plain statement, slower,
    /// the same results in distribution (not draw by draw).
    Reference,
}

/// A simulator of one replication at a time, with scratch space reused across them.
trait Replicate: Sync {
    /// Scratch space of one worker.
    type Scratch: Default + Send;
    /// An empty record of the right size.
    fn record(&self) -> Trajectory;
    /// Runs replication `replication` of seed `seed` into `out`.
    fn replicate(
        &self,
        seed: u64,
        replication: u64,
        scratch: &mut Self::Scratch,
        out: &mut Trajectory,
    );
}

impl Replicate for Engine {
    type Scratch = Workspace;
    fn record(&self) -> Trajectory {
        self.trajectory()
    }
    fn replicate(&self, seed: u64, replication: u64, ws: &mut Workspace, out: &mut Trajectory) {
        self.run(seed, replication, ws, out);
    }
}

impl Replicate for Reference {
    type Scratch = ();
    fn record(&self) -> Trajectory {
        self.trajectory()
    }
    fn replicate(&self, seed: u64, replication: u64, _: &mut (), out: &mut Trajectory) {
        self.run(seed, replication, out);
    }
}

/// How to simulate, as every simulating command is asked: the plan plus whether to switch
/// parameter uncertainty off.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Replications.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None` = all cores).
    pub threads: Option<usize>,
    /// Turn parameter uncertainty off regardless of the scenario.
    pub no_uncertainty: bool,
    /// Which implementation of the model runs the replications.
    pub simulator: Simulator,
}

impl SimOptions {
    /// The Monte Carlo plan.
    pub fn plan(&self) -> Plan {
        Plan {
            replications: self.replications,
            seed: self.seed,
            threads: self.threads,
            simulator: self.simulator,
        }
    }

    /// The programme to simulate, with parameter uncertainty switched off if asked.
    pub fn prepare(&self, programme: &Programme) -> Programme {
        let mut p = programme.clone();
        if self.no_uncertainty {
            p.parameter_uncertainty = false;
        }
        p
    }
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The replication count is zero.
    #[error("the number of replications must be at least 1")]
    NoReplications,
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// Why.
        reason: String,
    },
}

/// Runs all replications and returns the collected results.
pub fn collect(
    programme: &Programme,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Collector, RunError> {
    collect_range(programme, plan, 0, progress)
}

/// Runs replications `first .. first + plan.replications`; `progress` is told how many
/// replications each finished block held (replication i always draws the
/// same numbers, so a range appended to the one before it equals one longer run).
pub fn collect_range(
    programme: &Programme,
    plan: &Plan,
    first: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Collector, RunError> {
    if plan.replications == 0 {
        return Err(RunError::NoReplications);
    }
    let members = draws(programme);
    match plan.simulator {
        Simulator::Engine => {
            let ensemble = Ensemble::of(programme, &members, Engine::new);
            collect_with(&ensemble, programme, plan, first, progress)
        }
        Simulator::Reference => {
            let ensemble = Ensemble::of(programme, &members, Reference::new);
            collect_with(&ensemble, programme, plan, first, progress)
        }
    }
}

/// The programmes the replications run: one per draw of the calibration where the
/// programme has one and parameter uncertainty is on (replication `i` runs draw
/// `i mod draws`), else the programme itself.
fn draws(programme: &Programme) -> Vec<Programme> {
    match programme.active_calibration() {
        Some(c) => (0..c.draws.len()).map(|k| programme.with_draw(k)).collect(),
        None => vec![programme.clone()],
    }
}

/// Runs `work` on a pool of `threads` worker threads, or on rayon's global pool.
fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, RunError> {
    match threads {
        Some(t) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| RunError::Threads {
                threads: t,
                reason: e.to_string(),
            })?
            .install(work)),
        None => Ok(work()),
    }
}

/// The programme replication `i` runs (its calibration draw, where it has one).
pub fn programme_of_replication(programme: &Programme, i: u64) -> Programme {
    match programme.active_calibration() {
        Some(c) => programme.with_draw((i % c.draws.len() as u64) as usize),
        None => programme.clone(),
    }
}

/// Replications shared out over the simulators of a calibration's draws.
struct Ensemble<R> {
    members: Vec<R>,
    /// A record big enough for every draw (their longest stays may differ).
    record: Trajectory,
}

impl<R: Replicate> Ensemble<R> {
    fn of(base: &Programme, members: &[Programme], new: impl Fn(&Programme) -> R) -> Self {
        Ensemble {
            members: members.iter().map(new).collect(),
            record: Trajectory::of(base),
        }
    }
}

impl<R: Replicate> Replicate for Ensemble<R> {
    type Scratch = Vec<R::Scratch>;
    fn record(&self) -> Trajectory {
        self.record.clone()
    }
    fn replicate(&self, seed: u64, i: u64, scratch: &mut Self::Scratch, out: &mut Trajectory) {
        if scratch.len() < self.members.len() {
            scratch.resize_with(self.members.len(), Default::default);
        }
        let k = (i % self.members.len() as u64) as usize;
        self.members[k].replicate(seed, i, &mut scratch[k], out);
    }
}

/// [`collect_range`] with a given simulator.
fn collect_with<R: Replicate>(
    engine: &R,
    programme: &Programme,
    plan: &Plan,
    first: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Collector, RunError> {
    let years = programme.calendar.years();
    let mut collector = Collector::new(
        years.clone(),
        programme.groups.len(),
        programme.teams.len(),
        programme.calendar.horizon as usize,
        programme
            .attributes
            .iter()
            .map(|a| a.categories.len())
            .sum(),
        plan.replications as usize,
    );
    if let Some(c) = programme.active_calibration() {
        collector.readings = c.readings.iter().map(|r| r.id.clone()).collect();
        collector.reading_of_draw = c.reading_of_draws();
    }
    collector.fk_groups = programme
        .groups
        .iter()
        .map(|g| g.hazards[ExitCause::FkSamverkan as usize] > 0.0)
        .collect();
    let row = years.len() * ANNUAL_COLUMNS;
    let empty = collector.empty_aggregate();
    let fk_groups = collector.fk_groups.clone();
    let (engine, years, empty, fk_groups) = (&engine, &years, &empty, &fk_groups);
    let (annual_rows, budget_rows) = (&mut collector.annual, &mut collector.budget);
    let work = move || {
        annual_rows
            .par_chunks_mut(BLOCK * row)
            .zip(budget_rows.par_chunks_mut(BLOCK * years.len()))
            .enumerate()
            .fold(
                || (R::Scratch::default(), engine.record(), empty.clone()),
                |(mut ws, mut traj, mut acc), (block, (annual, budget))| {
                    let first = first + (block * BLOCK) as u64;
                    let count = budget.len() / years.len().max(1);
                    for i in 0..count {
                        engine.replicate(plan.seed, first + i as u64, &mut ws, &mut traj);
                        Collector::record(
                            (years, fk_groups),
                            &traj,
                            &mut annual[i * row..(i + 1) * row],
                            &mut budget[i * years.len()..(i + 1) * years.len()],
                            &mut acc,
                        );
                    }
                    progress(count as u64);
                    (ws, traj, acc)
                },
            )
            .map(|(_, _, mut acc)| {
                acc.flush();
                acc
            })
            .reduce(|| empty.clone(), |a, b| a.merge(b))
    };
    let monthly = in_pool(plan.threads, work)?;
    collector.monthly = monthly;
    Ok(collector)
}

/// Runs replications `0..plan.replications` of the engine, recording every participation,
/// and returns `measure` of each replication's participations, in replication order (the
/// same at any thread count). A calibration's draws are used as in [`collect`].
pub fn observe<T: Send>(
    programme: &Programme,
    plan: &Plan,
    measure: &(dyn Fn(&Engine, &[Participation]) -> T + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<T>, RunError> {
    if plan.replications == 0 {
        return Err(RunError::NoReplications);
    }
    let members: Vec<Engine> = draws(programme).iter().map(Engine::new).collect();
    let record = Trajectory::of(programme);
    let work = || {
        (0..plan.replications)
            .into_par_iter()
            .map_init(
                || {
                    let spaces: Vec<Workspace> =
                        members.iter().map(|_| Workspace::default()).collect();
                    (spaces, record.clone(), Vec::new())
                },
                |(spaces, out, log), i| {
                    let k = (i % members.len() as u64) as usize;
                    log.clear();
                    members[k].run_recorded(plan.seed, i, &mut spaces[k], out, log);
                    let value = measure(&members[k], log);
                    progress(1);
                    value
                },
            )
            .collect()
    };
    in_pool(plan.threads, work)
}

/// Runs all replications and summarises them.
pub fn run(
    programme: &Programme,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, RunError> {
    let c = collect(programme, plan, progress)?;
    Ok(summarise(programme, &c, plan.seed))
}

/// Most replications `run_to_precision` will use.
pub const MAX_PRECISION_REPLICATIONS: u64 = 2_000_000;

/// Runs until every reported probability (targets and escalating-goal checks) has a Monte
/// Carlo standard error of at most `precision`, starting with `plan.replications` and never
/// exceeding [`MAX_PRECISION_REPLICATIONS`]. Since replication i depends only on (seed, i),
/// the result equals a plain run with the final count. The summary records the precision
/// asked for and whether it was reached.
pub fn run_to_precision(
    programme: &Programme,
    plan: &Plan,
    precision: f64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, RunError> {
    let n = plan.replications.clamp(1, MAX_PRECISION_REPLICATIONS);
    let mut c = collect(
        programme,
        &Plan {
            replications: n,
            ..plan.clone()
        },
        progress,
    )?;
    loop {
        let n = c.replications() as u64;
        let mut s = summarise(programme, &c, plan.seed);
        let needed = required_replications(&s, precision);
        if needed <= n || n == MAX_PRECISION_REPLICATIONS {
            s.precision = Some(precision);
            s.precision_reached = Some(needed <= n);
            return Ok(s);
        }
        // 5 % headroom: the estimated probabilities move as replications are added.
        let next = (needed as f64 * 1.05).ceil() as u64;
        let next = (next.div_ceil(BLOCK as u64) * BLOCK as u64).min(MAX_PRECISION_REPLICATIONS);
        let more = Plan {
            replications: next - n,
            ..plan.clone()
        };
        c.append(collect_range(programme, &more, n, progress)?);
    }
}

/// Replications needed for every probability in `s` to have standard error ≤ `precision`:
/// `max p(1 − p) / precision²` over the current estimates.
pub fn required_replications(s: &Summary, precision: f64) -> u64 {
    let targets = s.targets.iter().map(|t| t.probability);
    let goals = s.escalating_goals.iter().flat_map(|e| {
        e.years
            .iter()
            .flat_map(|y| y.checks.iter().map(|c| c.probability))
    });
    let worst = targets
        .chain(goals)
        .filter(|p| p.is_finite())
        .map(|p| p * (1.0 - p))
        .fold(0.0, f64::max);
    (worst / (precision * precision)).ceil() as u64
}
