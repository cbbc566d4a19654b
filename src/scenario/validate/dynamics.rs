//! What moves the hazards over time: caseload pressure (`[pressure]`), monthly
//! seasonality (`[seasonality]`) and dated shocks (`[shocks.NAME]`).

use indexmap::IndexMap;

use super::super::raw::{RawPressure, RawSeasonality, RawShock};
use super::{mix_shares, month, Checker};
use crate::model::*;

/// Checks `[pressure]`; without it caseload pressure is off.
pub(super) fn pressure(c: &mut Checker, raw: &Option<RawPressure>) -> Option<Pressure> {
    raw.as_ref().map(|rp| {
        let r = c.required("pressure.reference_per_fte", &rp.reference_per_fte);
        Pressure {
            reference_per_fte: c.number("pressure.reference_per_fte", r, 1.0, 1e-9, 1e9),
            exponent: c.number("pressure.exponent", rp.exponent, 0.5, 0.0, 10.0),
            causes: c.cause_list("pressure.causes", &rp.causes, [true, true, true, false]),
        }
    })
}

/// Checks `[seasonality]`: twelve factors per cause, neutral where not given.
pub(super) fn seasonality(c: &mut Checker, raw: &Option<RawSeasonality>) -> [CauseFactors; 12] {
    let rse = raw.clone().unwrap_or_default();
    let mut seasonality = [NEUTRAL; 12];
    for (k, (id, vals)) in [
        ("work", &rse.work),
        ("studies", &rse.studies),
        ("fk_samverkan", &rse.fk_samverkan),
        ("other", &rse.other),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(v) = vals else { continue };
        let p = format!("seasonality.{id}");
        if v.len() != 12 {
            c.problem(
                &p,
                format!("has {} values: give 12, January to December", v.len()),
            );
            continue;
        }
        for (mo, x) in v.iter().enumerate() {
            seasonality[mo][k] = c.number(&format!("{p}[{mo}]"), Some(*x), 1.0, 0.0, 100.0);
        }
    }
    seasonality
}

/// Checks `[shocks]`. A disabled shock is checked but not kept, and its months need not
/// lie in the simulated period; an enabled one with `intake_pause` adds to `pauses`.
pub(super) fn shocks(
    c: &mut Checker,
    raw: &Option<IndexMap<String, RawShock>>,
    calendar: &Calendar,
    names: &[String],
    pauses: &mut Vec<(i32, i32)>,
) -> Vec<Shock> {
    let mut shocks = Vec::new();
    for (name, s) in raw.clone().unwrap_or_default() {
        let p = format!("shocks.{name}");
        let enabled = s.enabled.unwrap_or(true);
        let from = c
            .required(&format!("{p}.from"), &s.from)
            .and_then(|t| month(c, &format!("{p}.from"), &t, calendar, enabled));
        let to = c
            .required(&format!("{p}.to"), &s.to)
            .and_then(|t| month(c, &format!("{p}.to"), &t, calendar, enabled));
        let groups_hit = c.group_list(&format!("{p}.groups"), &s.groups, names);
        let factors = c.causes(&format!("{p}.factors"), &s.factors, 1.0, 0.0, 100.0);
        let vacancy_factors = c.roles(&format!("{p}.vacancy_factor"), &s.vacancy_factor, [1.0; 4]);
        let shock_mix = s
            .mix
            .as_ref()
            .map(|m| mix_shares(c, &format!("{p}.mix"), m, names));
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                c.problem(format!("{p}.to"), "comes before from");
            }
            if enabled {
                if s.intake_pause == Some(true) {
                    pauses.push((a, b));
                }
                shocks.push(Shock {
                    name,
                    from: a,
                    to: b,
                    groups: groups_hit,
                    factors,
                    vacancy_factors,
                    mix: shock_mix,
                });
            }
        }
    }
    shocks
}
