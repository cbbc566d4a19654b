//! `kraftsim synth`: synthetic individual records of one simulated replication (no real
//! person), for testing and for showing the calibrate workflow.

use std::path::PathBuf;

use crate::engine::Engine;
use crate::output;
use crate::records;

/// What `synth` needs.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Scenario file or built-in name (default: malmo).
    pub scenario: Option<String>,
    /// `--set` overrides.
    pub set: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Which replication to write.
    pub replication: u64,
    /// The records file to write.
    pub out: PathBuf,
}

/// Simulates one replication and writes its participations as records.
pub fn synth(o: &SynthOptions) -> anyhow::Result<String> {
    let scenario = super::load_scenario(o.scenario.as_deref(), &o.set)?;
    // The replication runs its calibration draw, as in every other command.
    let drawn = crate::montecarlo::programme_of_replication(&scenario.programme, o.replication);
    let p = &drawn;
    let engine = Engine::new(p);
    let mut ws = Default::default();
    let mut traj = engine.trajectory();
    let mut log = Vec::new();
    engine.run_recorded(o.seed, o.replication, &mut ws, &mut traj, &mut log);
    let bytes = records::synthetic_csv(&engine, &log, o.seed, o.replication);
    output::write_all(&[(o.out.clone(), bytes)])?;
    let start = p.calendar.start;
    let end = p.calendar.month(p.calendar.horizon as i32 - 1);
    let before = log.iter().filter(|r| r.entry < 0).count();
    let enrolled = log.iter().filter(|r| r.exit.is_none()).count();
    let mut text = format!(
        "Wrote {} synthetic participations of \"{}\" (seed {}, replication {}) to {}:\n\
         entries up to {end}, {enrolled} still enrolled at the end of {end}.\n",
        log.len(),
        p.name,
        o.seed,
        o.replication,
        o.out.display()
    );
    if before > 0 {
        let first = records::Date::first_of(start);
        text.push_str(&format!(
            "{before} entered before {start} (warm-up or initial caseload); calibrate with \
             --from {first} to count only the simulated months.\n"
        ));
    }
    Ok(text)
}
