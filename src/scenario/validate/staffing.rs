//! How staff come and go and who supports the teams: vacancy dynamics per team role
//! (`[staffing.ROLE]`) and support staff shared by the programme (`[support.ROLE]`).

use indexmap::IndexMap;

use super::super::raw::{RawStaffing, RawSupport};
use super::{is_identifier, Checker, MAX_MONTHS};
use crate::model::*;

/// Checks `[staffing]`; a role without a table keeps no vacancies.
pub(super) fn staffing(c: &mut Checker, raw: &Option<RawStaffing>) -> [RoleDynamics; TEAM_ROLES] {
    let rs = raw.clone().unwrap_or_default();
    let dyn_raw = [
        &rs.employment_officer,
        &rs.social_secretary,
        &rs.labour_market_secretary,
        &rs.insurance_investigator,
    ];
    let mut roles = [RoleDynamics::INERT; TEAM_ROLES];
    for (i, role) in TeamRole::ALL.iter().enumerate() {
        let Some(d) = dyn_raw[i] else { continue };
        let p = format!("staffing.{}", role.id());
        roles[i] = RoleDynamics {
            vacancy_probability: c.probability(
                &format!("{p}.vacancy_probability"),
                d.vacancy_probability,
                0.0,
            ),
            refill_months: c.integer(
                &format!("{p}.refill_months"),
                d.refill_months,
                0,
                0,
                MAX_MONTHS,
            ) as u32,
            onboarding_months: c.integer(
                &format!("{p}.onboarding_months"),
                d.onboarding_months,
                0,
                0,
                MAX_MONTHS,
            ) as u32,
            onboarding_productivity: c.probability(
                &format!("{p}.onboarding_productivity"),
                d.onboarding_productivity,
                1.0,
            ),
            effect: c.causes(&format!("{p}.effect"), &d.effect, 0.0, 0.0, 1.0),
        };
    }
    roles
}

/// Checks `[support]` against the groups it serves.
pub(super) fn support(
    c: &mut Checker,
    raw: &Option<IndexMap<String, RawSupport>>,
    names: &[String],
) -> Vec<SupportStaff> {
    let mut support = Vec::new();
    for (role, s) in raw.clone().unwrap_or_default() {
        let p = format!("support.{role}");
        if !is_identifier(&role) {
            c.problem(
                &p,
                format!(
                    "\"{role}\" is not a valid role name: use lower-case letters, digits and _"
                ),
            );
        }
        let fte = c.required(&format!("{p}.fte"), &s.fte);
        let fte = c.number(&format!("{p}.fte"), fte, 0.0, 0.0, 1e6);
        let causes = c.cause_list(&format!("{p}.causes"), &s.causes, [false; 4]);
        let max_effect = c.number(&format!("{p}.max_effect"), s.max_effect, 0.0, 0.0, 100.0);
        let half_saturation = c.number(
            &format!("{p}.half_saturation"),
            s.half_saturation,
            1.0,
            1e-9,
            1e6,
        );
        if max_effect > 0.0 && s.reference.is_none() {
            c.problem(format!("{p}.reference"), "is missing: needed when max_effect > 0 (the capacity, FTE per 100 participants, at which the group hazards were estimated)");
        }
        let reference = c.number(&format!("{p}.reference"), s.reference, 0.0, 0.0, 1e6);
        let served = c.group_list(&format!("{p}.groups"), &s.groups, names);
        support.push(SupportStaff {
            role,
            fte,
            causes,
            groups: served,
            max_effect,
            half_saturation,
            reference,
        });
    }
    support
}
