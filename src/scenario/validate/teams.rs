//! Who serves: the standard teams (`[teams]`), the cohorts added or stopped
//! (`[teams.added.NAME]`) and the posts withdrawn from them.

use super::super::raw::{RawCohort, RawRoles, RawTeams};
use super::{month, Checker, MAX_TEAMS};
use crate::model::*;

/// Checks `[teams]`: the existing teams, then each added cohort, then the withdrawn posts.
pub(super) fn teams(c: &mut Checker, raw: &Option<RawTeams>, calendar: &Calendar) -> Vec<Team> {
    let rt = raw.clone().unwrap_or_default();
    let count = c.integer("teams.count", rt.count, 0, 0, MAX_TEAMS) as usize;
    let standard = c.roles("teams.roles", &rt.roles, [1.0, 1.0, 1.0, 0.0]);
    let restart = c.ramp("teams.restart_ramp", &rt.restart_ramp);
    let stop = rt
        .stop
        .as_deref()
        .and_then(|s| month(c, "teams.stop", s, calendar, false));
    let mut teams: Vec<Team> = (0..count)
        .map(|_| Team {
            cohort: "existing".into(),
            standard,
            posts: standard,
            start: None,
            stop,
            ramp: restart,
            ramp_from: 0,
        })
        .collect();
    for (name, cohort) in rt.added.clone().unwrap_or_default() {
        added(c, &name, &cohort, (standard, restart), calendar, &mut teams);
    }
    if teams.is_empty() && raw.is_some() {
        c.problem(
            "teams.count",
            "0 teams in all: a programme needs at least one team (teams.count or teams.added)",
        );
    } else if teams.is_empty() {
        c.problem("teams", "is missing: set teams.count");
    }
    if teams.len() as i64 > MAX_TEAMS {
        c.problem(
            "teams",
            format!(
                "{} teams in all: at most {MAX_TEAMS} are allowed",
                teams.len()
            ),
        );
    }
    withdraw(c, &rt.withdrawn, &mut teams);
    teams
}

/// Checks one `[teams.added.NAME]` cohort and appends its teams; `defaults` are the
/// standard roles and the restart ramp.
fn added(
    c: &mut Checker,
    name: &str,
    cohort: &RawCohort,
    defaults: (RoleFte, Option<Ramp>),
    calendar: &Calendar,
    teams: &mut Vec<Team>,
) {
    let (standard, restart) = defaults;
    let p = format!("teams.added.{name}");
    let n = c.required(&format!("{p}.count"), &cohort.count);
    let n = c.integer(&format!("{p}.count"), n, 0, 0, MAX_TEAMS) as usize;
    let st = c.required(&format!("{p}.start"), &cohort.start);
    // An emptied cohort (count = 0) need not start inside the horizon, so a variant
    // can switch a cohort off without touching its dates.
    let start_m = st.and_then(|s| month(c, &format!("{p}.start"), &s, calendar, n > 0));
    let stop_m = cohort
        .stop
        .as_deref()
        .and_then(|s| month(c, &format!("{p}.stop"), s, calendar, false));
    if let (Some(a), Some(b)) = (start_m, stop_m) {
        if b <= a {
            c.problem(format!("{p}.stop"), "must come after start");
        }
    }
    let roles = c.roles(&format!("{p}.roles"), &cohort.roles, standard);
    let ramp = c.ramp(&format!("{p}.ramp"), &cohort.ramp);
    let start_m = start_m.unwrap_or(0);
    // A cohort's own ramp runs from its start; the restart ramp applies too if it
    // has none and starts at the horizon's beginning.
    let (ramp, from) = match (ramp, restart) {
        (Some(r), _) => (Some(r), start_m),
        (None, Some(r)) => (Some(r), 0),
        (None, None) => (None, 0),
    };
    for _ in 0..n {
        teams.push(Team {
            cohort: name.to_string(),
            standard: roles,
            posts: roles,
            start: Some(start_m),
            stop: stop_m,
            ramp,
            ramp_from: from,
        });
    }
}

/// Checks `teams.withdrawn` and takes the withdrawn FTE from the last teams first.
fn withdraw(c: &mut Checker, raw: &Option<RawRoles>, teams: &mut [Team]) {
    let withdrawn = c.roles("teams.withdrawn", raw, [0.0; 4]);
    for (r, role) in TeamRole::ALL.iter().enumerate() {
        let mut left = withdrawn[r];
        let available: f64 = teams.iter().map(|t| t.posts[r]).sum();
        if left > available + 1e-9 {
            c.problem(
                format!("teams.withdrawn.{}", role.id()),
                format!(
                    "{left} FTE withdrawn but the teams have only {available} FTE of this role"
                ),
            );
            continue;
        }
        for t in teams.iter_mut().rev() {
            if left <= 0.0 {
                break;
            }
            let take = left.min(t.posts[r]);
            t.posts[r] -= take;
            left -= take;
        }
    }
}
