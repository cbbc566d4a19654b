//! What it costs: rates per FTE of team and support roles and a yearly overhead
//! (`[costs]`).

use super::super::raw::RawCosts;
use super::Checker;
use crate::model::*;

/// Checks `[costs]`: every rate names a known role and, once costs are given, every role
/// with posts or FTE has a rate.
pub(super) fn costs(
    c: &mut Checker,
    raw: &Option<RawCosts>,
    teams: &[Team],
    support: &[SupportStaff],
) -> Costs {
    let rco = raw.clone().unwrap_or_default();
    let per_fte = rco.per_fte.clone().unwrap_or_default();
    let mut team_roles = [0.0; TEAM_ROLES];
    let mut support_roles = Vec::new();
    for (role, rate) in &per_fte {
        let p = format!("costs.per_fte.{role}");
        let v = c.number(&p, Some(*rate), 0.0, 0.0, 1e9);
        if let Some(r) = TeamRole::ALL.iter().position(|t| t.id() == role) {
            team_roles[r] = v;
        }
        if support.iter().any(|s| &s.role == role) {
            support_roles.push((role.clone(), v));
        } else if !TeamRole::ALL.iter().any(|t| t.id() == role) {
            c.problem(p, format!("\"{role}\" is neither a team role (employment_officer, social_secretary, labour_market_secretary, insurance_investigator) nor a [support] role of this scenario"));
        }
    }
    if raw.is_some() {
        for (r, role) in TeamRole::ALL.iter().enumerate() {
            if teams.iter().any(|t| t.posts[r] > 0.0) && !per_fte.contains_key(role.id()) {
                c.problem(
                    format!("costs.per_fte.{}", role.id()),
                    "is missing: every role with posts needs a cost rate",
                );
            }
        }
        for s in support {
            if s.fte > 0.0 && !per_fte.contains_key(&s.role) {
                c.problem(
                    format!("costs.per_fte.{}", s.role),
                    "is missing: every support role with FTE needs a cost rate",
                );
            }
        }
    }
    Costs {
        team_roles,
        support_roles,
        overhead_per_year: c.number(
            "costs.overhead_per_year",
            rco.overhead_per_year,
            0.0,
            0.0,
            1e12,
        ),
    }
}
