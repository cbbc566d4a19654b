//! Posts in the reference simulator: vacancies, refills and onboarding, and what posts cost.
//!
//! At the start of every month each funded post of a working team that is filled falls
//! vacant with the role's monthly probability (times any shock's vacancy factor, at most
//! 1). A vacant post stays empty for `refill_months` months, then a new person works at
//! `onboarding_productivity` for `onboarding_months` months before the post counts as
//! filled again. Vacant posts are not paid.

use rand::Rng;

use super::{ReferenceRng, TeamState};
use crate::model::{Programme, RoleDynamics, Team, TEAM_ROLES};

/// State of one post.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Post {
    /// Someone works at full productivity.
    Filled,
    /// Empty; months left including the current one.
    Vacant(u32),
    /// A new person at reduced productivity; months left including the current one.
    Onboarding(u32),
}

impl Post {
    /// The share of a full post's work done in this state.
    pub fn productivity(self, role: &RoleDynamics) -> f64 {
        match self {
            Post::Filled => 1.0,
            Post::Vacant(_) => 0.0,
            Post::Onboarding(_) => role.onboarding_productivity,
        }
    }
}

/// The staffing transitions at the start of month `m`.
pub(super) fn step(p: &Programme, m: i32, teams: &mut [TeamState], rng: &mut ReferenceRng) {
    for (ts, team) in teams.iter_mut().zip(&p.teams) {
        if !team.exists(m, ts.members.len()) {
            continue;
        }
        for r in 0..TEAM_ROLES {
            if team.posts[r] <= 0.0 {
                continue;
            }
            let role = &p.roles[r];
            let vacancy = p
                .shocks
                .iter()
                .filter(|s| s.active(m))
                .fold(role.vacancy_probability, |v, s| v * s.vacancy_factors[r])
                .min(1.0);
            ts.posts[r] = match ts.posts[r] {
                Post::Filled if rng.random::<f64>() < vacancy => vacated(role),
                Post::Filled => Post::Filled,
                Post::Vacant(left) if left > 1 => Post::Vacant(left - 1),
                Post::Vacant(_) => onboarding(role),
                Post::Onboarding(left) if left > 1 => Post::Onboarding(left - 1),
                Post::Onboarding(_) => Post::Filled,
            };
        }
    }
}

/// A post just vacated: empty for the refill months (or straight to onboarding).
fn vacated(role: &RoleDynamics) -> Post {
    if role.refill_months == 0 {
        onboarding(role)
    } else {
        Post::Vacant(role.refill_months)
    }
}

/// A post just refilled: onboarding for the onboarding months (or filled at once).
fn onboarding(role: &RoleDynamics) -> Post {
    if role.onboarding_months == 0 {
        Post::Filled
    } else {
        Post::Onboarding(role.onboarding_months)
    }
}

/// The salaries of a working team's posts for one month (vacant posts are not paid).
pub(super) fn team_cost(p: &Programme, team: &Team, posts: &[Post; TEAM_ROLES]) -> f64 {
    (0..TEAM_ROLES)
        .filter(|&r| !matches!(posts[r], Post::Vacant(_)))
        .map(|r| team.posts[r] * p.costs.team_roles[r] / 12.0)
        .sum()
}
