//! Who is served: participant groups (`[groups.NAME]`) with their exit hazards, gender
//! factors, duration profile, time limit and extension.

use indexmap::IndexMap;

use super::super::raw::{RawGroup, RawProfileBand};
use super::{is_identifier, Checker, MAX_GROUPS, MAX_HAZARD, MAX_MONTHS};
use crate::model::*;

/// Checks `[groups]`: at least one, at most `MAX_GROUPS`, each in the order written.
pub(super) fn groups(c: &mut Checker, raw: &Option<IndexMap<String, RawGroup>>) -> Vec<Group> {
    let raw_groups: IndexMap<String, RawGroup> = raw.clone().unwrap_or_default();
    if raw_groups.is_empty() {
        c.problem(
            "groups",
            "no participant groups are defined: add at least one [groups.NAME] table",
        );
    }
    if raw_groups.len() > MAX_GROUPS {
        c.problem(
            "groups",
            format!(
                "{} groups defined: at most {MAX_GROUPS} are allowed",
                raw_groups.len()
            ),
        );
    }
    raw_groups
        .iter()
        .map(|(name, g)| group(c, name, g))
        .collect()
}

/// Checks one `[groups.NAME]` table.
fn group(c: &mut Checker, name: &str, g: &RawGroup) -> Group {
    let p = format!("groups.{name}");
    if !is_identifier(name) {
        c.problem(
            &p,
            format!("\"{name}\" is not a valid group name: use lower-case letters, digits and _"),
        );
    }
    let share_women = c.probability(&format!("{p}.share_women"), g.share_women, 0.5);
    let hazards = c.causes(&format!("{p}.hazards"), &g.hazards, 0.0, 0.0, MAX_HAZARD);
    let women = c.causes(&format!("{p}.women"), &g.women, 1.0, 0.0, 100.0);
    let men = c.causes(&format!("{p}.men"), &g.men, 1.0, 0.0, 100.0);
    let uncertainty = c.causes(&format!("{p}.uncertainty"), &g.uncertainty, 0.0, 0.0, 2.0);
    let max_duration = c.integer(
        &format!("{p}.max_duration_months"),
        g.max_duration_months,
        12,
        1,
        MAX_MONTHS,
    ) as u32;
    let extension = g.extension.as_ref().map(|e| {
        let ep = format!("{p}.extension");
        let probability = c.required(&format!("{ep}.probability"), &e.probability);
        let probability = c.probability(&format!("{ep}.probability"), probability, 0.0);
        let until = c.required(&format!("{ep}.until_months"), &e.until_months);
        // An extension must reach past the time limit it extends.
        let until = c.integer(
            &format!("{ep}.until_months"),
            until,
            max_duration as i64 + 1,
            max_duration as i64 + 1,
            MAX_MONTHS,
        ) as u32;
        Extension { probability, until }
    });
    let profile = profile(c, &p, &g.profile.clone().unwrap_or_default());
    Group {
        name: name.to_string(),
        share_women,
        hazards,
        women,
        men,
        profile,
        max_duration,
        extension,
        uncertainty,
    }
}

/// Checks a group's `profile` bands: factors by months in the programme, where bands of
/// the same gender (or one for both) must not overlap.
fn profile(c: &mut Checker, p: &str, bands: &[RawProfileBand]) -> Vec<ProfileBand> {
    let mut profile: Vec<ProfileBand> = Vec::new();
    for (i, b) in bands.iter().enumerate() {
        let bp = format!("{p}.profile[{i}]");
        let from = c.required(&format!("{bp}.from"), &b.from);
        let from = c.integer(&format!("{bp}.from"), from, 0, 0, MAX_MONTHS) as u32;
        let to = b.to.map(|t| {
            c.integer(
                &format!("{bp}.to"),
                Some(t),
                from as i64,
                from as i64,
                MAX_MONTHS,
            ) as u32
        });
        let factors = [
            c.number(&format!("{bp}.work"), b.work, 1.0, 0.0, 100.0),
            c.number(&format!("{bp}.studies"), b.studies, 1.0, 0.0, 100.0),
            c.number(
                &format!("{bp}.fk_samverkan"),
                b.fk_samverkan,
                1.0,
                0.0,
                100.0,
            ),
            c.number(&format!("{bp}.other"), b.other, 1.0, 0.0, 100.0),
        ];
        let gender = c.gender(&format!("{bp}.gender"), b.gender.as_deref());
        if let Some(prev) = profile.iter().find(|q| {
            let q_to = q.to.unwrap_or(u32::MAX);
            let b_to = to.unwrap_or(u32::MAX);
            let same = q.gender.is_none() || gender.is_none() || q.gender == gender;
            same && from <= q_to && q.from <= b_to
        }) {
            c.problem(
                &bp,
                format!(
                    "overlaps the band starting at month {}: bands of the same gender must \
                     not overlap",
                    prev.from
                ),
            );
        }
        profile.push(ProfileBand {
            gender,
            from,
            to,
            factors,
        });
    }
    profile
}
