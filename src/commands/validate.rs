//! `kraftsim validate`: check a scenario and print it fully resolved (after `extends`), or
//! list every problem in it.

use crate::model::Programme;

/// Validates and returns the resolved scenario as TOML, preceded by a short digest.
pub fn validate(scenario: Option<&str>, set: &[String]) -> anyhow::Result<String> {
    let s = super::load_scenario(scenario, set)?;
    let resolved = toml::to_string(&s.table)?;
    Ok(format!(
        "# {} is valid.\n# {}\n# Resolved scenario (after extends and overrides):\n\n{resolved}",
        s.origin,
        digest(&s.programme)
    ))
}

/// One line describing what the programme contains.
fn digest(p: &Programme) -> String {
    let participants_per_intake = p.intake.per_team;
    format!(
        "{} teams, {} groups, {} months from {} (+{} warm-up), {} per team per intake, {} targets, parameter uncertainty {}",
        p.teams.len(),
        p.groups.len(),
        p.calendar.horizon,
        p.calendar.start,
        p.calendar.warmup,
        participants_per_intake,
        p.targets.len(),
        if p.draws_uncertainty() { "on" } else { "off" }
    )
}
