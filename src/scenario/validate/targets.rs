//! What counts as success: targets on metrics by year (`[[targets]]`) and the escalating
//! yearly goals (`[escalating_goals]`).

use super::super::raw::{RawEscalating, RawTarget};
use super::Checker;
use crate::model::*;

/// Checks `[[targets]]` against the simulated years; a target without a known metric is
/// dropped after its other keys are checked.
pub(super) fn targets(
    c: &mut Checker,
    raw: &Option<Vec<RawTarget>>,
    report_years: &[i32],
) -> Vec<Target> {
    let mut targets = Vec::new();
    for (i, t) in raw.clone().unwrap_or_default().iter().enumerate() {
        if let Some(target) = target(c, &format!("targets[{i}]"), t, report_years) {
            targets.push(target);
        }
    }
    targets
}

/// Checks one target at `p`: its metric, exactly one of year/years, exactly one bound.
fn target(c: &mut Checker, p: &str, t: &RawTarget, report_years: &[i32]) -> Option<Target> {
    let metric = c.required(&format!("{p}.metric"), &t.metric).and_then(|m| {
        let k = Metric::from_id(&m);
        if k.is_none() {
            let all: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).collect();
            c.problem(
                format!("{p}.metric"),
                format!("unknown metric \"{m}\": allowed are {}", all.join(", ")),
            );
        }
        k
    });
    let years: Vec<i64> = match (&t.year, &t.years) {
        (Some(y), None) => vec![*y],
        (None, Some(ys)) if !ys.is_empty() => ys.clone(),
        _ => {
            c.problem(p, "give exactly one of year = YYYY or years = [YYYY, ...]");
            vec![]
        }
    };
    for y in &years {
        if !report_years.contains(&(*y as i32)) {
            c.problem(
                format!("{p}.year"),
                format!("{y} is outside the horizon: the simulated years are {report_years:?}"),
            );
        }
    }
    let (threshold, direction) = match (t.at_least, t.at_most) {
        (Some(v), None) => (v, Direction::AtLeast),
        (None, Some(v)) => (v, Direction::AtMost),
        _ => {
            c.problem(p, "give exactly one of at_least or at_most");
            (0.0, Direction::AtLeast)
        }
    };
    if !threshold.is_finite() {
        c.problem(p, format!("threshold {threshold} is not a finite number"));
    }
    let gender = c.gender(&format!("{p}.gender"), t.gender.as_deref());
    Some(Target {
        metric: metric?,
        years: years.iter().map(|&y| y as i32).collect(),
        threshold,
        direction,
        gender,
        label: t.label.clone().unwrap_or_default(),
    })
}

/// Checks `[escalating_goals]`; a disabled block is not checked at all.
pub(super) fn escalating_goals(
    c: &mut Checker,
    raw: &Option<RawEscalating>,
    calendar: &Calendar,
    report_years: &[i32],
) -> Option<EscalatingGoals> {
    let e = raw.as_ref().filter(|e| e.enabled.unwrap_or(true))?;
    let fy = c
        .required("escalating_goals.first_year", &e.first_year)
        .unwrap_or(calendar.start.year as i64);
    if !report_years.contains(&(fy as i32)) {
        c.problem(
            "escalating_goals.first_year",
            format!("{fy} is outside the horizon: the simulated years are {report_years:?}"),
        );
    }
    let fs = c.required("escalating_goals.first_share", &e.first_share);
    let first_share = c.probability("escalating_goals.first_share", fs, 0.4);
    let (step_min, step_max) = step(c, &e.step);
    let share = match e.share.as_deref() {
        None | Some("all_closures") => ShareBasis::AllClosures,
        Some("excluding_time_limit") => ShareBasis::ExcludingTimeLimit,
        Some(other) => {
            c.problem(
                "escalating_goals.share",
                format!(
                    "\"{other}\" is not allowed: use all_closures (the share of every \
                     closure) or excluding_time_limit (closures at the time limit left out)"
                ),
            );
            ShareBasis::AllClosures
        }
    };
    Some(EscalatingGoals {
        first_year: fy as i32,
        first_share,
        step_min,
        step_max,
        share,
    })
}

/// Checks `escalating_goals.step`, the range [min, max] of the yearly step (default [3, 5]).
fn step(c: &mut Checker, raw: &Option<Vec<f64>>) -> (f64, f64) {
    let step = raw.clone().unwrap_or_else(|| vec![3.0, 5.0]);
    if step.len() == 2
        && step
            .iter()
            .all(|s| s.is_finite() && (0.0..=100.0).contains(s))
        && step[0] <= step[1]
    {
        (step[0], step[1])
    } else {
        c.problem(
            "escalating_goals.step",
            format!("{step:?} is not allowed: give [min, max] with 0 <= min <= max <= 100"),
        );
        (3.0, 5.0)
    }
}
