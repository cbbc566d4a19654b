//! Who enters: participant attributes (`[attributes.NAME]`) and target-group definitions
//! (`[definitions.NAME]`, applied with `definition = "NAME"`).
//!
//! A definition is resolved against the programme it applies to: a new group mix replaces
//! the intake's, an attribute share is reached by tilting every group's distribution by a
//! common odds factor (so a group where everyone or no one is in the category keeps it),
//! and eligibility filters are handed to the engine, which refills or shrinks the intake.

use indexmap::IndexMap;

use super::super::raw::{RawAttribute, RawDefinition};
use super::super::Problem;
use super::{is_identifier, shares, Checker};
use crate::model::*;

/// Most combinations of attribute categories (a participant's profile is 16 bits).
pub const MAX_PROFILES: usize = 1 << 16;

/// A change of one attribute's intake distribution made by a definition.
#[derive(Debug, Clone)]
enum ShareChange {
    /// This category's share among all expected entrants.
    Category(usize, f64),
    /// This distribution in every group.
    Distribution(Vec<f64>),
}

/// A definition checked against the scenario's groups and attributes.
#[derive(Debug, Clone)]
pub(super) struct Definition {
    name: String,
    mix: Option<Vec<f64>>,
    allowed: Option<Vec<Vec<bool>>>,
    ineligible: Ineligible,
    share: Vec<(usize, ShareChange)>,
}

/// Checks `[attributes]` against the groups.
pub(super) fn attributes(
    c: &mut Checker,
    raw: &Option<IndexMap<String, RawAttribute>>,
    groups: &[String],
) -> Vec<Attribute> {
    let mut out = Vec::new();
    for (id, a) in raw.clone().unwrap_or_default() {
        let p = format!("attributes.{id}");
        if !is_identifier(&id) {
            c.problem(
                &p,
                "an attribute name must be lowercase letters, digits and _ (e.g. age)",
            );
        }
        let categories = c
            .required(&format!("{p}.categories"), &a.categories)
            .unwrap_or_default();
        if a.categories.is_some() && categories.is_empty() {
            c.problem(
                format!("{p}.categories"),
                "is empty: give at least one category",
            );
        }
        for (i, cat) in categories.iter().enumerate() {
            if categories[..i].contains(cat) {
                c.problem(
                    format!("{p}.categories[{i}]"),
                    format!("\"{cat}\" is listed twice"),
                );
            }
        }
        let what = ("category", format!("the categories of {id} are"));
        let distribution = per_group(
            c,
            &p,
            (&a.distribution, &a.by_group),
            groups,
            &categories,
            &what,
        );
        let calibrated_on = match &a.calibrated_on {
            Some(r) => per_group(
                c,
                &format!("{p}.calibrated_on"),
                (&r.distribution, &r.by_group),
                groups,
                &categories,
                &what,
            ),
            None => distribution.clone(),
        };
        let mut multipliers = vec![NEUTRAL; categories.len()];
        for (cat, m) in a.multipliers.clone().unwrap_or_default() {
            let path = format!("{p}.multipliers.{cat}");
            let f = c.causes(&path, &Some(m), 1.0, 0.0, 100.0);
            if let Some(k) = category(c, &path, &id, &categories, &cat) {
                multipliers[k] = f;
            }
        }
        out.push(Attribute {
            id,
            categories,
            distribution,
            calibrated_on,
            multipliers,
        });
    }
    let profiles = out
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.categories.len().max(1)));
    if profiles.is_none_or(|n| n > MAX_PROFILES) {
        c.problem(
            "attributes",
            format!("the attributes' categories combine to more than {MAX_PROFILES} profiles: use fewer categories"),
        );
    }
    out
}

/// Shares by name, as written.
type Shares = IndexMap<String, f64>;

