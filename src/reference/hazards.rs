//! Hazards in the reference simulator: a participant's monthly hazard of each exit cause.
//!
//! `h_k = base_k × gender_k × profile_k(months in programme, gender) × attributes_k /
//! norm_k × team_k × programme_k`, where
//! - `base`, `gender`, `profile` are the group's (`[groups.*]`);
//! - `attributes` is the product of the participant's categories' multipliers and `norm`
//!   the mean of that product over the group's own intake distribution, so the group's
//!   hazards stay those of its average referral and only a change of who enters moves them;
//! - `team` is the team's ramp (on work, studies and fk_samverkan), caseload pressure (on
//!   the causes it names) and, per role, `1 − effect × (1 − availability)` where
//!   availability is the funded share of the standard post times the productivity of whoever
//!   fills it;
//! - `programme` is the replication's parameter draw of the group × the season × each
//!   shared support role's capacity multiplier (on the causes and groups it serves) × each
//!   shock that is on for the group.

use super::{Participant, TeamState};
use crate::model::*;

use super::staffing::Post;

/// The month's factors of each group that do not depend on the team: the parameter draw,
/// the season, shared support capacity and shocks.
pub(super) fn programme_factors(
    p: &Programme,
    m: i32,
    draws: &[CauseFactors],
    teams: &[TeamState],
) -> Vec<CauseFactors> {
    let season = p.seasonality[(p.calendar.month_of_year(m) - 1) as usize];
    let support: Vec<f64> = p
        .support
        .iter()
        .map(|s| {
            let served = teams
                .iter()
                .flat_map(|t| &t.members)
                .filter(|person| s.groups[person.group])
                .count();
            s.multiplier(served)
        })
        .collect();
    (0..p.groups.len())
        .map(|g| {
            std::array::from_fn(|k| {
                let mut f = draws[g][k] * season[k];
                for (s, &x) in p.support.iter().zip(&support) {
                    if s.groups[g] && s.causes[k] {
                        f *= x;
                    }
                }
                for shock in &p.shocks {
                    if shock.groups[g] && shock.active(m) {
                        f *= shock.factors[k];
                    }
                }
                f
            })
        })
        .collect()
}

/// A working team's factors in month `m` with `caseload` active participants.
pub(super) fn team_factors(
    p: &Programme,
    team: &Team,
    posts: &[Post; TEAM_ROLES],
    m: i32,
    caseload: usize,
) -> CauseFactors {
    let ramp = team.ramp.map_or(1.0, |r| r.factor(m - team.ramp_from));
    let pressure = p
        .pressure
        .as_ref()
        .map_or(1.0, |pr| pr.multiplier(caseload, team.fte()));
    std::array::from_fn(|k| {
        let cause = ExitCause::HAZARD[k];
        let mut f = 1.0;
        if cause.is_supported_outcome() {
            f *= ramp;
        }
        if p.pressure.as_ref().is_some_and(|pr| pr.causes[k]) {
            f *= pressure;
        }
        for r in 0..TEAM_ROLES {
            if team.standard[r] <= 0.0 {
                continue;
            }
            let role = &p.roles[r];
            let availability =
                (team.posts[r] * posts[r].productivity(role) / team.standard[r]).min(1.0);
            f *= 1.0 - role.effect[k] * (1.0 - availability);
        }
        f
    })
}

/// The hazards of one participant in month `m`.
pub(super) fn of(
    p: &Programme,
    person: &Participant,
    m: i32,
    team: CauseFactors,
    programme: &[CauseFactors],
) -> CauseFactors {
    let group = &p.groups[person.group];
    let gender = group.gender_factors(person.gender);
    let profile = group.profile_at(person.months_in(m) as u32, person.gender);
    let norm = p
        .attribute_norm
        .get(person.group)
        .copied()
        .unwrap_or(NEUTRAL);
    std::array::from_fn(|k| {
        let mut attributes = 1.0;
        for (a, &c) in p.attributes.iter().zip(&person.categories) {
            attributes *= a.multipliers[c][k];
        }
        if norm[k] > 0.0 {
            attributes /= norm[k];
        }
        group.hazards[k]
            * gender[k]
            * profile[k]
            * attributes
            * team[k]
            * programme[person.group][k]
    })
}
