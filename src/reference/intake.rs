//! Intake in the reference simulator: who is referred, who may enter, who waits.
//!
//! At a scheduled intake every team due this month (all teams, or one block of a rotation,
//! or listed months) is referred `per_team` people, each with a group drawn from the intake
//! mix (a shock's mix while it is on), a gender from the group's share of women and one
//! category per attribute from the group's distribution. A target-group definition turns
//! away the ineligible; with `refill` their places go to eligible people instead (groups
//! weighted by their eligible share, categories drawn among the allowed ones). With a
//! caseload cap, those already waiting enter first, then the month's referrals while the
//! team has room; the rest wait for the team's next intake or are declined. Continuous
//! streams (FK) send a Poisson number of people a month, each to a team taking intake
//! chosen at random. Nothing enters during an intake pause.

use rand::Rng;
use rand_distr::{Distribution, Poisson};

use super::{category_offsets, Participant, ReferenceRng, TeamState};
use crate::model::{Gender, Ineligible, Overflow, Programme};
use crate::trajectory::Trajectory;

/// What the month's intake turned away.
#[derive(Debug, Default)]
struct TurnedAway {
    declined: u32,
    ineligible: u32,
}

/// The intake of month `m`; with `rec`, entrants and referrals turned away are counted
/// in that reported month of the record.
pub(super) fn step(
    p: &Programme,
    m: i32,
    teams: &mut [TeamState],
    rng: &mut ReferenceRng,
    mut rec: Option<(usize, &mut Trajectory)>,
) {
    let intake = &p.intake;
    if intake.paused(m) {
        return;
    }
    let refill = p
        .eligibility
        .as_ref()
        .is_some_and(|e| e.ineligible == Ineligible::Refill);
    // The last listed shock with its own mix that is on this month sets the mix.
    let mix = p
        .shocks
        .iter()
        .rev()
        .find(|s| s.active(m) && s.mix.is_some())
        .and_then(|s| s.mix.as_ref())
        .unwrap_or(&intake.mix);
    let weights: Vec<f64> = (0..p.groups.len())
        .map(|g| mix[g] * if refill { eligible_share(p, g) } else { 1.0 })
        .collect();
    let cap = intake.cap.map_or(usize::MAX, |c| c.per_team as usize);
    let mut away = TurnedAway::default();
    for t in intake.scheduled_teams(m, p.teams.len()) {
        if !p.teams[t].takes_intake(m) {
            continue;
        }
        let ts = &mut teams[t];
        let room = cap.saturating_sub(ts.members.len());
        let mut admitted = 0;
        while admitted < room {
            let Some(person) = ts.waiting.pop_front() else {
                break;
            };
            enter(p, ts, person, m, &mut rec);
            admitted += 1;
        }
        for _ in 0..intake.per_team {
            let group = draw_index(&weights, rng);
            let person = referral(p, group, refill, rng);
            if !eligible(p, &person) {
                away.ineligible += 1;
            } else if admitted < room {
                enter(p, ts, person, m, &mut rec);
                admitted += 1;
            } else {
                overflow(p, ts, person, &mut away);
            }
        }
    }
    for stream in &intake.continuous {
        if stream.per_month <= 0.0 {
            continue;
        }
        let n = Poisson::new(stream.per_month)
            .expect("validated rate")
            .sample(rng) as u64;
        let open: Vec<usize> = (0..p.teams.len())
            .filter(|&t| p.teams[t].takes_intake(m))
            .collect();
        for _ in 0..n {
            let person = referral(p, stream.group, refill, rng);
            if open.is_empty() {
                away.declined += 1;
                continue;
            }
            let ts = &mut teams[open[rng.random_range(0..open.len())]];
            if !eligible(p, &person) {
                away.ineligible += 1;
            } else if ts.members.len() < cap {
                enter(p, ts, person, m, &mut rec);
            } else {
                overflow(p, ts, person, &mut away);
            }
        }
    }
    if let Some((r, out)) = rec {
        out.declined[r] += away.declined;
        out.ineligible[r] += away.ineligible;
    }
}

/// A referral of `group` (entry month set when they enter).
fn referral(p: &Programme, group: usize, refill: bool, rng: &mut ReferenceRng) -> Participant {
    Participant {
        group,
        gender: draw_gender(p, group, rng),
        categories: draw_categories(p, group, refill, rng),
        entry: 0,
        extended: false,
    }
}

/// Someone who found no room: waits for the team's next intake, or is declined.
fn overflow(p: &Programme, ts: &mut TeamState, person: Participant, away: &mut TurnedAway) {
    match p.intake.cap.map(|c| c.overflow) {
        Some(Overflow::Wait) | None => ts.waiting.push_back(person),
        Some(Overflow::Decline) => away.declined += 1,
    }
}

/// Enrols `person` in a team in month `m`, counting them as an entrant.
fn enter(
    p: &Programme,
    ts: &mut TeamState,
    mut person: Participant,
    m: i32,
    rec: &mut Option<(usize, &mut Trajectory)>,
) {
    person.entry = m;
    if let Some((r, out)) = rec {
        let gender = person.gender as usize;
        let c = out.cell(*r, person.group, gender);
        out.entrants[c] += 1;
        let rows = out.categories * 2;
        for (offset, &k) in category_offsets(p).zip(&person.categories) {
            out.category_entrants[*r * rows + (offset + k) * 2 + gender] += 1;
        }
    }
    ts.members.push(person);
}

/// A gender drawn from the group's share of women.
pub(super) fn draw_gender(p: &Programme, group: usize, rng: &mut ReferenceRng) -> Gender {
    if rng.random::<f64>() < p.groups[group].share_women {
        Gender::Woman
    } else {
        Gender::Man
    }
}

/// One category per attribute from the group's intake distributions, independently; with
/// `refill`, among the categories the definition allows (renormalised). Where a group has
/// nobody eligible for some attribute, every attribute takes its first category (and the
/// referral is then turned away as ineligible unless that happens to be allowed).
pub(super) fn draw_categories(
    p: &Programme,
    group: usize,
    refill: bool,
    rng: &mut ReferenceRng,
) -> Vec<usize> {
    let weights: Vec<Vec<f64>> = p
        .attributes
        .iter()
        .enumerate()
        .map(|(a, attr)| {
            let shares = &attr.distribution[group];
            (0..shares.len())
                .map(|k| {
                    if !refill || allowed(p, a, k) {
                        shares[k]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    if weights.iter().any(|w| w.iter().sum::<f64>() <= 0.0) {
        return vec![0; p.attributes.len()];
    }
    weights.iter().map(|w| draw_index(w, rng)).collect()
}

/// Whether the definition lets category `k` of attribute `a` enter.
fn allowed(p: &Programme, a: usize, k: usize) -> bool {
    p.eligibility.as_ref().is_none_or(|e| e.allowed[a][k])
}

/// Whether a referral is in the target group.
fn eligible(p: &Programme, person: &Participant) -> bool {
    person
        .categories
        .iter()
        .enumerate()
        .all(|(a, &k)| allowed(p, a, k))
}

/// The share of a group's referrals that is eligible: the product over attributes of the
/// allowed categories' shares (attributes are independent).
fn eligible_share(p: &Programme, group: usize) -> f64 {
    p.eligibility
        .as_ref()
        .map_or(1.0, |e| e.eligible_share(&p.attributes, group))
}

/// An index drawn with probability proportional to its weight (the last one with a
/// positive weight at the very top).
fn draw_index(weights: &[f64], rng: &mut ReferenceRng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return i;
        }
        u -= w;
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}