/// An attribute's intake distribution per group, from the distribution for every group
/// and the groups' own (`path` is `attributes.NAME` or its `calibrated_on`).
fn per_group(
    c: &mut Checker,
    path: &str,
    (distribution, by_group): (&Option<Shares>, &Option<IndexMap<String, Shares>>),
    groups: &[String],
    categories: &[String],
    what: &(&str, String),
) -> Vec<Vec<f64>> {
    let base = distribution
        .as_ref()
        .map(|d| shares(c, &format!("{path}.distribution"), d, categories, what));
    let by_group = by_group.clone().unwrap_or_default();
    for g in by_group.keys() {
        if !groups.contains(g) {
            c.problem(
                format!("{path}.by_group.{g}"),
                format!(
                    "unknown group \"{g}\": the scenario's groups are {}",
                    groups.join(", ")
                ),
            );
        }
    }
    groups
        .iter()
        .map(|g| match (by_group.get(g), &base) {
            (Some(d), _) => shares(c, &format!("{path}.by_group.{g}"), d, categories, what),
            (None, Some(b)) => b.clone(),
            (None, None) => {
                c.problem(
                    format!("{path}.distribution"),
                    format!("is missing: give a distribution for every group, or by_group.{g}"),
                );
                vec![0.0; categories.len()]
            }
        })
        .collect()
}

/// Checks every `[definitions]` block (also those not applied, so `validate` finds their
/// mistakes) and returns the one named by `definition`, if any.
pub(super) fn definitions(
    c: &mut Checker,
    raw: &Option<IndexMap<String, RawDefinition>>,
    active: &Option<String>,
    groups: &[String],
    attributes: &[Attribute],
) -> Option<Definition> {
    let all = raw.clone().unwrap_or_default();
    let mut chosen = None;
    for (name, d) in &all {
        let p = format!("definitions.{name}");
        let ineligible = match d.ineligible.as_deref() {
            None | Some("refill") => Ineligible::Refill,
            Some("shrink") => Ineligible::Shrink,
            Some(o) => {
                c.problem(
                    format!("{p}.ineligible"),
                    format!("\"{o}\" is not allowed: use refill (the place goes to an eligible person) or shrink (the intake shrinks)"),
                );
                Ineligible::Refill
            }
        };
        let group_what = ("group", "the scenario's groups are".to_string());
        let mix = d
            .mix
            .as_ref()
            .map(|m| shares(c, &format!("{p}.mix"), m, groups, &group_what));
        let mut allowed: Option<Vec<Vec<bool>>> = None;
        for (key, list, keep) in [("exclude", &d.exclude, false), ("only", &d.only, true)] {
            for (attr, cats) in list.clone().unwrap_or_default() {
                let path = format!("{p}.{key}.{attr}");
                let Some(a) = attribute(c, &path, &attr, attributes) else {
                    continue;
                };
                let mut named = vec![false; attributes[a].categories.len()];
                for (i, cat) in cats.iter().enumerate() {
                    let at = &attributes[a];
                    match category(c, &format!("{path}[{i}]"), &at.id, &at.categories, cat) {
                        Some(k) => named[k] = true,
                        None => continue,
                    }
                }
                let filter = allowed.get_or_insert_with(|| {
                    attributes
                        .iter()
                        .map(|a| vec![true; a.categories.len()])
                        .collect()
                });
                for (ok, n) in filter[a].iter_mut().zip(&named) {
                    *ok &= *n == keep;
                }
                if !filter[a].iter().any(|&ok| ok) {
                    c.problem(
                        &path,
                        format!("leaves no category of {attr} eligible: nobody could enter"),
                    );
                }
            }
        }
        let mut share = Vec::new();
        for (attr, given) in d.share.clone().unwrap_or_default() {
            let path = format!("{p}.share.{attr}");
            let Some(a) = attribute(c, &path, &attr, attributes) else {
                continue;
            };
            let at = &attributes[a];
            if given.len() == 1 {
                let (cat, v) = given.iter().next().expect("one entry");
                let v = c.probability(&format!("{path}.{cat}"), Some(*v), 0.0);
                if let Some(k) = category(c, &format!("{path}.{cat}"), &at.id, &at.categories, cat)
                {
                    share.push((a, ShareChange::Category(k, v)));
                }
            } else if given.len() == at.categories.len() {
                let what = ("category", format!("the categories of {attr} are"));
                let d = shares(c, &path, &given, &at.categories, &what);
                share.push((a, ShareChange::Distribution(d)));
            } else {
                c.problem(
                    &path,
                    format!(
                        "gives {} categories: give one (its share among entrants, e.g. {{ {} = 0.6 }}) or all {} (a distribution)",
                        given.len(),
                        at.categories.last().map_or("yes", String::as_str),
                        at.categories.len()
                    ),
                );
            }
        }
        if active.as_deref() == Some(name.as_str()) {
            chosen = Some(Definition {
                name: name.clone(),
                mix,
                allowed,
                ineligible,
                share,
            });
        }
    }
    if let Some(name) = active {
        if chosen.is_none() {
            let known: Vec<&str> = all.keys().map(String::as_str).collect();
            c.problem(
                "definition",
                if known.is_empty() {
                    format!("\"{name}\" is not defined: the scenario has no [definitions]")
                } else {
                    format!(
                        "\"{name}\" is not defined: the scenario's definitions are {}",
                        known.join(", ")
                    )
                },
            );
        }
    }
    chosen
}

