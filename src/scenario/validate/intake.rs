//! Who enters when: the intake (`[intake]`: schedule, size, mix, pauses, cap, continuous
//! intake) and the caseload already in the programme at the start (`[[initial]]`).

use indexmap::IndexMap;

use super::super::raw::{RawCap, RawContinuous, RawInitial, RawIntake, RawPause};
use super::{
    mix_shares, month, Checker, MAX_MONTHLY_ENTRANTS, MAX_MONTHS, MAX_PER_TEAM, MAX_TEAMS,
};
use crate::model::*;

/// Checks `[intake]` for `teams` receiving teams and the groups `names`.
pub(super) fn intake(
    c: &mut Checker,
    raw: &Option<RawIntake>,
    calendar: &Calendar,
    teams: usize,
    names: &[String],
) -> Intake {
    let ri = raw.clone().unwrap_or_default();
    if raw.is_none() {
        c.problem("intake", "is missing: add an [intake] table");
    }
    let schedule = schedule(c, &ri, calendar);
    let per_team = c.integer("intake.per_team", ri.per_team, 35, 0, MAX_PER_TEAM) as u32;
    if teams as u64 * per_team as u64 > MAX_MONTHLY_ENTRANTS {
        c.problem(
            "intake.per_team",
            format!(
                "{} teams × {per_team} per intake = {} entrants at one intake: at most {MAX_MONTHLY_ENTRANTS} are supported",
                teams,
                teams as u64 * per_team as u64
            ),
        );
    }
    let mut mix = vec![0.0; names.len()];
    match &ri.mix {
        None if per_team > 0 && !names.is_empty() => {
            c.problem("intake.mix", "is missing: give the share of each group in a scheduled intake, e.g. mix = { af_job = 0.5, social_services = 0.5 }")
        }
        None => {}
        Some(m) => mix = mix_shares(c, "intake.mix", m, names),
    }
    let pauses = pauses(c, &ri.pauses.clone().unwrap_or_default(), calendar);
    let cap = ri.cap.as_ref().map(|cp| cap(c, cp));
    let continuous = continuous(c, &ri.continuous.clone().unwrap_or_default(), names);
    Intake {
        schedule,
        per_team,
        mix,
        pauses,
        cap,
        continuous,
    }
}

/// Checks `intake.schedule` and the keys of the schedule chosen (every month by default).
fn schedule(c: &mut Checker, ri: &RawIntake, calendar: &Calendar) -> Schedule {
    let kind = ri.schedule.clone().unwrap_or_else(|| "every".into());
    match kind.as_str() {
        "every" => {
            let months = c.integer("intake.every_months", ri.every_months, 1, 1, MAX_MONTHS) as u32;
            let first = ri
                .first_month
                .as_deref()
                .and_then(|s| month(c, "intake.first_month", s, calendar, false))
                .unwrap_or(0);
            Schedule::Every {
                months,
                offset: first.rem_euclid(months as i32) as u32,
            }
        }
        "rotating" => {
            let b = c.required("intake.blocks", &ri.blocks);
            Schedule::Rotating {
                blocks: c.integer("intake.blocks", b, 1, 1, MAX_TEAMS) as u32,
            }
        }
        "months" => {
            let list = c.required("intake.months", &ri.months).unwrap_or_default();
            let ms = list
                .iter()
                .enumerate()
                .filter_map(|(i, s)| month(c, &format!("intake.months[{i}]"), s, calendar, true))
                .collect();
            Schedule::Months(ms)
        }
        other => {
            c.problem(
                "intake.schedule",
                format!("\"{other}\" is not a schedule: allowed are every, rotating, months"),
            );
            Schedule::Every {
                months: 1,
                offset: 0,
            }
        }
    }
}