/// Applies a definition to a validated programme.
pub(super) fn apply(d: Definition, p: &mut Programme) -> Result<(), Problem> {
    let path = format!("definitions.{}", d.name);
    if let Some(mix) = d.mix {
        p.intake.mix = mix;
    }
    let weights = if d.share.is_empty() {
        Vec::new()
    } else {
        expected_entrants(p)
    };
    for (a, change) in d.share {
        let attr = &mut p.attributes[a];
        match change {
            ShareChange::Distribution(dist) => {
                for g in attr.distribution.iter_mut() {
                    g.clone_from(&dist);
                }
            }
            ShareChange::Category(k, target) => {
                tilt(&mut attr.distribution, &weights, k, target).map_err(|(lo, hi)| Problem {
                    path: format!("{path}.share.{}.{}", attr.id, attr.categories[k]),
                    message: format!(
                        "{target} cannot be reached by reweighting within groups: with this group mix the share can range from {} to {}; change the mix as well",
                        super::short(lo),
                        super::short(hi)
                    ),
                })?;
            }
        }
    }
    if let Some(allowed) = d.allowed {
        let e = Eligibility {
            allowed,
            ineligible: d.ineligible,
        };
        let scheduled: f64 = (0..p.groups.len())
            .map(|g| p.intake.mix[g] * e.eligible_share(&p.attributes, g))
            .sum();
        if p.intake.per_team > 0 && scheduled <= 0.0 {
            return Err(Problem {
                path,
                message: "no one in the scheduled intake's groups is eligible".into(),
            });
        }
        p.eligibility = Some(e);
    }
    p.definition = Some(d.name);
    Ok(())
}

/// Expected entrants per group over the horizon, before eligibility: scheduled places
/// times the mix, plus continuous intake.
fn expected_entrants(p: &Programme) -> Vec<f64> {
    let n = p.teams.len();
    let mut places = 0.0;
    let mut open_months = 0.0;
    for m in 0..p.calendar.horizon as i32 {
        if p.intake.paused(m) {
            continue;
        }
        open_months += 1.0;
        places += (0..n)
            .filter(|&t| p.teams[t].takes_intake(m) && p.intake.scheduled(m, t, n))
            .count() as f64
            * p.intake.per_team as f64;
    }
    let mut w: Vec<f64> = p.intake.mix.iter().map(|s| s * places).collect();
    for ci in &p.intake.continuous {
        w[ci.group] += ci.per_month * open_months;
    }
    w
}

/// Sets category `k`'s share among entrants (weighted by `weights`) to `target` by
/// multiplying its odds in every group by one factor; other categories keep their
/// proportions. Errs with the reachable range.
fn tilt(dist: &mut [Vec<f64>], weights: &[f64], k: usize, target: f64) -> Result<(), (f64, f64)> {
    let total: f64 = weights.iter().sum();
    let share = |lambda: f64| -> f64 {
        dist.iter()
            .zip(weights)
            .map(|(d, w)| w * odds_scaled(d[k], lambda))
            .sum::<f64>()
            / total.max(f64::MIN_POSITIVE)
    };
    let lo: f64 = dist
        .iter()
        .zip(weights)
        .filter(|(d, _)| d[k] >= 1.0)
        .map(|(_, w)| w)
        .sum::<f64>()
        / total.max(f64::MIN_POSITIVE);
    let hi: f64 = dist
        .iter()
        .zip(weights)
        .filter(|(d, _)| d[k] > 0.0)
        .map(|(_, w)| w)
        .sum::<f64>()
        / total.max(f64::MIN_POSITIVE);
    if total <= 0.0 || target < lo - 1e-9 || target > hi + 1e-9 {
        return Err((lo, hi));
    }
    // Bisection on log λ: the share rises monotonically with λ.
    let (mut a, mut b) = (-60.0f64, 60.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (a + b);
        if share(mid.exp()) < target {
            a = mid;
        } else {
            b = mid;
        }
    }
    let lambda = (0.5 * (a + b)).exp();
    for d in dist.iter_mut() {
        let old = d[k];
        let new = odds_scaled(old, lambda);
        let rest = if old < 1.0 {
            (1.0 - new) / (1.0 - old)
        } else {
            0.0
        };
        for (j, x) in d.iter_mut().enumerate() {
            *x = if j == k { new } else { *x * rest };
        }
    }
    Ok(())
}

/// `p` with its odds multiplied by `lambda`.
fn odds_scaled(p: f64, lambda: f64) -> f64 {
    if p >= 1.0 {
        1.0
    } else {
        lambda * p / (1.0 - p + lambda * p)
    }
}

fn attribute(c: &mut Checker, path: &str, id: &str, attributes: &[Attribute]) -> Option<usize> {
    let a = attributes.iter().position(|a| a.id == id);
    if a.is_none() {
        let known: Vec<&str> = attributes.iter().map(|a| a.id.as_str()).collect();
        c.problem(
            path,
            if known.is_empty() {
                format!("unknown attribute \"{id}\": the scenario has no [attributes]")
            } else {
                format!(
                    "unknown attribute \"{id}\": the scenario's attributes are {}",
                    known.join(", ")
                )
            },
        );
    }
    a
}

/// Index of category `cat` of attribute `id`, or a problem naming the known ones.
fn category(
    c: &mut Checker,
    path: &str,
    id: &str,
    categories: &[String],
    cat: &str,
) -> Option<usize> {
    let k = categories.iter().position(|x| x == cat);
    if k.is_none() {
        c.problem(
            path,
            format!(
                "unknown category \"{cat}\": the categories of {id} are {}",
                categories.join(", ")
            ),
        );
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilting_reaches_the_target_and_keeps_certain_groups() {
        let mut dist = vec![vec![0.9, 0.1], vec![0.0, 1.0], vec![0.75, 0.25]];
        let w = [1.0, 1.0, 2.0];
        tilt(&mut dist, &w, 1, 0.6).unwrap();
        let share = (dist[0][1] + dist[1][1] + 2.0 * dist[2][1]) / 4.0;
        assert!((share - 0.6).abs() < 1e-9, "{share}");
        assert_eq!(dist[1], vec![0.0, 1.0]);
        for d in &dist {
            assert!((d.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        // The odds of the category rose by the same factor in the tilted groups.
        let odds = |p: f64| p / (1.0 - p);
        let r0 = odds(dist[0][1]) / odds(0.1);
        let r2 = odds(dist[2][1]) / odds(0.25);
        assert!((r0 / r2 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn tilting_outside_the_reachable_range_is_refused() {
        let mut dist = vec![vec![1.0, 0.0], vec![0.5, 0.5]];
        assert_eq!(tilt(&mut dist, &[1.0, 1.0], 1, 0.9), Err((0.0, 0.5)));
    }
}