/// Checks `intake.pauses`: month ranges inside the simulated period, in order.
fn pauses(c: &mut Checker, raw: &[RawPause], calendar: &Calendar) -> Vec<(i32, i32)> {
    let mut pauses = Vec::new();
    for (i, pz) in raw.iter().enumerate() {
        let p = format!("intake.pauses[{i}]");
        let from = c
            .required(&format!("{p}.from"), &pz.from)
            .and_then(|s| month(c, &format!("{p}.from"), &s, calendar, true));
        let to = c
            .required(&format!("{p}.to"), &pz.to)
            .and_then(|s| month(c, &format!("{p}.to"), &s, calendar, true));
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                c.problem(format!("{p}.to"), "comes before from");
            }
            pauses.push((a, b));
        }
    }
    pauses
}

/// Checks `intake.cap`; entrants beyond the cap wait unless told to decline.
fn cap(c: &mut Checker, cp: &RawCap) -> CaseloadCap {
    let n = c.required("intake.cap.per_team", &cp.per_team);
    let per_team = c.integer("intake.cap.per_team", n, 1, 1, MAX_PER_TEAM) as u32;
    let overflow = match cp.overflow.as_deref().unwrap_or("wait") {
        "wait" => Overflow::Wait,
        "decline" => Overflow::Decline,
        o => {
            c.problem(
                "intake.cap.overflow",
                format!("\"{o}\" is not allowed: use wait or decline"),
            );
            Overflow::Wait
        }
    };
    CaseloadCap { per_team, overflow }
}

/// Checks `[intake.continuous]`: a monthly flow into known groups.
fn continuous(
    c: &mut Checker,
    raw: &IndexMap<String, RawContinuous>,
    names: &[String],
) -> Vec<ContinuousIntake> {
    let mut continuous = Vec::new();
    for (g, ci) in raw {
        let p = format!("intake.continuous.{g}");
        let per_month = c.required(&format!("{p}.per_month"), &ci.per_month);
        let per_month = c.number(&format!("{p}.per_month"), per_month, 0.0, 0.0, 1e5);
        match names.iter().position(|n| n == g) {
            Some(group) => continuous.push(ContinuousIntake { group, per_month }),
            None => c.problem(
                p,
                format!(
                    "unknown group \"{g}\": the scenario's groups are {}",
                    names.join(", ")
                ),
            ),
        }
    }
    continuous
}

/// Checks `[[initial]]`: cohorts of known groups, each below its group's time limit.
pub(super) fn initial(
    c: &mut Checker,
    raw: &Option<Vec<RawInitial>>,
    names: &[String],
    groups: &[Group],
) -> Vec<InitialCohort> {
    let mut initial = Vec::new();
    for (i, ic) in raw.clone().unwrap_or_default().iter().enumerate() {
        let p = format!("initial[{i}]");
        let g = c.required(&format!("{p}.group"), &ic.group);
        let group = g.as_ref().and_then(|g| {
            let k = names.iter().position(|n| n == g);
            if k.is_none() {
                c.problem(
                    format!("{p}.group"),
                    format!(
                        "unknown group \"{g}\": the scenario's groups are {}",
                        names.join(", ")
                    ),
                );
            }
            k
        });
        let count = c.required(&format!("{p}.count"), &ic.count);
        let count = c.integer(&format!("{p}.count"), count, 0, 0, 10_000_000) as u32;
        let range = ic.months_spent.clone().unwrap_or_else(|| vec![0, 0]);
        let spent = if range.len() != 2 || range[0] < 0 || range[1] < range[0] {
            c.problem(
                format!("{p}.months_spent"),
                format!("{range:?} is not allowed: give [first, last] with 0 <= first <= last"),
            );
            (0, 0)
        } else {
            (range[0] as u32, range[1] as u32)
        };
        if let Some(k) = group {
            if spent.1 >= groups[k].max_duration {
                c.problem(
                    format!("{p}.months_spent"),
                    format!(
                        "{} months spent is not below the group's max_duration_months ({})",
                        spent.1, groups[k].max_duration
                    ),
                );
            }
            initial.push(InitialCohort {
                group: k,
                count,
                months_spent: spent,
            });
        }
    }
    initial
}
